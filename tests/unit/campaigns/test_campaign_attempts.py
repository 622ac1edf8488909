"""What follows each attempt of a contact (``campaigns.attempts``): alternates, retry rounds,
final declines, forced reschedules, machines and do-not-call skips."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from chalicelib.campaigns import attempts
from chalicelib.campaigns.attempts import Ended
from chalicelib.campaigns.model import (
    CallResult,
    Contact,
    ContactStatus,
    FlowSettings,
    MachineHandling,
)

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
SETTINGS = FlowSettings("acme", "survey", max_retries=1, retry_delay=600)


def contact(*numbers: str) -> Contact:
    return Contact("c1", "k1", numbers or ("447700900001",), due_at=NOW)


def called(c: Contact, result: CallResult, **ended: object) -> Contact:
    number = c.numbers[c.next_number]
    c = attempts.dialling(c, number, f"call-{len(c.attempts)}", NOW)
    return attempts.conclude(c, Ended(result, NOW, **ended), SETTINGS)  # type: ignore[arg-type]


def test_busy_moves_on_to_the_alternate_at_once() -> None:
    after = called(contact("447700900001", "447700900002"), CallResult.BUSY)
    assert (after.status, after.next_number, after.due_at) == (ContactStatus.SCHEDULED, 1, NOW)


def test_after_the_last_number_a_retry_round_then_the_last_result() -> None:
    first = called(contact(), CallResult.NO_ANSWER)
    assert first.status is ContactStatus.RESCHEDULED
    assert first.due_at == NOW + timedelta(seconds=600) and first.round == 1
    second = called(first, CallResult.FAILED)
    assert second.status is ContactStatus.FAILED and second.calls_made == 2


def test_a_decline_is_final_even_with_alternates() -> None:
    after = called(contact("447700900001", "447700900002"), CallResult.DECLINED)
    assert after.status is ContactStatus.DECLINED


def test_a_forced_reschedule_is_a_retry_round_within_the_maximum() -> None:
    again = called(contact(), CallResult.COMPLETED, rescheduled=True)
    assert again.status is ContactStatus.RESCHEDULED
    done = called(again, CallResult.COMPLETED, rescheduled=True)
    assert done.status is ContactStatus.COMPLETED


def test_machines_end_the_contact_or_are_retried_as_the_flow_says() -> None:
    assert called(contact(), CallResult.MACHINE).status is ContactStatus.MACHINE
    retry = replace(SETTINGS, machine=MachineHandling.RETRY)
    c = attempts.dialling(contact(), "447700900001", "x", NOW)
    after = attempts.conclude(c, Ended(CallResult.MACHINE, NOW), retry)
    assert after.status is ContactStatus.RESCHEDULED


def test_listed_numbers_are_skipped_and_an_all_listed_contact_is_never_called() -> None:
    c = contact("447700900001", "447700900002")
    after = attempts.skip_listed(c, SETTINGS, NOW)
    assert (after.status, after.next_number, after.calls_made) == (ContactStatus.SCHEDULED, 1, 0)
    both = attempts.skip_listed(after, SETTINGS, NOW)
    assert both.status is ContactStatus.SKIPPED_DNC
    assert [a.result for a in both.attempts] == [CallResult.DO_NOT_CALL] * 2
