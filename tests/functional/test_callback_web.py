"""Web callbacks, end to end on the simulated network: a request to a web callback service
(simple, extended, hosted: the PortaSIP seed's modes), as JSON or as the sample HTML form
posts it, ends in the same callback engine: the user's phone is called, the second number
dialled at once, the two bridged and charged to the right account. The abuse guard refuses
what it must (velocity per client IP and per called number, the allow-list, the daily cap),
with a problem that says why, and changes nothing."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from motokit import serialize_dynamodb
from platformkit import running_platform
from test_callback_calls import (
    ACCOUNT,
    ANI,
    FRIEND,
    PASSWORD,
    SHOP,
    USER,
    CallbackWorld,
    user_script,
)

from chalicelib.callback.web import WebMode, WebService
from chalicelib.guards.limits import Velocity

HELPDESK = SHOP
PROVIDER = "777777"
"""The provider's own account, which pays hosted web callbacks (priced in the retail tariff)."""
OTHER = "447700900002"


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[CallbackWorld]:
    with running_platform(monkeypatch) as platform:
        built = CallbackWorld(platform, tmp_path)
        web = platform.container.services("callback").web
        billing = platform.container.services("billing")
        billing.accounts.create(
            PROVIDER,
            "provider-pw",
            currency="EUR",
            language="en-GB",
            tariff="retail",
            balance=Decimal("50.00"),
        )
        web.put(
            WebService(
                "helpdesk",
                "acme",
                ANI,
                (WebMode.SIMPLE, WebMode.EXTENDED),
                destination=HELPDESK,
                origins=("https://shop.example",),
            )
        )
        web.put(
            WebService(
                "free",
                "acme",
                ANI,
                (WebMode.HOSTED,),
                destination=HELPDESK,
                internal_account=PROVIDER,
                allow=("4477009000",),
            )
        )
        try:
            yield built
        finally:
            built.close()


def ask(
    world: CallbackWorld,
    service: str,
    mode: str,
    fields: dict[str, str],
    *,
    form: bool = False,
    headers: dict[str, str] | None = None,
) -> Any:
    """Post a request as a browser form or as JSON; the response."""
    sent = {
        "Content-Type": "application/x-www-form-urlencoded" if form else "application/json",
        **(headers or {}),
    }
    body = urlencode(fields) if form else json.dumps(fields)
    return world.platform.client.http.post(
        f"/v1/web-callbacks/{service}/{mode}", headers=sent, body=body
    )


def settle(world: CallbackWorld) -> None:
    for _ in range(6):
        world.run_tasks()
        world.network.run_until_idle()


def test_an_extended_request_calls_the_user_and_connects_the_destination_on_their_account(
    world: CallbackWorld,
) -> None:
    world.network.set_number(USER, user_script({"press": "1"}))
    world.network.set_number(FRIEND, {"behaviour": "answers", "talk_seconds": 90})
    answer = ask(
        world,
        "helpdesk",
        "extended",
        {
            "account": ACCOUNT,
            "password": PASSWORD,
            "phone": "+44 7700 900001",
            "destination": "+44 (0)7700-900300".replace("(0)", ""),
        },
    )
    assert answer.status_code == 202, answer.body
    accepted = json.loads(answer.body)
    assert accepted["status"] == "accepted" and accepted["phone"] == USER
    settle(world)
    [leg_a] = world.calls_to(USER)
    said = leg_a.transcript.said()
    # the user hears the balance and the longest talk while the destination is dialled
    assert any("balance is 5 euros" in line for line in said), said
    assert "You can talk for 10 minutes." in said, said  # the service's max_minutes
    assert [leg.to for leg in leg_a.legs if leg.to == FRIEND] == [FRIEND]
    # 2 minutes to the friend at 0.06 and the user's leg 2 minutes at 0.10
    assert world.balance() == (Decimal("4.68"), 0, 0)


