"""Vonage webhook parsing: request bytes in, provider-neutral events (``telephony.events``) out.

Owns the one spelling of every Vonage webhook payload (answer, event, input, recording, notify,
inbound SMS) as pydantic v2 boundary models (``*Webhook``) that tolerate the fields Vonage adds
over time (``region_url``, ``endpoint_type``, ``SipHeader_*``, ``custom_data``) and the shapes it
really sends: 32-hex uuids without dashes, numbers as strings in ``completed`` events, ISO-8601
timestamps, ``call_uuid`` instead of ``uuid`` on ``human``/``machine`` events. Every datetime
returned is timezone-aware UTC. Bad input raises ``WebhookParseError`` naming the field, and
nothing else: no ``KeyError``, no pydantic ``ValidationError``. Signatures are checked elsewhere
(``signatures``), before parsing. Imports pydantic, the standard library and the telephony
contracts; never the vonage SDK. The SMS delivery receipt is spelled here too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import parse_qsl, urlsplit

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from chalicelib.telephony.events import (
    CallAnswered,
    CallStatus,
    CallStatusChanged,
    CallTransferred,
    Direction,
    InputReceived,
    KeyPressed,
    NotifyReceived,
    ProviderErrorReported,
    RecordingReady,
    SmsReceived,
    SmsStatusReported,
    SpeechResult,
)
from chalicelib.telephony.vonage.urls import ROUTING_PARAMS

MAX_BODY_BYTES = 1024 * 1024
"""Largest webhook body accepted; Vonage's are a few hundred bytes."""

SIP_HEADER_PREFIX = "SipHeader_"


class WebhookParseError(ValueError):
    """A webhook payload is malformed; the message names the webhook and the field."""


# --- field types ---------------------------------------------------------------------------------

Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$")]
"""A Vonage identifier: leg uuids (with or without dashes), ``CON-...``, message ids."""


def _blank_to_none(value: object) -> object:
    return None if value is None or (isinstance(value, str) and not value.strip()) else value


def _utc(value: object) -> datetime | None:
    """ISO-8601 or ``YYYY-MM-DD HH:MM:SS`` (UTC when no offset) to an aware UTC datetime."""
    value = _blank_to_none(value)
    if value is None:
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError("is not an ISO-8601 timestamp") from None
    else:
        raise ValueError("must be a timestamp string")
    try:
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValueError("is out of range") from None


def _decimal(value: object) -> Decimal | None:
    """A decimal amount sent as a string (``"0.00015000"``) or a JSON number."""
    value = _blank_to_none(value)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValueError("must be a decimal number")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError("is not a decimal number") from None
    if not amount.is_finite():
        raise ValueError("must be finite")
    return amount


def _count(value: object) -> int | None:
    """A non-negative integer sent as a string (``"2"``) or a JSON number."""
    value = _blank_to_none(value)
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("must be an integer")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        text = value.strip()
        if not text.isascii() or not text.isdigit() or len(text) > 18:
            raise ValueError("must be a non-negative integer")
        value = int(text)
    if not isinstance(value, int) or not 0 <= value < 2**63:
        raise ValueError("must be a non-negative integer")
    return value


def _json_object(value: object) -> object:
    """``custom_data`` arrives as an object in JSON and as a JSON string in a query."""
    value = _blank_to_none(value)
    if value is None:
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            raise ValueError("is not JSON") from None
    if not isinstance(value, dict):
        raise ValueError("must be an object")
    return value


def _http_url(value: object) -> object:
    if isinstance(value, str):
        parts = urlsplit(value)
        if parts.scheme in {"http", "https"} and parts.netloc:
            return value
    raise ValueError("must be an absolute http(s) URL")


UtcDateTime = Annotated[datetime | None, BeforeValidator(_utc)]
Amount = Annotated[Decimal | None, BeforeValidator(_decimal)]
Count = Annotated[int | None, BeforeValidator(_count)]
OptionalText = Annotated[str | None, BeforeValidator(_blank_to_none)]
OptionalId = Annotated[Id | None, BeforeValidator(_blank_to_none)]
HttpUrl = Annotated[str, BeforeValidator(_http_url)]


