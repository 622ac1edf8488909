"""Vouchers redeemed by voice, end to end on the simulated network: on the callback, at the
destination prompt, the user keys 222#, then the voucher's code and #; the account is credited
and the amount and the new balance are spoken in the call's language, or why not; refused codes
are limited per call; a voucher is credited once, whoever keys it and however often the step is
processed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from motokit import serialize_dynamodb
from platformkit import running_platform
from test_callback_calls import (
    ACCOUNT,
    ANI,
    FRIEND,
    USER,
    CallbackWorld,
    leg_a_of,
    user_script,
)

from chalicelib.billing.vouchers import Voucher
from chalicelib.callback.queries import VoucherCredited, VoucherQuery, VoucherRefused

ENTER = "Please enter your voucher code, followed by the pound key."
PROMPT = "Please enter the number you want to call, followed by the pound key."
SECOND_USER = "447700900002"


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[CallbackWorld]:
    with running_platform(monkeypatch) as platform:
        built = CallbackWorld(platform, tmp_path)
        try:
            yield built
        finally:
            built.close()


def voucher(world: CallbackWorld, value: str = "10.00", currency: str = "EUR") -> Voucher:
    vouchers = world.platform.container.services("billing").vouchers
    expires = datetime.now(UTC) + timedelta(days=30)
    [made] = vouchers.generate("phone", 1, Decimal(value), currency, expires)
    return made


def keys_voucher(*codes: str, then: str = "") -> dict[str, object]:
    """The user keeps English, keys 222# and each code, then ``then`` (or hangs up)."""
    steps: list[dict[str, object]] = [{"press": "1"}, {"press": "222#"}]
    steps += [{"press": f"{code}#"} for code in codes]
    steps += [{"press": then}] if then else [{"wait": 15}, {"hangup": True}]
    return user_script(*steps)


def test_a_good_voucher_credits_the_account_and_says_how_much(world: CallbackWorld) -> None:
    good = voucher(world)
    world.network.set_number(USER, keys_voucher(good.code, then="07700900300#"))
    world.network.set_number(FRIEND, {"behaviour": "answers", "talk_seconds": 30})
    said = leg_a_of(world, world.ring(ANI)).transcript.said()
    # THEN the code was asked for, the credit and the new balance said, and the prompt is back
    credited = said.index("10 euros has been added to your account.")
    assert said[credited - 1] == ENTER, said
    assert said[credited + 1 : credited + 3] == ["Your balance is 15 euros.", PROMPT], said
    # AND the call that followed was paid from the new balance: 15.00 less a minute on each leg
    assert world.balance() == (Decimal("14.84"), 0, 0)


def test_the_voucher_is_spoken_in_the_calls_language(world: CallbackWorld) -> None:
    good = voucher(world, "2.50")
    world.network.set_number(
        USER, user_script({"press": "3"}, {"press": "222#"}, {"press": f"{good.code}#"})
    )
    said = leg_a_of(world, world.ring(ANI)).transcript.said()
    assert "Votre compte a été crédité de 2 euros et 50 centimes." in said, said
    assert "Votre solde est de 7 euros et 50 centimes." in said, said
    assert world.balance()[0] == Decimal("7.50")


@pytest.mark.parametrize(
    ("case", "said"),
    [
        ("used", "Sorry, that voucher has been used already."),
        ("unknown", "Sorry, that voucher code is not valid."),
        ("short", "Sorry, that voucher code is not valid."),
        ("currency", "Sorry, that voucher is for another currency."),
        ("withdrawn", "Sorry, that voucher has been withdrawn."),
    ],
)
def test_a_refused_voucher_says_why_and_moves_nothing(
    world: CallbackWorld, case: str, said: str
) -> None:
    vouchers = world.platform.container.services("billing").vouchers
    made = voucher(world, currency="USD" if case == "currency" else "EUR")
    if case == "used":
        vouchers.redeem(made.code, ACCOUNT)
    if case == "withdrawn":
        vouchers.disable_lot("phone")
    code = {"unknown": "000000000000", "short": "1234"}.get(case, made.code)
    before = world.balance()
    world.network.set_number(USER, keys_voucher(code))
    spoken = leg_a_of(world, world.ring(ANI)).transcript.said()
    refused = spoken.index(said)
    assert spoken[refused + 1] == ENTER, spoken  # asked again: one refusal of three
    assert world.balance() == before


