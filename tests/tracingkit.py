"""Helpers for observability tests: a log sink on the platform logger, and a way to make
aws-xray-sdk unimportable, as it is in a package that lacks it."""

from __future__ import annotations

import copy
import logging
import sys

import pytest


class Recorded(logging.Handler):
    """Keeps the records the platform logger emits (a fake log sink)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def messages(self, level: int) -> list[str]:
        return [r.getMessage() for r in self.records if r.levelno == level]


def block_xray_sdk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``import aws_xray_sdk`` fail as it does where the package lacks it, and make the
    powertools Tracer forget a provider an earlier Tracer may have cached on its class."""
    from aws_lambda_powertools.tracing.tracer import Tracer

    for name in [n for n in sys.modules if n == "aws_xray_sdk" or n.startswith("aws_xray_sdk.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "aws_xray_sdk", None)
    monkeypatch.setattr(Tracer, "_config", copy.copy(Tracer._default_config))