class _Webhook(BaseModel):
    model_config = ConfigDict(
        extra="ignore", frozen=True, coerce_numbers_to_str=True, str_max_length=8192
    )


# --- models --------------------------------------------------------------------------------------


class AnswerWebhook(_Webhook):
    """The answer webhook: a leg was answered and asks for its NCCO (GET query or POST JSON)."""

    model_config = ConfigDict(extra="allow")

    uuid: Id
    conversation_uuid: Id
    to: str
    from_: OptionalText = Field(None, alias="from")
    from_user: OptionalText = None
    endpoint_type: OptionalText = None
    region_url: Annotated[HttpUrl | None, BeforeValidator(_blank_to_none)] = None
    custom_data: Annotated[dict[str, Any], BeforeValidator(_json_object)] = Field(
        default_factory=dict
    )

    @model_validator(mode="after")
    def _sip_headers_are_text(self) -> AnswerWebhook:
        for key, value in (self.model_extra or {}).items():
            if key.startswith(SIP_HEADER_PREFIX) and not isinstance(value, str):
                raise ValueError(f"{key} must be a string")
        return self

    @property
    def sip_headers(self) -> dict[str, str]:
        """SIP headers forwarded as ``SipHeader_<name>``, keyed by ``<name>``."""
        return {
            key[len(SIP_HEADER_PREFIX) :]: str(value)
            for key, value in (self.model_extra or {}).items()
            if key.startswith(SIP_HEADER_PREFIX)
        }


class EventWebhook(_Webhook):
    """A call status event on the event URL (``status`` is one of ``CallStatus``)."""

    status: CallStatus
    uuid: OptionalId = None
    call_uuid: OptionalId = None
    conversation_uuid: OptionalId = None
    direction: Annotated[Direction | None, BeforeValidator(_blank_to_none)] = None
    from_: OptionalText = Field(None, alias="from")
    to: OptionalText = None
    timestamp: UtcDateTime = None
    detail: OptionalText = None
    start_time: UtcDateTime = None
    end_time: UtcDateTime = None
    duration: Count = None
    rate: Amount = None
    price: Amount = None
    network: OptionalText = None
    disconnected_by: OptionalText = None
    sub_state: OptionalText = None
    sip_code: Count = None

    @model_validator(mode="after")
    def _has_leg(self) -> EventWebhook:
        if self.uuid is None and self.call_uuid is None:
            raise ValueError("uuid (call_uuid on human/machine events) is required")
        return self

    @property
    def leg_id(self) -> str:
        """The leg this event is about (``human``/``machine`` events name it ``call_uuid``)."""
        leg = self.uuid or self.call_uuid
        assert leg is not None  # guaranteed by _has_leg
        return leg


class _DtmfPart(_Webhook):
    digits: Annotated[
        Annotated[str, StringConstraints(pattern=r"^[0-9A-Da-d*#]+$")] | None,
        BeforeValidator(_blank_to_none),
    ] = None
    timed_out: bool | None = None


class _SpeechHypothesisPart(_Webhook):
    text: str
    confidence: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


class _SpeechPart(_Webhook):
    results: list[_SpeechHypothesisPart] | None = None
    timeout_reason: OptionalText = None
    error: OptionalText = None
    recording_url: Annotated[HttpUrl | None, BeforeValidator(_blank_to_none)] = None


class InputWebhook(_Webhook):
    """The result of an ``input`` action: DTMF digits and/or speech hypotheses."""

    uuid: Id
    conversation_uuid: OptionalId = None
    from_: OptionalText = Field(None, alias="from")
    to: OptionalText = None
    timestamp: UtcDateTime = None
    dtmf: _DtmfPart | None = None
    speech: _SpeechPart | None = None

    @model_validator(mode="after")
    def _has_result(self) -> InputWebhook:
        if self.dtmf is None and self.speech is None:
            raise ValueError("dtmf or speech is required")
        return self


