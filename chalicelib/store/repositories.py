"""Repositories: every read and write of the platform's DynamoDB tables.

Each repository takes and returns domain objects (``Account``, ``PhoneNumber``, ``FlowHead``,
``FlowRevision``, ``CallState``, ``CallRecord``, plain strings); pynamodb items and exceptions
never leave this module: conditions that lose become ``AlreadyExistsError``,
``StaleStateError`` or ``InsufficientBalanceError``, other failures ``StoreRequestError``. Each
method makes the fewest DynamoDB requests its job allows; its docstring gives the count. No
scans on hot paths. Call ``binding.bind(settings)`` once before building a repository. Part of
``store``, the only package that may import pynamodb.
"""

from __future__ import annotations

import builtins
import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal, Inexact, localcontext
from typing import Any, ParamSpec, TypeVar

from pynamodb.exceptions import DoesNotExist, PynamoDBException, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.accounts.model import Account, PhoneNumber
from chalicelib.calls.model import CallRecord
from chalicelib.flows.records import FlowHead, FlowRevision
from chalicelib.flows.state import CallState
from chalicelib.settings import Settings
from chalicelib.store.attributes import decimal_text, require_aware
from chalicelib.store.binding import bound_settings, shared_connection
from chalicelib.store.errors import (
    AlreadyExistsError,
    InsufficientBalanceError,
    NotFoundError,
    StaleStateError,
    StoreRequestError,
)
from chalicelib.store.mapping import (
    account_from,
    account_item,
    call_item,
    call_record_from,
    call_record_item,
    call_state_from,
    flow_head_from,
    flow_revision_from,
    flow_revision_item,
    number_from,
    number_item,
    record_sort_key,
)
from chalicelib.store.models import (
    HEAD_VERSION,
    AccountItem,
    CallItem,
    CallRecordItem,
    FlowItem,
    MarkerItem,
    NumberItem,
    UserVariableItem,
)

P = ParamSpec("P")
R = TypeVar("R")
Clock = Callable[[], datetime]

CONDITION_FAILED = "ConditionalCheckFailedException"
TRANSACTION_CANCELED = "TransactionCanceledException"
CONDITION_LOST = "ConditionalCheckFailed"
TRANSACTION_CONFLICT = "TransactionConflict"
MAX_TRANSACTION_ITEMS = 100
"""DynamoDB's limit of actions in one TransactWriteItems."""
MAX_DOCUMENT_BYTES = 350_000
"""A flow document must fit in one item (400 KB with its other attributes)."""
MAX_SMS_PARTS = 255
RECORDS_LIMIT_MAX = 1000


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _code(error: PynamoDBException) -> str | None:
    """DynamoDB's error code behind a pynamodb exception, or None. (pynamodb's own
    ``cause_response_code`` raises AttributeError when the cause carries no response, as a read
    timeout's does.)"""
    response = getattr(error.cause, "response", None)
    if not isinstance(response, dict):
        return None
    code = (response.get("Error") or {}).get("Code")
    return code if isinstance(code, str) else None


def _condition_failed(error: PynamoDBException) -> bool:
    return _code(error) == CONDITION_FAILED


def _lost_races(error: TransactWriteError) -> list[bool]:
    """Per transaction action, whether its condition failed (True) or it met a concurrent
    transaction (False; None-reason actions are False too). Re-raises ``error`` when the
    transaction failed for any other reason."""
    if _code(error) != TRANSACTION_CANCELED:
        raise error
    codes = [None if reason is None else reason.code for reason in error.cancellation_reasons]
    if any(code not in {None, "None", CONDITION_LOST, TRANSACTION_CONFLICT} for code in codes):
        raise error
    return [code == CONDITION_LOST for code in codes]


