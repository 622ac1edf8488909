"""The callback URLs Vonage calls back on: the one spelling of their paths and query parameters.

The NCCO renderer writes these URLs into actions, the client into created calls, and the web
layer registers its routes from the same path constants, so a route and the URL that reaches it
cannot drift apart. Every voice URL carries ``call=<call id>`` (our call, not Vonage's leg uuid)
and, for actions that wait for the network, ``ref=<ref>``; both are ours and are stripped from
the provider payload by ``webhooks.decode_payload``. Imports only the standard library.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

ANSWER_PATH = "/vonage/voice/answer"
EVENT_PATH = "/vonage/voice/event"
INPUT_PATH = "/vonage/voice/input"
RECORDING_PATH = "/vonage/voice/recording"
NOTIFY_PATH = "/vonage/voice/notify"
KEYS_PATH = "/vonage/voice/keys"
"""Where an asynchronous input reports each key the caller presses."""
FALLBACK_PATH = "/vonage/voice/fallback"
SMS_INBOUND_PATH = "/vonage/sms/inbound"
SMS_STATUS_PATH = "/vonage/sms/status"
"""The account's delivery-receipt webhook (the dashboard's "Delivery receipts" URL)."""

VOICE_PATHS = (
    ANSWER_PATH,
    EVENT_PATH,
    INPUT_PATH,
    RECORDING_PATH,
    NOTIFY_PATH,
    KEYS_PATH,
    FALLBACK_PATH,
)
"""Every voice webhook path, for route registration and tests."""

CALL_PARAM = "call"
"""Query parameter carrying our call id."""

REF_PARAM = "ref"
"""Query parameter carrying the ref of the action that is waiting for this callback."""

ROUTING_PARAMS = frozenset({CALL_PARAM, REF_PARAM})
"""Query parameters that are ours, never part of a provider payload."""


@dataclass(frozen=True)
class CallbackUrls:
    """The callback URLs of one call, under ``base_url`` (scheme, host and any stage prefix)."""

    base_url: str
    call_id: str

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError(f"base_url must be an absolute http(s) URL, got {self.base_url!r}")
        if parts.query or parts.fragment:
            raise ValueError(f"base_url must not have a query or fragment: {self.base_url!r}")

    def _url(self, path: str, ref: str = "") -> str:
        params = ((CALL_PARAM, self.call_id), (REF_PARAM, ref))
        query = urlencode([(name, value) for name, value in params if value])
        base = self.base_url.rstrip("/") + path
        return f"{base}?{query}" if query else base

    def answer(self) -> str:
        """Where Vonage asks for the first NCCO of a leg."""
        return self._url(ANSWER_PATH)

    def event(self, ref: str = "") -> str:
        """Where Vonage reports leg status changes (``ref`` names a waiting ``Bridge``)."""
        return self._url(EVENT_PATH, ref)

    def input(self, ref: str) -> str:
        """Where Vonage sends the result of an ``Ask``."""
        return self._url(INPUT_PATH, ref)

    def recording(self, ref: str) -> str:
        """Where Vonage announces the file of a ``Record``."""
        return self._url(RECORDING_PATH, ref)

    def notify(self, ref: str) -> str:
        """Where Vonage calls when the NCCO reaches a ``Notify``."""
        return self._url(NOTIFY_PATH, ref)

    def keys(self, ref: str) -> str:
        """Where Vonage reports each key an asynchronous input hears (``ListenKeys``)."""
        return self._url(KEYS_PATH, ref)

    def fallback(self) -> str:
        """Where Vonage goes when the answer or an NCCO-returning event URL fails."""
        return self._url(FALLBACK_PATH)


def routing_of(url: str) -> tuple[str | None, str]:
    """The ``(call id, ref)`` in a URL made by ``CallbackUrls`` (``None`` and ``""`` if absent).

    Raises ``ValueError`` when a routing parameter appears more than once: such a URL was not
    made here.
    """
    seen: dict[str, str] = {}
    for name, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        if name in ROUTING_PARAMS:
            if name in seen:
                raise ValueError(f"query parameter {name!r} appears more than once in {url!r}")
            seen[name] = value
    return seen.get(CALL_PARAM) or None, seen.get(REF_PARAM, "")
