"""Numbers the platform answers, in DynamoDB: the ``numbers`` table's item (``NumberItem``, with
its ``by_account`` index), its mapping to and from ``accounts.model.PhoneNumber``, and
``NumberRepository``.

A number carries a copy of its flow's head (version, listener switch, generation), so answering
a call needs no read of the flow. Items and pynamodb exceptions never leave this module; each
method's docstring gives its DynamoDB requests. Imports no other aggregate module of the store
(the flow head comes in as the domain ``FlowHead``). Part of ``store``, the only package that
may import pynamodb.
"""

from __future__ import annotations

from typing import ClassVar

from pynamodb.attributes import BooleanAttribute, UnicodeAttribute
from pynamodb.exceptions import PynamoDBException
from pynamodb.expressions.update import Action
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.accounts.model import PhoneNumber
from chalicelib.flows.records import FlowHead
from chalicelib.store.attributes import IntegerAttribute
from chalicelib.store.base import (
    condition_failed,
    get_item,
    save_if_absent,
    translated,
    update_item,
)
from chalicelib.store.binding import bound_settings
from chalicelib.store.errors import NotFoundError
from chalicelib.store.registry import StoreItem


class NumbersByAccountIndex(GlobalSecondaryIndex["NumberItem"]):  # type: ignore[no-untyped-call]
    """An account's numbers, sorted by number."""

    class Meta:
        index_name = "by_account"
        projection = AllProjection()

    account_id = UnicodeAttribute(hash_key=True)
    number = UnicodeAttribute(range_key=True)


class NumberItem(StoreItem):
    """A number the platform answers (``numbers``), bound to a flow."""

    LOGICAL_NAME: ClassVar[str] = "numbers"

    class Meta:
        table_name = "numbers"

    number = UnicodeAttribute(hash_key=True)
    account_id = UnicodeAttribute()
    flow_id = UnicodeAttribute(null=True)
    language = UnicodeAttribute(null=True)
    enabled = BooleanAttribute()
    # the flow head as of flow_generation (what answering a call needs, without reading it)
    flow_version = IntegerAttribute(null=True)
    flow_enabled = BooleanAttribute(null=True)
    flow_generation = IntegerAttribute(null=True)
    by_account = NumbersByAccountIndex()


def number_item(number: PhoneNumber) -> NumberItem:
    """The item of a number."""
    return NumberItem(
        number.number,
        account_id=number.account_id,
        flow_id=number.flow_id,
        language=number.language,
        enabled=number.enabled,
        flow_version=number.flow_version,
        flow_enabled=number.flow_enabled if number.flow_version is not None else None,
        flow_generation=number.flow_generation if number.flow_version is not None else None,
    )


def number_from(item: NumberItem) -> PhoneNumber:
    """The number an item holds."""
    return PhoneNumber(
        number=item.number,
        account_id=item.account_id,
        flow_id=item.flow_id,
        language=item.language,
        enabled=item.enabled,
        flow_version=item.flow_version,
        flow_enabled=bool(item.flow_enabled),
        flow_generation=item.flow_generation or 0,
    )


class NumberRepository:
    """Numbers the platform answers and the flows they start."""

    def __init__(self) -> None:
        bound_settings()

    @translated
    def put(self, number: PhoneNumber) -> PhoneNumber:
        """Create or replace a number. 1 PutItem."""
        number_item(number).save()
        return number

    @translated
    def get(self, number: str, consistent: bool = False) -> PhoneNumber:
        """The number; ``NotFoundError`` if absent. 1 GetItem."""
        item: NumberItem = get_item(NumberItem, "number", number, consistent=consistent)
        return number_from(item)

    @translated
    def list_by_account(self, account_id: str) -> list[PhoneNumber]:
        """An account's numbers, sorted. 1 Query (index ``by_account``) per MB of numbers."""
        return [number_from(item) for item in NumberItem.by_account.query(account_id)]

    @translated
    def provision(self, number: str, account_id: str) -> PhoneNumber:
        """Give a number no account holds to ``account_id``: enabled, bound to no flow.
        ``AlreadyExistsError`` if any account holds it (the stored number is unchanged).
        1 conditional PutItem."""
        phone = PhoneNumber(number, account_id)
        save_if_absent(number_item(phone), "number", number, "is already provisioned")
        return phone

    @translated
    def release(self, number: str, account_id: str) -> None:
        """Take a number back from ``account_id``, whatever it is bound to. ``NotFoundError``
        if the number is absent or another account's. 1 conditional DeleteItem."""
        try:
            NumberItem(number).delete(condition=NumberItem.account_id == account_id)
        except PynamoDBException as error:
            if condition_failed(error):
                raise NotFoundError("number", number) from error
            raise

    @translated
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
        update_item(item, NumberItem.account_id == account_id, "number", number, actions)
        return number_from(item)

    @translated
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
        update_item(item, NumberItem.number.exists(), "number", number, [action, *forget])
        return number_from(item)

    @translated
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
                if not condition_failed(error):
                    raise
                continue
            changed += 1
        return changed

    @translated
    def set_enabled(self, number: str, enabled: bool) -> PhoneNumber:
        """Enable or disable a number. 1 UpdateItem."""
        item = NumberItem(number)
        update_item(
            item, NumberItem.number.exists(), "number", number, [NumberItem.enabled.set(enabled)]
        )
        return number_from(item)

    @translated
    def delete(self, number: str) -> None:
        """Remove a number (idempotent). 1 DeleteItem."""
        NumberItem(number).delete()
