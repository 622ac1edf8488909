"""API keys: ``rf_<account id>_<secret>``; only the sha256 of a key is stored. Pure."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

_KEY = re.compile(r"^rf_(?P<account>[a-z0-9][a-z0-9-]{0,62})_(?P<secret>[A-Za-z0-9_-]{32,})$")


class ApiKeyError(ValueError):
    """A key is malformed or unknown."""


def key_hash(key: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(key.encode()).hexdigest()


def new_api_key(account_id: str) -> tuple[str, str]:
    """A fresh key for ``account_id`` and its hash."""
    key = f"rf_{account_id}_{secrets.token_urlsafe(32)}"
    return key, key_hash(key)


def account_of(key: str) -> str:
    """The account a key names (not yet proof that it is valid)."""
    match = _KEY.match(key)
    if match is None:
        raise ApiKeyError("malformed API key")
    return match.group("account")


def matches(key: str, hashes: tuple[str, ...]) -> bool:
    """True when ``key`` is one of the stored ``hashes`` (constant-time compare)."""
    digest = key_hash(key)
    return any(hmac.compare_digest(digest, stored) for stored in hashes)
