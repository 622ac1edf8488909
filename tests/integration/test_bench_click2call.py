"""The click-to-call bench runs shrunk: three banner POSTs are each timed to their visitor's
create-call (through the dispatch and dial tasks), and three click-to-calls (the mix's first
three: answered, never answered and redialled, answered) are counted end to end, every request
inside a counted invocation, and printed. Never asserts a time, only that the counting holds."""

from __future__ import annotations

from collections import Counter

import pytest

from bench import click2call


def test_the_banner_post_is_timed_to_the_visitors_create_call(
    capsys: pytest.CaptureFixture[str],
) -> None:
    report = click2call.measure_latency(3, in_process=True)
    assert report.placed == 3 and len(report.to_create_call) == 3
    assert report.tasks == Counter({"DispatchCampaign": 3, "DialContact": 3})
    whole, post = report.to_create_call, report.banner_answer
    assert all(p <= w for p, w in zip(post, whole, strict=True))
    assert click2call._percentile(whole, 0.5) <= click2call._percentile(whole, 0.99)
    click2call.print_latency(report)
    printed = capsys.readouterr().out
    assert "p50" in printed and "SQS" in printed


def test_the_click_to_call_bench_counts_whole_click_to_calls(
    capsys: pytest.CaptureFixture[str],
) -> None:
    report = click2call.measure_cost(3)
    # the second never answers: called, redialled once, failed; the others complete
    assert report.outcomes == Counter({"completed": 2, "failed_calling_to_user": 1})
    assert report.placed == 4 and report.completed == 2
    assert not report.cost.unattributed.requests
    kinds = report.by_kind()
    assert kinds["banner"][0] == 3 and kinds["DialContact"][0] == report.placed
    assert kinds["RequestCallEnded"][0] == report.placed  # the leg watcher, once per call
    assert kinds["RequestConcluded"][0] == 3  # the campaigns' hook, once per contact
    assert report.schedules == 1 and report.emails == 1  # the failed one's reminder, an hour on
    assert sum(report.dynamodb().values()) / 3 == report.requests_per_click > 10
    assert report.cost.calls == 2  # priced per completed click-to-call
    assert report.cost.total() > 0
    click2call.print_cost(report)
    printed = capsys.readouterr().out
    assert "requests per click-to-call" in printed and "1,000 completed" in printed
    assert "WARNING" not in printed
