"""Callbacks by SMS, end to end on the simulated network: a user texts a command to an access
number (the VoipSwitch grammar), the platform answers by SMS from that number, and a callback
command ends in the same callback engine as a missed call: the source is called back, the
destination dialled at once, the call bridged and charged. A refused command changes nothing
and says why."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from platformkit import running_platform
from test_callback_calls import (
    ACCOUNT,
    ANI,
    FRIEND,
    PASSWORD,
    USER,
    CallbackWorld,
    user_script,
)

STRANGER = "447700900777"


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[CallbackWorld]:
    with running_platform(monkeypatch) as platform:
        built = CallbackWorld(platform, tmp_path)
        try:
            yield built
        finally:
            built.close()


def text(world: CallbackWorld, body: str, sender: str = USER) -> list[str]:
    """Text ``body`` to the ANI access number; run the queue and the network until all is
    done; the replies the sender got."""
    before = len(world.network.outbox())
    world.network.receive_sms(sender, ANI, body)
    for _ in range(6):
        world.run_tasks()
        world.network.run_until_idle()
    return [m.text for m in world.network.outbox()[before:] if m.to == sender]


def test_a_callback_command_calls_the_source_and_dials_the_destination_at_once(
    world: CallbackWorld,
) -> None:
    # GIVEN the user answers the callback and keeps English
    world.network.set_number(USER, user_script({"press": "1"}))
    world.network.set_number(FRIEND, {"behaviour": "answers", "talk_seconds": 90})
    # WHEN they text the seed's command, as a phone keyboard writes it
    replies = text(world, f"u.{ACCOUNT}  p.{PASSWORD} D.07700900300 O.447700900001.")
    # THEN the reply says so, the source was called back and the destination dialled unasked
    assert replies == ["Calling you back on +447700900001 to connect you with +447700900300."]
    [leg_a] = world.calls_to(USER)
    said = leg_a.transcript.said()
    assert "You can talk for 31 minutes." in said, said
    assert not any(
        "enter the number" in line for line in said[: said.index("You can talk for 31 minutes.")]
    )
    assert [leg.to for leg in leg_a.legs if leg.to == FRIEND] == [FRIEND]
    assert world.balance() == (Decimal("4.68"), 0, 0)


def test_a_retried_delivery_of_the_same_sms_calls_once(world: CallbackWorld) -> None:
    from chalicelib.telephony.events import SmsReceived

    world.network.set_number(USER, user_script({"press": "1"}))
    world.network.set_number(FRIEND, {"behaviour": "answers", "talk_seconds": 10})
    sms = SmsReceived("msg-1", USER, ANI, f"U.{ACCOUNT} P.{PASSWORD} D.07700900300 O.{USER}")
    inbox = world.platform.container.sms_inbox
    assert inbox.receive(sms) is not None
    assert inbox.receive(sms) is None  # the provider's retry of the same message id
    for _ in range(6):
        world.run_tasks()
        world.network.run_until_idle()
    assert len(world.calls_to(USER)) == 1
    assert len([m for m in world.network.outbox() if m.to == USER]) == 1


@pytest.mark.parametrize(
    ("body", "reply"),
    [
        (f"U.{ACCOUNT} P.wrong-password D.07700900300 O.447700900001", "Wrong user or password."),
        (
            f"U.{ACCOUNT} P.{PASSWORD} D.0033123456789 O.447700900001",
            "Sorry, +33123456789 cannot be called.",
        ),
        ("hello there", None),
    ],
)
def test_a_refused_command_is_answered_and_calls_nobody(
    world: CallbackWorld, body: str, reply: str | None
) -> None:
    replies = text(world, body)
    assert len(replies) == 1, replies
    if reply is not None:
        assert replies == [reply]
    assert world.calls_to(USER) == [] and world.calls_to("447700900001") == []
    assert world.balance() == (Decimal("5.00"), 0, 0)


def test_a_number_is_registered_then_asks_for_its_balance(world: CallbackWorld) -> None:
    assert text(world, "I", sender=STRANGER) == [
        "This number is not registered. Send U.<user> P.<password> R.<number> first."
    ]
    replies = text(world, f"U.{ACCOUNT} P.{PASSWORD} R.{STRANGER}", sender=STRANGER)
    assert replies == [f"+{STRANGER} is registered: text I for your balance."]
    assert text(world, "i.", sender=STRANGER) == ["Your balance is 5 euros."]


def test_speed_dial_entries_are_called_by_name_and_by_place(world: CallbackWorld) -> None:
    # GIVEN the account's directory: home, then office
    speed_dial = world.platform.container.services("callback").speed_dial
    speed_dial.put(ACCOUNT, "Home", "+447700900301")
    speed_dial.put(ACCOUNT, "office", "447700900300")
    world.network.set_number(USER, user_script({"press": "1"}))
    world.network.set_number(FRIEND, {"behaviour": "answers", "talk_seconds": 10})
    # WHEN the registered user texts B.office THEN the office is dialled on the callback
    assert text(world, "B.Office") == [
        "Calling you back to connect you with office (+447700900300)."
    ]
    [leg_a] = world.calls_to(USER)
    assert [leg.to for leg in leg_a.legs if leg.to == FRIEND] == [FRIEND]
    # AND N1 is home; an entry that is not there is said so, and calls nobody
    assert text(world, "N1") == ["Calling you back to connect you with home (+447700900301)."]
    assert text(world, "N3") == ["Sorry, no directory entry number 3."]
    assert text(world, "B.gym") == ["Sorry, no directory entry 'gym'."]
    assert len(world.calls_to(USER)) == 2
    # AND I lists the balance and the last calls, newest first, from the account's history
    [info] = text(world, "I")
    assert info.startswith("Your balance is 4 euros and 68 cents. Last calls: "), info
    assert info.count("+44770090030") == 2 and info.index("+447700900301") < info.index(
        "+447700900300"
    )
    history = world.platform.container.services("callback").engine.history.recent(ACCOUNT)
    assert [(row.destination, row.destination_name) for row in history] == [
        ("447700900301", "United Kingdom Friends"),
        ("447700900300", "United Kingdom Friends"),
    ]


def test_a_voucher_tops_up_the_senders_account_once(world: CallbackWorld) -> None:
    from datetime import UTC, datetime, timedelta

    vouchers = world.platform.container.services("billing").vouchers
    expires = datetime.now(UTC) + timedelta(days=30)
    [voucher] = vouchers.generate("sms-test", 1, Decimal("10.00"), "EUR", expires)
    # WHEN the registered user texts the code as printed (dashes and all)
    assert text(world, f"v.{voucher.shown}") == ["10 EUR added. Your balance is 15 euros."]
    # THEN a second use of the same code is refused, and the balance moved once
    assert text(world, f"V.{voucher.code}") == ["Sorry, that voucher has been used already."]
    assert text(world, "V.0000-0000-0000") == ["Sorry, that voucher code is not valid."]
    assert world.balance() == (Decimal("15.00"), 0, 0)


def test_a_service_set_up_wrongly_answers_once_and_is_not_retried(
    world: CallbackWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.billing.tariffs import TariffNotFoundError

    def gone(*args: object) -> None:
        raise TariffNotFoundError("retail")

    monkeypatch.setattr(world.platform.container.services("billing").tariffs, "rate_each", gone)
    replies = text(world, f"U.{ACCOUNT} P.{PASSWORD} D.07700900300 O.447700900001")
    assert replies == ["Sorry, this service cannot take your command now. Please try again later."]
    assert world.calls_to("447700900001") == []
