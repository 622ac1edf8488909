"""Callbacks by SMS, end to end on the simulated network: a user texts a command to an access
number (the VoipSwitch grammar), the platform answers by SMS from that number, and a callback
command ends in the same callback engine as a missed call: the source is called back, the
destination dialled at once, the call bridged and charged. A refused command changes nothing
and says why."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

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


def _voucher(world: CallbackWorld, value: str = "10.00") -> Any:
    from datetime import UTC, datetime, timedelta

    vouchers = world.platform.container.services("billing").vouchers
    expires = datetime.now(UTC) + timedelta(days=30)
    return vouchers.generate("sms-lang", 1, Decimal(value), "EUR", expires)[0]


def test_replies_are_in_the_accounts_language(world: CallbackWorld) -> None:
    # GIVEN an account that speaks Spanish, on an access number that speaks English
    world.platform.container.services("billing").accounts.update(ACCOUNT, language="es-ES")
    world.network.set_number(USER, user_script({"press": "1"}))
    world.network.set_number(FRIEND, {"behaviour": "answers", "talk_seconds": 10})
    # THEN its registered number is answered in Spanish, amounts and forms included
    assert text(world, "I") == ["Su saldo es de 5 euros."]
    code = _voucher(world, "2.50").code
    assert text(world, f"V.{code}") == ["Abonado: 2,5 EUR. Su saldo es de 7 euros con 50 céntimos."]
    assert text(world, f"V.{code}") == ["Lo sentimos, este bono ya se ha utilizado."]
    assert text(world, "V.1234") == ["Lo sentimos, el código del bono no es válido."]
    assert text(world, "N4") == ["Lo sentimos, su agenda no tiene la entrada número 4."]
    assert text(world, "B.casa") == ["Lo sentimos, su agenda no tiene la entrada 'casa'."]
    assert text(world, "I please") == [
        "Comando desconocido. Envíe U.<usuario> P.<clave> D.<destino> O.<su número>, o desde "
        "su número registrado B.<nombre>, N<k>, I o V.<código>"
    ]
    # AND a command with its user and password too, once they name the account
    assert text(world, f"U.{ACCOUNT} P.{PASSWORD} D.0033123456789 O.{USER}") == [
        "Lo sentimos, no es posible llamar al +33123456789."
    ]
    assert text(world, f"U.{ACCOUNT} P.{PASSWORD} D.07700900300 O.{USER}") == [
        f"Le llamamos al +{USER} para conectarle con el +447700900300."
    ]
    assert text(world, f"U.{ACCOUNT} P.{PASSWORD} R.{STRANGER}") == [
        f"El +{STRANGER} está registrado: envíe I para saber su saldo."
    ]
    assert world.balance()[0] < Decimal("7.50")  # the call was made and charged


def test_an_unknown_sender_is_answered_in_the_access_numbers_language(
    world: CallbackWorld,
) -> None:
    from dataclasses import replace

    access = world.platform.container.services("callback").access_numbers
    access.put(replace(access.find(ANI), language="fr-FR"))
    assert text(world, "I", sender=STRANGER) == [
        "Ce numéro n'est pas enregistré. Envoyez d'abord U.<identifiant> P.<mot de passe> "
        "R.<numéro>."
    ]
    assert text(world, f"U.{ACCOUNT} P.wrong D.07700900300 O.{USER}", sender=STRANGER) == [
        "Identifiant ou mot de passe incorrect."
    ]
    assert text(world, "U.x P.y", sender=STRANGER) == [
        "Rien à faire. Envoyez U.<identifiant> P.<mot de passe> D.<destination> "
        "O.<votre numéro> pour appeler, ou U.<identifiant> P.<mot de passe> R.<numéro> pour "
        "enregistrer un numéro"
    ]
    # the account's own language (en-GB) wins once the account is known
    assert text(world, f"U.{ACCOUNT} P.{PASSWORD} D.0770 O.{USER}", sender=STRANGER) == [
        "D.0770 is not a phone number."
    ]
    assert text(world, f"U.{ACCOUNT} P.{PASSWORD} R.{USER}", sender=STRANGER) == [
        f"+{USER} is registered: text I for your balance."
    ]
    assert world.calls_to(USER) == []


def test_a_voucher_sms_processed_again_replies_the_credit_again(world: CallbackWorld) -> None:
    from chalicelib.callback.product import sms_consumers
    from chalicelib.telephony.events import SmsReceived

    code = _voucher(world).code
    [consumer] = sms_consumers(world.platform.container)
    queued: list[str] = []
    consumer.enqueue = lambda body, delay: queued.append(body)  # type: ignore[attr-defined]
    sms = SmsReceived("msg-voucher", USER, ANI, f"V.{code}")
    # WHEN the same message is handed over twice (a failure after the redemption, before the
    # inbox noted it done)
    consumer(sms)
    consumer(sms)
    # THEN both replies say the credit, and the money moved once
    replies = [json.loads(body) for body in queued]
    said = [reply["effect"]["text"] for reply in replies]
    assert said == ["10 EUR added. Your balance is 15 euros."] * 2, said
    assert world.balance() == (Decimal("15.00"), 0, 0)
    # AND another message with the same code is told it is used
    consumer(SmsReceived("msg-other", USER, ANI, f"V.{code}"))
    assert json.loads(queued[-1])["effect"]["text"] == "Sorry, that voucher has been used already."
