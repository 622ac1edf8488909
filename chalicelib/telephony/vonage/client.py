"""The Vonage REST client: ``CallControl`` and ``SmsSender`` (``telephony.ports``) on Vonage.

Drives the Voice and SMS APIs through the vonage SDK v4 sub-packages (``vonage_http_client``,
``vonage_voice``, ``vonage_sms``; never the ``vonage`` umbrella), all imported lazily on first
use so that importing this module costs no cold-start time. Every request has an explicit
timeout and waits for a token of a per-client bucket (build one client per process, as wiring
does): at most 3 call creations and 15 other Voice requests per second, 30 SMS requests per
second (FACTS §5). A 429 is retried with exponential back-off and jitter a bounded number of
times, then raised as ``CarrierBusyError`` so the caller requeues: a call is never dropped
silently. Other failures map to the ``errors`` hierarchy. NCCOs are rendered by ``ncco`` and sent
as they are: the SDK's own NCCO models would rewrite them (they type ``ringbackTone`` as a list,
coerce ``wait`` into another action and send ``{}`` for dict actions in ``transfer_call_ncco``).
Imports the standard library and the telephony contracts at import time; never the web layer.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from chalicelib.settings import Settings
from chalicelib.telephony.actions import SIP_URI, Action
from chalicelib.telephony.errors import (
    CarrierAuthError,
    CarrierBusyError,
    CarrierError,
    CarrierNotFoundError,
    CarrierOutcomeUnknownError,
    CarrierRequestError,
    CarrierUnavailableError,
    RecordingUrlError,
)
from chalicelib.telephony.ports import OutboundCall, PlacedCall, SentSms
from chalicelib.telephony.vonage.ncco import E164, render
from chalicelib.telephony.vonage.ratelimit import TokenBucket
from chalicelib.telephony.vonage.urls import CallbackUrls, routing_of

if TYPE_CHECKING:
    from chalicelib.telephony.vonage.transport import ConfiguredHttpClient

CALL_CREATES_PER_SECOND = 3.0
VOICE_REQUESTS_PER_SECOND = 15.0
SMS_REQUESTS_PER_SECOND = 30.0
MAX_RECORDING_BYTES = 256 * 1024 * 1024

_LEG_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")
_HOST = re.compile(r"^[A-Za-z0-9.-]+(:\d{1,5})?$")
_VONAGE_DOMAINS = ("nexmo.com", "vonage.com")

# GSM 03.38 basic character set and extension table: text outside them must be sent as unicode.
_GSM_CHARS = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
    "\f^{}\\[~]|€"
)

T = TypeVar("T")


def needs_unicode(text: str) -> bool:
    """True when ``text`` has a character the GSM 7-bit alphabet cannot carry."""
    return any(char not in _GSM_CHARS for char in text)


@dataclass(frozen=True)
class VonageConfig:
    """How to reach Vonage: credentials, hosts, timeout, TLS trust and our public base URL."""

    application_id: str
    private_key: str = field(repr=False)
    api_key: str
    api_secret: str = field(repr=False)
    api_host: str
    rest_host: str
    timeout: float
    ca_bundle: str | None
    base_url: str

    def __post_init__(self) -> None:
        if not (isinstance(self.timeout, int | float) and 0 < self.timeout <= 60):
            raise ValueError(f"timeout must be within (0, 60] seconds, got {self.timeout!r}")
        for name in ("api_host", "rest_host"):
            host = getattr(self, name)
            if not _HOST.match(host):
                raise ValueError(f"{name} must be host[:port] without scheme, got {host!r}")
        CallbackUrls(self.base_url, "")  # raises ValueError on a bad base URL

    @classmethod
    def from_settings(cls, settings: Settings) -> VonageConfig:
        """The configuration of a stage."""
        return cls(
            application_id=settings.vonage_application_id,
            private_key=settings.vonage_private_key,
            api_key=settings.vonage_api_key,
            api_secret=settings.vonage_api_secret,
            api_host=settings.vonage_api_host,
            rest_host=settings.vonage_rest_host,
            timeout=settings.vonage_timeout_seconds,
            ca_bundle=settings.vonage_ca_bundle,
            base_url=settings.public_base_url,
        )


# --- error mapping -------------------------------------------------------------------------------


def _carrier_detail(response: Any) -> str:
    """A short description of an error answer (Vonage sends RFC 7807 problem details)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    words = [str(body[k]) for k in ("title", "detail", "error_title") if body.get(k)]
    return ": " + " - ".join(words)[:200] if words else ""