class RecordingWebhook(_Webhook):
    """A finished ``record`` action: where to download the file."""

    recording_url: HttpUrl
    recording_uuid: Id
    conversation_uuid: OptionalId = None
    start_time: UtcDateTime = None
    end_time: UtcDateTime = None
    size: Count = None
    timestamp: UtcDateTime = None


NOTIFY_CALL_FIELDS = frozenset({"uuid", "conversation_uuid", "timestamp", "payload"})
"""Fields of a notify callback that describe the call, not the action's payload."""


class NotifyWebhook(_Webhook):
    """A ``notify`` action reached: its payload, under ``payload`` or at the top level."""

    model_config = ConfigDict(extra="allow")

    uuid: OptionalId = None
    conversation_uuid: OptionalId = None
    timestamp: UtcDateTime = None
    payload: dict[str, Any] | None = None

    @property
    def custom_payload(self) -> dict[str, Any]:
        """The action's payload: the ``payload`` object, else every non-call top-level field."""
        if self.payload is not None:
            return dict(self.payload)
        return {k: v for k, v in (self.model_extra or {}).items() if k not in NOTIFY_CALL_FIELDS}


class TransferWebhook(_Webhook):
    """A leg moved to another conversation (REST or NCCO transfer)."""

    uuid: Id
    conversation_uuid_from: OptionalId = None
    conversation_uuid_to: OptionalId = None
    timestamp: UtcDateTime = None


class ErrorWebhook(_Webhook):
    """Vonage reports an error about a call (for example an invalid NCCO)."""

    reason: Annotated[str, StringConstraints(min_length=1)]
    conversation_uuid: OptionalId = None
    timestamp: UtcDateTime = None


class InboundSmsWebhook(_Webhook):
    """An inbound SMS, or one part of a concatenated one (GET query, form POST or JSON POST)."""

    api_key: OptionalText = Field(None, alias="api-key")
    msisdn: Annotated[str, StringConstraints(min_length=1)]
    to: Annotated[str, StringConstraints(min_length=1)]
    message_id: Id = Field(alias="messageId")
    text: str | None = None
    type: Literal["text", "unicode", "binary"] = "text"
    keyword: OptionalText = None
    message_timestamp: UtcDateTime = Field(None, alias="message-timestamp")
    concat: bool | None = None
    concat_ref: OptionalText = Field(None, alias="concat-ref")
    concat_total: Count = Field(None, alias="concat-total")
    concat_part: Count = Field(None, alias="concat-part")
    data: OptionalText = None
    udh: OptionalText = None

    @model_validator(mode="after")
    def _consistent(self) -> InboundSmsWebhook:
        if self.type != "binary" and self.text is None:
            raise ValueError("text is required for a text or unicode message")
        if self.type == "binary" and self.data is None:
            raise ValueError("data is required for a binary message")
        concat_fields = (self.concat_ref, self.concat_total, self.concat_part)
        if self.concat or any(field is not None for field in concat_fields):
            if any(field is None for field in concat_fields):
                raise ValueError("concat-ref, concat-total and concat-part go together")
            assert self.concat_total is not None and self.concat_part is not None
            if not 1 <= self.concat_total <= 255 or not 1 <= self.concat_part <= self.concat_total:
                raise ValueError("concat-part must be within 1..concat-total (at most 255)")
        return self


class DeliveryReceiptWebhook(_Webhook):
    """A delivery receipt of a sent SMS (SPEC ``sms.yml`` ``DeliveryReceipt``): ``msisdn`` is
    the number the SMS went to, ``to`` the sender id it came from."""

    msisdn: Annotated[str, StringConstraints(min_length=1)]
    to: OptionalText = None
    network_code: OptionalText = Field(None, alias="network-code")
    message_id: Id = Field(alias="messageId")
    price: OptionalText = None
    status: Literal["delivered", "expired", "failed", "rejected", "accepted", "buffered", "unknown"]
    scts: OptionalText = None
    err_code: Annotated[str, StringConstraints(pattern=r"^\d{1,4}$")] = Field("0", alias="err-code")
    api_key: OptionalText = Field(None, alias="api-key")
    client_ref: OptionalText = Field(None, alias="client-ref")
    message_timestamp: UtcDateTime = Field(None, alias="message-timestamp")


