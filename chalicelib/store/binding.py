"""Binding the store's models to one stage: physical table names, region, endpoint and one
shared DynamoDB connection.

``bind(settings)`` is called once at start (and again by tests that switch between moto
instances). Every model then talks through the same pynamodb ``Connection``, so a Lambda builds
one botocore client instead of one per table (about 50 ms each on a cold start); ``connect()``
builds it ahead of the first request (Lambda's init phase). That client is bound to the
request's deadline (``ops.deadline``): under a voice webhook each attempt reads for at most the
time left and no retry runs past it. ``bind`` binds every model of ``tables.table_models()``
(the core tables and every product table registered by then); a model registered after ``bind``
(a product module imported later) is bound as it is registered. Imports no aggregate module.
Part of ``store``, the only package that may import pynamodb.
"""

from __future__ import annotations

from typing import Any

from pynamodb.connection import Connection

from chalicelib.ops.aws import botocore_session
from chalicelib.ops.deadline import bound_to_deadline
from chalicelib.settings import Settings
from chalicelib.store.errors import StoreError
from chalicelib.store.registry import StoreItem, when_registered
from chalicelib.store.tables import table_models

CONNECT_TIMEOUT_SECONDS = 0.5
"""DynamoDB connects in milliseconds; a voice webhook has about 3 s in all (FACTS-operations),
and a connect cannot be shortened per request, so it is short for every request."""
READ_TIMEOUT_SECONDS = 3
"""Outside a deadline; under one, each attempt reads for at most the time left."""
MAX_POOL_CONNECTIONS = 64
"""Kept-alive connections of the one shared client: a Lambda needs one, but the local server
serves many webhooks at once on threads, and botocore's default of 10 opened (and dropped) a new
connection per request beyond it."""
MAX_RETRY_ATTEMPTS = 2
"""Retries of throttled or failed requests inside botocore, on top of the first attempt (never
past the request's deadline)."""


class DeadlineConnection(Connection):
    """A pynamodb connection whose botocore client honours ``ops.deadline``."""

    _bound_client: Any = None

    @property
    def session(self) -> Any:
        """pynamodb's per-thread botocore session, sharing the process's data loader."""
        if getattr(self._local, "session", None) is None:
            self._local.session = botocore_session()
            if self._aws_access_key_id and self._aws_secret_access_key:
                self._local.session.set_credentials(
                    self._aws_access_key_id, self._aws_secret_access_key, self._aws_session_token
                )
        return self._local.session

    @property
    def client(self) -> Any:
        """The botocore client, with the deadline hooks registered once per client."""
        client = super().client
        if client is not self._bound_client:
            self._bound_client = bound_to_deadline(client)
        return client


_bound: Settings | None = None
_connection: Connection | None = None


def bind(settings: Settings) -> None:
    """Point every model at the tables of ``settings`` and drop any cached connection.

    Idempotent: binding the same settings twice leaves the store as bound once. Binding again
    always starts a fresh connection (and botocore client) on first use, so tests can rebind
    between moto instances.
    """
    global _bound, _connection  # noqa: PLW0603 - the one process-wide binding
    connection = DeadlineConnection(
        region=settings.region,
        host=settings.aws_endpoint_url,
        connect_timeout_seconds=CONNECT_TIMEOUT_SECONDS,
        read_timeout_seconds=READ_TIMEOUT_SECONDS,
        max_retry_attempts=MAX_RETRY_ATTEMPTS,
        max_pool_connections=MAX_POOL_CONNECTIONS,
    )
    for model in table_models():
        bind_model(model, settings, connection)
    _connection = connection
    _bound = settings


def bind_model(model: type[StoreItem], settings: Settings, connection: Connection) -> None:
    """Point one model at its table of ``settings`` and route it through ``connection``."""
    meta = model.Meta
    meta.table_name = settings.table(model.LOGICAL_NAME)
    meta.region = settings.region
    meta.host = settings.aws_endpoint_url
    meta.connect_timeout_seconds = CONNECT_TIMEOUT_SECONDS  # type: ignore[assignment]  # float works
    meta.read_timeout_seconds = READ_TIMEOUT_SECONDS
    meta.max_retry_attempts = MAX_RETRY_ATTEMPTS
    model._connection = None
    table_connection = model._get_connection()
    schema = table_connection.get_meta_table()
    # a table defined again under its name (a test's product model) replaces the old schema
    connection._tables.pop(schema.table_name, None)
    connection.add_meta_table(schema)
    table_connection.connection = connection


def _bind_if_bound(model: type[StoreItem]) -> None:
    """Bind a model registered after ``bind`` to the current binding (if there is one)."""
    if _bound is not None and _connection is not None:
        bind_model(model, _bound, _connection)


when_registered(_bind_if_bound)


def bound_settings() -> Settings:
    """The settings the store is bound to; raises ``StoreError`` before ``bind``."""
    if _bound is None:
        raise StoreError("the store is not bound: call chalicelib.store.binding.bind(settings)")
    return _bound


def shared_connection() -> Connection:
    """The connection every model uses (for transactions). Internal to ``store``."""
    bound_settings()
    assert _connection is not None
    return _connection


def connect() -> None:
    """Build the shared connection's botocore client now rather than in the first request.

    Loads the service model and endpoints and reads credentials from the environment; opens no
    network connection (botocore connects on the first request).
    """
    _ = shared_connection().client
