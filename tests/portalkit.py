"""Test kit for the callback user's web pages (tests/browser): the served site's handle and the
seeded data's constants."""

from __future__ import annotations

from dataclasses import dataclass, field

PASSWORD = "browser-test-pw"
ACCOUNTS = (
    "home",
    "lockout",
    "history",
    "numbers",
    "directory",
    "voucher",
    "phone",
    "csrf",
    "call",
)
"""One account per test that changes one, so the tests pass in any order."""
TAKEN_NUMBER = "447700900777"
"""Registered to the ``home`` account: no other account may register it."""
CALL_SERVICE = "browser-desk"
"""The web callback service the pages' "Call now" places calls through."""


@dataclass
class Site:
    """The served app and its test data."""

    url: str
    accounts: dict[str, str]
    vouchers: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    """The served app's environment (its moto endpoint): tests that seed more data or run
    queued tasks build a container from it."""

    def page(self, path: str) -> str:
        return f"{self.url}/my{path}"
