"""Vonage webhook signatures, both directions: voice JWTs and SMS ``sig`` parameters.

Voice: ``Authorization: Bearer <HS256 JWT>`` signed with the account signature secret, claims
``iat``, ``jti``, ``iss``, ``api_key``, ``application_id`` and ``payload_hash`` (sha256 hex of the
body). We check the signature, the body hash and that ``iat`` is within a window of now.
SMS: parameters sorted by key, ``&`` and ``=`` in values replaced with ``_``, joined as
``&k=v...``; the "md5hash" method appends the secret and takes md5, the HMAC methods key an HMAC
with the secret. The simulator signs with the same functions, so there is one spelling of each.
Imports only PyJWT and the standard library.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any, Mapping

import jwt


class SignatureError(Exception):
    """A webhook is unsigned, wrongly signed, tampered with or stale."""


class SmsSignatureMethod(StrEnum):
    """The signature methods a Vonage account can choose for SMS."""

    MD5_HASH = "md5hash"
    MD5_HMAC = "md5"
    SHA1_HMAC = "sha1"
    SHA256_HMAC = "sha256"
    SHA512_HMAC = "sha512"


def body_hash(body: bytes) -> str:
    """The ``payload_hash`` claim of a body."""
    return hashlib.sha256(body).hexdigest()


def sign_voice_webhook(
    body: bytes, secret: str, api_key: str, application_id: str, now: datetime
) -> str:
    """The bearer token Vonage sends with a voice webhook carrying ``body``."""
    claims = {
        "iat": int(now.timestamp()),
        "jti": str(uuid.uuid4()),
        "iss": "Vonage",
        "payload_hash": body_hash(body),
        "api_key": api_key,
        "application_id": application_id,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def verify_voice_webhook(
    authorization: str | None,
    body: bytes,
    secret: str,
    now: datetime,
    window_seconds: int = 300,
) -> Mapping[str, Any]:
    """Check a voice webhook's bearer JWT; return its claims or raise ``SignatureError``.

    A GET webhook has an empty body; its ``payload_hash`` (when present) must then match the
    hash of the empty body.
    """
    if not authorization or not authorization.lower().startswith("bearer "):
        raise SignatureError("missing bearer token")
    token = authorization[7:].strip()
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            options={"require": ["iat"], "verify_iat": False},
            leeway=window_seconds,
        )
    except jwt.PyJWTError as error:
        raise SignatureError(f"bad token: {error}") from error
    iat = claims.get("iat")
    if not isinstance(iat, (int, float)) or abs(now.timestamp() - float(iat)) > window_seconds:
        raise SignatureError("token issued outside the accepted window")
    expected = claims.get("payload_hash")
    if body and expected is None:
        raise SignatureError("token has no payload_hash for a body")
    if expected is not None and not hmac.compare_digest(str(expected), body_hash(body)):
        raise SignatureError("payload_hash does not match the body")
    return claims


def _signing_string(params: Mapping[str, str]) -> str:
    parts = []
    for key in sorted(params):
        if key == "sig":
            continue
        value = str(params[key]).replace("&", "_").replace("=", "_")
        parts.append(f"&{key}={value}")
    return "".join(parts)


def sms_signature(params: Mapping[str, str], secret: str, method: SmsSignatureMethod) -> str:
    """The ``sig`` of ``params`` (``sig`` itself is ignored)."""
    text = _signing_string(params)
    if method is SmsSignatureMethod.MD5_HASH:
        return hashlib.md5((text + secret).encode()).hexdigest()  # noqa: S324 (Vonage's scheme)
    digest = {
        SmsSignatureMethod.MD5_HMAC: hashlib.md5,
        SmsSignatureMethod.SHA1_HMAC: hashlib.sha1,
        SmsSignatureMethod.SHA256_HMAC: hashlib.sha256,
        SmsSignatureMethod.SHA512_HMAC: hashlib.sha512,
    }[method]
    return hmac.new(secret.encode(), text.encode(), digest).hexdigest()


def sign_sms_params(
    params: Mapping[str, str], secret: str, method: SmsSignatureMethod, now: datetime
) -> dict[str, str]:
    """A copy of ``params`` with ``timestamp`` (if missing) and ``sig`` added."""
    signed = {k: str(v) for k, v in params.items() if k != "sig"}
    signed.setdefault("timestamp", str(int(now.timestamp())))
    signed["sig"] = sms_signature(signed, secret, method)
    return signed


def verify_sms_params(
    params: Mapping[str, str],
    secret: str,
    method: SmsSignatureMethod,
    now: datetime,
    window_seconds: int = 300,
) -> None:
    """Raise ``SignatureError`` unless ``params`` carry a fresh, correct ``sig``."""
    sig = params.get("sig")
    if not sig:
        raise SignatureError("missing sig")
    timestamp = params.get("timestamp")
    try:
        issued = int(str(timestamp))
    except ValueError as error:
        raise SignatureError("missing or bad timestamp") from error
    if abs(now.timestamp() - issued) > window_seconds:
        raise SignatureError("timestamp outside the accepted window")
    expected = sms_signature(params, secret, method)
    if not hmac.compare_digest(expected.lower(), str(sig).lower()):
        raise SignatureError("sig does not match")
