"""An account's ``$user.key`` values, as its flows saved them, read by REST and by the CLI:
GIVEN values saved for two accounts, THEN each account lists and reads its own (by the bare name
or the seed's ``$user.key.<name>``), an unset or unusable name is a 404 problem, and another
account's values are never shown."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from platformkit import Platform, running_platform


@pytest.fixture
def platform(monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    with running_platform(monkeypatch) as platform:
        c = platform.container
        c.user_variables.set_many(
            "acme", {"last_caller": "447700900001", "first.name": "Ann"}, c.clock()
        )
        c.admin.create_account("other", "Other")
        c.user_variables.set_many("other", {"secret": "theirs"}, c.clock())
        yield platform


def test_the_account_lists_its_own_values_by_name(platform: Platform) -> None:
    response = platform.api("GET", "/v1/user-variables")
    assert response.status_code == 200
    assert json.loads(response.body) == [
        {"name": "first.name", "value": "Ann"},
        {"name": "last_caller", "value": "447700900001"},
    ]


@pytest.mark.parametrize("name", ["first.name", "$user.key.first.name"])
def test_one_value_is_read_by_its_name_in_either_form(platform: Platform, name: str) -> None:
    response = platform.api("GET", f"/v1/user-variables/{quote(name, safe='')}")
    assert response.status_code == 200
    assert json.loads(response.body) == {"name": "first.name", "value": "Ann"}


@pytest.mark.parametrize("name", ["secret", "missing", "x" * 300])
def test_an_unset_name_or_another_accounts_is_not_found(platform: Platform, name: str) -> None:
    response = platform.api("GET", f"/v1/user-variables/{name}")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    assert "theirs" not in response.body.decode()


def test_the_cli_lists_and_reads_the_values(
    platform: Platform, capsys: pytest.CaptureFixture[str]
) -> None:
    from chalicelib.cli.main import main

    assert main(["vars", "list", "--account", "acme"]) == 0
    assert capsys.readouterr().out.splitlines() == ["first.name\tAnn", "last_caller\t447700900001"]
    assert main(["vars", "list", "--account", "acme", "--name", "$user.key.first.name"]) == 0
    assert capsys.readouterr().out == "Ann\n"
    assert main(["vars", "list", "--account", "acme", "--name", "secret"]) == 1
    assert "no $user.key.secret" in capsys.readouterr().err
