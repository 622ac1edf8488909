"""Click-to-call end to end on the simulated network: the platform's operator allows a company
and its operators, the company makes a campaign through REST (its outbound flow deployed on its
own number), and a visitor's banner post is called through the campaigns' loop: the visitor
hears the message and is bridged to the first operator who answers; a company nobody answers
for, and a visitor who cannot be reached after the redials, end as the seed names them. The
banner's refusals (no rate, premium, a bad number, no consent) place nothing and a double click
places one call. The whole app in one process (Chalice test client, moto, the real Vonage
adapter against the simulator), the task queue's delays kept on the platform's clock."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from platformkit import running_platform
from test_campaign_calls import CampaignWorld

from chalicelib.ops import schedules

DID = "447700900180"
OPERATORS = {"op-1": "447700900501", "op-2": "447700900502"}
DECK = (
    "prefix,destination,price_per_minute,connection_fee,first_increment,next_increment\n"
    "44,United Kingdom,0.10,0,60,60\n447700,United Kingdom mobile,0.20,0,1,1\n"
)


class C2CWorld(CampaignWorld):
    """The campaign world with a company allowed to run click-to-call, two operators and a
    campaign calling the visitor first from the company's own number."""

    def __init__(self, platform: Any, tmp: Path) -> None:
        super().__init__(platform, tmp)
        container = platform.container
        container.services("billing").tariffs.load("c2c-uk", DECK)
        self.network.add_account_numbers(DID)
        container.admin.provision_number("acme", DID)
        self.c2c = container.services("click2call").click2call
        self.c2c.put_company("acme", "Acme Windows", "c2c-uk", email="sales@acme.example")
        for operator_id, number in OPERATORS.items():
            self.c2c.put_operator("acme", operator_id, operator_id.upper(), number=number)
        made = platform.api(
            "POST",
            "/v1/click2call/campaigns",
            {
                "campaign_id": "windows",
                "name": "Windows",
                "operators": ["op-1", "op-2"],
                "caller_id": DID,
                "message_text": "Thank you for asking Acme Windows. Connecting you now.",
                "redials": 1,
                "redial_pause": 60,
                "sites": ["https://windows.example"],
            },
        )
        assert made.status_code == 201, made.body
        self.campaign = json.loads(made.body)

    def click(self, phone: str, agree: bool = True, **headers: str) -> Any:
        return self.platform.client.http.post(
            f"/c2c/{self.campaign['public_key']}/requests",
            headers={"Content-Type": "application/json", **headers},
            body=json.dumps({"phone": phone, "agree": agree}).encode(),
        )

    def request(self, request_id: str) -> dict[str, Any]:
        shown = self.platform.api("GET", f"/v1/click2call/requests/{request_id}")
        assert shown.status_code == 200, shown.body
        return json.loads(shown.body)  # type: ignore[no-any-return]