def _retry_after(response: Any) -> float | None:
    try:
        value = float(response.headers.get("Retry-After", ""))
    except (TypeError, ValueError):
        return None
    return value if 0 <= value <= 3600 else None


def _status_error(
    operation: str,
    status: int,
    *,
    idempotent: bool,
    detail: str = "",
    retry_after: float | None = None,
) -> CarrierError:
    said = f"{operation}: Vonage answered HTTP {status}{detail}"
    if status == 429:
        return CarrierBusyError(said, retry_after=retry_after)
    if status in (401, 403):
        return CarrierAuthError(said)
    if status == 404:
        return CarrierNotFoundError(said)
    if status == 503 or (status >= 500 and idempotent):
        return CarrierUnavailableError(said)
    if status >= 500:
        return CarrierOutcomeUnknownError(f"{said}; it may have taken effect")
    return CarrierRequestError(said)


def _never_sent(error: Exception) -> bool:
    """True when a ``requests`` failure happened before the request left this process."""
    from requests import exceptions
    from urllib3.exceptions import NewConnectionError

    if isinstance(
        error,
        exceptions.ConnectTimeout
        | exceptions.SSLError
        | exceptions.ProxyError
        | exceptions.InvalidURL
        | exceptions.MissingSchema,
    ):
        return True
    if isinstance(error, exceptions.ConnectionError) and error.args:
        return isinstance(getattr(error.args[0], "reason", None), NewConnectionError)
    return False


def _transport_failure(error: Exception) -> str:
    """``ReadTimeout``, or ``ConnectionError/ReadTimeoutError`` when urllib3 gave up retrying."""
    kind = type(error).__name__
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return f"{kind}/{type(reason).__name__}" if reason is not None else kind


def _map_error(error: Exception, operation: str, *, idempotent: bool) -> CarrierError | None:
    """The ``CarrierError`` for an SDK or transport exception; ``None`` for anything else."""
    from jwt import PyJWTError
    from pydantic import ValidationError
    from requests import RequestException
    from vonage_http_client.errors import (
        HttpRequestError,
        InvalidAuthError,
        JWTGenerationError,
    )
    from vonage_jwt.errors import VonageJwtError
    from vonage_utils.errors import VonageError

    if isinstance(error, HttpRequestError):
        response = error.response
        return _status_error(
            operation,
            int(response.status_code),
            idempotent=idempotent,
            detail=_carrier_detail(response),
            retry_after=_retry_after(response),
        )
    if isinstance(error, JWTGenerationError | InvalidAuthError | VonageJwtError | PyJWTError):
        return CarrierAuthError(f"{operation}: cannot sign the request ({error})")
    if isinstance(error, RequestException):
        kind = _transport_failure(error)
        if _never_sent(error) or idempotent:
            return CarrierUnavailableError(f"{operation}: cannot reach Vonage ({kind})")
        return CarrierOutcomeUnknownError(
            f"{operation}: sent, but no answer came back ({kind}); it may have taken effect"
        )
    if isinstance(error, ValidationError):
        first = error.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        return CarrierRequestError(f"{operation}: {where}: {first['msg']}")
    if isinstance(error, VonageError):
        return CarrierRequestError(f"{operation}: {error}")
    return None


def _sms_status_error(http_client: Any) -> CarrierError:
    """The error for an SMS answer whose per-message ``status`` is not ``"0"``."""
    try:
        messages = http_client.last_response.json()["messages"]
        statuses = [(str(m["status"]), str(m.get("error-text", ""))) for m in messages]
    except (AttributeError, KeyError, TypeError, ValueError):
        return CarrierOutcomeUnknownError("send SMS: Vonage's answer could not be read")
    codes = [code for code, _ in statuses]
    if "0" in codes:
        return CarrierOutcomeUnknownError(
            f"send SMS: some parts were accepted, others refused (statuses {codes})"
        )
    code, text = statuses[0]
    said = f"send SMS: Vonage status {code}: {text}"
    if all(c == "1" for c in codes):
        return CarrierBusyError(said)
    if code in ("4", "14"):
        return CarrierAuthError(said)
    if code == "5":
        return CarrierUnavailableError(said)
    return CarrierRequestError(said)


