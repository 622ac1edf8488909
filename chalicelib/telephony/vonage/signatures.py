"""Vonage webhook signatures, both directions: voice JWTs and SMS ``sig`` parameters.

Voice: ``Authorization: Bearer <HS256 JWT>`` signed with the account signature secret, claims
``iat``, ``jti``, ``iss``, ``api_key``, ``application_id`` and ``payload_hash`` (sha256 hex of the
body). We check the signature, the body hash and that ``iat`` is within a window of now.
SMS: parameters sorted by key, ``&`` and ``=`` in values replaced with ``_``, joined as
``&k=v...``; the "md5hash" method appends the secret and takes md5, the HMAC methods key an HMAC
with the secret. The simulator signs with the same functions, so there is one spelling of each.

The HS256 JWT is read and written here with the standard library (``hmac``, ``base64``,
``json``): PyJWT would import ``cryptography`` (~0.1 s) on every cold start for an algorithm that
needs none. Only ``alg`` HS256 is accepted (never ``none``, never an asymmetric one); ``exp``
and ``nbf`` are honoured when present. Tests check tokens against PyJWT both ways. Imports only
the standard library.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any, Mapping

MAX_TOKEN_CHARS = 8192
"""A Vonage webhook token is a few hundred characters; anything far longer is refused unread."""


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
    return encode_hs256(claims, secret)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not text or len(text) % 4 == 1:
        raise SignatureError("bad token: malformed segment")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise SignatureError("bad token: malformed segment") from error


def _mac(signing_input: str, secret: str) -> bytes:
    return hmac.new(secret.encode(), signing_input.encode("ascii"), hashlib.sha256).digest()


def encode_hs256(claims: Mapping[str, Any], secret: str) -> str:
    """A compact HS256 JWT carrying ``claims``."""
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64(json.dumps(dict(claims), separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}"
    return f"{signing_input}.{_b64(_mac(signing_input, secret))}"


def _json_object(segment: str) -> dict[str, Any]:
    try:
        value = json.loads(_unb64(segment))
    except (ValueError, RecursionError) as error:
        raise SignatureError("bad token: a segment is not JSON") from error
    if not isinstance(value, dict):
        raise SignatureError("bad token: a segment is not a JSON object")
    return value


def _is_time(value: Any) -> bool:
    """A NumericDate: a finite number (JSON also reads ``NaN`` and ``Infinity``)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def decode_hs256(token: str, secret: str, now: datetime, leeway: int) -> dict[str, Any]:
    """The claims of a compact HS256 JWT signed with ``secret``; ``SignatureError`` otherwise
    (another algorithm, a bad signature, ``exp``/``nbf`` outside ``leeway`` seconds of now)."""
    if len(token) > MAX_TOKEN_CHARS:
        raise SignatureError("bad token: too long")
    parts = token.split(".")
    if len(parts) != 3:
        raise SignatureError("bad token: not a compact JWS")
    header_text, payload_text, signature_text = parts
    try:
        signing_input = f"{header_text}.{payload_text}"
        signing_input.encode("ascii")
    except UnicodeEncodeError as error:
        raise SignatureError("bad token: not ASCII") from error
    header = _json_object(header_text)
    if header.get("alg") != "HS256":
        raise SignatureError(f"bad token: algorithm {header.get('alg')!r} is not accepted")
    if not hmac.compare_digest(_unb64(signature_text), _mac(signing_input, secret)):
        raise SignatureError("bad token: signature verification failed")
    claims = _json_object(payload_text)
    moment = now.timestamp()
    for name, late in (("exp", False), ("nbf", True)):
        if name not in claims:
            continue
        value = claims[name]
        if not _is_time(value):
            raise SignatureError(f"bad token: {name} is not a time")
        if (moment > value + leeway) if not late else (moment < value - leeway):
            raise SignatureError(f"bad token: {'expired' if not late else 'not yet valid'}")
    return claims


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
    claims = decode_hs256(token, secret, now, window_seconds)
    if "iat" not in claims:
        raise SignatureError("bad token: no iat claim")
    iat: Any = claims["iat"]
    if not _is_time(iat) or abs(now.timestamp() - float(iat)) > window_seconds:
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
