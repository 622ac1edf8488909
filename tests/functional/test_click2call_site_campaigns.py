"""The company's pages of campaigns, operators and comment types over the app's HTTP interface,
on the simulated network: GIVEN a company with a password, a campaign, two operators and a
second number of its own, WHEN its people make a campaign through the page's form, change its
redials and its message and stop it, THEN it is listed, deployed as typed, and its page shows
the snippets holding its key; a bad number in a number field, an unknown operator and a caller id
that is not the company's are refused in words, the typed values kept, and change nothing. An
operator is added, changed (the campaigns calling it deployed again with its new number) and
removed, one a campaign calls is not; a comment type defined on its page is offered on a
request's page."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from platformkit import running_platform
from test_click2call_calls import DID, OPERATORS, C2CWorld
from test_click2call_site import Browser

from chalicelib.ops import schedules

PASSWORD = "acme pages password"
SECOND_DID = "447700900181"
VISITOR = "447700900612"


@pytest.fixture
def c2c(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[C2CWorld]:
    monkeypatch.setattr(schedules, "MAX_DELAY_SECONDS", 10**9)
    with running_platform(monkeypatch) as platform:
        built = C2CWorld(platform, tmp_path)
        built.c2c.put_company(
            "acme", "Acme Windows", "c2c-uk", email="sales@acme.example", password=PASSWORD
        )
        platform.container.admin.provision_number("acme", SECOND_DID)
        try:
            yield built
        finally:
            built.close()


def logged_in(c2c: C2CWorld) -> Browser:
    browser = Browser(c2c)
    assert browser.log_in("acme", PASSWORD).status_code == 303
    return browser


def text(answer: Any) -> str:
    return unescape(answer.body.decode())


def campaign_form(**changes: str) -> dict[str, str]:
    """The new campaign's form as a person fills it in."""
    return {
        "campaign_id": "sale",
        "name": "Winter sale",
        "operator_1": "op-2",
        "operator_2": "op-1",
        "caller_id": SECOND_DID,
        "first": "visitor",
        "message_text": "Thanks for asking about the winter sale.",
        "message_url": "",
        "language": "en-GB",
        "redials": "1",
        "redial_pause": "60",
        "ring_timeout": "30",
        "reminder_minutes": "60",
        "price": "0.50",
        "hours": "",
        "timezone": "Europe/London",
        "outside_hours": "queue",
        "sites": "https://sale.example\r\n\r\nhttps://shop.example\r\n",
        "daily_requests": "200",
        "enabled": "on",
        **changes,
    }


def deployed(c2c: C2CWorld, campaign_id: str) -> str:
    """The document of the campaign's deployed flow."""
    _, revision, _ = c2c.platform.container.admin.flow_history("acme", f"c2c-acme_{campaign_id}")
    return str(revision.document)


