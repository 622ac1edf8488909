"""``bench.cost.measure`` on five pull-app calls (moto in-process, the simulator in-process, the
message service and the simulator's REST API on loopback): GIVEN the scenario's first five
callers (hears and hangs up, presses 2 for an SMS, presses 1, hears and hangs up, stays
silent), WHEN they are measured, THEN the counts agree with the simulator's own log, with each
other and with the requests each webhook is documented to make. No durations are asserted."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from bench.cost import PULL_APP, CostReport, measure


@pytest.fixture(scope="module")
def report() -> CostReport:
    return measure(PULL_APP, 5)


def test_every_webhook_the_network_sent_is_one_invocation_and_one_api_request(
    report: CostReport,
) -> None:
    kinds = Counter(i.kind for i in report.webhooks)
    assert len(report.webhooks) == report.simulator_webhooks
    assert kinds["answer"] == 5
    assert kinds["event"] == 4 * 5  # started, ringing, answered, completed
    [api] = [item for item in report.line_items() if item.name.startswith("API Gateway")]
    assert api.count == len(report.webhooks) * 1000 / 5


def test_invocations_are_webhooks_plus_sqs_batches(report: CostReport) -> None:
    assert len(report.batches) == 1  # the one caller who pressed 2
    assert len(report.invocations) == len(report.webhooks) + len(report.batches)
    [lam] = [item for item in report.line_items() if item.name == "Lambda requests"]
    assert lam.count == len(report.invocations) * 1000 / 5
    assert report.task_failures == 0
    assert not report.unattributed.requests


def test_gb_seconds_are_each_invocation_rounded_up_to_a_millisecond(report: CostReport) -> None:
    billed = [math.ceil(i.milliseconds) for i in report.invocations]
    assert all(i.billed_milliseconds >= 1 for i in report.invocations)
    assert report.memory_mb == {"api_handler": 1024, "run_tasks": 1024}  # .chalice dev stage
    assert report.gb_seconds() == pytest.approx(sum(max(1, b) for b in billed) / 1000)


def test_the_sms_goes_through_one_send_one_receive_and_one_delete(report: CostReport) -> None:
    sends = [i for i in report.invocations if i.usage.of("sqs")]
    assert [(i.kind, dict(i.usage.of("sqs"))) for i in sends] == [("input", {"SendMessage": 1})]
    assert report.event_source.of("sqs") == {"ReceiveMessage": 1, "DeleteMessageBatch": 1}
    assert report.usage().sqs_requests == 3


def test_each_answer_makes_the_requests_the_store_documents(report: CostReport) -> None:
    # the number (it carries its flow's live version; the pull app reads no $user.key): GetItem;
    # the GET's token binding, the new call, the flow's $user.key.last_caller: PutItem
    for answer in (i for i in report.invocations if i.kind == "answer"):
        assert answer.usage.of("dynamodb") == {"GetItem": 1, "PutItem": 3}


def test_each_step_reads_its_call_once_and_writes_it_once(report: CostReport) -> None:
    for step in (i for i in report.invocations if i.kind in ("input", "event")):
        requests = step.usage.of("dynamodb")
        assert requests["GetItem"] == 1
        assert 1 <= requests["PutItem"] <= 2  # + a user variable or the call's record
        assert set(requests) == {"GetItem", "PutItem"}


def test_units_are_counted_wherever_requests_are(report: CostReport) -> None:
    for invocation in report.invocations:
        dynamodb = invocation.usage.of("dynamodb")
        writes = dynamodb["PutItem"] + dynamodb["UpdateItem"] + dynamodb["DeleteItem"]
        assert invocation.usage.write_units >= writes
        assert invocation.usage.read_units >= 0.5 * (dynamodb["GetItem"] + dynamodb["Query"])
    total = report.usage()
    assert total.write_units == sum(i.usage.write_units for i in report.invocations)
    assert report.total("http") < report.total("rest")