@pytest.fixture
def c2c(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[C2CWorld]:
    monkeypatch.setattr(schedules, "MAX_DELAY_SECONDS", 10**9)
    with running_platform(monkeypatch) as platform:
        built = C2CWorld(platform, tmp_path)
        try:
            yield built
        finally:
            built.close()


def test_the_visitor_hears_the_message_and_is_bridged_to_the_first_operator_who_answers(
    c2c: C2CWorld,
) -> None:
    net = c2c.network
    net.set_number("447700900601", {"behaviour": "answers", "talk_seconds": 20})
    net.set_number(OPERATORS["op-1"], {"behaviour": "busy"})
    net.set_number(OPERATORS["op-2"], {"behaviour": "answers", "talk_seconds": 15})
    # WHEN the visitor posts the banner from the campaign's site
    answer = c2c.click("+44 7700 900601", origin="https://windows.example")
    assert answer.status_code == 202, answer.body
    assert answer.headers["Access-Control-Allow-Origin"] == "https://windows.example"
    request_id = json.loads(answer.body)["request_id"]
    c2c.run()
    # THEN the visitor was called from the company's number and heard the message
    [call] = c2c.calls_to("447700900601")
    assert call.leg.from_ == DID
    assert call.transcript.said()[0].startswith("Thank you for asking Acme Windows.")
    # AND was bridged to the second operator, the first being busy
    request = c2c.request(request_id)
    assert request["status"] == "completed" and request["status_label"] == "COMPLETED"
    [made] = request["calls"]
    legs = {(leg["side"], leg["number"]): leg for leg in made["legs"]}
    visitor = legs[("visitor", "447700900601")]
    assert visitor["status"] == "answered" and visitor["duration"] > 0
    assert legs[("company", OPERATORS["op-1"])]["status"] == "busy"
    operator = legs[("company", OPERATORS["op-2"])]
    assert operator["status"] == "answered" and operator["duration"] > 0
    # each leg rated by the company's tariff (0.20 a minute, by the second)
    exact = Decimal("0.20") * operator["duration"] / 60
    assert abs(Decimal(operator["cost"]) - exact) < Decimal("0.000001")


def test_nobody_answering_for_the_company_is_a_failed_call_to_the_company(
    c2c: C2CWorld,
) -> None:
    c2c.network.set_number("447700900602", {"behaviour": "answers", "talk_seconds": 60})
    for number in OPERATORS.values():
        c2c.network.set_number(number, {"behaviour": "no_answer"})
    clicked = c2c.click("447700900602")
    assert clicked.status_code == 202, clicked.body
    request_id = json.loads(clicked.body)["request_id"]
    c2c.run()
    [call] = c2c.calls_to("447700900602")
    assert any("nobody can take your call" in said for said in call.transcript.said())
    request = c2c.request(request_id)
    assert request["status_label"] == "FAILED CALLING TO COMPANY"


def test_a_visitor_who_cannot_be_reached_is_redialled_then_failed(c2c: C2CWorld) -> None:
    c2c.network.set_number("447700900603", {"behaviour": "busy"})
    request_id = json.loads(c2c.click("447700900603").body)["request_id"]
    c2c.run()
    # THEN called once and redialled once (redials 1), then FAILED CALLING TO USER
    assert len(c2c.calls_to("447700900603")) == 2
    request = c2c.request(request_id)
    assert request["status_label"] == "FAILED CALLING TO USER"
    assert [leg["status"] for call in request["calls"] for leg in call["legs"]] == [
        "busy",
        "busy",
    ]


@pytest.mark.parametrize(
    ("phone", "agree", "code"),
    [
        ("+90 555 123 4567", True, "destination_not_supported"),  # no rate in the tariff
        ("+44 909 879 0000", True, "destination_not_supported"),  # premium
        ("07700 900604", True, "invalid_number"),  # no country code
        ("+44 7700 900604", False, "consent_required"),
    ],
)
def test_the_banner_refuses_what_it_cannot_call_and_places_nothing(
    c2c: C2CWorld, phone: str, agree: bool, code: str
) -> None:
    answer = c2c.click(phone, agree)
    assert answer.status_code in (403, 422), answer.body
    problem = json.loads(answer.body)
    assert problem["code"] == code and problem["detail"]
    c2c.run()
    assert c2c.network.calls() == []


def test_a_double_click_places_one_call(c2c: C2CWorld) -> None:
    c2c.network.set_number("447700900605", {"behaviour": "answers", "talk_seconds": 5})
    first = json.loads(c2c.click("+447700900605").body)
    again = json.loads(c2c.click("447700900605").body)
    assert again["request_id"] == first["request_id"] and again["repeated"] is True
    c2c.run()
    assert len(c2c.calls_to("447700900605")) == 1


def test_a_post_from_another_site_is_refused(c2c: C2CWorld) -> None:
    answer = c2c.click("+447700900606", origin="https://evil.example")
    assert answer.status_code == 403
    assert "Access-Control-Allow-Origin" not in answer.headers
    assert json.loads(answer.body)["code"] == "site_not_allowed"


def test_a_failed_request_is_called_back_company_first(c2c: C2CWorld) -> None:
    # GIVEN a visitor who could not be reached
    net = c2c.network
    net.set_number("447700900607", {"behaviour": "busy"})
    request_id = json.loads(c2c.click("447700900607").body)["request_id"]
    c2c.run()
    assert c2c.request(request_id)["status_label"] == "FAILED CALLING TO USER"
    # WHEN the visitor can be reached now and the company presses "call back"
    net.set_number("447700900607", {"behaviour": "answers", "talk_seconds": 10})
    net.set_number(OPERATORS["op-1"], {"behaviour": "no_answer"})
    net.set_number(OPERATORS["op-2"], {"behaviour": "answers", "talk_seconds": 30})
    back = c2c.platform.api("POST", f"/v1/click2call/requests/{request_id}/call-back")
    assert back.status_code == 202, back.body
    assert json.loads(back.body)["status"] == "in_progress"
    c2c.run()
    # THEN the operators were called first, in order, the second answering; it heard whom it is
    # connected to and was bridged to the visitor
    assert len(c2c.calls_to(OPERATORS["op-1"])) == 1
    [operator] = c2c.calls_to(OPERATORS["op-2"])
    assert operator.leg.from_ == DID
    assert operator.transcript.said()[0].startswith("Click to call request of Windows.")
    request = c2c.request(request_id)
    assert request["status_label"] == "COMPLETED" and request["called_back"] == 1
    last = request["calls"][-1]
    assert last["first"] == "company"
    sides = {leg["side"]: leg for leg in last["legs"]}
    assert sides["company"]["number"] == OPERATORS["op-2"]
    assert sides["visitor"]["status"] == "answered"
    # AND a completed request is not called back
    again = c2c.platform.api("POST", f"/v1/click2call/requests/{request_id}/call-back")
    assert again.status_code == 409


def test_each_side_sees_the_number_the_campaign_shows_it(c2c: C2CWorld) -> None:
    # GIVEN a campaign that shows its operators another of the company's numbers
    c2c.network.add_account_numbers("447700900181")
    c2c.platform.container.admin.provision_number("acme", "447700900181")
    foreign = c2c.platform.api(
        "PATCH", "/v1/click2call/campaigns/windows", {"company_caller_id": "447700900999"}
    )
    assert foreign.status_code == 422 and "not one of your numbers" in foreign.body.decode()
    changed = c2c.platform.api(
        "PATCH", "/v1/click2call/campaigns/windows", {"company_caller_id": "+447700900181"}
    )
    assert changed.status_code == 200, changed.body
    assert json.loads(changed.body)["company_caller_id"] == "447700900181"
    net = c2c.network
    net.set_number("447700900609", {"behaviour": "answers", "talk_seconds": 10})
    net.set_number(OPERATORS["op-1"], {"behaviour": "answers", "talk_seconds": 5})
    # WHEN a visitor asks / THEN the visitor sees the campaign's number, the operator the other
    request_id = json.loads(c2c.click("447700900609").body)["request_id"]
    c2c.run()
    [visitor] = c2c.calls_to("447700900609")
    [operator] = [leg for leg in visitor.legs if leg.to == OPERATORS["op-1"]]
    assert visitor.leg.from_ == DID and operator.from_ == "447700900181"
    assert c2c.request(request_id)["status"] == "completed"


def test_a_company_first_campaign_calls_an_operator_then_the_visitor(c2c: C2CWorld) -> None:
    changed = c2c.platform.api("PATCH", "/v1/click2call/campaigns/windows", {"first": "company"})
    assert changed.status_code == 200, changed.body
    net = c2c.network
    net.set_number(OPERATORS["op-1"], {"behaviour": "answers", "talk_seconds": 30})
    net.set_number("447700900608", {"behaviour": "no_answer"})
    request_id = json.loads(c2c.click("447700900608").body)["request_id"]
    c2c.run()
    [operator] = c2c.calls_to(OPERATORS["op-1"])
    assert any("could not be reached" in said for said in operator.transcript.said())
    assert c2c.request(request_id)["status_label"] == "FAILED CALLING TO USER"


def test_the_company_lists_its_requests_by_status(c2c: C2CWorld) -> None:
    c2c.network.set_number("447700900611", {"behaviour": "busy"})
    c2c.network.set_number("447700900612", {"behaviour": "answers", "talk_seconds": 5})
    for number in OPERATORS.values():
        c2c.network.set_number(number, {"behaviour": "answers", "talk_seconds": 5})
    failed = json.loads(c2c.click("447700900611").body)["request_id"]
    c2c.platform.clock.advance(1)
    done = json.loads(c2c.click("447700900612").body)["request_id"]
    c2c.run()
    completed = c2c.request(done)
    assert completed["status"] == "completed"
    assert {leg["status"] for leg in completed["calls"][0]["legs"]} == {"answered"}
    listed = json.loads(c2c.platform.api("GET", "/v1/click2call/requests").body)
    assert [r["request_id"] for r in listed["requests"]] == [done, failed]
    shown = c2c.platform.api(
        "GET", "/v1/click2call/requests?status=failed_calling_to_user&campaign_id=windows"
    )
    assert [r["request_id"] for r in json.loads(shown.body)["requests"]] == [failed]
    paged = json.loads(c2c.platform.api("GET", "/v1/click2call/requests?limit=1").body)
    assert len(paged["requests"]) == 1 and paged["cursor"]
    bad = c2c.platform.api("GET", "/v1/click2call/requests?since=yesterday")
    assert bad.status_code == 422


def ringflow(*argv: str) -> int:
    """Run ``ringflow`` with the click-to-call commands, as the product adds them."""
    import argparse

    from chalicelib.click2call.cli import register

    parser = argparse.ArgumentParser(prog="ringflow")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    code: int = args.run(args)
    return code


def test_the_cli_sets_up_a_company_and_its_campaign_and_lists_its_requests(
    c2c: C2CWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    from chalicelib.errors import ConflictError, ValidationError

    admin = c2c.platform.container.admin
    admin.provision_number("acme", "447700900181")
    c2c.network.add_account_numbers("447700900181")
    assert ringflow("click2call", "company", "acme", "--name", "Acme", "--tariff", "c2c-uk") == 0
    assert json.loads(capsys.readouterr().out)["allowed"] is True
    assert ringflow("click2call", "operator", "acme", "op-3", "--number", "+44 7700 900503") == 0
    assert json.loads(capsys.readouterr().out)["number"] == "447700900503"
    with pytest.raises(ValidationError, match="phone number or a SIP address"):
        ringflow("click2call", "operator", "acme", "op-4")
    made = ringflow(
        "click2call", "campaign", "create", "--account", "acme", "doors",
        "--name", "Doors", "--operator", "op-3", "--operator", "op-1",
        "--caller-id", "447700900181", "--price", "0.50", "--hours", "Mon-Sun 00:00-23:59",
    )  # fmt: skip
    assert made == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["operators"] == ["op-3", "op-1"] and shown["price"] == "0.50"
    # a number serving another campaign's flow is refused as caller id
    with pytest.raises(ValidationError, match="serves flow"):
        ringflow(
            "click2call", "campaign", "create", "--account", "acme", "--name", "Again",
            "--operator", "op-1", "--caller-id", DID,
        )  # fmt: skip
    c2c.network.set_number("447700900613", {"behaviour": "answers", "talk_seconds": 5})
    asked = c2c.platform.client.http.post(
        f"/c2c/{shown['public_key']}/requests",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=b"phone=%2B447700900613&agree=on",
    )
    assert asked.status_code == 202, asked.body
    request_id = json.loads(asked.body)["request_id"]
    with pytest.raises(ConflictError, match="only a failed request"):
        ringflow("click2call", "call-back", "--account", "acme", request_id)
    c2c.run()
    capsys.readouterr()  # the tasks' logs
    assert ringflow("click2call", "requests", "--account", "acme", "--campaign", "doors") == 0
    [listed] = json.loads(capsys.readouterr().out)["requests"]
    assert listed["request_id"] == request_id and listed["status"] == "completed"


def test_comments_with_the_companys_fields_export_to_csv(c2c: C2CWorld) -> None:
    import csv
    import io

    api = c2c.platform.api
    sale = api(
        "PUT",
        "/v1/click2call/comment-types/sale",
        {
            "name": "Sale",
            "fields": [
                {"name": "amount", "kind": "money", "required": True},
                {"name": "product", "kind": "choice", "choices": ["windows", "doors"]},
            ],
        },
    )
    assert sale.status_code == 200, sale.body
    c2c.network.set_number("447700900614", {"behaviour": "answers", "talk_seconds": 5})
    request_id = json.loads(c2c.click("447700900614").body)["request_id"]
    c2c.run()
    comments = f"/v1/click2call/requests/{request_id}/comments"
    # a value its field refuses, an unknown field, an unknown type: refused, nothing kept
    for bad in (
        {"type": "sale", "values": {"amount": "-3", "product": "windows"}},
        {"type": "sale", "values": {"amount": "10", "colour": "red"}},
        {"type": "sale", "values": {"product": "windows"}},
        {"type": "lunch", "text": "?"},
    ):
        assert api("POST", comments, bad).status_code == 422, bad
    made = api(
        "POST",
        comments,
        {
            "type": "sale",
            "text": '=HYPERLINK("x")',
            "values": {"amount": "249.90", "product": "windows"},
        },
    )
    assert made.status_code == 201, made.body
    api("POST", comments, {"text": "called back, happy"})
    shown = json.loads(made.body)
    assert shown["comments"][0]["values"] == {"amount": "249.90", "product": "windows"}
    exported = api("GET", "/v1/click2call/export/requests")
    assert exported.headers["Content-Type"].startswith("text/csv")
    [row] = list(csv.DictReader(io.StringIO(exported.body.decode())))
    assert row["request"] == request_id and row["status"] == "COMPLETED"
    assert row["sale.amount"] == "249.90" and row["sale.product"] == "windows"
    assert row["comments"] == 'sale: =HYPERLINK("x") | note: called back, happy'
    assert row["visitor"] == "'+447700900614"  # a cell starting with + is shown as text


def test_a_failed_request_reminds_the_company_once(c2c: C2CWorld) -> None:
    from chalicelib.mail.outbox import SendMail

    c2c.network.set_number("447700900615", {"behaviour": "rejected", "detail": "declined"})
    request_id = json.loads(c2c.click("447700900615").body)["request_id"]
    c2c.run()  # the reminder waits its hour on the queue's clock, and is sent
    reminders = [t for t in c2c.queued if isinstance(t, SendMail)]
    assert len(reminders) == 1
    [mail] = reminders
    assert mail.to_address == "sales@acme.example" and "+447700900615" in mail.text
    request = c2c.request(request_id)
    assert request["status_label"] == "FAILED CALLING TO USER" and request["reminded_at"]


def test_outside_the_opening_hours_a_request_waits_or_is_refused(c2c: C2CWorld) -> None:
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    clock = c2c.platform.clock
    london = clock().astimezone(ZoneInfo("Europe/London"))
    opens = (london + timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    closes = opens + timedelta(hours=1)
    if closes.date() != opens.date():
        pytest.skip("the hours would cross midnight in London")
    hours = f"{opens:%H:%M}-{closes:%H:%M}"
    api = c2c.platform.api
    refusing = {"hours": hours, "timezone": "Europe/London", "outside_hours": "refuse"}
    assert api("PATCH", "/v1/click2call/campaigns/windows", refusing).status_code == 200
    refused = c2c.click("447700900616")
    assert refused.status_code == 422 and json.loads(refused.body)["code"] == "outside_hours"
    # WHEN the campaign queues requests out of hours instead
    api("PATCH", "/v1/click2call/campaigns/windows", {"outside_hours": "queue"})
    c2c.network.set_number("447700900617", {"behaviour": "answers", "talk_seconds": 5})
    answer = json.loads(c2c.click("447700900617").body)
    assert answer["call_at"] == opens.astimezone(UTC).isoformat()
    assert c2c.request(answer["request_id"])["status"] == "waiting"
    c2c.run()
    # THEN the visitor is called when the hours open
    [call] = c2c.calls_to("447700900617")
    request = c2c.request(answer["request_id"])
    assert request["status"] == "completed"
    assert request["calls"][0]["started_at"] >= opens.astimezone(UTC).isoformat()
    assert call.leg.from_ == DID


def test_the_banner_holds_its_velocity_limits_and_daily_cap(c2c: C2CWorld) -> None:
    from chalicelib.click2call.service import PER_IP

    numbers = [f"4477009007{n:02d}" for n in range(PER_IP.limit + 1)]
    answers = [c2c.click(f"+{number}") for number in numbers]
    assert [a.status_code for a in answers[:-1]] == [202] * PER_IP.limit
    limited = answers[-1]
    assert limited.status_code == 429 and json.loads(limited.body)["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) > 0


def test_a_campaign_takes_no_more_requests_than_its_daily_cap(c2c: C2CWorld) -> None:
    c2c.platform.api("PATCH", "/v1/click2call/campaigns/windows", {"daily_requests": 1})
    assert c2c.click("+447700900798").status_code == 202
    capped = c2c.click("+447700900799")
    assert capped.status_code == 429 and json.loads(capped.body)["code"] == "daily_limit"


def test_a_request_its_flow_cannot_take_is_refused_and_stores_nothing(c2c: C2CWorld) -> None:
    c2c.platform.container.admin.set_listener("acme", "c2c-acme_windows", False)
    refused = c2c.click("+447700900618")
    assert refused.status_code == 422 and json.loads(refused.body)["code"] == "campaign_stopped"
    listed = json.loads(c2c.platform.api("GET", "/v1/click2call/requests").body)
    assert listed["requests"] == []


def test_a_campaign_whose_flow_cannot_load_is_not_kept(c2c: C2CWorld) -> None:
    # GIVEN a language tag the campaign takes but no flow can speak
    c2c.network.add_account_numbers("447700900181")
    c2c.platform.container.admin.provision_number("acme", "447700900181")
    made = c2c.platform.api(
        "POST",
        "/v1/click2call/campaigns",
        {
            "campaign_id": "mute",
            "name": "Mute",
            "operators": ["op-1"],
            "caller_id": "447700900181",
            "language": "zz-ZZ",
        },
    )
    assert made.status_code == 422, made.body
    listed = json.loads(c2c.platform.api("GET", "/v1/click2call/campaigns").body)
    assert "mute" not in [c["campaign_id"] for c in listed["campaigns"]]
