"""Callback URLs: one spelling of paths and routing parameters."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from chalicelib.telephony.vonage import urls
from chalicelib.telephony.vonage.urls import CallbackUrls, routing_of

BASE = "https://ringflow.example.com/api"


def test_every_url_has_its_path_and_the_call_id() -> None:
    # GIVEN the callback URLs of one call
    callbacks = CallbackUrls(BASE, "call-1")
    # WHEN each URL is spelled
    made = {
        urls.ANSWER_PATH: callbacks.answer(),
        urls.EVENT_PATH: callbacks.event(),
        urls.INPUT_PATH: callbacks.input("ask-1"),
        urls.RECORDING_PATH: callbacks.recording("rec-1"),
        urls.NOTIFY_PATH: callbacks.notify("n-1"),
        urls.KEYS_PATH: callbacks.keys("k-1"),
        urls.FALLBACK_PATH: callbacks.fallback(),
    }
    # THEN each sits under the base URL at its exported path and names the call
    assert set(made) == set(urls.VOICE_PATHS)
    for path, url in made.items():
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}{parts.path}" == BASE + path
        assert parse_qs(parts.query)["call"] == ["call-1"]


def test_ref_is_written_only_when_given() -> None:
    # GIVEN callback URLs
    callbacks = CallbackUrls(BASE, "call-1")
    # WHEN the event URL is spelled with and without a ref
    # THEN an empty ref is omitted
    assert callbacks.event() == f"{BASE}/vonage/voice/event?call=call-1"
    assert callbacks.event("b-1") == f"{BASE}/vonage/voice/event?call=call-1&ref=b-1"


def test_values_are_url_encoded_and_read_back() -> None:
    # GIVEN a call id and a ref with characters that need encoding
    callbacks = CallbackUrls(BASE + "/", "c 1&x=2")
    # WHEN a URL is made and read back
    url = callbacks.input("menu/1?é")
    # THEN the raw characters do not leak into the query and both values round-trip
    assert "&x=2" not in url and " " not in url and "//vonage" not in url
    assert routing_of(url) == ("c 1&x=2", "menu/1?é")


def test_empty_call_id_is_omitted() -> None:
    # GIVEN no call id
    # WHEN the answer URL is spelled
    # THEN it has no query at all
    assert CallbackUrls(BASE, "").answer() == BASE + urls.ANSWER_PATH


def test_routing_of_a_url_without_routing_parameters() -> None:
    # GIVEN a URL made elsewhere
    # WHEN its routing is read
    # THEN there is no call id and no ref
    assert routing_of("https://other.example.com/hook?x=1") == (None, "")


def test_routing_of_refuses_repeated_parameters() -> None:
    # GIVEN a URL with two call ids
    # WHEN its routing is read
    # THEN it is refused: it was not made by CallbackUrls
    with pytest.raises(ValueError, match="more than once"):
        routing_of(f"{BASE}/vonage/voice/event?call=a&call=b")


@pytest.mark.parametrize("base", ["ftp://x.example.com", "/relative", "https://x.example.com?q=1"])
def test_bad_base_url_is_refused(base: str) -> None:
    # GIVEN a base URL that is not absolute http(s) without query
    # WHEN callback URLs are built on it
    # THEN it is refused at once
    with pytest.raises(ValueError, match="base_url"):
        CallbackUrls(base, "call-1")


def test_sms_inbound_path_is_exported() -> None:
    assert urls.SMS_INBOUND_PATH == "/vonage/sms/inbound"
    assert frozenset({"call", "ref"}) == urls.ROUTING_PARAMS
