"""The pace of outbound calls in DynamoDB: the ``campaign_pacing`` table, one item per paced key
(key ``key``, e.g. ``flow:acme:reminders`` or ``account:acme``), with
``CampaignPacingRepository``, which implements ``campaigns.pacing.PaceStore``.

An item holds ``grants`` (the times of the key's latest grants, epoch seconds, oldest first; at
most the N of its rate window), ``live`` (a map call ref -> epoch seconds of its grant: the
calls in progress), ``backoff`` (seconds) and ``backoff_until`` (epoch seconds) after a
carrier's 429, ``version`` (optimistic concurrency: every decided write needs it unchanged and
adds one) and ``expires`` (DynamoDB's TTL: an idle key's item goes away). Several keys are read
in one consistent BatchGetItem and written in one TransactWriteItems whose every update is
conditioned on its item's version, so a grant under a flow's key and its account's key is
recorded under both or neither, and two workers can never both write what each decided on the
same state. A call's end removes its ref from ``live`` with a plain REMOVE (no version change:
a decision made on a state that still counted it is only more careful).

The store does not know the product's types: it reads ``StoredPace`` records (which satisfy
``campaigns.pacing.PaceState``) and writes anything shaped like ``PaceFields`` (the pacer's
``PaceChange`` is). Map keys are call refs, always passed as expression attribute names
(pynamodb's placeholders); the only characters a placeholder path cannot carry (``[``, ``]``)
are escaped, with ``%``, as ``%5B``, ``%5D`` and ``%25``. Items and pynamodb exceptions never
leave this module; each method's docstring gives its DynamoDB requests. Imports pynamodb, the
store's base helpers and the standard library; must not import a product package. Part of
``store``, the only package that may import pynamodb.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import ClassVar, Protocol

from pynamodb.attributes import Attribute, TTLAttribute, UnicodeAttribute
from pynamodb.constants import LIST, MAP, NUMBER
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.operand import Path
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from chalicelib.store.attributes import IntegerAttribute, decimal_text, require_aware
from chalicelib.store.base import MAX_TRANSACTION_ITEMS, condition_failed, lost_races, translated
from chalicelib.store.binding import bound_settings, shared_connection
from chalicelib.store.registry import StoreItem

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_BATCH_GET_KEYS = 100
"""DynamoDB's limit of keys in one BatchGetItem."""
RELEASE_ATTEMPTS = 3
"""Tries of a release that met a transaction on the same item."""
_TRANSACTION_CONFLICT = "TransactionConflictException"


def epoch_text(at: datetime) -> str:
    """The exact epoch seconds of ``at`` (to the microsecond) as a DynamoDB Number."""
    delta = require_aware(at, "time") - EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return decimal_text(Decimal(micros).scaleb(-6))


def instant(number: str | Decimal) -> datetime:
    """The UTC time of epoch seconds ``number`` (to the microsecond)."""
    micros = int((Decimal(number) * 1_000_000).to_integral_value())
    return EPOCH + timedelta(microseconds=micros)