def test_a_simple_request_from_the_sample_form_connects_the_service_number(
    world: CallbackWorld,
) -> None:
    world.network.set_number(USER, user_script({"press": "1"}))
    world.network.set_number(HELPDESK, {"behaviour": "answers", "talk_seconds": 30})
    page = world.platform.client.http.get("/v1/web-callbacks/helpdesk/simple/form")
    assert page.status_code == 200
    assert 'name="account"' in page.body.decode() and 'name="phone"' in page.body.decode()
    assert 'name="password"' not in page.body.decode()
    answer = ask(
        world,
        "helpdesk",
        "simple",
        {"account": ACCOUNT, "phone": "0044 7700 900001"},
        form=True,
        headers={"Accept": "text/html", "Origin": "https://shop.example"},
    )
    assert answer.status_code == 202
    assert b"will ring in a moment" in answer.body
    assert answer.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    settle(world)
    [leg_a] = world.calls_to(USER)
    assert [leg.to for leg in leg_a.legs if leg.to == HELPDESK] == [HELPDESK]
    balance, reserved, open_ = world.balance()
    assert balance < Decimal("5.00") and reserved == 0 and open_ == 0


def test_a_hosted_request_is_paid_by_the_internal_account_and_speaks_no_money(
    world: CallbackWorld,
) -> None:
    world.network.set_number(USER, user_script({"press": "1"}))
    world.network.set_number(HELPDESK, {"behaviour": "answers", "talk_seconds": 30})
    answer = ask(world, "free", "hosted", {"phone": "+447700900001"})
    assert answer.status_code == 202, answer.body
    settle(world)
    [leg_a] = world.calls_to(USER)
    said = " ".join(leg_a.transcript.said())
    assert "balance" not in said and "talk for" not in said, said
    assert [leg.to for leg in leg_a.legs if leg.to == HELPDESK] == [HELPDESK]
    assert world.balance() == (Decimal("5.00"), 0, 0)  # the user's account is untouched
    paid, reserved, open_ = world.balance(PROVIDER)  # the provider's paid both legs
    assert paid < Decimal("50.00") and reserved == 0 and open_ == 0
    # and after the call the user is not asked for another number on the provider's money
    assert not any("enter the number" in line for line in leg_a.transcript.said())


def test_a_double_click_places_one_call(world: CallbackWorld) -> None:
    fields = {"account": ACCOUNT, "phone": "+447700900001"}
    answers = [ask(world, "helpdesk", "simple", fields) for _ in range(2)]
    first, second = (json.loads(a.body) for a in answers)
    assert [a.status_code for a in answers] == [202, 202]
    assert second["request_id"] == first["request_id"] and second["repeated"] is True
    world.network.set_number(USER, {"behaviour": "busy"})
    world.run_tasks()
    assert len(world.calls_to(USER)) == 1


