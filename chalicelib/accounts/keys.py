"""API keys: ``rf_<account id>_<secret>`` for tenants, ``rfop_<secret>`` for the operator; only
the sha256 of a key is stored (the operator's in the environment). Pure: imports the standard
library only."""

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


def new_operator_key() -> tuple[str, str]:
    """A fresh operator key and its hash (the value of ``RINGFLOW_OPERATOR_KEY_HASH``)."""
    key = f"rfop_{secrets.token_urlsafe(32)}"
    return key, key_hash(key)


def is_operator_key(key: str, configured_hash: str | None) -> bool:
    """True when an operator key hash is configured and ``key`` is its key (constant-time)."""
    if not configured_hash:
        return False
    return hmac.compare_digest(key_hash(key), configured_hash)
