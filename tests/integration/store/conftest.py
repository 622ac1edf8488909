"""Fixtures of the store tests: moto in-process with every table created through
``create_tables``, the store bound to it, and a log of the DynamoDB requests sent."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws
from storekit import RequestLog

from chalicelib.settings import Settings
from chalicelib.store.binding import bind, shared_connection
from chalicelib.store.tables import create_tables


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def settings(aws_env: None) -> Settings:
    return Settings(
        stage="test", region="eu-west-1", table_prefix="ringflow-test-", call_ttl_seconds=3600
    )


@pytest.fixture
def store(settings: Settings) -> Iterator[Settings]:
    """GIVEN moto holding every table of ``settings`` and the store bound to it."""
    with mock_aws():
        bind(settings)
        create_tables(settings)
        yield settings


@pytest.fixture
def sent(store: Settings) -> RequestLog:
    """Every request sent through the store's one shared botocore client."""
    log = RequestLog()
    shared_connection().client.meta.events.register("before-call.dynamodb", log)
    return log