def test_concurrent_repeats_place_one_call(
    world: CallbackWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    serialize_dynamodb(monkeypatch)  # each request atomic, as DynamoDB's are (moto's are not)
    fields = {
        "account": ACCOUNT,
        "password": PASSWORD,
        "phone": "+447700900001",
        "destination": "+447700900300",
    }
    web = world.platform.container.services("callback").web
    ids: list[str] = []

    def one() -> None:
        ids.append(web.request("helpdesk", "extended", fields, "198.51.100.7").request_id)

    threads = [threading.Thread(target=one) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(ids)) == 1
    world.network.set_number(USER, {"behaviour": "busy"})
    world.run_tasks()
    assert len(world.calls_to(USER)) == 1


@pytest.mark.parametrize(
    ("service", "mode", "fields", "status", "detail"),
    [
        (
            "helpdesk",
            "extended",
            {
                "account": ACCOUNT,
                "password": "nope",
                "phone": "+447700900001",
                "destination": "+447700900300",
            },
            403,
            "password is wrong",
        ),
        (
            "helpdesk",
            "simple",
            {"account": "999999", "phone": "+447700900001"},
            403,
            "password is wrong",
        ),
        (
            "helpdesk",
            "simple",
            {"account": ACCOUNT, "phone": "07700900001"},
            422,
            "international number",
        ),
        ("helpdesk", "simple", {"account": ACCOUNT}, 422, "not valid"),
        (
            "helpdesk",
            "extended",
            {
                "account": ACCOUNT,
                "password": PASSWORD,
                "phone": "+447700900001",
                "destination": "+33142685300",
            },
            403,
            "cannot be called on this account",
        ),
        ("free", "hosted", {"phone": "+33142685300"}, 403, "cannot be called by this service"),
        ("free", "simple", {"account": ACCOUNT, "phone": "+447700900001"}, 404, "no web callback"),
        ("nowhere", "hosted", {"phone": "+447700900001"}, 404, "no web callback"),
    ],
)
def test_a_refused_request_says_why_and_calls_nobody(
    world: CallbackWorld,
    service: str,
    mode: str,
    fields: dict[str, str],
    status: int,
    detail: str,
) -> None:
    answer = ask(world, service, mode, fields)
    assert answer.status_code == status, answer.body
    problem = json.loads(answer.body)
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert detail in problem["detail"], problem
    settle(world)
    assert world.network.calls() == [] or all(h.leg.to == ANI for h in world.network.calls())
    assert world.balance() == (Decimal("5.00"), 0, 0)


def test_velocity_per_called_number_and_per_client_ip(world: CallbackWorld) -> None:
    web = world.platform.container.services("callback").web
    web.put(replace(web.get("helpdesk"), per_number=Velocity(2, 600), per_ip=Velocity(4, 3600)))

    def extended(phone: str, destination: str) -> Any:
        fields = {"account": ACCOUNT, "password": PASSWORD, "phone": phone}
        return ask(world, "helpdesk", "extended", {**fields, "destination": destination})

    # the user's phone is called twice (two different requests), a third time is refused
    assert extended("+447700900001", "+447700900300").status_code == 202
    assert extended("+447700900001", "+447700900301").status_code == 202
    third = extended("+447700900001", "+447700900302")
    assert third.status_code == 429 and int(third.headers["Retry-After"]) > 0
    assert "called number" in json.loads(third.body)["detail"]
    # the same client IP made 3 of its 4 tries: one more passes, then none, whatever the numbers
    assert extended("+447700900002", "+447700900303").status_code == 202
    over = extended("+447700900003", "+447700900304")
    assert over.status_code == 429 and "client IP" in json.loads(over.body)["detail"]
    world.network.set_number(USER, {"behaviour": "busy"})
    world.network.set_number(OTHER, {"behaviour": "busy"})
    world.run_tasks()
    assert len(world.calls_to(USER)) == 2 and len(world.calls_to(OTHER)) == 1


def test_the_daily_cap_holds_the_worst_case_of_each_callback(world: CallbackWorld) -> None:
    web = world.platform.container.services("callback").web
    # 10 minutes on both legs at 0.10 per minute: 2.00 committed per callback
    web.put(replace(web.get("helpdesk"), daily_cap=Decimal("3.00"), cap_currency="EUR"))
    assert (
        ask(world, "helpdesk", "simple", {"account": ACCOUNT, "phone": "+447700900001"}).status_code
        == 202
    )
    refused = ask(world, "helpdesk", "simple", {"account": ACCOUNT, "phone": "+447700900002"})
    assert refused.status_code == 403 and "spending limit" in json.loads(refused.body)["detail"]


def test_a_browser_post_from_another_site_is_refused(world: CallbackWorld) -> None:
    answer = ask(
        world,
        "helpdesk",
        "simple",
        {"account": ACCOUNT, "phone": "+447700900001"},
        form=True,
        headers={"Origin": "https://evil.example"},
    )
    assert answer.status_code == 403
    assert "Access-Control-Allow-Origin" not in answer.headers
    sandboxed = ask(
        world,
        "helpdesk",
        "simple",
        {"account": ACCOUNT, "phone": "+447700900001"},
        form=True,
        headers={"Origin": "null"},
    )
    assert sandboxed.status_code == 403
    preflight = world.platform.client.http.request(
        "OPTIONS",
        "/v1/web-callbacks/helpdesk/simple",
        body=b"",
        headers={"Origin": "https://shop.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://shop.example"


def test_a_signed_in_user_asks_without_the_password(world: CallbackWorld) -> None:
    """The user's web page: the session authenticated the account; the rest is extended mode."""
    world.network.set_number(USER, user_script({"press": "1"}))
    world.network.set_number(FRIEND, {"behaviour": "answers", "talk_seconds": 30})
    web = world.platform.container.services("callback").web
    fields = {"phone": "+447700900001", "destination": "+447700900300"}
    accepted = web.request("helpdesk", "extended", fields, "198.51.100.9", signed_in=ACCOUNT)
    assert not accepted.repeated
    settle(world)
    [leg_a] = world.calls_to(USER)
    assert [leg.to for leg in leg_a.legs if leg.to == FRIEND] == [FRIEND]
    assert world.balance()[0] < Decimal("5.00")
