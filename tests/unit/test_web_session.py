"""The web pages' session cookie: GIVEN a session signed with the stage's key, WHEN it is read
back, tampered with, expired, or signed with another key, THEN only the untouched, unexpired one
reads; CSRF tokens compare exactly; a deployed stage without a long enough secret has no key."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.settings import Settings
from chalicelib.web import session as sessions

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
KEY = sessions.signing_key(Settings(stage="local"))


def test_a_session_reads_back_until_it_expires() -> None:
    made = sessions.new_session("30000001", NOW, token="t" * 43).with_notice("Saved.")
    value = sessions.encode(made, KEY)
    assert sessions.decode(value, KEY, NOW) == made
    assert sessions.decode(value, KEY, NOW + sessions.LIFETIME - timedelta(seconds=1)) == made
    assert sessions.decode(value, KEY, NOW + sessions.LIFETIME) is None


def test_a_tampered_or_foreign_cookie_reads_as_none() -> None:
    value = sessions.encode(sessions.new_session("30000001", NOW), KEY)
    payload, signature = value.split(".")
    forged = sessions.encode(sessions.new_session("30000002", NOW), b"another key")
    assert sessions.decode(forged, KEY, NOW) is None
    assert sessions.decode(forged.split(".")[0] + "." + signature, KEY, NOW) is None
    assert sessions.decode(payload + "." + signature[:-2] + "AA", KEY, NOW) is None
    for garbage in ("", "x", "a.b.c", "." * 5000, payload):
        assert sessions.decode(garbage, KEY, NOW) is None


def test_the_cookie_header_is_read_and_written_with_its_flags() -> None:
    made = sessions.new_session("", NOW)
    value = sessions.encode(made, KEY)
    header = f"other=1; {sessions.COOKIE}={value}"
    assert sessions.from_header(header, KEY, NOW) == made
    assert sessions.from_header("broken=\x00;;", KEY, NOW) is None
    assert sessions.from_header(None, KEY, NOW) is None
    cookie = sessions.set_cookie(value, "/api/my", secure=True, max_age=3600)
    assert cookie.startswith(f"{sessions.COOKIE}={value}; Path=/api/my; Max-Age=3600")
    assert cookie.endswith("; HttpOnly; SameSite=Lax; Secure")
    assert "Secure" not in sessions.set_cookie(value, "/my", secure=False, max_age=0)


def test_a_csrf_token_must_be_the_sessions_own() -> None:
    made = sessions.new_session("30000001", NOW)
    assert sessions.token_matches(made, made.csrf)
    assert not sessions.token_matches(made, made.csrf[:-1])
    assert not sessions.token_matches(made, "")
    assert not sessions.token_matches(made, None)
    assert not sessions.token_matches(None, made.csrf)
    assert not sessions.token_matches(replace(made, csrf="other"), made.csrf)


def test_only_the_local_stage_has_a_default_key() -> None:
    assert sessions.signing_key(Settings(stage="local")) == KEY
    with pytest.raises(sessions.PortalNotConfiguredError):
        sessions.signing_key(Settings(stage="prod"))
    with pytest.raises(sessions.PortalNotConfiguredError):
        sessions.signing_key(Settings(stage="prod", portal_secret="short"))
    deployed = sessions.signing_key(Settings(stage="prod", portal_secret="s" * 40))
    assert deployed != KEY
    assert sessions.signing_key(Settings(stage="local", portal_secret="s" * 40)) == deployed


def test_the_pages_path_follows_the_public_base_url() -> None:
    assert sessions.base_path(Settings(public_base_url="http://127.0.0.1:8000")) == ""
    assert sessions.base_path(Settings(public_base_url="https://x.example/api/")) == "/api"
