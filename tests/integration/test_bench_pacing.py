"""The pacing benchmark runs end to end, shrunk (20 calls at 10 a second, 8 workers): every call
is granted once, no rolling window holds more grants than the rate's N, and its figures are
printed. Asserts the logical invariants only, never a time."""

from __future__ import annotations

from fractions import Fraction

import pytest

from bench import pacing


def test_the_pacing_bench_grants_every_call_once_and_never_passes_a_window(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in pacing.ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(pacing, "CALLS", 20)
    monkeypatch.setattr(pacing, "RATE", Fraction(10))
    monkeypatch.setattr(pacing, "HOLD", 0.2)
    figures = pacing.run()
    assert sorted(figures.grants) == sorted(f"camp-bench:contact-{i}:attempt-1" for i in range(20))
    assert all(len(times) == 1 for times in figures.grants.values())
    assert figures.window_calls == 10 and figures.most_granted_in_a_window() <= 10
    printed = capsys.readouterr().out
    for figure in ("grants 20 of 20", "most grants in any rolling 1 s", "ideal", "lost races"):
        assert figure in printed, printed
    assert "DynamoDB requests per grant" in printed and "TransactWriteItems" in printed
