"""The speech widget's benchmark runs end to end (two calls per engine): every call is understood
and each engine's line is printed. Asserts on what is printed, never on a time."""

from __future__ import annotations

import pytest

from bench import speech_widget


def test_the_speech_widget_bench_measures_each_engine(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(speech_widget, "CALLS", 2)
    speech_widget.run()
    printed = capsys.readouterr().out
    for label in ("input widget", "speech widget, local engine", "speech widget, Dialogflow"):
        assert label in printed, printed
    assert printed.count("adds") == 2 and "entering the node, dialogflow" in printed
