"""The pynamodb models of every table: the one spelling of each DynamoDB item.

Each ``*Item`` names its logical table (``LOGICAL_NAME``); ``binding.bind`` points it at the
physical table of a stage and ``tables`` derives table creation and CloudFormation from these
classes, so the app, the local stack and infra cannot disagree. Items never leave ``store``
(``mapping`` turns them into domain objects); no module outside ``store`` may import pynamodb.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.calls.model import CallOutcome
from chalicelib.flows.state import LegRole
from chalicelib.store.attributes import (
    DecimalAttribute,
    EnumAttribute,
    IntegerAttribute,
    MapOfAttribute,
    StringListAttribute,
    StringMapAttribute,
    UtcDateTimeAttribute,
)
from chalicelib.telephony.events import CallStatus, Direction

HEAD_VERSION = 0
"""The sort key of a flow's head item; revisions are numbered from 1."""


class StoreItem(Model):
    """Base of every table model: ``LOGICAL_NAME`` is the table's name before the stage prefix."""

    LOGICAL_NAME: ClassVar[str]


class AccountItem(StoreItem):
    """A tenant (``accounts``). ``balance`` changes only by conditional updates."""

    LOGICAL_NAME: ClassVar[str] = "accounts"

    class Meta:
        table_name = "accounts"

    account_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    language = UnicodeAttribute()
    api_key_hashes = StringListAttribute(default=list)
    balance = DecimalAttribute()
    currency = UnicodeAttribute()
    enabled = BooleanAttribute()
    created_at = UtcDateTimeAttribute(null=True)
    # Reserved for the prepaid products (callback, calling cards): written by billing only.
    credit_limit = DecimalAttribute(null=True)
    rate_plan = UnicodeAttribute(null=True)


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


class FlowHeadsByAccountIndex(GlobalSecondaryIndex["FlowItem"]):  # type: ignore[no-untyped-call]
    """An account's flow heads, sorted by name.

    Sparse: only heads carry ``name``, so revisions (which also carry ``account_id``) are not in
    this index.
    """

    class Meta:
        index_name = "heads_by_account"
        projection = AllProjection()

    account_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute(range_key=True)


class FlowItem(StoreItem):
    """A flow's head (``version`` 0: name, owner, latest version, enabled) or one immutable
    revision (``version`` >= 1: the JSON document) in ``flows``."""

    LOGICAL_NAME: ClassVar[str] = "flows"

    class Meta:
        table_name = "flows"

    flow_id = UnicodeAttribute(hash_key=True)
    version = IntegerAttribute(range_key=True)
    account_id = UnicodeAttribute()
    # head only
    name = UnicodeAttribute(null=True)
    latest_version = IntegerAttribute(null=True)
    enabled = BooleanAttribute(null=True)
    generation = IntegerAttribute(null=True)
    # revision only
    document = UnicodeAttribute(null=True)
    created_at = UtcDateTimeAttribute(null=True)
    heads_by_account = FlowHeadsByAccountIndex()


class LegMap(MapAttribute[str, Any]):
    """One call leg inside a call state or a call record."""

    leg_id = UnicodeAttribute()
    role = EnumAttribute(LegRole)
    number = UnicodeAttribute(null=True)
    status = EnumAttribute(CallStatus)
    direction = EnumAttribute(Direction)
    started_at = UtcDateTimeAttribute(null=True)
    answered_at = UtcDateTimeAttribute(null=True)
    ended_at = UtcDateTimeAttribute(null=True)
    duration = IntegerAttribute(null=True)
    rate = DecimalAttribute(null=True)
    price = DecimalAttribute(null=True)
    detail = UnicodeAttribute(null=True)


class AwaitingMap(MapAttribute[str, Any]):
    """What a call waits for: an event tagged ``ref`` for ``node``."""

    node = UnicodeAttribute()
    ref = UnicodeAttribute()