# --- decoding ------------------------------------------------------------------------------------


def _form(text: str, what: str) -> dict[str, Any]:
    try:
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=500)
    except ValueError as error:
        raise WebhookParseError(f"{what}: bad form body ({error})") from None
    payload: dict[str, Any] = {}
    for key, value in pairs:
        if key in payload:
            raise WebhookParseError(f"{what}: field {key!r} appears more than once")
        payload[key] = value
    return payload


def decode_payload(
    method: str, query: Mapping[str, str], body: bytes, content_type: str | None
) -> dict[str, Any]:
    """The provider payload of a webhook request: GET query, JSON body or form body.

    Our routing parameters (``call``, ``ref``; see ``urls``) are not part of it. A POST with an
    empty body falls back to the query string.
    """
    verb = method.upper()
    if verb not in {"GET", "POST"}:
        raise WebhookParseError(f"webhook: method {method!r} is not GET or POST")
    from_query = {k: v for k, v in query.items() if k not in ROUTING_PARAMS}
    for key, value in from_query.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise WebhookParseError(f"webhook: query parameter {key!r} is not text")
    if verb == "GET" or not body.strip():
        if not from_query:
            raise WebhookParseError("webhook: empty payload (no body and no query parameters)")
        return from_query
    if len(body) > MAX_BODY_BYTES:
        raise WebhookParseError(f"webhook: body is larger than {MAX_BODY_BYTES} bytes")
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if not media:
        sniffed_json = body.lstrip()[:1] == b"{"
        media = "application/json" if sniffed_json else "application/x-www-form-urlencoded"
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise WebhookParseError("webhook: body is not UTF-8") from None
    if media == "application/x-www-form-urlencoded":
        return _form(text, "webhook")
    if media.endswith("/json") or media.endswith("+json"):
        try:
            payload = json.loads(text)
        except (ValueError, RecursionError):
            raise WebhookParseError("webhook: body is not valid JSON") from None
        if not isinstance(payload, dict):
            raise WebhookParseError("webhook: JSON body must be an object")
        return payload
    raise WebhookParseError(f"webhook: unsupported content type {content_type!r}")


# --- parsing -------------------------------------------------------------------------------------

M = TypeVar("M", bound=BaseModel)


def _describe(error: ValidationError) -> str:
    parts = []
    for detail in error.errors(include_url=False, include_input=False)[:3]:
        field = ".".join(str(p) for p in detail["loc"])
        message = str(detail["msg"]).removeprefix("Value error, ")
        parts.append(f"field {field!r}: {message}" if field else message)
    return "; ".join(parts)


def _validate(model: type[M], payload: object, what: str) -> M:
    if not isinstance(payload, Mapping):
        raise WebhookParseError(f"{what}: payload must be an object")
    if not all(isinstance(key, str) for key in payload):
        raise WebhookParseError(f"{what}: payload keys must be strings")
    try:
        return model.model_validate(dict(payload))
    except ValidationError as error:
        raise WebhookParseError(f"{what}: {_describe(error)}") from None
    except RecursionError:
        raise WebhookParseError(f"{what}: payload is nested too deeply") from None


def parse_answer(payload: Mapping[str, Any], ref: str = "") -> CallAnswered:
    """The answer webhook as ``CallAnswered``."""
    hook = _validate(AnswerWebhook, payload, "answer webhook")
    return CallAnswered(
        leg_id=hook.uuid,
        conversation_id=hook.conversation_uuid,
        from_number=hook.from_,
        to_number=hook.to,
        from_user=hook.from_user,
        region_url=hook.region_url,
        endpoint_type=hook.endpoint_type,
        custom_data=hook.custom_data,
        sip_headers=hook.sip_headers,
        ref=ref,
    )


