"""The SMS command consumer under arbitrary text (the grammar alone is fuzzed in
``tests/unit/callback/test_sms_commands.py``): whatever a registered or an unknown number texts
to an access number, the consumer does not crash, answers exactly one reply of a few SMS parts
in the sender's language, and, short of the right user and password, changes nothing: no
callback, no money, no registration."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from itertools import count
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from platformkit import running_platform
from test_callback_calls import ACCOUNT, ANI, USER, CallbackWorld

from chalicelib.callback.product import sms_consumers
from chalicelib.callback.sms import SmsCommands
from chalicelib.simulator.sms import split
from chalicelib.telephony.events import SmsReceived

STRANGER = "447700900777"
TOKENS = st.sampled_from(
    [
        "U.", "P.", "D.", "O.", "R.", "B.", "N", "I", "V.", "VOUCHER", "u", "p", ". ", ":", " ",
        "\u00a0", "\n", ",", ".", ACCOUNT, "wrong", "0770", "07700900300", "+44", "0033",
        "1234-5678-9012", "000000000000", "office", "99", "-", "é", "中", "\x00",
    ]
)  # fmt: skip
TEXTS = st.one_of(st.text(max_size=300), st.lists(TOKENS, max_size=30).map("".join))


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[CallbackWorld]:
    with running_platform(monkeypatch) as platform:
        built = CallbackWorld(platform, tmp_path)
        try:
            yield built
        finally:
            built.close()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=TEXTS, registered=st.booleans())
def test_arbitrary_text_is_answered_once_and_changes_nothing(
    world: CallbackWorld, body: str, registered: bool
) -> None:
    consumer = _consumer(world)
    queued: list[str] = []
    consumer.enqueue = lambda task, delay: queued.append(task)  # type: ignore[method-assign]
    sender = USER if registered else STRANGER
    consumer(SmsReceived(f"fuzz-{next(_IDS)}", sender, ANI, body))
    # THEN one reply, to the sender, from the access number, of a few parts; nothing else
    [reply] = [json.loads(task) for task in queued]
    assert reply["kind"] == "send_sms", reply
    assert reply["effect"]["to_number"] == sender and reply["effect"]["from_number"] == ANI
    assert reply["effect"]["text"] and len(split(reply["effect"]["text"])) <= 4
    assert world.balance() == (Decimal("5.00"), 0, 0)
    assert world.platform.container.services("billing").accounts.find_by_caller(STRANGER) is None


_IDS = count()


def _consumer(world: CallbackWorld) -> SmsCommands:
    [consumer] = sms_consumers(world.platform.container)
    assert isinstance(consumer, SmsCommands)
    return consumer
