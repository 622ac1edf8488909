"""The one place the simulator spells the provider's wire formats: answer, fallback, event,
input, recording and inbound-SMS webhook payloads, the REST API's JSON answers, identifiers and
timestamps (FACTS §3, §6), and the SMS delivery receipt (SPEC ``sms.yml``).

Pure functions from simulator model objects to JSON-ready dicts. Imports only the standard
library and ``model``; never the app's Vonage adapter.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from chalicelib.simulator.model import Leg, LegStatus, SentSms


def iso(instant: datetime) -> str:
    """Webhook timestamps: ISO 8601 in UTC with milliseconds and ``Z``."""
    return instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond // 1000:03d}Z"


def rest_time(instant: datetime) -> str:
    """REST API timestamps: ``YYYY-MM-DD HH:MM:SS``."""
    return instant.strftime("%Y-%m-%d %H:%M:%S")


def sms_time(instant: datetime) -> str:
    """``message-timestamp`` of inbound SMS: ``YYYY-MM-DD HH:MM:SS`` UTC."""
    return instant.strftime("%Y-%m-%d %H:%M:%S")


def new_leg_uuid(dashed: bool) -> str:
    """A leg id: 32 hex digits, with dashes for outbound legs as Vonage shows them."""
    value = uuid.uuid4()
    return str(value) if dashed else value.hex


def new_conversation_uuid() -> str:
    """A conversation id, ``CON-<uuid4>``."""
    return f"CON-{uuid.uuid4()}"


def new_message_id() -> str:
    """An SMS message id (16 upper-case hex digits)."""
    return secrets.token_hex(8).upper()


def new_file_id() -> str:
    """A recording file id (the last path segment of ``/v1/files/<id>``)."""
    return str(uuid.uuid4())


def number(value: str) -> str:
    """Numbers travel without ``+``."""
    return value.lstrip("+")


def answer_request(leg: Leg, region_url: str) -> dict[str, Any]:
    """The answer webhook's fields (query string for GET, JSON body for POST), FACTS §3.1."""
    return {
        "to": number(leg.to),
        "from": number(leg.from_),
        "uuid": leg.uuid,
        "conversation_uuid": leg.conversation_uuid,
        "region_url": region_url,
        "endpoint_type": "phone",
    }


def fallback_request(
    original: Mapping[str, Any], reason: str, url: str, kind: str
) -> dict[str, Any]:
    """What the fallback URL receives: the original fields plus ``reason``/``original_request``."""
    payload = dict(original)
    payload["reason"] = reason
    payload["original_request"] = {"url": url, "type": kind}
    return payload


def _seconds_between(start: datetime, end: datetime) -> int:
    """A call's billed duration: whole seconds from ``start`` to ``end`` (the instants the
    payload carries, so the two always agree)."""
    return max(0, round((end - start).total_seconds()))


def _common(leg: Leg, status: str, now: datetime) -> dict[str, Any]:
    return {
        "from": number(leg.from_),
        "to": number(leg.to),
        "uuid": leg.uuid,
        "conversation_uuid": leg.conversation_uuid,
        "status": status,
        "direction": leg.direction,
        "timestamp": iso(now),
    }


def progress_event(leg: Leg, status: LegStatus, now: datetime) -> dict[str, Any]:
    """``started``, ``ringing`` and ``answered`` events (FACTS §3.2)."""
    payload = _common(leg, status.value, now)
    payload["headers"] = {}
    if status is LegStatus.ANSWERED:
        payload["start_time"] = None
        payload["rate"] = None
        payload["network"] = None
    return payload


def failure_event(
    leg: Leg, status: LegStatus, now: datetime, detail: str | None = None
) -> dict[str, Any]:
    """``busy``, ``cancelled``, ``unanswered``, ``rejected``, ``failed``, ``timeout`` events."""
    payload = _common(leg, status.value, now)
    if detail is not None:
        payload["detail"] = detail
    return payload


def completed_event(leg: Leg, start: datetime, end: datetime, now: datetime) -> dict[str, Any]:
    """``completed``: numbers as strings, ISO times, ``disconnected_by``."""
    payload = _common(leg, LegStatus.COMPLETED.value, now)
    payload.update(
        {
            "start_time": iso(start),
            "end_time": iso(end),
            "duration": str(_seconds_between(start, end)),
            "rate": leg.rate,
            "price": leg.price_for(_seconds_between(start, end)),
            "network": leg.network_code,
            "disconnected_by": leg.disconnected_by or "platform",
        }
    )
    return payload


