"""The seed's REST trigger body, read: ``POST /outbound/create`` with ``api-version``,
``security-id``, ``flow-id`` and ``calls[]`` of ``client-identifier``, ``start-time``,
``contact-numbers[]`` and ``keys[]`` of ``{name: "$flow.key.<var>", value}``.

Each call is judged on its own: a good one becomes a contact, a bad one is rejected with its
reason (a bad number, a bad time, an unknown key, a client identifier given twice ...) and the
others still go. What makes the whole body unusable (not an object, no ``calls`` list, more
calls than ``MAX_CALLS``) is a ``ValidationError``. Pure: imports the campaign model, the
outbound calls' variable rules, the flows' time zones and the neutral errors.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.calls.outbound import FLOW_KEY, MAX_VARIABLE_LENGTH
from chalicelib.campaigns.model import Contact
from chalicelib.errors import ValidationError
from chalicelib.flows.timezones import zone

API_VERSIONS = ("1.0",)
MAX_CALLS = 1000
"""Calls one request may carry."""
MAX_NUMBERS = 10
"""``tel1`` to ``tel10``: a contact's numbers."""
MAX_AHEAD = timedelta(days=365)
_IDENTIFIER = re.compile(r"^[\x21-\x7e][\x20-\x7e]{0,127}$")
_VARIABLE = re.compile(r"^[^\x00-\x20\x7f${}]{1,64}$")


@dataclass(frozen=True)
class Accepted:
    """A call that became a contact."""

    client_identifier: str
    contact: Contact


@dataclass(frozen=True)
class Rejected:
    """A call refused, with its reason."""

    client_identifier: str
    reason: str
    index: int
    """The call's place in ``calls`` (from 0)."""


def normal_number(text: object) -> str:
    """A phone number with its country code as E.164 digits, by the call list's rules
    (``calllist.phone_number``); ``ValueError`` saying what is wrong."""
    from chalicelib.campaigns.calllist import phone_number  # not on a cold start

    if not isinstance(text, (str, int)) or isinstance(text, bool):
        raise ValueError("is not a phone number")
    raw = str(text).strip()
    digits, problem = phone_number(raw)
    if problem is not None:
        raise ValueError(f"{raw[:40]!r} {problem}")
    return digits


def start_time(text: object, account_zone: str, now: datetime) -> datetime:
    """When a call starts: ISO 8601 (``2026-12-24T09:30:00Z``, ``... 09:30``), read in
    ``account_zone`` without an offset; empty: now; in the past: now. ``ValueError``."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return now
    if not isinstance(text, str):
        raise ValueError("start-time must be a date and time in ISO 8601")
    raw = text.strip()
    try:
        moment = datetime.fromisoformat(raw.replace("z", "Z"))
    except ValueError:
        raise ValueError(
            f"start-time {raw[:40]!r} is not an ISO 8601 date and time"
            " (e.g. 2026-12-24T09:30:00+01:00)"
        ) from None
    if "T" not in raw.upper() and " " not in raw:
        raise ValueError(f"start-time {raw[:40]!r} has no time of day")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone(account_zone))
    if moment - now > MAX_AHEAD:
        raise ValueError(f"start-time {raw[:40]!r} is more than a year ahead")
    return max(moment, now)


def flow_keys(raw: object, declared: frozenset[str]) -> dict[str, str]:
    """``keys[]`` as bare flow variable names to values; ``ValueError``."""
    if raw is None:
        return {}
    if not isinstance(raw, list):
        raise ValueError("keys must be a list of {name, value}")
    keys: dict[str, str] = {}
    for entry in raw:
        if not isinstance(entry, Mapping) or "name" not in entry:
            raise ValueError('each key is {"name": "$flow.key.<variable>", "value": ...}')
        name, value = entry.get("name"), entry.get("value", "")
        if not isinstance(name, str):
            raise ValueError("a key's name must be text")
        bare = name.strip().removeprefix(FLOW_KEY)
        if not _VARIABLE.match(bare):
            raise ValueError(f"key {name[:70]!r} is not a flow variable name")
        if bare not in declared:
            shown = ", ".join(sorted(declared)) or "none"
            raise ValueError(f"unknown key {name[:70]!r} (the flow declares: {shown})")
        if bare in keys:
            raise ValueError(f"key {name[:70]!r} is given twice")
        if isinstance(value, bool) or (
            not isinstance(value, (str, int, float)) and value is not None
        ):
            raise ValueError(f"key {name[:70]!r}: the value must be text or a number")
        text = "" if value is None else str(value)
        if len(text) > MAX_VARIABLE_LENGTH:
            raise ValueError(
                f"key {name[:70]!r}: the value is over {MAX_VARIABLE_LENGTH} characters"
            )
        keys[bare] = text
    return keys


def read_calls(
    body: Mapping[str, Any],
    campaign_id: str,
    declared: frozenset[str],
    account_zone: str,
    now: datetime,
) -> tuple[list[Accepted], list[Rejected]]:
    """The body's calls: contacts (id: the client identifier) and rejected calls."""
    calls = body.get("calls")
    if not isinstance(calls, list):
        raise ValidationError("calls must be a list of calls")
    if not calls:
        raise ValidationError("calls is empty")
    if len(calls) > MAX_CALLS:
        raise ValidationError(f"at most {MAX_CALLS} calls per request (got {len(calls)})")
    accepted: list[Accepted] = []
    rejected: list[Rejected] = []
    seen: set[str] = set()
    for index, call in enumerate(calls):
        identifier = ""
        try:
            if not isinstance(call, Mapping):
                raise ValueError("a call must be an object")
            raw_id = call.get("client-identifier")
            if not isinstance(raw_id, (str, int)) or isinstance(raw_id, bool):
                raise ValueError("client-identifier is missing")
            identifier = str(raw_id).strip()
            if not _IDENTIFIER.match(identifier):
                identifier = identifier[:128]
                raise ValueError("client-identifier is 1 to 128 printable ASCII characters")
            if identifier in seen:
                raise ValueError("duplicate: client-identifier given twice in this request")
            seen.add(identifier)
            accepted.append(
                Accepted(
                    identifier, _contact(call, identifier, campaign_id, declared, account_zone, now)
                )
            )
        except ValueError as error:
            rejected.append(Rejected(identifier, str(error), index))
    return accepted, rejected