def _status_changed(payload: Mapping[str, Any], ref: str) -> CallStatusChanged:
    hook = _validate(EventWebhook, payload, "event webhook")
    return CallStatusChanged(
        leg_id=hook.leg_id,
        conversation_id=hook.conversation_uuid,
        status=hook.status,
        direction=hook.direction,
        from_number=hook.from_,
        to_number=hook.to,
        at=hook.timestamp,
        detail=hook.detail,
        start_time=hook.start_time,
        end_time=hook.end_time,
        duration=hook.duration,
        rate=hook.rate,
        price=hook.price,
        network=hook.network,
        disconnected_by=hook.disconnected_by,
        sub_state=hook.sub_state,
        sip_code=hook.sip_code,
        ref=ref,
    )


def _transferred(payload: Mapping[str, Any]) -> CallTransferred:
    hook = _validate(TransferWebhook, payload, "transfer event")
    return CallTransferred(
        leg_id=hook.uuid,
        conversation_from=hook.conversation_uuid_from,
        conversation_to=hook.conversation_uuid_to,
        at=hook.timestamp,
    )


def _error_reported(payload: Mapping[str, Any]) -> ProviderErrorReported:
    hook = _validate(ErrorWebhook, payload, "error event")
    return ProviderErrorReported(
        reason=hook.reason, conversation_id=hook.conversation_uuid, at=hook.timestamp
    )


def parse_event(
    payload: Mapping[str, Any], ref: str = ""
) -> CallStatusChanged | CallTransferred | ProviderErrorReported | RecordingReady | InputReceived:
    """Anything the event URL receives, routed on ``status`` and then on the fields present."""
    if not isinstance(payload, Mapping):
        raise WebhookParseError("event webhook: payload must be an object")
    status = payload.get("status")
    if status is not None and status != "":
        # Newer SDKs name the non-status events too; accept those spellings.
        if status == "transfer":
            return _transferred(payload)
        if status == "input":
            return parse_input(payload, ref)
        if status in ("record", "recording"):
            return parse_recording(payload, ref)
        return _status_changed(payload, ref)
    if "recording_url" in payload:
        return parse_recording(payload, ref)
    if "conversation_uuid_from" in payload or "conversation_uuid_to" in payload:
        return _transferred(payload)
    if "dtmf" in payload or "speech" in payload:
        return parse_input(payload, ref)
    if "reason" in payload:
        return _error_reported(payload)
    raise WebhookParseError(
        "event webhook: field 'status' is missing and the payload is no recording, transfer, "
        "input or error event"
    )


def parse_input(payload: Mapping[str, Any], ref: str) -> InputReceived:
    """The input webhook as ``InputReceived`` (``digits`` is ``None`` when no key was pressed)."""
    hook = _validate(InputWebhook, payload, "input webhook")
    dtmf, speech = hook.dtmf, hook.speech
    return InputReceived(
        leg_id=hook.uuid,
        conversation_id=hook.conversation_uuid,
        digits=dtmf.digits if dtmf is not None else None,
        dtmf_timed_out=bool(dtmf is not None and dtmf.timed_out),
        speech=tuple(
            SpeechResult(text=r.text, confidence=r.confidence)
            for r in (speech.results or [] if speech is not None else [])
        ),
        speech_timeout_reason=speech.timeout_reason if speech is not None else None,
        speech_error=speech.error if speech is not None else None,
        speech_recording_url=speech.recording_url if speech is not None else None,
        at=hook.timestamp,
        ref=ref,
    )


def parse_keys(payload: Mapping[str, Any], ref: str) -> KeyPressed:
    """An asynchronous input's report of one key (the input webhook's shape) as ``KeyPressed``."""
    hook = _validate(InputWebhook, payload, "key webhook")
    digits = hook.dtmf.digits if hook.dtmf is not None else None
    if not digits or len(digits) != 1:
        raise WebhookParseError("key webhook: dtmf.digits must be one key")
    return KeyPressed(leg_id=hook.uuid, digit=digits, ref=ref, at=hook.timestamp)


