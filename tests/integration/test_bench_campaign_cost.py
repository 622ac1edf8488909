"""The campaign's end-to-end bench runs shrunk (10 contacts, one of each kind in its mix): every
contact gets the outcome its number's behaviour leads to, the calls placed are those the mix
implies (a busy first number adds its alternate, an unanswered one its retry), every request is
made inside a counted invocation, and the figures are printed. Never asserts a time."""

from __future__ import annotations

from collections import Counter

import pytest

from bench import campaign_cost


def test_the_campaign_bench_counts_a_whole_campaign(capsys: pytest.CaptureFixture[str]) -> None:
    report = campaign_cost.measure(10)
    assert report.outcomes == Counter({"completed": 7, "no_answer": 1, "machine": 1, "declined": 1})
    assert report.placed == 12  # 10 first calls, the busy one's alternate, the retry
    assert not report.unattributed.requests
    kinds = report.by_kind()
    assert kinds["trigger"][0] == 1 and kinds["ContactCallEnded"][0] == report.placed
    assert sum(report.dynamodb().values()) / report.placed == report.requests_per_call > 10
    campaign_cost.print_report(report)
    printed = capsys.readouterr().out
    assert "requests per placed call" in printed and "DialContact" in printed