def _check_recording_url(url: str, api_host: str) -> None:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not host or parts.username or parts.password:
        raise RecordingUrlError(f"recording URL must be https without credentials: {url!r}")
    on_vonage = any(host == d or host.endswith("." + d) for d in _VONAGE_DOMAINS)
    try:
        default_port = parts.port in (None, 443)
    except ValueError:
        raise RecordingUrlError(f"recording URL has a bad port: {url!r}") from None
    if not ((on_vonage and default_port) or parts.netloc.lower() == api_host.lower()):
        raise RecordingUrlError(
            f"refusing to send the application JWT to {parts.netloc!r}: recordings come from "
            f"*.nexmo.com, *.vonage.com or {api_host}"
        )


# --- the client ----------------------------------------------------------------------------------


class VonageClient:
    """Places, transfers and hangs up calls, sends SMS and fetches recordings on Vonage.

    ``sleep``, ``monotonic`` and ``jitter`` (a ``random()`` in [0, 1)) are parameters so that tests
    drive the rate limits and back-off with a fake clock.
    """

    def __init__(
        self,
        config: VonageConfig,
        *,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
        max_attempts: int = 4,
        backoff_base: float = 0.5,
        backoff_cap: float = 4.0,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.config = config
        self._sleep = sleep
        self._jitter = jitter
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self.call_creates = TokenBucket(CALL_CREATES_PER_SECOND, monotonic=monotonic, sleep=sleep)
        self.voice_requests = TokenBucket(
            VOICE_REQUESTS_PER_SECOND, monotonic=monotonic, sleep=sleep
        )
        self.sms_requests = TokenBucket(SMS_REQUESTS_PER_SECOND, monotonic=monotonic, sleep=sleep)
        self._voice_http_client: ConfiguredHttpClient | None = None
        self._sms_http_client: ConfiguredHttpClient | None = None
        self._voice_api: Any = None
        self._sms_api: Any = None

    # lazily built SDK objects

    def _voice_http(self) -> ConfiguredHttpClient:
        if self._voice_http_client is None:
            from chalicelib.telephony.vonage.transport import voice_http_client

            c = self.config
            try:
                self._voice_http_client = voice_http_client(
                    c.application_id,
                    c.private_key,
                    api_host=c.api_host,
                    rest_host=c.rest_host,
                    timeout=c.timeout,
                    ca_bundle=c.ca_bundle,
                )
            except Exception as error:
                raise CarrierAuthError(
                    f"cannot build the Vonage voice client: {type(error).__name__}: {error}"
                ) from error
        return self._voice_http_client

    def _voice(self) -> Any:
        if self._voice_api is None:
            from vonage_voice import Voice

            self._voice_api = Voice(self._voice_http())
        return self._voice_api

    def _sms(self) -> Any:
        if self._sms_api is None:
            from vonage_sms import Sms

            from chalicelib.telephony.vonage.transport import sms_http_client

            c = self.config
            try:
                self._sms_http_client = sms_http_client(
                    c.api_key,
                    c.api_secret,
                    api_host=c.api_host,
                    rest_host=c.rest_host,
                    timeout=c.timeout,
                    ca_bundle=c.ca_bundle,
                )
            except Exception as error:
                raise CarrierAuthError(
                    f"cannot build the Vonage SMS client: {type(error).__name__}: {error}"
                ) from error
            self._sms_api = Sms(self._sms_http_client)
        return self._sms_api

    # the retry loop

    def _backoff(self, attempt: int, busy: CarrierBusyError) -> float:
        ceiling = min(self._backoff_cap, self._backoff_base * 2.0 ** (attempt - 1))
        delay = ceiling / 2 + self._jitter() * ceiling / 2
        if busy.retry_after is not None:
            delay = max(delay, min(busy.retry_after, self._backoff_cap))
        return delay

    def _send(
        self, bucket: TokenBucket, operation: str, request: Callable[[], T], *, idempotent: bool
    ) -> T:
        """Run ``request`` under ``bucket``; retry 429s with back-off; map failures."""
        attempt = 1
        while True:
            bucket.acquire()
            try:
                return request()
            except CarrierBusyError as busy:
                failure = busy
            except CarrierError:
                raise
            except Exception as error:
                mapped = _map_error(error, operation, idempotent=idempotent)
                if mapped is None:
                    raise
                if not isinstance(mapped, CarrierBusyError):
                    raise mapped from error
                mapped.__cause__ = error
                failure = mapped
            if attempt >= self._max_attempts:
                raise CarrierBusyError(
                    f"{operation}: still rate-limited after {attempt} attempts; requeue it",
                    retry_after=failure.retry_after,
                ) from failure
            self._sleep(self._backoff(attempt, failure))
            attempt += 1

    # CallControl

    def _create_call_body(self, call: OutboundCall) -> dict[str, Any]:
        from pydantic import ValidationError
        from vonage_utils.errors import VonageError
        from vonage_voice import CreateCallRequest, Phone, Sip, ToPhone

        operation = "create call"
        if bool(call.actions) == (call.answer_url is not None):
            raise CarrierRequestError(f"{operation}: give exactly one of actions and answer_url")
        sip = SIP_URI.match(call.to_number) is not None
        for name in ("from_number",) if sip else ("to_number", "from_number"):
            if not E164.match(getattr(call, name)):
                raise CarrierRequestError(f"{operation}: {name} is not E.164 digits without '+'")
        for name in ("answer_url", "event_url"):
            url = getattr(call, name)
            if url is not None and urlsplit(url).scheme not in ("http", "https"):
                raise CarrierRequestError(f"{operation}: {name} is not an http(s) URL")
        ncco: list[dict[str, Any]] | None = None
        if call.actions:
            try:
                call_id = call.call_id or (
                    routing_of(call.event_url)[0] if call.event_url else None
                )
            except ValueError as error:
                raise CarrierRequestError(f"{operation}: event_url: {error}") from error
            ncco = render(call.actions, CallbackUrls(self.config.base_url, call_id or ""))
            if not ncco:
                raise CarrierRequestError(f"{operation}: the actions render to an empty NCCO")
            if call_id is None and any("eventUrl" in action for action in ncco):
                raise CarrierRequestError(
                    f"{operation}: actions that call back need an event_url made by "
                    "CallbackUrls (it carries the call id)"
                )
        fields: dict[str, Any] = {
            # The SDK spells and validates everything but the NCCO, swapped in below.
            "ncco": [] if ncco is not None else None,
            "answer_url": [call.answer_url] if call.answer_url is not None else None,
            "event_url": [call.event_url] if call.event_url is not None else None,
            "machine_detection": (
                call.machine_detection.value if call.machine_detection is not None else None
            ),
        }
        try:
            request = CreateCallRequest(
                to=[Sip(uri=call.to_number) if sip else ToPhone(number=call.to_number)],
                from_=Phone(number=call.from_number),
                ringing_timer=call.ringing_timeout,
                length_timer=call.length_timeout,
                # Not None: the SDK types some of these as non-optional lists.
                **{name: value for name, value in fields.items() if value is not None},
            )
        except (ValidationError, VonageError) as error:
            mapped = _map_error(error, operation, idempotent=False)
            raise (mapped or CarrierRequestError(f"{operation}: {error}")) from error
        body: dict[str, Any] = request.model_dump(mode="json", by_alias=True, exclude_none=True)
        if ncco is not None:
            body["ncco"] = ncco
        return body

    def place_call(self, call: OutboundCall) -> PlacedCall:
        """Create an outbound call with inline NCCO (``actions``) or an ``answer_url``."""
        body = self._create_call_body(call)
        http = self._voice_http()

        def create() -> PlacedCall:
            answer = http.post(http.api_host, "/v1/calls", body)
            try:
                from vonage_voice import CreateCallResponse

                created = CreateCallResponse.model_validate(answer)
            except ValueError as error:  # pydantic's ValidationError is a ValueError
                raise CarrierOutcomeUnknownError(
                    "create call: Vonage's answer has no call uuid; the call may be ringing"
                ) from error
            return PlacedCall(
                leg_id=created.uuid,
                conversation_id=created.conversation_uuid,
                status=created.status,
            )

        return self._send(self.call_creates, "create call", create, idempotent=False)

    def _leg(self, leg_id: str, operation: str) -> str:
        if not _LEG_ID.match(leg_id):
            raise CarrierRequestError(f"{operation}: {leg_id!r} is not a leg uuid")
        return leg_id

    def transfer(self, leg_id: str, actions: Sequence[Action], call_id: str) -> None:
        """Replace the leg's NCCO with ``actions`` (an empty NCCO hangs the leg up)."""
        leg = self._leg(leg_id, "transfer")
        ncco = render(actions, CallbackUrls(self.config.base_url, call_id))
        if not ncco:
            self.hangup(leg)
            return
        http = self._voice_http()
        body = {"action": "transfer", "destination": {"type": "ncco", "ncco": ncco}}
        self._send(
            self.voice_requests,
            "transfer",
            lambda: http.put(http.api_host, f"/v1/calls/{leg}", body),
            idempotent=False,
        )

    def hangup(self, leg_id: str) -> None:
        """End the leg."""
        leg = self._leg(leg_id, "hang up")
        voice = self._voice()
        self._send(self.voice_requests, "hang up", lambda: voice.hangup(leg), idempotent=True)

    def say_into(self, leg_id: str, text: str, language: str) -> None:
        """Speak ``text`` into the live leg (over whatever it is doing, a bridge too)."""
        leg = self._leg(leg_id, "speak into")
        http = self._voice_http()
        body = {"text": text, "language": language}
        self._send(
            self.voice_requests,
            "speak into",
            lambda: http.put(http.api_host, f"/v1/calls/{leg}/talk", body),
            idempotent=False,
        )

    # SmsSender

    def send_sms(self, from_number: str, to_number: str, text: str, client_ref: str) -> SentSms:
        """Send one SMS (long text is split by Vonage); ``status`` is ``"0"`` on success."""
        from pydantic import ValidationError
        from vonage_sms import SmsError, SmsMessage

        operation = "send SMS"
        if not E164.match(to_number):
            raise CarrierRequestError(f"{operation}: to_number is not E.164 digits without '+'")
        try:
            message = SmsMessage(
                to=to_number,
                from_=from_number,
                text=text,
                client_ref=client_ref or None,
                type="unicode" if needs_unicode(text) else "text",
            )
        except ValidationError as error:
            mapped = _map_error(error, operation, idempotent=False)
            raise (mapped or CarrierRequestError(f"{operation}: {error}")) from error
        sms = self._sms()

        def send() -> SentSms:
            try:
                answer = sms.send(message)
            except SmsError as error:
                raise _sms_status_error(sms.http_client) from error
            except (KeyError, IndexError, TypeError, ValidationError) as error:
                raise CarrierOutcomeUnknownError(
                    f"{operation}: Vonage's answer could not be read; the SMS may be sent"
                ) from error
            if not answer.messages or not answer.messages[0].message_id:
                raise CarrierOutcomeUnknownError(f"{operation}: Vonage's answer has no message id")
            first = answer.messages[0]
            ids = tuple(m.message_id for m in answer.messages if m.message_id)
            return SentSms(message_id=first.message_id, status=first.status or "0", part_ids=ids)

        return self._send(self.sms_requests, operation, send, idempotent=False)

    # recordings

    def download_recording(self, url: str, max_bytes: int = MAX_RECORDING_BYTES) -> bytes:
        """The file at a ``recording_url``, fetched with an application JWT.

        Refuses (``RecordingUrlError``) any host but ``*.nexmo.com``, ``*.vonage.com`` and the
        configured ``api_host``, so the JWT never leaves for a host named in a webhook.
        """
        operation = "download recording"
        _check_recording_url(url, self.config.api_host)
        http = self._voice_http()

        def fetch() -> bytes:
            token = http.auth.generate_application_jwt()
            headers = {
                "Authorization": "Bearer " + token.decode(),
                "User-Agent": http.user_agent,
                "Accept": "*/*",
            }
            with http.session.get(url, headers=headers, timeout=http.timeout, stream=True) as got:
                if got.status_code >= 400:
                    raise _status_error(
                        operation,
                        got.status_code,
                        idempotent=True,
                        detail=_carrier_detail(got),
                        retry_after=_retry_after(got),
                    )
                chunks: list[bytes] = []
                size = 0
                for chunk in got.iter_content(chunk_size=64 * 1024):
                    size += len(chunk)
                    if size > max_bytes:
                        raise CarrierRequestError(f"{operation}: larger than {max_bytes} bytes")
                    chunks.append(chunk)
                return b"".join(chunks)

        return self._send(self.voice_requests, operation, fetch, idempotent=True)