def machine_event(
    leg: Leg, status: str, now: datetime, sub_state: str | None = None
) -> dict[str, Any]:
    """``human``/``machine`` events carry ``call_uuid`` instead of ``uuid``; advanced machine
    detection adds ``sub_state``."""
    payload: dict[str, Any] = {
        "from": number(leg.from_),
        "to": number(leg.to),
        "call_uuid": leg.uuid,
        "conversation_uuid": leg.conversation_uuid,
        "status": status,
        "direction": leg.direction,
        "timestamp": iso(now),
    }
    if sub_state is not None:
        payload["sub_state"] = sub_state
    return payload


def error_event(conversation_uuid: str, reason: str, now: datetime) -> dict[str, Any]:
    """An error delivered to the event URL (e.g. an NCCO that does not parse)."""
    return {"reason": reason, "conversation_uuid": conversation_uuid, "timestamp": iso(now)}


def transfer_event(
    leg: Leg, from_conversation: str, to_conversation: str, now: datetime
) -> dict[str, Any]:
    """A leg moved to another conversation."""
    return {
        "conversation_uuid_from": from_conversation,
        "conversation_uuid_to": to_conversation,
        "status": "transfer",
        "uuid": leg.uuid,
        "timestamp": iso(now),
    }


def dtmf_result(digits: str | None, timed_out: bool) -> dict[str, Any]:
    """The ``dtmf`` object of an input webhook."""
    return {"digits": digits, "timed_out": timed_out}


def speech_result(
    text: str | None,
    confidence: float,
    timeout_reason: str | None,
    recording_url: str | None = None,
) -> dict[str, Any]:
    """The ``speech`` object of an input webhook; no text means no results."""
    speech: dict[str, Any] = {}
    if timeout_reason is not None:
        speech["timeout_reason"] = timeout_reason
    speech["results"] = [] if not text else [{"confidence": f"{confidence:.7g}", "text": text}]
    if recording_url is not None:
        speech["recording_url"] = recording_url
    return speech


def input_event(
    leg: Leg, dtmf: Mapping[str, Any], speech: Mapping[str, Any], now: datetime
) -> dict[str, Any]:
    """The input action's webhook (FACTS §3.3)."""
    return {
        "speech": dict(speech),
        "dtmf": dict(dtmf),
        "from": number(leg.from_),
        "to": number(leg.to),
        "uuid": leg.uuid,
        "conversation_uuid": leg.conversation_uuid,
        "timestamp": iso(now),
    }


def recording_event(
    *,
    start: datetime,
    end: datetime,
    recording_url: str,
    size: int,
    recording_uuid: str,
    conversation_uuid: str,
    now: datetime,
) -> dict[str, Any]:
    """The record action's webhook (FACTS §3.4)."""
    return {
        "start_time": iso(start),
        "end_time": iso(end),
        "recording_url": recording_url,
        "size": size,
        "recording_uuid": recording_uuid,
        "conversation_uuid": conversation_uuid,
        "timestamp": iso(now),
    }


def inbound_sms(
    *,
    api_key: str,
    msisdn: str,
    to: str,
    message_id: str,
    text: str,
    sms_type: str,
    now: datetime,
    concat: tuple[str, int, int] | None,
) -> dict[str, str]:
    """One inbound SMS part (FACTS §3.6), before signing; every value is a string."""
    words = text.split()
    params = {
        "api-key": api_key,
        "msisdn": number(msisdn),
        "to": number(to),
        "messageId": message_id,
        "text": text,
        "type": sms_type,
        "keyword": words[0].upper() if words else "",
        "message-timestamp": sms_time(now),
        "timestamp": str(int(now.timestamp())),
    }
    if concat is not None:
        reference, total, part = concat
        params.update(
            {
                "concat": "true",
                "concat-ref": reference,
                "concat-total": str(total),
                "concat-part": str(part),
            }
        )
    return params