def test_a_campaign_is_made_on_its_page_changed_stopped_and_shows_its_snippets(
    c2c: C2CWorld,
) -> None:
    browser = logged_in(c2c)
    listing = text(browser.get("/company/campaigns"))
    # THEN the existing campaign is listed with its link, and the form offers the free number
    assert '<a href="/company/campaigns/windows">Windows</a>' in listing
    assert f'<option value="{SECOND_DID}">+{SECOND_DID}</option>' in listing
    assert f'<option value="{DID}" disabled>+{DID} (answers Windows)</option>' in listing
    # WHEN bad inputs are posted, THEN each is refused in words, the typed values kept
    for changes, status, words in (
        ({"redials": "two"}, 422, "Redials: 'two' is not a whole number."),
        ({"price": "1e9"}, 422, "Price: '1e9' is not an amount"),
        ({"operator_2": "ghost"}, 422, "No operator 'ghost'."),
        ({"operator_2": "op-2"}, 422, "Operator 'op-2' is chosen more than once."),
        ({"caller_id": "447700900999"}, 422, "is not one of your numbers"),
        ({"caller_id": DID}, 422, "a campaign calls from a number of its own"),
        ({"redials": "11"}, 422, "Redials is 0 to 10."),
        ({"language": "xx-XX"}, 422, "is not one the calls can speak"),
        ({"sites": "shop.example"}, 422, "is not a site origin"),
        ({"campaign_id": "windows"}, 409, "Campaign 'windows' exists."),
    ):
        refused = browser.post("/company/campaigns", campaign_form(**changes))
        assert refused.status_code == status, (changes, refused.body)
        shown = text(refused)
        assert words in shown, (changes, shown)
        assert (
            'value="Winter sale"' in shown and "Thanks for asking about the winter sale." in shown
        )
    assert [c.campaign_id for c in c2c.c2c.campaigns.list("acme")] == ["windows"]
    # WHEN the form is filled in right
    made = browser.post("/company/campaigns", campaign_form())
    assert made.status_code == 303 and made.headers["Location"] == "/company/campaigns/sale"
    campaign = c2c.c2c.campaign("acme", "sale")
    assert campaign.operators == ("op-2", "op-1") and campaign.caller_id == SECOND_DID
    assert campaign.sites == ("https://sale.example", "https://shop.example")
    assert str(campaign.price) == "0.50" and campaign.enabled and campaign.redials == 1
    # THEN its page shows the snippets with its key, a Copy button each, and its try page
    raw = browser.get(made.headers["Location"]).body.decode()
    page = unescape(raw)
    assert "Campaign Winter sale is made" in page
    script = re.search(r'<textarea class="snippet" id="snippet-script"[^>]*>([^<]*)<', raw)
    assert script is not None and unescape(script[1]) == (
        f'<script src="https://hooks.example.com/pages/c2c/{campaign.public_key}/embed.js" async>'
        "</script>"
    )
    assert f"/pages/c2c/{campaign.public_key}/banner" in page
    assert 'data-copy="snippet-script"' in page and 'data-copy="snippet-iframe"' in page
    assert f'href="/pages/c2c/{campaign.public_key}/try"' in page
    assert browser.get(f"/pages/c2c/{campaign.public_key}/try").status_code == 200
    listing = text(browser.get("/company/campaigns"))
    assert '<a href="/company/campaigns/sale">Winter sale</a>' in listing
    assert "OP-2, OP-1" in listing and "0.50 EUR" in listing
    # WHEN its redials and message are changed (a bad redials first)
    edit = {k: v for k, v in campaign_form().items() if k not in ("campaign_id", "enabled")}
    refused = browser.post("/company/campaigns/sale", {**edit, "redials": "-1"})
    assert refused.status_code == 422 and "Redials: '-1' is not a whole number." in text(refused)
    assert c2c.c2c.campaign("acme", "sale").redials == 1
    saved = browser.post(
        "/company/campaigns/sale",
        {**edit, "redials": "3", "message_text": "Winter sale: connecting you now."},
    )
    assert saved.status_code == 303 and saved.headers["Location"] == "/company/campaigns/sale"
    changed = c2c.c2c.campaign("acme", "sale")
    assert changed.redials == 3 and changed.message_text == "Winter sale: connecting you now."
    assert changed.public_key == campaign.public_key and changed.enabled
    assert "Winter sale: connecting you now." in deployed(c2c, "sale")
    assert "Campaign Winter sale is saved." in text(browser.get("/company/campaigns/sale"))
    # WHEN it is stopped, THEN its banner and try page take nothing, and it is enabled again
    stopped = browser.post("/company/campaigns/sale/enabled", {"enabled": "no"})
    assert stopped.status_code == 303 and not c2c.c2c.campaign("acme", "sale").enabled
    page = text(browser.get("/company/campaigns/sale"))
    assert "is stopped: its banner takes no requests" in page and 'id="try"' not in page
    assert browser.get(f"/pages/c2c/{campaign.public_key}/try").status_code == 404
    assert browser.post("/company/campaigns/sale/enabled", {"enabled": "maybe"}).status_code == 422
    assert browser.post("/company/campaigns/sale/enabled", {"enabled": "yes"}).status_code == 303
    assert c2c.c2c.campaign("acme", "sale").enabled
    # another company's or an unknown campaign is no page
    assert browser.get("/company/campaigns/nope").status_code == 404
    assert browser.post("/company/campaigns/nope", edit).status_code == 404


