"""Callback accounts through the CLI: GIVEN the platform on moto with a loaded tariff, WHEN an
operator runs ``ringflow callback-account create|show|update|top-up|caller-add|caller-remove``,
THEN the account is created with a password read from a prompt (typed twice) or the first line
of stdin, never from an argument; it is shown without its password or hash; settings change,
top-ups credit once per key, callers come and go; and each refusal is one ``refused:`` line with
exit code 1 that changes nothing."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from platformkit import Platform, running_platform

from chalicelib.cli.main import main

PIN = "20240501"
DECK = (
    "prefix;destination;price_per_minute;connection_fee;first_increment;next_increment\n"
    "44;United Kingdom;0.05;0.01;60;60\n"
)
CREATE = ["callback-account", "create", PIN, "--currency", "EUR", "--language", "en-GB"]


@pytest.fixture
def platform(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> Iterator[Platform]:
    with running_platform(monkeypatch) as running:
        deck = tmp_path / "retail.csv"
        deck.write_text(DECK)
        assert main(["tariff", "load", str(deck), "--id", "retail"]) == 0
        capsys.readouterr()
        yield running


def typed(monkeypatch: pytest.MonkeyPatch, *answers: str) -> list[str]:
    """The prompts' answers, in order; returns the prompts shown."""
    shown: list[str] = []
    pending = list(answers)

    def getpass(prompt: str = "") -> str:
        shown.append(prompt)
        return pending.pop(0)

    monkeypatch.setattr("getpass.getpass", getpass)
    return shown


def output(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    shown: dict[str, object] = json.loads(capsys.readouterr().out)
    return shown


def test_create_show_update_top_up_and_callers(
    platform: Platform, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # WHEN an account is created with the password typed twice at the prompt
    prompts = typed(monkeypatch, "correct horse", "correct horse")
    args = [*CREATE, "--tariff", "retail", "--balance", "10.00", "--daily-cap", "5"]
    assert main(args) == 0
    # THEN it is printed without its password, which was asked for twice
    created = output(capsys)
    assert len(prompts) == 2
    assert created["balance"] == "10.00" and created["daily_cap"] == "5"
    assert not [key for key in created if "password" in key or "hash" in key]
    accounts = platform.container.services("billing").accounts
    assert accounts.authenticate(PIN, "correct horse").account_id == PIN
    assert main(["callback-account", "show", PIN]) == 0
    assert output(capsys) == created
    # WHEN settings change, the password from stdin / THEN they are the new ones
    monkeypatch.setattr("sys.stdin", io.StringIO("battery staple\n"))
    update = ["callback-account", "update", PIN, "--language", "cs-CZ", "--no-daily-cap"]
    assert main([*update, "--disable", "--max-concurrent", "3", "--password-stdin"]) == 0
    changed = output(capsys)
    assert (changed["language"], changed["daily_cap"], changed["enabled"]) == ("cs-CZ", None, False)
    assert changed["max_concurrent"] == 3 and changed["balance"] == "10.00"
    main(["callback-account", "update", PIN, "--enable"])
    capsys.readouterr()
    assert accounts.authenticate(PIN, "battery staple").account_id == PIN
    # WHEN it is topped up twice with one key / THEN it is credited once
    assert main(["callback-account", "top-up", PIN, "2.50", "--key", "v-1"]) == 0
    assert output(capsys)["credited"] is True
    assert main(["callback-account", "top-up", PIN, "2.50", "--key", "v-1"]) == 0
    replay = output(capsys)
    assert (replay["credited"], replay["balance"]) == (False, "12.50")
    # WHEN a caller is added and removed / THEN the account lists it, then not
    assert main(["callback-account", "caller-add", PIN, "+447700900001"]) == 0
    assert output(capsys)["callers"] == ["447700900001"]
    assert main(["callback-account", "caller-remove", PIN, "447700900001"]) == 0
    assert output(capsys)["callers"] == []


def test_refusals_are_one_line_and_change_nothing(
    platform: Platform, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # two different passwords at the prompt: refused, nothing created
    typed(monkeypatch, "correct horse", "correct horsE")
    assert main([*CREATE, "--tariff", "retail"]) == 1
    assert capsys.readouterr().err == "refused: the two passwords differ; nothing was changed\n"
    assert main(["callback-account", "show", PIN]) == 1
    assert capsys.readouterr().err == f"refused: no callback account {PIN}\n"
    # an unknown tariff, a float-looking amount, an empty stdin: refused
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse\n"))
    assert main([*CREATE, "--tariff", "premium", "--password-stdin"]) == 1
    assert capsys.readouterr().err == "refused: no tariff premium\n"
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse\n"))
    assert main([*CREATE, "--tariff", "retail", "--balance", "1e3", "--password-stdin"]) == 1
    assert capsys.readouterr().err.startswith("refused: balance '1e3' is not an amount")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main([*CREATE, "--tariff", "retail", "--password-stdin"]) == 1
    assert capsys.readouterr().err == "refused: no password on standard input\n"
    # a created account: a second create is a conflict, a reused key another
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse\n"))
    assert main([*CREATE, "--tariff", "retail", "--password-stdin"]) == 0
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse\n"))
    assert main([*CREATE, "--tariff", "retail", "--password-stdin"]) == 1
    assert capsys.readouterr().err == f"refused: callback account {PIN} already exists\n"
    assert main(["callback-account", "top-up", PIN, "1", "--key", "v-1"]) == 0
    capsys.readouterr()
    assert main(["callback-account", "top-up", PIN, "2", "--key", "v-1"]) == 1
    assert "was used for another amount" in capsys.readouterr().err
    assert main(["callback-account", "caller-remove", PIN, "447700900001"]) == 1
    assert capsys.readouterr().err == (
        f"refused: caller 447700900001 is not registered for account {PIN}\n"
    )
    assert main(["callback-account", "show", PIN]) == 0
    assert output(capsys)["balance"] == "1"


def test_the_password_is_never_an_argument() -> None:
    # a password on the command line is a usage error (exit 2), never accepted
    with pytest.raises(SystemExit) as usage:
        main([*CREATE, "--tariff", "retail", "--password", "correct horse"])
    assert usage.value.code == 2