def delivery_receipt(
    *,
    api_key: str,
    sms: SentSms,
    message_id: str,
    status: str,
    err_code: str,
    price: str,
    now: datetime,
) -> dict[str, str]:
    """One part's delivery receipt (SPEC ``sms.yml`` ``DeliveryReceipt``), before signing:
    ``msisdn`` is the number the SMS went to, ``to`` the sender id it came from."""
    params = {
        "msisdn": number(sms.to),
        "to": sms.from_,
        "network-code": "23410",
        "messageId": message_id,
        "price": price,
        "status": status,
        "scts": now.strftime("%y%m%d%H%M"),
        "err-code": err_code,
        "api-key": api_key,
        "message-timestamp": sms_time(now),
    }
    if sms.client_ref is not None:
        params["client-ref"] = sms.client_ref
    return params


def _endpoint(value: str) -> dict[str, str]:
    if value.startswith(("sip:", "sips:")):
        return {"type": "sip", "uri": value}
    return {"type": "phone", "number": number(value)}


def create_call_response(leg: Leg) -> dict[str, Any]:
    """``POST /v1/calls`` answer."""
    return {
        "uuid": leg.uuid,
        "status": LegStatus.STARTED.value,
        "direction": leg.direction,
        "conversation_uuid": leg.conversation_uuid,
    }


def call_info(
    leg: Leg, base_url: str, start: datetime | None, end: datetime | None
) -> dict[str, Any]:
    """``GET /v1/calls/{uuid}``."""
    info: dict[str, Any] = {
        "_links": {"self": {"href": f"{base_url}/v1/calls/{leg.uuid}"}},
        "uuid": leg.uuid,
        "conversation_uuid": leg.conversation_uuid,
        "to": _endpoint(leg.to),
        "from": _endpoint(leg.from_),
        "status": leg.status.value,
        "direction": leg.direction,
        "rate": leg.rate,
        "network": leg.network_code,
    }
    if start is not None:
        info["start_time"] = rest_time(start)
    if end is not None:
        info["end_time"] = rest_time(end)
        answered = start is not None and leg.answered_at is not None
        seconds = _seconds_between(start, end) if answered and start is not None else 0
        info["duration"] = str(seconds)
        info["price"] = leg.price_for(seconds)
    return info


def call_list(calls: Sequence[dict[str, Any]], base_url: str, page_size: int) -> dict[str, Any]:
    """``GET /v1/calls``."""
    return {
        "count": len(calls),
        "page_size": page_size,
        "record_index": 0,
        "_links": {"self": {"href": f"{base_url}/v1/calls"}},
        "_embedded": {"calls": list(calls)},
    }


def call_message(message: str, leg_uuid: str) -> dict[str, str]:
    """Answers of the talk/stream/dtmf sub-resources."""
    return {"message": message, "uuid": leg_uuid}


def api_error(
    title: str, detail: str, kind: str, invalid: tuple[str, str] | None = None
) -> dict[str, Any]:
    """A Voice API error body; ``invalid`` names the bad parameter and why."""
    body: dict[str, Any] = {
        "type": f"https://developer.nexmo.com/api-errors#{kind}",
        "title": title,
        "detail": detail,
    }
    if invalid is not None:
        body["invalid_parameters"] = [{"name": invalid[0], "reason": invalid[1]}]
    return body


def sms_sent(sms: SentSms, balance: str, price: str) -> dict[str, Any]:
    """``POST /sms/json`` answer: one entry per part."""
    messages = []
    for message_id in sms.message_ids:
        entry = {
            "to": number(sms.to),
            "message-id": message_id,
            "status": "0",
            "remaining-balance": balance,
            "message-price": price,
            "network": "23410",
        }
        if sms.client_ref is not None:
            entry["client-ref"] = sms.client_ref
        messages.append(entry)
    return {"message-count": str(len(messages)), "messages": messages}


def sms_throttled() -> dict[str, Any]:
    """``POST /sms/json`` above the account's throughput: status 1 (SPEC ``sms.yml`` x-errors
    "Throttled"; the error text Vonage sends, as SMS gateways match it)."""
    return sms_error("1", "Throughput Rate Exceeded - please wait [ 1000 ] and retry")


def sms_error(status: str, text: str) -> dict[str, Any]:
    """``POST /sms/json`` refusal (HTTP 200, non-zero status)."""
    return {"message-count": "1", "messages": [{"status": status, "error-text": text}]}
