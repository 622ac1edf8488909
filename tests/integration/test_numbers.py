"""Numbers: GIVEN an account (acme, holding the pull-app number) and another (other), WHEN the
operator provisions and releases numbers (REST with the operator key, or the CLI) and tenants
bind them, THEN a tenant binds only the numbers it holds, never learns who holds another, and the
operator routes exist only with an operator key configured."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import pytest
from platformkit import ACCOUNT, PULL_NUMBER, Platform, running_platform

from chalicelib.accounts.keys import new_operator_key

PROBLEM = "application/problem+json"
FREE = "447700900555"


@dataclass
class Operated:
    """The platform with an operator key configured, and a second account."""

    platform: Platform
    operator_key: str
    other_key: str

    def operator(self, method: str, account: str, number: str, key: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {key or self.operator_key}"}
        path = f"/v1/operator/accounts/{account}/numbers/{number}"
        return self.platform.client.http.request(method, path, headers=headers)

    def bind(self, number: str, key: str | None = None, flow_id: str = "pull-message") -> Any:
        return self.platform.api("PUT", f"/v1/numbers/{number}", {"flow_id": flow_id}, key=key)


@pytest.fixture
def platform(monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    with running_platform(monkeypatch) as running:
        yield running


@pytest.fixture
def operated(platform: Platform) -> Operated:
    key, digest = new_operator_key()
    container = platform.container
    container.settings = replace(container.settings, operator_key_hash=digest)
    _, other_key = container.admin.create_account("other", "Other", "en-GB")
    return Operated(platform, key, other_key)


def body(response: Any) -> Any:
    return json.loads(response.body)


def is_problem(response: Any, status: int) -> bool:
    return response.status_code == status and response.headers["Content-Type"] == PROBLEM


def test_a_tenant_cannot_claim_a_number_never_provisioned(operated: Operated) -> None:
    # WHEN acme binds a free number to its flow
    response = operated.bind(FREE)
    # THEN it is not found, and the number stays free (its real owner can still get it)
    assert is_problem(response, 404), response.body
    assert FREE not in {n["number"] for n in body(operated.platform.api("GET", "/v1/numbers"))}
    assert operated.operator("PUT", "other", FREE).status_code == 201


def test_another_accounts_number_is_not_found_without_its_owner(operated: Operated) -> None:
    # GIVEN other's flow WHEN other binds acme's number, and a free one
    operated.platform.container.admin.load_flow(
        "other",
        {"id": "other-flow", "name": "O", "start": "a", "nodes": {"a": {"widget": "hangup"}}},
    )
    taken = operated.bind(PULL_NUMBER, key=operated.other_key, flow_id="other-flow")
    free = operated.bind(FREE, key=operated.other_key, flow_id="other-flow")
    # THEN both are the same 404 (the holder is not named) and acme's binding is untouched
    assert is_problem(taken, 404) and is_problem(free, 404)
    assert ACCOUNT not in body(taken)["detail"]
    assert body(taken)["detail"].replace(PULL_NUMBER, FREE) == body(free)["detail"]
    [held] = body(operated.platform.api("GET", "/v1/numbers"))
    assert (held["number"], held["flow_id"]) == (PULL_NUMBER, "pull-message")


def test_the_operator_provisions_then_the_tenant_binds_then_the_operator_releases(
    operated: Operated,
) -> None:
    # WHEN the operator provisions a free number to acme (twice)
    first = operated.operator("PUT", ACCOUNT, f"+{FREE}")
    again = operated.operator("PUT", ACCOUNT, FREE)
    # THEN it is acme's, bound to no flow; the repeat changes nothing
    assert first.status_code == 201 and again.status_code == 200
    assert body(first) == {
        "account_id": ACCOUNT,
        "number": FREE,
        "flow_id": None,
        "language": None,
        "enabled": True,
    }
    # WHEN acme binds it THEN it serves acme's flow
    assert body(operated.bind(FREE))["flow_id"] == "pull-message"
    # WHEN the operator gives it to other THEN 409: acme holds it
    assert is_problem(operated.operator("PUT", "other", FREE), 409)
    # WHEN the operator releases it from acme
    released = operated.operator("DELETE", ACCOUNT, FREE)
    # THEN it is gone from acme, which can no longer bind it
    assert released.status_code == 204
    assert FREE not in {n["number"] for n in body(operated.platform.api("GET", "/v1/numbers"))}
    assert is_problem(operated.bind(FREE), 404)
    assert is_problem(operated.operator("DELETE", ACCOUNT, FREE), 404)


def test_operator_requests_with_bad_input_are_problems(operated: Operated) -> None:
    assert is_problem(operated.operator("PUT", "nobody", FREE), 404)
    assert is_problem(operated.operator("PUT", "NOT-AN-ID", FREE), 404)
    assert is_problem(operated.operator("PUT", ACCOUNT, "123"), 422)
    # digits other than ASCII ones, and a trailing newline, are not a number either
    assert is_problem(operated.operator("PUT", ACCOUNT, "4477009%D9%A5%D9%A5%D9%A5"), 422)
    assert is_problem(operated.operator("PUT", ACCOUNT, f"{FREE}%0A"), 422)
    assert operated.platform.container.numbers.list_by_account(ACCOUNT)[0].number == PULL_NUMBER
    assert is_problem(operated.operator("DELETE", "other", PULL_NUMBER), 404)


def test_operator_routes_need_the_operator_key(operated: Operated) -> None:
    # WHEN a tenant's key, a wrong key or none is sent THEN 401 and nothing is provisioned
    platform = operated.platform
    assert is_problem(operated.operator("PUT", ACCOUNT, FREE, key=platform.api_key), 401)
    assert is_problem(operated.operator("PUT", ACCOUNT, FREE, key="rfop_" + "x" * 43), 401)
    path = f"/v1/operator/accounts/{ACCOUNT}/numbers/{FREE}"
    assert is_problem(platform.client.http.put(path), 401)
    assert is_problem(operated.bind(FREE), 404)


def test_without_an_operator_key_the_operator_routes_do_not_exist(platform: Platform) -> None:
    # GIVEN no RINGFLOW_OPERATOR_KEY_HASH (the platform's settings have none)
    assert platform.container.settings.operator_key_hash is None
    # WHEN anyone calls an operator route, even with a key that looks right
    headers = {"Authorization": "Bearer rfop_" + "x" * 43}
    response = platform.client.http.put(
        f"/v1/operator/accounts/{ACCOUNT}/numbers/{FREE}", headers=headers
    )
    # THEN 404
    assert is_problem(response, 404)


def test_the_cli_provisions_attaches_and_releases(
    platform: Platform, capsys: pytest.CaptureFixture[str]
) -> None:
    from chalicelib.cli.main import main

    # WHEN the operator attaches a number never provisioned THEN it is refused with the way out
    assert main(["number", "attach", FREE, "--flow", "pull-message", "--account", ACCOUNT]) == 1
    assert f"ringflow number provision {FREE} --account {ACCOUNT}" in capsys.readouterr().err
    # WHEN it is provisioned, attached and released
    assert main(["number", "provision", FREE, "--account", ACCOUNT]) == 0
    assert main(["number", "attach", FREE, "--flow", "pull-message", "--account", ACCOUNT]) == 0
    assert platform.container.numbers.get(FREE).flow_id == "pull-message"
    assert main(["number", "release", FREE, "--account", ACCOUNT]) == 0
    # THEN it is free again; releasing it again is refused
    assert main(["number", "release", FREE, "--account", ACCOUNT]) == 1
    assert "refused: no number" in capsys.readouterr().err


def test_the_cli_makes_an_operator_key(capsys: pytest.CaptureFixture[str]) -> None:
    from chalicelib.accounts.keys import is_operator_key
    from chalicelib.cli.main import main

    assert main(["operator", "key"]) == 0
    made = json.loads(capsys.readouterr().out)
    assert is_operator_key(made["operator_key"], made["RINGFLOW_OPERATOR_KEY_HASH"])


def test_the_demo_loader_provisions_its_numbers_and_is_idempotent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from moto import mock_aws
    from platformkit import ROOT, settings_for_tests

    from chalicelib.cli.demo import DEMO_ACCOUNT, DEMO_CALLER, DEMO_NUMBERS, load_demo
    from chalicelib.wiring import Container
    from infra.local.stack import provision

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        # GIVEN an empty stack
        container = Container(settings_for_tests())
        provision(container.settings)
        # WHEN the demo is loaded twice
        first = load_demo(container, ROOT / "flows")
        second = load_demo(container, ROOT / "flows")
        # THEN the demo account holds its numbers, each attached to its flow
        assert first["numbers"] == second["numbers"] == DEMO_NUMBERS
        held = container.numbers.list_by_account(DEMO_ACCOUNT)
        demo_flows = {n.number: n.flow_id for n in held if n.number in DEMO_NUMBERS}
        assert demo_flows == DEMO_NUMBERS
        # AND the callback's demo: one access number of each kind on its trigger, an account
        # with its balance, loaded once however often the demo is; the speech demo's number and
        # the click-to-call campaign's
        callback, speech, c2c = second["callback"], second["speech"], second["click2call"]
        access = {n.number: n.flow_id for n in held if n.number not in DEMO_NUMBERS}
        assert access == {
            **dict.fromkeys(
                (callback["ani"], callback["dnis"], callback["pin"]), "callback-trigger"
            ),
            speech["number"]: "eva",
            c2c["number"]: f"c2c-demo_{c2c['campaign']}",
            "447700900190": "dialer-sales",
        }
        # the dialer's demo: its flow activated, its agent available
        assert second["dialer"]["flow"] == "dialer-sales"
        desk = container.services("dialer").agents.agent(DEMO_ACCOUNT, "desk")
        assert (desk.number, desk.state.value) == (second["dialer"]["agent"], "available")
        logins = container.services("dialer").logins
        assert logins.authenticate("demo/desk", second["dialer"]["password"])
        assert first["click2call"]["key"] == c2c["key"]  # the campaign made once
        # AND the speech demo's agent, stored once
        assert first["speech"]["version"] == speech["version"] == 1
        account = container.services("billing").accounts.get(callback["account"])
        assert (account.wallet.balance, account.callers) == (Decimal("10.00"), (DEMO_CALLER,))
        by_mail = container.services("callback").access_numbers.find_by_mail(callback["mail"])
        assert by_mail is not None and by_mail.number == callback["ani"]  # the e-mail trigger