def test_three_refused_codes_end_the_vouchers_of_the_call(
    world: CallbackWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    good = voucher(world)
    # GIVEN a user who guesses three codes, then tries 222 again with a good one, then calls
    world.network.set_number(
        USER,
        user_script(
            {"press": "1"},
            {"press": "222#"},
            {"press": "111111111111#"},
            {"press": "222222222222#"},
            {"press": "333333333333#"},
            {"press": "222#"},
            {"press": "07700900300#"},
        ),
    )
    world.network.set_number(FRIEND, {"behaviour": "answers", "talk_seconds": 10})
    leg_a = leg_a_of(world, world.ring(ANI))
    said = leg_a.transcript.said()
    # THEN after the third refusal no more codes are taken on this call
    too_many = "Sorry, too many voucher codes were not accepted on this call."
    assert said.count("Sorry, that voucher code is not valid.") == 3, said
    assert said.count(too_many) == 2, said  # after the third, and at once on 222 again
    assert said.count(ENTER) == 3, said
    assert said[said.index(too_many) + 1] == PROMPT
    # AND the user went back to the prompt and made their call; the good voucher is untouched
    assert [leg.to for leg in leg_a.legs if leg.to == FRIEND] == [FRIEND]
    vouchers = world.platform.container.services("billing").vouchers
    assert vouchers.get(good.code).state == "new"
    # AND each refusal was counted by the metric of refused callbacks
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if "{" in line]
    reasons = [blob.get("reason") for blob in emitted if isinstance(blob, dict)]
    assert reasons.count("voucher_unknown") == 3, reasons


def test_two_calls_keying_one_voucher_at_once_credit_it_once(world: CallbackWorld) -> None:
    good = voucher(world)
    world.wallets.register_caller(ACCOUNT, SECOND_USER)
    for number in (USER, SECOND_USER):
        world.network.set_number(number, keys_voucher(good.code))
    # WHEN both ring at once and key the same voucher at the same moment
    world.network.call(USER, ANI, [])
    world.network.call(SECOND_USER, ANI, [])
    for _ in range(6):
        world.run_tasks()
        world.network.run_until_idle()
    heard = [
        line
        for number in (USER, SECOND_USER)
        for call in world.calls_to(number)
        for line in call.transcript.said()
    ]
    # THEN one heard the credit, the other that it was used; the account got it once
    assert heard.count("10 euros has been added to your account.") == 1, heard
    assert heard.count("Sorry, that voucher has been used already.") == 1, heard
    assert world.balance() == (Decimal("15.00"), 0, 0)


def test_concurrent_redemptions_by_the_resolver_credit_once(
    world: CallbackWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    serialize_dynamodb(monkeypatch)
    good = voucher(world)
    engine = world.platform.container.services("callback").engine

    def key(attempt: int) -> VoucherCredited | VoucherRefused:
        return engine.voucher(VoucherQuery(ACCOUNT, good.code, f"voucher:call-{attempt}:3"))

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(key, range(8)))
    assert sum(isinstance(a, VoucherCredited) for a in answers) == 1, answers
    assert answers.count(VoucherRefused("used")) == 7
    assert world.balance() == (Decimal("15.00"), 0, 0)


def test_a_step_processed_again_is_answered_the_same_credit(world: CallbackWorld) -> None:
    # GIVEN a webhook whose redemption ran but whose state was not saved (the Lambda crashed)
    good = voucher(world)
    engine = world.platform.container.services("callback").engine
    query = VoucherQuery(ACCOUNT, good.code, "voucher:call-1:7")
    first = engine.voucher(query)
    # WHEN the carrier retries it: the same call, the same attempt
    again = engine.voucher(query)
    # THEN it is told the same credit, not "used", and the money moved once
    assert first == again == VoucherCredited(Decimal("10.00"), Decimal("15.00"), "EUR")
    assert world.balance() == (Decimal("15.00"), 0, 0)
    # AND another attempt (another key) is "used"
    assert engine.voucher(VoucherQuery(ACCOUNT, good.code, "voucher:call-1:9")) == VoucherRefused(
        "used"
    )