def test_operators_are_added_changed_and_removed_but_not_one_a_campaign_calls(
    c2c: C2CWorld,
) -> None:
    browser = logged_in(c2c)
    page = text(browser.get("/company/operators"))
    assert f"+{OPERATORS['op-1']}" in page and "Windows" in page
    # WHEN an operator is added (a bad number first), THEN it is listed
    bad = browser.post("/company/operators", {"operator_id": "op-3", "number": "12"})
    assert bad.status_code == 422 and "is not a phone number with its country code" in text(bad)
    nameless = browser.post("/company/operators", {"operator_id": "", "number": "447700900503"})
    assert nameless.status_code == 422 and "id is 1 to 40 of a-z" in text(nameless)
    both = {"operator_id": "op-3", "number": "+44 7700 900503", "sip": "sip:c@pbx.example"}
    refused = browser.post("/company/operators", both)
    assert refused.status_code == 422 and "one of them" in text(refused)
    added = browser.post(
        "/company/operators", {"operator_id": "op-3", "name": "Carol", "number": "+44 7700 900503"}
    )
    assert added.status_code == 303 and added.headers["Location"] == "/company/operators"
    page = text(browser.get("/company/operators"))
    assert "Operator Carol is added." in page and "+447700900503" in page
    # adding one with an id that is taken is refused; changing it (?edit) is not
    again = browser.post("/company/operators", {"operator_id": "op-3", "number": "447700900509"})
    assert again.status_code == 409 and "already an operator 'op-3'" in text(again)
    form = text(browser.get("/company/operators?edit=op-3"))
    assert 'name="change" value="op-3"' in form and 'value="+447700900503"' in form
    changed = browser.post(
        "/company/operators",
        {"operator_id": "op-3", "change": "op-3", "name": "Carol", "sip": "sip:carol@pbx.example"},
    )
    assert changed.status_code == 303
    assert c2c.c2c.operators.get("acme", "op-3").sip == "sip:carol@pbx.example"
    # WHEN an operator a campaign calls changes number, THEN the campaign's flow follows
    assert OPERATORS["op-1"] in deployed(c2c, "windows")
    moved = browser.post(
        "/company/operators",
        {"operator_id": "op-1", "change": "op-1", "name": "OP-1", "number": "447700900511"},
    )
    assert moved.status_code == 303, moved.body
    document = deployed(c2c, "windows")
    assert "447700900511" in document and OPERATORS["op-1"] not in document
    # WHEN one a campaign calls is removed, THEN it is refused, saying which campaign
    in_use = browser.post("/company/operators/remove", {"operator_id": "op-1"})
    assert in_use.status_code == 409
    assert "answers the calls of campaign 'Windows'" in text(in_use)
    assert c2c.c2c.operators.get("acme", "op-1").number == "447700900511"
    gone = browser.post("/company/operators/remove", {"operator_id": "op-3"})
    assert gone.status_code == 303
    assert "Operator Carol is removed." in text(browser.get("/company/operators"))
    assert [o.operator_id for o in c2c.c2c.operators.list("acme")] == ["op-1", "op-2"]
    for unknown in ("op-3", ""):
        missing = browser.post("/company/operators/remove", {"operator_id": unknown})
        assert missing.status_code == 404 and "There is no such operator." in text(missing)


def test_a_comment_type_defined_on_its_page_is_offered_on_a_requests_page(
    c2c: C2CWorld,
) -> None:
    request_id = json.loads(c2c.click(VISITOR).body)["request_id"]
    browser = logged_in(c2c)
    fields = {
        "type_id": "sale",
        "name": "Sale",
        "f1_name": "amount",
        "f1_kind": "money-required",
        "f2_name": "product",
        "f2_kind": "choice",
        "f2_choices": "windows, doors,  ,conservatory",
    }
    # WHEN bad rows are posted, THEN each is refused in words and nothing is defined
    for changes, words in (
        ({"f2_choices": ""}, "Field 'product': 1 to 20 choices."),
        ({"f1_kind": "colour"}, "Field 'amount': choose its kind from the list."),
        ({"f1_name": "Amount!"}, "Each field has a name of a-z"),
        ({"f3_choices": "a, b"}, "Field 3 has choices but no name."),
        ({"type_id": "note"}, "not 'note'"),
    ):
        refused = browser.post("/company/comment-types", {**fields, **changes})
        assert refused.status_code == 422, changes
        assert words in text(refused) and 'value="Sale"' in text(refused), changes
    assert c2c.c2c.comment_types.list("acme") == []
    defined = browser.post("/company/comment-types", fields)
    assert defined.status_code == 303 and defined.headers["Location"] == "/company/comment-types"
    [kind] = c2c.c2c.comment_types.list("acme")
    assert [(f.name, f.kind.value, f.required) for f in kind.fields] == [
        ("amount", "money", True),
        ("product", "choice", False),
    ]
    assert kind.fields[1].choices == ("windows", "doors", "conservatory")
    page = text(browser.get("/company/comment-types"))
    assert "Comment type Sale is defined" in page and "windows, doors, conservatory" in page
    again = browser.post("/company/comment-types", fields)
    assert again.status_code == 409 and "already a comment type 'sale'" in text(again)
    # THEN the request's page offers its form, with the choices
    shown = text(browser.get(f"/company/requests/{request_id}"))
    assert 'data-type="sale"' in shown and "<option>conservatory</option>" in shown
    # WHEN it is changed (?edit): a field more
    form = text(browser.get("/company/comment-types?edit=sale"))
    assert 'name="change" value="sale"' in form
    assert '<option value="money-required" selected>' in form
    changed = browser.post(
        "/company/comment-types",
        {**fields, "change": "sale", "f3_name": "note_to_self", "f3_kind": "text"},
    )
    assert changed.status_code == 303
    [kind] = c2c.c2c.comment_types.list("acme")
    assert [f.name for f in kind.fields] == ["amount", "product", "note_to_self"]