def _seconds_text(span: timedelta) -> str:
    return decimal_text(Decimal(span // timedelta(microseconds=1)).scaleb(-6))


def _span(number: Decimal | str) -> timedelta:
    return timedelta(microseconds=int((Decimal(number) * 1_000_000).to_integral_value()))


def _map_key(call_ref: str) -> str:
    """A call ref as a ``live`` map key a document path can name."""
    return call_ref.replace("%", "%25").replace("[", "%5B").replace("]", "%5D")


def _call_ref(map_key: str) -> str:
    return map_key.replace("%5D", "]").replace("%5B", "[").replace("%25", "%")


class EpochListAttribute(Attribute[list[datetime]]):
    """A list of times as epoch-second Numbers, in order."""

    attr_type = LIST

    def serialize(self, value: Sequence[datetime]) -> list[dict[str, str]]:
        return [{NUMBER: epoch_text(at)} for at in value]

    def deserialize(self, value: list[dict[str, str]]) -> list[datetime]:
        return [instant(typed[NUMBER]) for typed in value]


class EpochMapAttribute(Attribute[dict[str, datetime]]):
    """A map of free keys to times as epoch-second Numbers (an empty map is kept)."""

    attr_type = MAP

    def serialize(self, value: Mapping[str, datetime]) -> dict[str, dict[str, str]]:
        return {key: {NUMBER: epoch_text(at)} for key, at in value.items()}

    def deserialize(self, value: dict[str, dict[str, str]]) -> dict[str, datetime]:
        return {key: instant(typed[NUMBER]) for key, typed in value.items()}


class SecondsAttribute(Attribute[timedelta]):
    """A span of time as a Number of seconds (to the microsecond)."""

    attr_type = NUMBER

    def serialize(self, value: timedelta) -> str:
        return _seconds_text(value)

    def deserialize(self, value: str) -> timedelta:
        return _span(value)


class EpochAttribute(Attribute[datetime]):
    """A time as a Number of epoch seconds (to the microsecond)."""

    attr_type = NUMBER

    def serialize(self, value: datetime) -> str:
        return epoch_text(value)

    def deserialize(self, value: str) -> datetime:
        return instant(value)


class CampaignPacingItem(StoreItem):
    """One paced key's recent grants, live calls, backoff and version (``campaign_pacing``)."""

    LOGICAL_NAME: ClassVar[str] = "campaign_pacing"

    class Meta:
        table_name = "campaign_pacing"

    key = UnicodeAttribute(hash_key=True)
    grants = EpochListAttribute(null=True)
    live = EpochMapAttribute(null=True)
    backoff = SecondsAttribute(null=True)
    backoff_until = EpochAttribute(null=True)
    version = IntegerAttribute()
    expires = TTLAttribute(null=True)


@dataclass(frozen=True)
class StoredPace:
    """One key as stored (version 0: no item yet)."""

    key: str
    grants: tuple[datetime, ...] = ()
    live: Mapping[str, datetime] = field(default_factory=dict)
    backoff_until: datetime | None = None
    backoff: timedelta = timedelta(0)
    version: int = 0


class PaceFields(Protocol):
    """What the store writes of one key (``campaigns.pacing.PaceChange``)."""

    @property
    def key(self) -> str: ...
    @property
    def version(self) -> int: ...
    @property
    def grants(self) -> Sequence[datetime]: ...
    @property
    def granted(self) -> tuple[str, datetime] | None: ...
    @property
    def dropped(self) -> Collection[str]: ...
    @property
    def backoff(self) -> timedelta: ...
    @property
    def backoff_until(self) -> datetime | None: ...
    @property
    def expires(self) -> datetime: ...


def _stored(item: CampaignPacingItem) -> StoredPace:
    return StoredPace(
        key=item.key,
        grants=tuple(sorted(item.grants or ())),
        live={_call_ref(key): at for key, at in (item.live or {}).items()},
        backoff_until=item.backoff_until,
        backoff=item.backoff or timedelta(0),
        version=int(item.version),
    )


def _live_entry(call_ref: str) -> Path:
    return Path([CampaignPacingItem.live.attr_name, _map_key(call_ref)])


def _update(change: PaceFields) -> tuple[list[Action], Condition]:
    """The actions and condition of one key's change."""
    item = CampaignPacingItem
    actions: list[Action] = [
        item.grants.set(list(change.grants)),
        item.backoff.set(change.backoff),
        item.expires.set(require_aware(change.expires, "expires")),
        item.version.set(change.version + 1),
    ]
    if change.backoff_until is None:
        actions.append(item.backoff_until.remove())
    else:
        actions.append(item.backoff_until.set(change.backoff_until))
    if change.version == 0:  # a new item: its map is written whole
        live = {} if change.granted is None else {_map_key(change.granted[0]): change.granted[1]}
        actions.append(item.live.set(live))
        return actions, item.version.does_not_exist()
    if change.granted is not None:
        ref, at = change.granted
        actions.append(_live_entry(ref).set({NUMBER: epoch_text(at)}))
    granted = None if change.granted is None else change.granted[0]
    actions.extend(_live_entry(ref).remove() for ref in sorted(change.dropped) if ref != granted)
    return actions, item.version == change.version


class CampaignPacingRepository:
    """Paced keys' states, read together and written together."""

    def __init__(self) -> None:
        bound_settings()

    @translated
    def read(self, keys: Sequence[str]) -> dict[str, StoredPace]:
        """Every key's state (version 0 for a key without an item). 1 consistent BatchGetItem
        (again for any keys DynamoDB left unprocessed)."""
        if len(keys) > MAX_BATCH_GET_KEYS:
            raise ValueError(f"at most {MAX_BATCH_GET_KEYS} keys at once")
        found = {
            item.key: _stored(item)
            for item in CampaignPacingItem.batch_get(list(keys), consistent_read=True)
        }
        return {key: found.get(key) or StoredPace(key) for key in keys}

    @translated
    def write(self, changes: Sequence[PaceFields]) -> bool:
        """Apply every change, each on condition that its key's version is still the one read
        (absent for version 0): True if written, False (nothing written) if any key's version
        moved or another transaction held an item. 1 TransactWriteItems."""
        if not changes:
            return True
        if len(changes) > MAX_TRANSACTION_ITEMS:
            raise ValueError(f"at most {MAX_TRANSACTION_ITEMS} keys in one transaction")
        try:
            with TransactWrite(connection=shared_connection()) as transaction:
                for change in changes:
                    actions, condition = _update(change)
                    transaction.update(
                        CampaignPacingItem(change.key), actions=actions, condition=condition
                    )
        except TransactWriteError as error:
            lost_races(error)  # re-raises anything but a lost condition or a conflict
            return False
        return True

    @translated
    def release(self, keys: Sequence[str], call_ref: str) -> None:
        """Remove ``call_ref`` from every key's live calls; a key that does not hold it is left
        as it is (no item is created). 1 UpdateItem per key (conditional on the entry; again
        if it met a transaction on the item)."""
        entry = _live_entry(call_ref)
        for key in keys:
            for attempt in range(RELEASE_ATTEMPTS):
                try:
                    CampaignPacingItem(key).update(
                        actions=[entry.remove()], condition=entry.exists()
                    )
                except PynamoDBException as error:
                    if condition_failed(error):
                        break
                    if _code(error) == _TRANSACTION_CONFLICT and attempt + 1 < RELEASE_ATTEMPTS:
                        continue
                    raise
                break


def _code(error: PynamoDBException) -> str | None:
    """DynamoDB's error code behind ``error``, if it carries one."""
    response = getattr(error.cause, "response", None)
    code = (response.get("Error") or {}).get("Code") if isinstance(response, dict) else None
    return code if isinstance(code, str) else None