def parse_recording(payload: Mapping[str, Any], ref: str) -> RecordingReady:
    """The recording webhook as ``RecordingReady``."""
    hook = _validate(RecordingWebhook, payload, "recording webhook")
    return RecordingReady(
        recording_url=hook.recording_url,
        recording_id=hook.recording_uuid,
        conversation_id=hook.conversation_uuid,
        size=hook.size,
        start_time=hook.start_time,
        end_time=hook.end_time,
        at=hook.timestamp,
        ref=ref,
    )


def parse_notify(payload: Mapping[str, Any], ref: str) -> NotifyReceived:
    """The notify webhook as ``NotifyReceived``."""
    hook = _validate(NotifyWebhook, payload, "notify webhook")
    return NotifyReceived(
        conversation_id=hook.conversation_uuid,
        payload=hook.custom_payload,
        leg_id=hook.uuid,
        at=hook.timestamp,
        ref=ref,
    )


def parse_inbound_sms(payload: Mapping[str, Any]) -> SmsReceived:
    """The inbound SMS webhook as ``SmsReceived`` (a binary message has empty ``text``)."""
    hook = _validate(InboundSmsWebhook, payload, "inbound SMS webhook")
    return SmsReceived(
        message_id=hook.message_id,
        from_number=hook.msisdn,
        to_number=hook.to,
        text=hook.text if hook.type != "binary" and hook.text is not None else "",
        type=hook.type,
        keyword=hook.keyword,
        sent_at=hook.message_timestamp,
        concat_ref=hook.concat_ref,
        concat_total=hook.concat_total,
        concat_part=hook.concat_part,
    )


def parse_delivery_receipt(payload: Mapping[str, Any]) -> SmsStatusReported:
    """The delivery-receipt webhook as ``SmsStatusReported``."""
    hook = _validate(DeliveryReceiptWebhook, payload, "delivery receipt")
    return SmsStatusReported(
        message_id=hook.message_id,
        status=hook.status,
        error_code=hook.err_code,
        to_number=hook.msisdn,
        client_ref=hook.client_ref,
        network_code=hook.network_code,
        price=hook.price,
        reported_at=hook.message_timestamp,
    )


def join_sms_parts(parts: Sequence[SmsReceived]) -> SmsReceived | None:
    """The whole message once parts ``1..total`` of one concatenated SMS are all present.

    Repeated parts (Vonage retries) are ignored, the first copy wins; text is joined in part
    order; the whole message takes its id, keyword and time from part 1. A message that is not a
    part is already whole. Returns ``None`` while parts are missing; raises ``ValueError`` when
    the parts belong to different messages.
    """
    if not parts:
        return None
    first = parts[0]
    if not first.is_part:
        if len(parts) > 1:
            raise ValueError("a whole message cannot be joined with other messages")
        return first
    key = (first.concat_ref, first.concat_total, first.from_number, first.to_number)
    by_number: dict[int, SmsReceived] = {}
    for part in parts:
        if (part.concat_ref, part.concat_total, part.from_number, part.to_number) != key:
            raise ValueError(
                "SMS parts belong to different messages (concat-ref, total, from or to differ)"
            )
        if part.concat_part is None or part.concat_total is None:
            raise ValueError("an SMS part has no part number or total")
        by_number.setdefault(part.concat_part, part)
    total = first.concat_total
    assert total is not None
    if set(by_number) != set(range(1, total + 1)):
        return None
    head = by_number[1]
    return SmsReceived(
        message_id=head.message_id,
        from_number=head.from_number,
        to_number=head.to_number,
        text="".join(by_number[n].text for n in range(1, total + 1)),
        type=head.type,
        keyword=head.keyword,
        sent_at=head.sent_at,
    )
