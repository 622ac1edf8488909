"""Callbacks end to end on the simulated network: a caller rings an access number (ANI, DNIS or
PIN), the call is ended unanswered, the platform calls the user back, the user keys a
destination, hears how long they can talk, is bridged, and the call is charged to the account's
wallet from the carrier's durations. The whole app runs in one process (Chalice test client,
moto, the real Vonage adapter against the simulator's REST API); the task queue is delivered by
hand, as Lambda's event source would."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from platformkit import ROOT, running_platform
from test_simulated_calls import World

from chalicelib.billing.wallet import hash_password
from chalicelib.callback.access import AccessNumber, TranslationRule, TriggerKind
from chalicelib.store.wallets import StoredCallbackAccount, WalletRepository

ANI, DNIS, PIN = "447700900500", "447700900501", "447700900502"
USER = "447700900001"  # the registered caller of the account
ACCOUNT = "123456"
PASSWORD = "horse-battery"
INTERNAL = "900000"
FRIEND, SHOP = "447700900300", "447700900301"
PREMIUM = "449098790000"  # no rate in the tariff
FREE = "internal"
FREE_UK = (
    "prefix,destination,price_per_minute,connection_fee,first_increment,next_increment\n"
    "44,United Kingdom,0,0,1,1\n"
)
DECK = (
    "prefix,destination,price_per_minute,connection_fee,first_increment,next_increment\n"
    "44,United Kingdom,0.10,0,60,60\n"
    "4477009003,United Kingdom Friends,0.06,0,60,60\n"
)


class CallbackWorld(World):
    """The simulated network and the platform, with a callback service: the callback flows,
    three access numbers, a tariff, an account with 5.00 EUR and an internal account."""

    def __init__(self, platform: Any, tmp: Path) -> None:
        super().__init__(platform, tmp)
        container = platform.container
        self.delays: list[int] = []
        enqueue = container.enqueue_task

        def without_delay(body: str, delay_seconds: int = 0) -> None:
            self.delays.append(delay_seconds)  # the queue's delay, delivered at once here
            enqueue(body, 0)

        container.enqueue_task = without_delay  # type: ignore[method-assign]
        admin = container.admin
        for name in ("callback.json", "callback-trigger.json"):
            admin.load_flow("acme", (ROOT / "flows" / name).read_text())
        admin.set_listener("acme", "callback", True)
        admin.set_listener("acme", "callback-trigger", True)
        self.network.add_account_numbers(ANI, DNIS, PIN)
        for number in (ANI, DNIS, PIN):
            admin.provision_number("acme", number)
            admin.attach_number("acme", number, "callback-trigger")
        container.services("billing").tariffs.load("retail", DECK)
        container.services("billing").tariffs.load(
            "internal",
            "prefix,destination,price_per_minute,connection_fee,first_increment,next_increment\n44,UK,0,0,1,1\n",
        )
        self.wallets = WalletRepository()
        for account_id, tariff, balance in (
            (ACCOUNT, "retail", "5.00"),
            (INTERNAL, "internal", "0"),
        ):
            self.wallets.create(
                StoredCallbackAccount(
                    account_id=account_id,
                    password_hash=hash_password(PASSWORD).encoded(),
                    currency="EUR",
                    language="en-GB",
                    tariff=tariff,
                    balance=Decimal(balance),
                    dnis=USER if account_id == ACCOUNT else None,
                    max_concurrent=2,
                )
            )
        self.wallets.register_caller(ACCOUNT, USER)
        access = container.services("callback").access_numbers
        common = {"tenant": "acme", "language": "en-GB", "delay_seconds": 5}
        access.put(
            AccessNumber(ANI, TriggerKind.ANI, rules=(TranslationRule("0", "44"),), **common)
        )
        access.put(AccessNumber(DNIS, TriggerKind.DNIS, account_id=ACCOUNT, **common))
        access.put(
            AccessNumber(PIN, TriggerKind.PIN, internal_account=INTERNAL, lock_minutes=30, **common)
        )

    def ring(self, access_number: str, caller: str = USER) -> Any:
        """The caller rings an access number; the callback is decided and placed; the network
        runs until every call is over; the money is settled."""
        handle = self.network.call(caller, access_number, [])
        for _ in range(6):  # decide, place, settle: each a round of the task queue
            self.run_tasks()
            self.network.run_until_idle()
        return handle

    def balance(self, account_id: str = ACCOUNT) -> tuple[Decimal, Decimal, int]:
        account = self.wallets.get(account_id, consistent=True)
        return account.balance, account.reserved, account.open_reservations

    def calls_to(self, number: str) -> list[Any]:
        """The calls whose first leg rang ``number``."""
        return [h for h in self.network.calls() if h.leg.to == number]


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[CallbackWorld]:
    with running_platform(monkeypatch) as platform:
        built = CallbackWorld(platform, tmp_path)
        try:
            yield built
        finally:
            built.close()


def user_script(*steps: dict[str, Any], talk_seconds: float = 300) -> dict[str, Any]:
    return {"behaviour": "answers", "script": list(steps), "talk_seconds": talk_seconds}


def test_a_missed_call_is_called_back_bridged_and_charged(world: CallbackWorld) -> None:
    # GIVEN the user answers the callback, keeps English, keys their friend's number
    world.network.set_number(USER, user_script({"press": "1"}, {"press": "07700900300#"}))
    world.network.set_number(FRIEND, {"behaviour": "answers", "talk_seconds": 90})
    # WHEN they ring the ANI access number
    inbound = world.ring(ANI)
    # THEN the access number's call ended unanswered by any prompt (an empty NCCO)
    assert inbound.transcript.said() == []
    assert 5 in world.delays  # the first leg waited for the access number's delay
    [leg_a] = [h for h in world.calls_to(USER) if h.uuid != inbound.uuid]
    said = leg_a.transcript.said()
    assert any("5 euros" in text for text in said), said  # the balance, in words
    # 5.00 pays 31 minutes at 0.06 (the friend) + 0.10 (the user's own leg) a minute
    assert "You can talk for 31 minutes." in said, said
    [leg_b] = [leg for leg in leg_a.legs if leg.to == FRIEND]
    assert leg_b.status.value == "completed"
    # AND the friend's 90 s are charged by the minute on both legs: 2 x (0.06 + 0.10)
    balance, reserved, open_calls = world.balance()
    assert (balance, reserved, open_calls) == (Decimal("4.68"), 0, 0)
    # AND after the friend hung up the user was asked for another number
    assert said[-2:] == ["Your call has ended.", said[-1]] or "Your call has ended." in said
    records = world.platform.container.call_records.list_by_account("acme", None, None, 10)
    [callback] = [r for r in records if r.direction.value == "outbound"]
    assert callback.outcome.value == "completed"
    # AND its record says what was charged, for which destination, beside the carrier's cost
    assert (callback.price, callback.price_currency) == (Decimal("0.32"), "EUR")
    assert callback.facts["destination_name"] == "United Kingdom Friends"
    assert callback.facts["calls"] == "1"
    assert {leg.role.value for leg in callback.legs} == {"a", "b"}
    shown = json.loads(world.platform.api("GET", f"/v1/calls/{callback.call_id}").body)
    assert Decimal(shown["price"]) == Decimal("0.32") and shown["margin"] is not None
    assert [leg["role"] for leg in shown["legs"]] == ["a", "b"]


def leg_a_of(world: CallbackWorld, inbound: Any) -> Any:
    [leg_a] = [h for h in world.calls_to(USER) if h.uuid != inbound.uuid]
    return leg_a


def test_the_callback_speaks_the_language_the_user_chose(world: CallbackWorld) -> None:
    # GIVEN a user who presses 2 at the language menu
    world.network.set_number(USER, user_script({"press": "2"}, {"press": "07700900300#"}))
    world.network.set_number(FRIEND, {"behaviour": "answers", "talk_seconds": 30})
    said = leg_a_of(world, world.ring(ANI)).transcript.said()
    # THEN the rest of the call is in Spanish, amounts and durations included
    assert "Su saldo es de 5 euros." in said, said
    assert any("31 minutos" in text for text in said), said
    assert world.balance()[0] == Decimal("4.84")  # 30 s: one minute on each leg


def test_a_second_call_after_hash_hash_without_a_new_callback(world: CallbackWorld) -> None:
    # GIVEN a user who ends the first call with ## and keys a second number
    world.network.set_number(
        USER,
        user_script(
            {"press": "1"},
            {"press": "07700900300#"},
            {"wait": 12},
            {"press": "##"},
            {"wait": 3},
            {"press": "07700900301#"},
            {"wait": 60},
            {"hangup": True},
        ),
    )
    world.network.set_number(FRIEND, {"behaviour": "answers", "talk_seconds": 300})
    world.network.set_number(SHOP, {"behaviour": "answers", "talk_seconds": 20})
    leg_a = leg_a_of(world, world.ring(ANI))
    # THEN both were dialled on the one callback, the first ended by the user's keys
    dialled = [leg.to for leg in leg_a.legs if leg.to in (FRIEND, SHOP)]
    assert dialled == [FRIEND, SHOP]
    said = leg_a.transcript.said()
    assert said.count("Your call has ended.") == 2, said
    [friend] = [leg for leg in leg_a.legs if leg.to == FRIEND]
    assert friend.disconnected_by != "user" or friend.status.value == "completed"
    # AND each was charged once: a minute on each leg, twice
    assert world.balance() == (Decimal("4.68"), 0, 0)


def test_111_speaks_the_balance_at_the_prompt(world: CallbackWorld) -> None:
    world.network.set_number(
        USER, user_script({"press": "1"}, {"press": "111#"}, {"press": "07700900300#"})
    )
    world.network.set_number(FRIEND, {"behaviour": "answers", "talk_seconds": 10})
    said = leg_a_of(world, world.ring(ANI)).transcript.said()
    assert said.count("Your balance is 5 euros.") == 2, said


def test_a_destination_without_a_rate_is_refused_and_another_is_asked_for(
    world: CallbackWorld,
) -> None:
    world.network.set_number(
        USER, user_script({"press": "1"}, {"press": "0033123456789#"}, {"press": "07700900300#"})
    )
    world.network.set_number(FRIEND, {"behaviour": "answers", "talk_seconds": 10})
    leg_a = leg_a_of(world, world.ring(ANI))
    said = leg_a.transcript.said()
    refused = said.index("Sorry, this destination cannot be called.")
    assert "Please enter the number you want to call" in said[refused + 1]
    assert [leg.to for leg in leg_a.legs if leg.to != USER] == [FRIEND]  # France never dialled
    assert world.balance()[1:] == (0, 0)


def test_a_declined_destination_is_final_and_nothing_is_charged(world: CallbackWorld) -> None:
    world.network.set_number(USER, user_script({"press": "1"}, {"press": "07700900301#"}))
    world.network.set_number(SHOP, {"behaviour": "rejected"})
    leg_a = leg_a_of(world, world.ring(ANI))
    said = leg_a.transcript.said()
    assert any("declined" in text or "refused" in text for text in said), said
    assert len([leg for leg in leg_a.legs if leg.to == SHOP]) == 1  # never redialled
    assert world.balance() == (Decimal("5.00"), 0, 0)


def test_a_busy_user_is_called_again_after_the_delay(world: CallbackWorld) -> None:
    # GIVEN a user whose phone is busy when the callback comes
    world.network.set_number(USER, {"behaviour": "busy"})
    inbound = world.network.call(USER, ANI, [])
    world.run_tasks()  # decide
    world.run_tasks()  # place the first leg
    world.network.run_until_idle()
    # WHEN the phone is free again and the retry is due
    world.network.set_number(USER, user_script({"press": "1"}, {"press": "07700900300#"}))
    world.network.set_number(FRIEND, {"behaviour": "answers", "talk_seconds": 10})
    for _ in range(4):
        world.run_tasks()
        world.network.run_until_idle()
    # THEN the second attempt, 30 s later, was answered and the call went through
    assert 30 in world.delays
    legs = [h for h in world.calls_to(USER) if h.uuid != inbound.uuid]
    assert [h.status for h in legs] == ["busy", "completed"]
    assert world.balance()[0] == Decimal("4.84")


def test_three_wrong_pins_end_the_call_and_lock_the_caller(world: CallbackWorld) -> None:
    world.network.set_number(
        USER,
        user_script(
            {"press": "1"}, {"press": "111111#"}, {"press": "222222#"}, {"press": "333333#"}
        ),
    )
    leg_a = leg_a_of(world, world.ring(PIN))
    said = leg_a.transcript.said()
    assert said.count("That PIN is not valid. Please try again.") >= 1 or len(said) > 3, said
    access = world.platform.container.services("callback").access_numbers
    assert access.locked_until(USER) is not None
    # WHEN the locked caller rings again THEN nobody calls them back
    before = len(world.calls_to(USER))
    world.ring(PIN)
    assert len(world.calls_to(USER)) == before  # no callback


LANGUAGES = {  # the menu's key, then what the callback says in that language
    "en": ("1", "Your balance is 5 euros.", "You can talk for 31 minutes."),
    "fr": ("3", "Votre solde est de 5 euros.", "Vous pouvez parler pendant 31 minutes."),
    "vi": ("4", "Số dư tài khoản của quý khách là 5 euro.", "Quý khách có thể gọi trong 31 phút."),
    "zh": ("5", "您的余额为5欧元。", "您可以通话31分钟。"),
}


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_pin_callback_charges_the_account_the_pin_names(
    world: CallbackWorld, language: str
) -> None:
    # GIVEN a caller who chooses a language, then keys the PIN of an English-speaking account
    key, balance, talk = LANGUAGES[language]
    world.network.set_number(
        USER, user_script({"press": key}, {"press": f"{ACCOUNT}#"}, {"press": "07700900300#"})
    )
    world.network.set_number(FRIEND, {"behaviour": "answers", "talk_seconds": 10})
    said = leg_a_of(world, world.ring(PIN)).transcript.said()
    # THEN the PIN is asked for, and the caller's choice outranks the account's language
    if language == "fr":
        assert "Veuillez saisir votre code PIN, suivi de la touche dièse." in said, said
    assert balance in said and talk in said, said
    # AND the PIN's account paid, not the internal account that placed the call back
    assert world.balance()[0] == Decimal("4.84")
    assert world.balance(INTERNAL)[0] == 0


@pytest.mark.parametrize("language", ["vi", "zh"])
def test_a_dnis_callback_calls_the_accounts_associated_number(
    world: CallbackWorld, language: str
) -> None:
    key, balance, talk = LANGUAGES[language]
    world.network.set_number(USER, user_script({"press": key}, {"press": "07700900300#"}))
    world.network.set_number(FRIEND, {"behaviour": "answers", "talk_seconds": 10})
    inbound = world.ring(DNIS, caller="33612345678")  # from abroad: the caller id is no help
    assert inbound.transcript.said() == []
    [leg_a] = world.calls_to(USER)
    said = leg_a.transcript.said()
    assert balance in said and talk in said, said
    assert world.balance()[0] == Decimal("4.84")


def test_an_unknown_caller_is_not_called_back(world: CallbackWorld) -> None:
    inbound = world.ring(ANI, caller="447700900777")
    assert inbound.status == "completed"
    assert world.calls_to("447700900777") == []


def test_111_during_the_call_speaks_the_balance_into_it(world: CallbackWorld) -> None:
    # GIVEN a user who keys 111 ten seconds into the call with their friend
    world.network.set_number(
        USER, user_script({"press": "1"}, {"press": "07700900300#"}, {"wait": 10}, {"press": "111"})
    )
    world.network.set_number(FRIEND, {"behaviour": "answers", "talk_seconds": 40})
    leg_a = leg_a_of(world, world.ring(ANI))
    # THEN the balance was spoken into the live call (over the carrier's REST API), once
    said = leg_a.transcript.said()
    assert said.count("Your balance is 5 euros.") == 2, said  # the greeting's, and 111's
    [friend] = [leg for leg in leg_a.legs if leg.to == FRIEND]
    assert friend.status.value == "completed"


def test_a_callback_flow_with_its_listener_off_calls_nobody_and_is_not_retried(
    world: CallbackWorld,
) -> None:
    world.platform.container.admin.set_listener("acme", "callback", False)
    world.ring(ANI)
    assert world.calls_to(USER) == []
    assert world.run_tasks() == []  # refused for good, not left to the queue's retries
