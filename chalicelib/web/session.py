"""The web pages' session (the callback user's site, the click-to-call company's site): a
signed, expiring cookie and the CSRF token it carries.

A session is ``{"a": account id or "", "c": CSRF token, "x": expiry (epoch seconds), "f":
a notice for the next page}``, sent as ``base64url(JSON).base64url(HMAC-SHA256)``; the key is
derived from ``Settings.portal_secret`` and the site's own purpose, so that one site's cookie
never reads on another (unset: a fixed development key on the local stage only; any other stage
has no key, and the pages refuse to serve). Signatures and tokens are
compared in constant time. Anonymous sessions exist too: the login form's CSRF token is bound
to one, and a login replaces it by a new session (a new token: no session fixation). The cookie
is HttpOnly, SameSite=Lax, Secure whenever the pages are served over https, and scoped to the
pages' path, each site's under its own name. Pure: the clock and the random token are passed
in. Imports the standard library and the settings only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlsplit

from chalicelib.settings import Settings

COOKIE = "ringflow_portal"
LIFETIME = timedelta(hours=1)
"""A session ends an hour after it began (the user logs in again)."""
MIN_SECRET_LENGTH = 32
LOCAL_SECRET = "local-portal-secret-not-for-deployed-stages-0123456789"
"""The local stage's signing key when none is set: the local run and tests only."""
MAX_COOKIE_LENGTH = 2048


class PortalNotConfiguredError(RuntimeError):
    """The stage has no (or too short a) ``RINGFLOW_PORTAL_SECRET``: no page is served."""


PORTAL_PURPOSE = b"ringflow portal session v1"
"""The callback user's site's key derivation label (changing it logs every user out)."""


def signing_key(settings: Settings, purpose: bytes = PORTAL_PURPOSE) -> bytes:
    """The session key of ``settings``' stage for one site (``purpose``);
    ``PortalNotConfiguredError`` without a secret."""
    secret = settings.portal_secret
    if secret is None and settings.stage == "local":
        secret = LOCAL_SECRET
    if secret is None or len(secret) < MIN_SECRET_LENGTH:
        raise PortalNotConfiguredError(
            f"RINGFLOW_PORTAL_SECRET must be set ({MIN_SECRET_LENGTH} characters or more)"
        )
    return hmac.new(secret.encode(), purpose, hashlib.sha256).digest()


def base_path(settings: Settings) -> str:
    """The path the app is served under (an API Gateway stage, ``/api``; locally ``""``)."""
    return urlsplit(settings.public_base_url).path.rstrip("/")


@dataclass(frozen=True)
class Session:
    """One browser's session: whose (``account_id``, "" before login), its CSRF token, when it
    ends, and a notice for the next page shown."""

    account_id: str
    csrf: str
    expires: int
    notice: str = ""

    @property
    def logged_in(self) -> bool:
        return bool(self.account_id)

    def with_notice(self, notice: str) -> Session:
        return replace(self, notice=notice)


def new_session(account_id: str, now: datetime, token: str | None = None) -> Session:
    """A fresh session (a new CSRF token) of ``account_id`` ("" for anonymous)."""
    expires = int((now + LIFETIME).timestamp())
    return Session(account_id, token or secrets.token_urlsafe(32), expires)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode(session: Session, key: bytes) -> str:
    """The cookie value of ``session``."""
    body = {"a": session.account_id, "c": session.csrf, "x": session.expires, "f": session.notice}
    payload = _b64(json.dumps(body, separators=(",", ":")).encode())
    signature = _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())
    return f"{payload}.{signature}"


def decode(value: str, key: bytes, now: datetime) -> Session | None:
    """The session a cookie value holds, or None if it is malformed, forged or expired."""
    if not value or len(value) > MAX_COOKIE_LENGTH or value.count(".") != 1:
        return None
    payload, signature = value.split(".")
    expected = _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        return None
    try:
        body = json.loads(_unb64(payload))
        session = Session(str(body["a"]), str(body["c"]), int(body["x"]), str(body.get("f", "")))
    except (ValueError, KeyError, TypeError):
        return None
    return session if now.timestamp() < session.expires and session.csrf else None


def from_header(
    header: str | None, key: bytes, now: datetime, cookie: str = COOKIE
) -> Session | None:
    """The session of a request's ``Cookie`` header (the cookie named ``cookie``), or None."""
    if not header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return None
    morsel = jar.get(cookie)
    return None if morsel is None else decode(morsel.value, key, now)


def token_matches(session: Session | None, token: str | None) -> bool:
    """Whether a form's CSRF token is the session's (constant time)."""
    if session is None or not token:
        return False
    return hmac.compare_digest(session.csrf.encode(), token.encode())


def set_cookie(value: str, path: str, secure: bool, max_age: int, cookie: str = COOKIE) -> str:
    """A ``Set-Cookie`` header value for the session cookie (``max_age`` 0 deletes it)."""
    flags = "; Secure" if secure else ""
    return f"{cookie}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Lax{flags}"
