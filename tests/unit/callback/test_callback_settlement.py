"""A callback's dials are settled from the dialled legs' own events: the duration the carrier
reports, the ring time, once per dial; a dial that never got a leg is released when the user's
leg ends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from chalicelib.billing.bridge import BridgeRates, UserLeg
from chalicelib.billing.tariffs import Rate
from chalicelib.callback.model import CallbackCall, Dial
from chalicelib.callback.queries import SettleDial
from chalicelib.callback.settlement import watch
from chalicelib.flows.model import parse_flow
from chalicelib.flows.state import CallState, Leg, LegRole
from chalicelib.telephony.events import CallStatus, CallStatusChanged, Direction

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
UK = Rate("44", "United Kingdom", Decimal("0.06"), Decimal("0"), 60, 60)
FLOW = parse_flow(
    '{"id": "f", "name": "f", "kind": "outbound", "start": "a",'
    ' "nodes": {"a": {"widget": "hangup"}}}'
)


def dial(ref: str = "3", leg_id: str | None = None) -> Dial:
    return Dial(
        ref=ref,
        key=f"call-1:{ref}",
        account_id="123456",
        destination="447700900300",
        amount=Decimal("0.96"),
        talk_limit=960,
        rates=BridgeRates(UK, None, UserLeg.ANSWERED, 30),
        dialled_at=T0,
        day=date(2026, 12, 1),
        balance=Decimal("1.00"),
        leg_id=leg_id,
    )


def state(*dials: Dial, legs: dict[str, Leg] | None = None) -> CallState:
    data = CallbackCall(trigger="ani", access_number="447700900500", user_number="447700900001")
    for item in dials:
        data = data.with_dial(item)
    return CallState(
        call_id="call-1",
        account_id="acme",
        flow_id="f",
        flow_version=1,
        direction=Direction.OUTBOUND,
        from_number="447700900500",
        to_number="447700900001",
        started_at=T0,
        legs=legs or {"A": Leg("A", LegRole.CALLER, status=CallStatus.ANSWERED)},
    ).with_data(data)


def test_a_dial_text_round_trips() -> None:
    assert Dial.from_text(dial().to_text()) == dial()


def test_the_dialled_legs_end_settles_its_duration_once() -> None:
    b = Leg(
        "B",
        LegRole.BRIDGED,
        status=CallStatus.COMPLETED,
        answered_at=T0 + timedelta(seconds=10),
        ended_at=T0 + timedelta(seconds=75),
        duration=65,
    )
    before = state(dial(), legs={"A": Leg("A", LegRole.CALLER), "B": b})
    ended = CallStatusChanged("B", None, CallStatus.COMPLETED, ref="3", duration=65)
    after, effects = watch(FLOW, before, ended, T0 + timedelta(seconds=75))
    [settle] = effects
    assert isinstance(settle, SettleDial)
    assert (settle.key, settle.account_id, settle.reservation, settle.amount, settle.day) == (
        "settle:call-1:3",
        "123456",
        "call-1:3",
        "0.96",
        "2026-12-01",
    )
    assert Decimal(settle.charge) == Decimal("0.12")  # two London minutes
    data = after.data_of(CallbackCall)
    assert data is not None and data.dials == () and data.charged == Decimal("0.12")
    assert (data.bridged, Decimal(after.call_vars["price"])) == (1, Decimal("0.12"))
    assert (after.call_vars["price.currency"], after.call_vars["record.calls"]) == ("EUR", "1")
    # a retried event finds nothing open: nothing more is settled
    again, more = watch(FLOW, after, ended, T0 + timedelta(seconds=80))
    assert more == () and again is after


def test_a_busy_destination_releases_everything() -> None:
    b = Leg("B", LegRole.BRIDGED, status=CallStatus.BUSY, ended_at=T0 + timedelta(seconds=3))
    before = state(dial(), legs={"A": Leg("A", LegRole.CALLER), "B": b})
    _, effects = watch(FLOW, before, CallStatusChanged("B", None, CallStatus.BUSY, ref="3"), T0)
    [settle] = effects
    assert isinstance(settle, SettleDial) and settle.charge == "0"


def test_a_dial_without_a_leg_is_released_when_the_user_hangs_up() -> None:
    a = Leg("A", LegRole.CALLER, status=CallStatus.COMPLETED)
    before = state(dial(), legs={"A": a})
    after, effects = watch(FLOW, before, CallStatusChanged("A", None, CallStatus.COMPLETED), T0)
    [settle] = effects
    assert isinstance(settle, SettleDial) and settle.charge == "0"
    assert after.data_of(CallbackCall).dials == ()  # type: ignore[union-attr]


def test_a_live_dialled_leg_is_left_to_its_own_end() -> None:
    b = Leg("B", LegRole.BRIDGED, status=CallStatus.ANSWERED)
    a = Leg("A", LegRole.CALLER, status=CallStatus.COMPLETED)
    before = state(dial(leg_id="B"), legs={"A": a, "B": b})
    _, effects = watch(FLOW, before, CallStatusChanged("A", None, CallStatus.COMPLETED), T0)
    assert effects == ()


def test_a_charge_is_capped_at_the_money_held() -> None:
    assert dial().charge(99_999, True, T0 + timedelta(days=2)) == Decimal("0.96")