def _translated(method: Callable[P, R]) -> Callable[P, R]:
    """Turn any pynamodb exception a method lets through into ``StoreRequestError``."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except PynamoDBException as error:
            code = _code(error) or type(error).__name__
            raise StoreRequestError(f"{method.__qualname__} failed: {code}: {error}") from error

    return wrapper


def _get(
    model: type[Model], kind: str, key: str, range_key: int | None = None, consistent: bool = False
) -> Any:
    """One GetItem; ``NotFoundError`` if the item is absent."""
    try:
        return model.get(key, range_key, consistent_read=consistent)
    except DoesNotExist as error:
        shown = key if range_key is None else f"{key}/{range_key}"
        raise NotFoundError(kind, shown) from error


def _update(item: Model, exists: Condition, kind: str, key: str, actions: list[Action]) -> None:
    """One UpdateItem on an existing item (``exists`` tests its key), refreshing ``item`` from
    the new image; ``NotFoundError`` if the item is absent."""
    try:
        item.update(actions=actions, condition=exists)
    except PynamoDBException as error:
        if _condition_failed(error):
            raise NotFoundError(kind, key) from error
        raise


# accounts ------------------------------------------------------------------------------------


class AccountRepository:
    """Accounts (tenants). The balance changes only through ``adjust_balance``."""

    def __init__(self) -> None:
        bound_settings()

    @_translated
    def create(self, account: Account) -> Account:
        """Store a new account; ``AlreadyExistsError`` if the id is taken. 1 PutItem."""
        try:
            account_item(account).save(condition=AccountItem.account_id.does_not_exist())
        except PynamoDBException as error:
            if _condition_failed(error):
                raise AlreadyExistsError("account", account.account_id) from error
            raise
        return account

    @_translated
    def get(self, account_id: str, consistent: bool = False) -> Account:
        """The account; ``NotFoundError`` if absent. 1 GetItem."""
        item: AccountItem = _get(AccountItem, "account", account_id, consistent=consistent)
        return account_from(item)

    @_translated
    def list(self) -> builtins.list[Account]:
        """Every account (operators' listing, never on a call path). 1 Scan per MB of accounts."""
        return [account_from(item) for item in AccountItem.scan()]

    @_translated
    def add_api_key_hash(self, account_id: str, key_hash: str) -> Account:
        """Append an API key hash (idempotent: a known hash is not added twice).

        1 UpdateItem; +1 GetItem only when the hash was already there or the account is absent.
        """
        item = AccountItem(account_id)
        hashes = AccountItem.api_key_hashes
        try:
            item.update(
                actions=[hashes.set((hashes | []).append([key_hash]))],
                condition=AccountItem.account_id.exists() & ~hashes.contains(key_hash),
            )
        except PynamoDBException as error:
            if not _condition_failed(error):
                raise
            return self.get(account_id, consistent=True)
        return account_from(item)

    @_translated
    def remove_api_key_hash(self, account_id: str, key_hash: str, attempts: int = 3) -> Account:
        """Remove an API key hash (idempotent: an unknown hash changes nothing).

        1 GetItem, +1 UpdateItem when the hash is there (again per concurrent key change).
        """
        for _ in range(attempts):
            current: AccountItem = _get(AccountItem, "account", account_id, consistent=True)
            hashes = list(current.api_key_hashes or ())
            if key_hash not in hashes:
                return account_from(current)
            index = hashes.index(key_hash)
            path = AccountItem.api_key_hashes[index]
            item = AccountItem(account_id)
            try:
                item.update(actions=[path.remove()], condition=path == key_hash)
            except PynamoDBException as error:
                if not _condition_failed(error):
                    raise
                continue
            return account_from(item)
        raise StaleStateError("account", account_id, "kept changing its API keys")

    @_translated
    def set_language(self, account_id: str, language: str) -> Account:
        """Set the default language. 1 UpdateItem."""
        return self._set(account_id, AccountItem.language.set(language))

    @_translated
    def set_enabled(self, account_id: str, enabled: bool) -> Account:
        """Enable or disable the account. 1 UpdateItem."""
        return self._set(account_id, AccountItem.enabled.set(enabled))

    @staticmethod
    def _set(account_id: str, action: Any) -> Account:
        item = AccountItem(account_id)
        _update(item, AccountItem.account_id.exists(), "account", account_id, [action])
        return account_from(item)

    @_translated
    def adjust_balance(
        self, account_id: str, delta: Decimal, expected_min: Decimal = Decimal("0")
    ) -> Account:
        """Add ``delta`` (negative to debit) to the balance unless it would end below
        ``expected_min``; returns the account with its new balance.

        Atomic: one conditional UpdateItem (``balance >= expected_min - delta``), so concurrent
        debits can never overdraw. Refused: ``InsufficientBalanceError`` (balance unchanged),
        ``NotFoundError`` if there is no such account. 1 UpdateItem; +1 GetItem only when
        refused, to say why.
        """
        decimal_text(delta)
        decimal_text(expected_min)
        with localcontext() as context:
            context.prec = 38  # DynamoDB's precision; anything longer would be rounded
            context.traps[Inexact] = True
            threshold = Decimal(expected_min) - Decimal(delta)
        item = AccountItem(account_id)
        try:
            item.update(
                actions=[AccountItem.balance.add(Decimal(delta))],
                condition=AccountItem.account_id.exists() & (AccountItem.balance >= threshold),
            )
        except PynamoDBException as error:
            if not _condition_failed(error):
                raise
            current = self.get(account_id, consistent=True)
            raise InsufficientBalanceError(
                account_id, current.balance, Decimal(delta), Decimal(expected_min)
            ) from error
        return account_from(item)


# numbers -------------------------------------------------------------------------------------


class NumberRepository:
    """Numbers the platform answers and the flows they start."""

    def __init__(self) -> None:
        bound_settings()

    @_translated
    def put(self, number: PhoneNumber) -> PhoneNumber:
        """Create or replace a number. 1 PutItem."""
        number_item(number).save()
        return number

    @_translated
    def get(self, number: str, consistent: bool = False) -> PhoneNumber:
        """The number; ``NotFoundError`` if absent. 1 GetItem."""
        item: NumberItem = _get(NumberItem, "number", number, consistent=consistent)
        return number_from(item)

    @_translated
    def list_by_account(self, account_id: str) -> list[PhoneNumber]:
        """An account's numbers, sorted. 1 Query (index ``by_account``) per MB of numbers."""
        return [number_from(item) for item in NumberItem.by_account.query(account_id)]

    @_translated
    def provision(self, number: str, account_id: str) -> PhoneNumber:
        """Give a number no account holds to ``account_id``: enabled, bound to no flow.
        ``AlreadyExistsError`` if any account holds it (the stored number is unchanged).
        1 conditional PutItem."""
        phone = PhoneNumber(number, account_id)
        try:
            number_item(phone).save(condition=NumberItem.number.does_not_exist())
        except PynamoDBException as error:
            if _condition_failed(error):
                raise AlreadyExistsError("number", number, "is already provisioned") from error
            raise
        return phone

    @_translated
    def release(self, number: str, account_id: str) -> None:
        """Take a number back from ``account_id``, whatever it is bound to. ``NotFoundError``
        if the number is absent or another account's. 1 conditional DeleteItem."""
        try:
            NumberItem(number).delete(condition=NumberItem.account_id == account_id)
        except PynamoDBException as error:
            if _condition_failed(error):
                raise NotFoundError("number", number) from error
            raise

    @_translated
    def bind(
        self,
        number: str,
        account_id: str,
        flow_id: str | None,
        language: str | None = None,
        enabled: bool = True,
        head: FlowHead | None = None,
    ) -> PhoneNumber:
        """Bind a number ``account_id`` holds to a flow (``None``: to none), with its language
        and switch, and a copy of the flow's ``head`` (what answering needs; without one the
        copy is dropped and the head is read per call until ``follow_flow``). ``NotFoundError``
        if the number is absent or another account's: the two are not told apart.
        1 conditional UpdateItem."""
        actions: list[Action] = [
            NumberItem.flow_id.remove() if flow_id is None else NumberItem.flow_id.set(flow_id),
            NumberItem.language.remove() if language is None else NumberItem.language.set(language),
            NumberItem.enabled.set(enabled),
        ]
        if head is not None and head.flow_id == flow_id:
            actions += [
                NumberItem.flow_version.set(head.latest_version),
                NumberItem.flow_enabled.set(head.enabled),
                NumberItem.flow_generation.set(head.generation),
            ]
        else:
            actions += [
                NumberItem.flow_version.remove(),
                NumberItem.flow_enabled.remove(),
                NumberItem.flow_generation.remove(),
            ]
        item = NumberItem(number)
        _update(item, NumberItem.account_id == account_id, "number", number, actions)
        return number_from(item)

    @_translated
    def attach(self, number: str, flow_id: str | None) -> PhoneNumber:
        """Bind a number to a flow (``None`` detaches it), forgetting the copy of the previous
        flow's head (``follow_flow`` brings the new one). 1 UpdateItem."""
        action = NumberItem.flow_id.remove() if flow_id is None else NumberItem.flow_id.set(flow_id)
        forget = [
            NumberItem.flow_version.remove(),
            NumberItem.flow_enabled.remove(),
            NumberItem.flow_generation.remove(),
        ]
        item = NumberItem(number)
        _update(item, NumberItem.number.exists(), "number", number, [action, *forget])
        return number_from(item)

    @_translated
    def follow_flow(self, head: FlowHead, number: str | None = None) -> int:
        """Copy ``head`` (its live version and listener) onto the numbers attached to its flow,
        or onto ``number`` alone, where they hold an older generation of it; returns how many
        changed. Each update is conditional on the number still being attached to the flow and
        on the generation, so concurrent changes converge on the newest head. 1 UpdateItem per
        number; for all of them, 1 Query (index ``by_account``) per MB of the account's
        numbers first."""
        if number is not None:
            targets = [number]
        else:
            items = NumberItem.by_account.query(
                head.account_id, filter_condition=NumberItem.flow_id == head.flow_id
            )
            targets = [item.number for item in items]
        changed = 0
        for target in targets:
            item = NumberItem(target)
            older = NumberItem.flow_generation.does_not_exist() | (
                NumberItem.flow_generation < head.generation
            )
            try:
                item.update(
                    actions=[
                        NumberItem.flow_version.set(head.latest_version),
                        NumberItem.flow_enabled.set(head.enabled),
                        NumberItem.flow_generation.set(head.generation),
                    ],
                    condition=(NumberItem.flow_id == head.flow_id) & older,
                )
            except PynamoDBException as error:
                if not _condition_failed(error):
                    raise
                continue
            changed += 1
        return changed

    @_translated
    def set_enabled(self, number: str, enabled: bool) -> PhoneNumber:
        """Enable or disable a number. 1 UpdateItem."""
        item = NumberItem(number)
        _update(
            item, NumberItem.number.exists(), "number", number, [NumberItem.enabled.set(enabled)]
        )
        return number_from(item)

    @_translated
    def delete(self, number: str) -> None:
        """Remove a number (idempotent). 1 DeleteItem."""
        NumberItem(number).delete()


# flows ---------------------------------------------------------------------------------------


class FlowRepository:
    """Flow heads and their immutable revisions."""

    def __init__(self, clock: Clock | None = None, attempts: int = 5) -> None:
        bound_settings()
        self._clock = clock or _utc_now
        self._attempts = attempts

    def _read_head(self, flow_id: str) -> FlowItem | None:
        """The head item as it is now (consistent), or None for a new flow."""
        try:
            return FlowItem.get(flow_id, HEAD_VERSION, consistent_read=True)
        except DoesNotExist:
            return None

    @_translated
    def add_revision(
        self,
        flow_id: str,
        account_id: str,
        name: str,
        document: str,
        created_at: datetime | None = None,
    ) -> FlowRevision:
        """Store ``document`` as the flow's next version (latest + 1) and return it.

        One transaction moves the head's ``latest_version`` (conditional on the value read, or
        creating the head with ``enabled`` False) and puts the revision (conditional on its key
        being new), so concurrent loaders never write the same version: the loser re-reads and
        takes the next one. The head's name becomes ``name``. ``AlreadyExistsError`` if the flow
        id belongs to another account. 1 GetItem + 1 TransactWriteItems (again per lost race).
        """
        if not name:
            raise ValueError("a flow needs a non-empty name")
        if len(document.encode()) > MAX_DOCUMENT_BYTES:
            raise ValueError(f"flow document exceeds {MAX_DOCUMENT_BYTES} bytes")
        at = require_aware(created_at or self._clock(), "created_at")
        for _ in range(self._attempts):
            head = self._read_head(flow_id)
            if head is not None and head.account_id != account_id:
                raise AlreadyExistsError("flow", flow_id, "belongs to another account")
            latest = 0 if head is None else (head.latest_version or 0)
            revision = FlowRevision(flow_id, latest + 1, account_id, document, at)
            if self._commit(revision, name, None if head is None else latest):
                return revision
        raise StaleStateError("flow", flow_id, f"lost {self._attempts} races for a new version")

    def _commit(self, revision: FlowRevision, name: str, expected_latest: int | None) -> bool:
        """Write head and revision in one transaction; False if another writer came first."""
        if expected_latest is None:
            condition = FlowItem.flow_id.does_not_exist()
            actions: list[Action] = [
                FlowItem.account_id.set(revision.account_id),
                FlowItem.enabled.set(False),
            ]
        else:
            condition = (FlowItem.latest_version == expected_latest) & (
                FlowItem.account_id == revision.account_id
            )
            actions = []
        actions += [
            FlowItem.name.set(name),
            FlowItem.latest_version.set(revision.version),
            FlowItem.generation.add(1),
        ]
        try:
            with TransactWrite(connection=shared_connection()) as transaction:
                transaction.update(FlowItem(revision.flow_id, HEAD_VERSION), actions, condition)
                transaction.save(
                    flow_revision_item(revision), condition=FlowItem.flow_id.does_not_exist()
                )
        except TransactWriteError as error:
            _lost_races(error)  # re-raises anything but a lost condition or a conflict
            return False
        return True

    @_translated
    def get_head(self, flow_id: str, consistent: bool = False) -> FlowHead:
        """The flow's head; ``NotFoundError`` if absent. 1 GetItem."""
        item: FlowItem = _get(FlowItem, "flow", flow_id, HEAD_VERSION, consistent=consistent)
        return flow_head_from(item)

    @_translated
    def get_revision(self, flow_id: str, version: int) -> FlowRevision:
        """One revision (immutable, so an eventually consistent read is exact once it is
        there); ``NotFoundError`` if absent. 1 GetItem."""
        if version <= HEAD_VERSION:
            raise ValueError(f"flow versions start at 1, got {version}")
        item: FlowItem = _get(FlowItem, "flow revision", flow_id, version)
        return flow_revision_from(item)

    @_translated
    def set_enabled(self, flow_id: str, enabled: bool) -> FlowHead:
        """Switch the flow's listener on or off; returns the head as it now is. 1 UpdateItem."""
        item = FlowItem(flow_id, HEAD_VERSION)
        actions: list[Action] = [FlowItem.enabled.set(enabled), FlowItem.generation.add(1)]
        _update(item, FlowItem.flow_id.exists(), "flow", flow_id, actions)
        return flow_head_from(item)

    @_translated
    def list_heads(self, account_id: str) -> list[FlowHead]:
        """An account's flows by name. 1 Query (index ``heads_by_account``) per MB of heads."""
        return [flow_head_from(item) for item in FlowItem.heads_by_account.query(account_id)]


# calls ---------------------------------------------------------------------------------------


class CallRepository:
    """Live call states: one item per call, written only under a version condition."""

    def __init__(self, settings: Settings | None = None, clock: Clock | None = None) -> None:
        bound = bound_settings()
        self._ttl = timedelta(seconds=(settings or bound).call_ttl_seconds)
        self._clock = clock or _utc_now

    def _expires_at(self) -> datetime:
        return require_aware(self._clock(), "clock()") + self._ttl

    @_translated
    def create(self, state: CallState) -> CallState:
        """Store a new call; ``AlreadyExistsError`` if the call id is there (a retried answer
        webhook). Returns the state as stored (version 1). 1 PutItem."""
        item = call_item(replace(state, version=0), self._expires_at())
        try:
            item.save(condition=CallItem.call_id.does_not_exist())
        except PynamoDBException as error:
            if _condition_failed(error):
                raise AlreadyExistsError("call", state.call_id) from error
            raise
        return replace(state, version=1)

    @_translated
    def get(self, call_id: str, consistent: bool = True) -> CallState:
        """The call's state with its version; ``NotFoundError`` if absent. 1 GetItem
        (strongly consistent by default: a stale read would only lose the next save)."""
        item: CallItem = _get(CallItem, "call", call_id, consistent=consistent)
        return call_state_from(item)

    @_translated
    def save(self, state: CallState) -> CallState:
        """Replace the stored state if it still has ``state.version`` (0: if there is none);
        returns the state with its new version. ``StaleStateError`` if someone else wrote
        first (the stored item is unchanged). 1 PutItem."""
        item = call_item(state, self._expires_at())
        try:
            item.save()
        except PynamoDBException as error:
            if _condition_failed(error):
                raise StaleStateError(
                    "call", state.call_id, f"is no longer at version {state.version}"
                ) from error
            raise
        return replace(state, version=state.version + 1)

    @_translated
    def delete(self, call_id: str) -> None:
        """Remove a call's state (idempotent). 1 DeleteItem."""
        CallItem(call_id).delete(add_version_condition=False)


# call records --------------------------------------------------------------------------------


class CallRecordRepository:
    """Finished calls, per account, newest first."""

    def __init__(self) -> None:
        bound_settings()

    @_translated
    def put(self, record: CallRecord) -> bool:
        """Store a record once: the key is made of its start time and call id, and the put is
        conditional, so a repeated put of the same call writes nothing. True if this call
        wrote it. 1 PutItem."""
        try:
            call_record_item(record).save(condition=CallRecordItem.account_id.does_not_exist())
        except PynamoDBException as error:
            if _condition_failed(error):
                return False
            raise
        return True

    @_translated
    def list_by_account(
        self,
        account_id: str,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 50,
    ) -> list[CallRecord]:
        """The account's records that started in ``[since, until)``, newest first, at most
        ``limit`` (1..1000). 1 Query."""
        if not 1 <= limit <= RECORDS_LIMIT_MAX:
            raise ValueError(f"limit must be 1..{RECORDS_LIMIT_MAX}, got {limit}")
        key = CallRecordItem.started_key
        condition: Condition | None = None
        if since is not None and until is not None:
            if since >= until:
                return []
            condition = key.between(record_sort_key(since), record_sort_key(until))
        elif since is not None:
            condition = key >= record_sort_key(since)
        elif until is not None:
            condition = key < record_sort_key(until)
        items = CallRecordItem.query(
            account_id, range_key_condition=condition, scan_index_forward=False, limit=limit
        )
        return [call_record_from(item) for item in items]

    @_translated
    def get(self, account_id: str, call_id: str) -> CallRecord:
        """One record by call id; ``NotFoundError`` if the account has none for it. 1 Query
        (index ``by_call``, eventually consistent: a record put a moment ago may be missing)."""
        items = CallRecordItem.by_call.query(
            call_id, filter_condition=CallRecordItem.account_id == account_id
        )
        for item in items:
            return call_record_from(item)
        raise NotFoundError("call record", f"{account_id}/{call_id}")


# user variables ------------------------------------------------------------------------------


class UserVariableRepository:
    """``$user.key.*``: per account, the value with the latest timestamp wins."""

    def __init__(self, attempts: int = 5) -> None:
        bound_settings()
        self._attempts = attempts

    @staticmethod
    def _item(account_id: str, name: str, value: str, at: datetime) -> UserVariableItem:
        return UserVariableItem(
            account_id, name, value=value, updated_at=require_aware(at, "updated_at")
        )

    @staticmethod
    def _not_newer(at: datetime) -> Condition:
        """Write only over nothing or over a value not newer than ``at``."""
        condition: Condition = UserVariableItem.name.does_not_exist() | (
            UserVariableItem.updated_at <= at
        )
        return condition

    @_translated
    def get_many(
        self, account_id: str, names: Iterable[str], consistent: bool = True
    ) -> dict[str, str]:
        """The named variables of the account that exist (a call reads only the names its
        flow uses, so its cost does not grow with the account). No request for no names;
        else 1 BatchGetItem per 100 names (again for keys DynamoDB left unprocessed)."""
        keys = sorted(set(names))
        if not keys:
            return {}
        items = UserVariableItem.batch_get(
            [(account_id, name) for name in keys],
            consistent_read=consistent,
            attributes_to_get=["name", "value"],
        )
        return {item.name: item.value for item in items}

    @_translated
    def all_for(self, account_id: str, consistent: bool = True) -> dict[str, str]:
        """Every variable of the account (operators' listing, never on a call path). 1 Query
        per MB of variables."""
        items = UserVariableItem.query(account_id, consistent_read=consistent)
        return {item.name: item.value for item in items}

    @_translated
    def set(self, account_id: str, name: str, value: str, at: datetime) -> bool:
        """Set a variable as of ``at``; an older write never replaces a newer one. True if
        written, False if the stored value is newer. 1 PutItem."""
        try:
            self._item(account_id, name, value, at).save(condition=self._not_newer(at))
        except PynamoDBException as error:
            if _condition_failed(error):
                return False
            raise
        return True

    @_translated
    def set_many(self, account_id: str, values: Mapping[str, str], at: datetime) -> frozenset[str]:
        """Set several variables as of ``at``, each under the latest-wins rule; returns the
        names written. One name: 1 PutItem. More: 1 TransactWriteItems per 100 names, plus
        one more for a chunk in which some stored value was newer (those names are dropped)."""
        if len(values) == 1:
            ((name, value),) = values.items()
            return frozenset({name}) if self.set(account_id, name, value, at) else frozenset()
        names = builtins.list(values)
        written: builtins.set[str] = builtins.set()
        for start in range(0, len(names), MAX_TRANSACTION_ITEMS):
            chunk = names[start : start + MAX_TRANSACTION_ITEMS]
            written.update(self._set_chunk(account_id, chunk, values, at))
        return frozenset(written)

    def _set_chunk(
        self, account_id: str, names: builtins.list[str], values: Mapping[str, str], at: datetime
    ) -> builtins.list[str]:
        pending = names
        for _ in range(self._attempts):
            if not pending:
                return []
            try:
                with TransactWrite(connection=shared_connection()) as transaction:
                    for name in pending:
                        item = self._item(account_id, name, values[name], at)
                        transaction.save(item, condition=self._not_newer(at))
            except TransactWriteError as error:
                lost = _lost_races(error)
                if len(lost) != len(pending):
                    raise
                # names whose stored value is newer are done; conflicts are tried again
                pending = [name for name, newer in zip(pending, lost, strict=True) if not newer]
                continue
            return pending
        raise StaleStateError("user variables", account_id, "kept changing concurrently")


# markers -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmsPart:
    """One part of a multipart SMS, as collected for reassembly."""

    part_number: int
    total: int
    payload: str


_CLAIM = "claim#"
_TOKEN = "token#"
_SMS_PARTS = "sms-parts#"


class MarkerRepository:
    """Claims that make effects happen once, and the parts of multipart SMS.

    A marker past its ``expires_at`` counts as absent even before DynamoDB's TTL removes it
    (which takes up to two days, and which moto never does).
    """

    def __init__(self) -> None:
        bound_settings()

    @_translated
    def claim(self, key: str, now: datetime, ttl_seconds: int) -> bool:
        """Claim ``key`` until ``now + ttl_seconds``: True for the first claimer only (again
        once the claim expired or was released). 1 PutItem."""
        if ttl_seconds <= 0:
            raise ValueError(f"a claim must last, got ttl_seconds={ttl_seconds}")
        now = require_aware(now, "now")
        item = MarkerItem(_CLAIM + key, expires_at=now + timedelta(seconds=ttl_seconds))
        expired = MarkerItem.expires_at < now
        try:
            item.save(condition=MarkerItem.key.does_not_exist() | expired)
        except PynamoDBException as error:
            if _condition_failed(error):
                return False
            raise
        return True

    @_translated
    def bind_token(self, token_id: str, fingerprint: str, now: datetime, ttl_seconds: int) -> bool:
        """Bind a signed token's id to the request it came with until ``now + ttl_seconds``:
        True the first time and for the same request again (a carrier's retry); False when the
        token was already used for a different request (a replay). 1 PutItem."""
        if ttl_seconds <= 0:
            raise ValueError(f"a binding must last, got ttl_seconds={ttl_seconds}")
        now = require_aware(now, "now")
        item = MarkerItem(
            _TOKEN + token_id,
            fingerprint=fingerprint,
            expires_at=now + timedelta(seconds=ttl_seconds),
        )
        condition = (
            MarkerItem.key.does_not_exist()
            | (MarkerItem.expires_at < now)
            | (MarkerItem.fingerprint == fingerprint)
        )
        try:
            item.save(condition=condition)
        except PynamoDBException as error:
            if _condition_failed(error):
                return False
            raise
        return True

    @_translated
    def is_claimed(self, key: str, now: datetime) -> bool:
        """True while a live claim on ``key`` exists. 1 consistent GetItem."""
        now = require_aware(now, "now")
        try:
            item = MarkerItem.get(_CLAIM + key, consistent_read=True)
        except MarkerItem.DoesNotExist:
            return False
        return item.expires_at is None or item.expires_at >= now

    @_translated
    def release(self, key: str) -> None:
        """Drop a claim so the effect may be tried again (idempotent). 1 DeleteItem."""
        MarkerItem(_CLAIM + key).delete()

    @_translated
    def add_sms_part(
        self,
        message_ref: str,
        part_number: int,
        total: int,
        payload_json: str,
        now: datetime,
        ttl_seconds: int,
    ) -> tuple[SmsPart, ...]:
        """Add one part of a multipart SMS and return every part collected so far, by number.

        ``message_ref`` must be unique per sender and recipient (e.g. ``<from>:<to>:<ref>``):
        providers number concatenations per pair and reuse the numbers. A repeated part is
        stored once. The collection lives ``ttl_seconds`` from its first part; an expired one
        is replaced, never merged. 1 UpdateItem; +1 PutItem when replacing an expired one.
        """
        if not 1 <= part_number <= total <= MAX_SMS_PARTS:
            raise ValueError(f"part {part_number} of {total} is not a valid SMS part")
        now = require_aware(now, "now")
        entry = f"{part_number}:{payload_json}"
        key = _SMS_PARTS + message_ref
        expires_at = now + timedelta(seconds=ttl_seconds)
        for _ in range(2):
            item = MarkerItem(key)
            try:
                item.update(
                    actions=[
                        MarkerItem.parts.add({entry}),
                        MarkerItem.total.set(total),
                        MarkerItem.expires_at.set(MarkerItem.expires_at | expires_at),
                    ],
                    condition=MarkerItem.key.does_not_exist() | (MarkerItem.expires_at >= now),
                )
                return _sms_parts(item)
            except PynamoDBException as error:
                if not _condition_failed(error):
                    raise
            item = MarkerItem(key, parts={entry}, total=total, expires_at=expires_at)
            try:
                item.save(condition=MarkerItem.expires_at < now)
                return _sms_parts(item)
            except PynamoDBException as error:
                if not _condition_failed(error):
                    raise
        raise StaleStateError("sms parts", message_ref, "kept being replaced concurrently")

    @_translated
    def parts(self, message_ref: str) -> tuple[SmsPart, ...]:
        """The parts collected so far, by number (empty if none). 1 GetItem."""
        try:
            item = MarkerItem.get(_SMS_PARTS + message_ref, consistent_read=True)
        except DoesNotExist:
            return ()
        return _sms_parts(item)

    def sms_parts(self, message_ref: str) -> builtins.list[str]:
        """The payloads of the parts collected so far, by part number. 1 GetItem."""
        return [part.payload for part in self.parts(message_ref)]

    @_translated
    def clear_sms_parts(self, message_ref: str) -> None:
        """Forget a reassembled message's parts (idempotent). 1 DeleteItem."""
        MarkerItem(_SMS_PARTS + message_ref).delete()


def _sms_parts(item: MarkerItem) -> tuple[SmsPart, ...]:
    """The parts of a collection, one per number (the first in text order if one repeats)."""
    by_number: dict[int, str] = {}
    for entry in sorted(item.parts or ()):
        number, _, payload = entry.partition(":")
        by_number.setdefault(int(number), payload)
    total = item.total or 0
    return tuple(SmsPart(n, total, by_number[n]) for n in sorted(by_number))