class CallItem(StoreItem):
    """The whole state of one live call (``calls``): one item, one read, one write.

    ``version`` guards every write; ``expires_at`` lets DynamoDB drop states of calls long over.
    """

    LOGICAL_NAME: ClassVar[str] = "calls"

    class Meta:
        table_name = "calls"

    call_id = UnicodeAttribute(hash_key=True)
    account_id = UnicodeAttribute()
    flow_id = UnicodeAttribute()
    flow_version = IntegerAttribute()
    direction = EnumAttribute(Direction)
    from_number = UnicodeAttribute()
    to_number = UnicodeAttribute()
    started_at = UtcDateTimeAttribute()
    language = UnicodeAttribute()
    conversation_id = UnicodeAttribute(null=True)
    node = UnicodeAttribute(null=True)
    awaiting = AwaitingMap(null=True)  # type: ignore[no-untyped-call]
    seq = IntegerAttribute()
    flow_vars = StringMapAttribute()
    call_vars = StringMapAttribute()
    user_vars = StringMapAttribute()
    legs = MapOfAttribute(LegMap)
    answered_at = UtcDateTimeAttribute(null=True)
    ended_at = UtcDateTimeAttribute(null=True)
    finished = BooleanAttribute()
    attempt = IntegerAttribute()
    last_event_key = UnicodeAttribute(null=True)
    last_answer = UnicodeAttribute(null=True)
    last_effects = UnicodeAttribute(null=True)
    version = VersionAttribute()
    expires_at = TTLAttribute()


class CallRecordsByCallIndex(GlobalSecondaryIndex["CallRecordItem"]):  # type: ignore[no-untyped-call]
    """A call record by its call id (check the account after reading)."""

    class Meta:
        index_name = "by_call"
        projection = AllProjection()

    call_id = UnicodeAttribute(hash_key=True)


class CallRecordItem(StoreItem):
    """A finished call (``call_records``), sorted per account by ``started_key``:
    ``<started_at as 2024-05-01T12:00:00.000000Z>#<call_id>``."""

    LOGICAL_NAME: ClassVar[str] = "call_records"

    class Meta:
        table_name = "call_records"

    account_id = UnicodeAttribute(hash_key=True)
    started_key = UnicodeAttribute(range_key=True)
    call_id = UnicodeAttribute()
    started_at = UtcDateTimeAttribute()
    flow_id = UnicodeAttribute()
    direction = EnumAttribute(Direction)
    from_number = UnicodeAttribute()
    to_number = UnicodeAttribute()
    outcome = EnumAttribute(CallOutcome)
    ended_at = UtcDateTimeAttribute(null=True)
    answered_at = UtcDateTimeAttribute(null=True)
    duration = IntegerAttribute()
    legs = ListAttribute[LegMap](of=LegMap, null=True)
    cost = DecimalAttribute()
    currency = UnicodeAttribute()
    recording_uri = UnicodeAttribute(null=True)
    by_call = CallRecordsByCallIndex()


class UserVariableItem(StoreItem):
    """One ``$user.key.*`` value of an account (``user_variables``); the latest write wins."""

    LOGICAL_NAME: ClassVar[str] = "user_variables"

    class Meta:
        table_name = "user_variables"

    account_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute(range_key=True)
    value = UnicodeAttribute()
    updated_at = UtcDateTimeAttribute()


class MarkerItem(StoreItem):
    """A claimed idempotency key, a signed token's id bound to the request it signed, or the
    parts of a multipart SMS collected so far (``markers``). Expired markers count as absent
    even before DynamoDB deletes them."""

    LOGICAL_NAME: ClassVar[str] = "markers"

    class Meta:
        table_name = "markers"

    key = UnicodeAttribute(hash_key=True)
    expires_at = TTLAttribute()
    parts = UnicodeSetAttribute(null=True)
    total = IntegerAttribute(null=True)
    fingerprint = UnicodeAttribute(null=True)


TABLE_MODELS: tuple[type[StoreItem], ...] = (
    AccountItem,
    NumberItem,
    FlowItem,
    CallItem,
    CallRecordItem,
    UserVariableItem,
    MarkerItem,
)
"""Every table of the platform, one model each."""