def _contact(
    call: Mapping[str, Any],
    identifier: str,
    campaign_id: str,
    declared: frozenset[str],
    account_zone: str,
    now: datetime,
) -> Contact:
    numbers = call.get("contact-numbers")
    if isinstance(numbers, (str, int)) and not isinstance(numbers, bool):
        numbers = [numbers]
    if not isinstance(numbers, list) or not numbers:
        raise ValueError("contact-numbers must list 1 to 10 numbers")
    if len(numbers) > MAX_NUMBERS:
        raise ValueError(f"contact-numbers lists {len(numbers)} numbers (at most {MAX_NUMBERS})")
    normal: list[str] = []
    for position, number in enumerate(numbers, start=1):
        try:
            digits = normal_number(number)
        except ValueError as error:
            raise ValueError(f"bad number: contact-numbers[{position}] {error}") from None
        if digits not in normal:
            normal.append(digits)
    due = start_time(call.get("start-time"), account_zone, now)
    return Contact(
        campaign_id=campaign_id,
        contact_id=identifier,
        numbers=tuple(normal),
        keys=flow_keys(call.get("keys"), declared),
        due_at=due,
        client_identifier=identifier,
    )


def same_request(stored: Contact, new: Contact) -> bool:
    """Whether a resent call asks for what the stored contact already holds."""
    return stored.numbers == new.numbers and dict(stored.keys) == dict(new.keys)


def check_envelope(body: object) -> Mapping[str, Any]:
    """The body's envelope: an object with a known ``api-version``, a ``security-id`` and a
    ``flow-id``; ``ValidationError`` otherwise."""
    if not isinstance(body, Mapping):
        raise ValidationError("the body must be a JSON object")
    version = body.get("api-version", "1.0")
    if str(version) not in API_VERSIONS:
        raise ValidationError(f"api-version {version!r} is not supported (use {API_VERSIONS[0]})")
    for field in ("security-id", "flow-id"):
        value = body.get(field)
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(f"{field} is required")
    return body


def rejections(rejected: Sequence[Rejected]) -> list[dict[str, Any]]:
    """Rejected calls as the answer lists them."""
    return [
        {"client-identifier": r.client_identifier, "status": "rejected", "reason": r.reason}
        for r in rejected
    ]
