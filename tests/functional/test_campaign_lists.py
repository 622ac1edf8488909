"""Call lists into campaigns end to end: a file uploaded in parts through REST (the upload
page's path) and an e-mailed attachment to the flow's upload address are read, their bad rows
reported with row numbers and reasons, their good rows loaded in chunks through the task queue
and called; a file that cannot be used loads nothing; the sender of an e-mailed list gets the
answer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from platformkit import running_platform
from test_campaign_calls import CampaignWorld

from chalicelib.mail.message import Attachment, InboundMail, Verdicts
from chalicelib.mail.outbox import SendMail
from chalicelib.ops import schedules

LIST = (
    "tel1;tel2;$flow.key.name;starttime\r\n"
    "+44 7700 900301;;Zoë;\r\n"
    "447700900302;447700900303;Björn;\r\n"
    "07700 900304;;Nobody;\r\n"
    "447700900305;;Late;tomorrow\r\n"
).encode("cp1252")
TRUSTED = Verdicts(spam="PASS", virus="PASS", spf="PASS", dkim="PASS", dmarc="PASS")


class ListWorld(CampaignWorld):
    """The campaign world with the list's numbers set up."""

    def __init__(self, platform: Any, tmp: Path) -> None:
        super().__init__(platform, tmp)
        for number in ("447700900301", "447700900303"):
            self.network.set_number(number, {"behaviour": "answers", "script": [{"press": "1"}]})
        self.network.set_number("447700900302", {"behaviour": "busy"})

    def api(self, method: str, path: str, body: Any = None) -> Any:
        response = self.platform.api(method, path, body)
        return response.status_code, json.loads(response.body or b"null")

    def put_part(self, upload_id: str, number: int, data: bytes) -> Any:
        return self.platform.client.http.put(
            f"/v1/outbound/uploads/{upload_id}/parts/{number}",
            headers={
                "Authorization": f"Bearer {self.platform.api_key}",
                "Content-Type": "application/octet-stream",
            },
            body=data,
        )

    def replies(self) -> list[SendMail]:
        return [task for task in self.queued if isinstance(task, SendMail)]


@pytest.fixture
def lists(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[ListWorld]:
    monkeypatch.setattr(schedules, "MAX_DELAY_SECONDS", 10**9)
    with running_platform(monkeypatch) as platform:
        built = ListWorld(platform, tmp_path)
        try:
            yield built
        finally:
            built.close()


def test_an_uploaded_list_is_read_reported_loaded_and_called(lists: ListWorld) -> None:
    status, upload = lists.api(
        "POST", "/v1/outbound/flows/survey/uploads", {"filename": "calls.csv"}
    )
    assert status == 201 and upload["state"] == "receiving"
    upload_id = upload["upload_id"]
    # WHEN the file comes in two parts (the page sends them in order) and is loaded
    assert lists.put_part(upload_id, 0, LIST[:40]).status_code == 200
    assert lists.put_part(upload_id, 2, LIST[40:]).status_code == 409  # out of order
    assert lists.put_part(upload_id, 1, LIST[40:]).status_code == 200
    status, loading = lists.api("POST", f"/v1/outbound/uploads/{upload_id}/load")
    assert status == 202 and loading["state"] == "loading"
    lists.run()
    # THEN the bad rows are reported with their spreadsheet row numbers and reasons
    status, done = lists.api("GET", f"/v1/outbound/uploads/{upload_id}")
    assert done["state"] == "loaded" and done["rows"] == 2
    assert done["encoding"] == "windows-1252" and done["separator"] == ";"
    reasons = {r["row"]: r["reason"] for r in done["rejected"]}
    assert set(reasons) == {4, 5}
    assert "country code" in reasons[4] and "starttime" in reasons[5]
    # AND the good rows were called, the alternate after the busy number
    campaign = lists.service.campaign("acme", done["campaign_id"])
    assert campaign.total == 2 and campaign.rejected == 2 and campaign.finished
    [zoe] = lists.calls_to("447700900301")
    assert zoe.transcript.said()[0].startswith("Hello Zoë")
    [bjorn] = lists.calls_to("447700900303")
    assert bjorn.transcript.said()[0].startswith("Hello Björn, this is call number 2")
    assert campaign.progress()["completed"] == 2


def test_a_file_that_cannot_be_used_loads_nothing(lists: ListWorld) -> None:
    _, upload = lists.api("POST", "/v1/outbound/flows/survey/uploads", {"filename": "calls.csv"})
    lists.put_part(upload["upload_id"], 0, b"PK\x03\x04 not really a zip")
    lists.api("POST", f"/v1/outbound/uploads/{upload['upload_id']}/load")
    lists.run()
    _, done = lists.api("GET", f"/v1/outbound/uploads/{upload['upload_id']}")
    assert done["state"] == "refused" and done["error"]
    assert done["campaign_id"] is None and lists.network.calls() == []


def test_uploads_are_refused_for_a_bad_name_and_past_the_size(lists: ListWorld) -> None:
    status, problem = lists.api(
        "POST", "/v1/outbound/flows/survey/uploads", {"filename": "calls.xlsx"}
    )
    assert status == 422 and problem["errors"][0]["field"] == "filename"
    _, upload = lists.api("POST", "/v1/outbound/flows/survey/uploads", {"filename": "big.csv"})
    for number in range(5):
        assert lists.put_part(upload["upload_id"], number, b"x" * (1024 * 1024)).status_code == 200
    assert lists.put_part(upload["upload_id"], 5, b"x").status_code == 413


def test_the_template_names_the_flows_variables(lists: ListWorld) -> None:
    response = lists.platform.api("GET", "/v1/outbound/flows/survey/template")
    assert response.status_code == 200
    header = response.body.decode().splitlines()[0]
    assert header.startswith("tel1,") and "$flow.key.name" in header


def mail(sender: str, attachments: tuple[Attachment, ...], verdicts: Verdicts = TRUSTED) -> Any:
    return InboundMail(
        message_id="ses-1",
        sender=sender,
        reply_to=sender,
        recipients=(),
        subject="calls for Friday",
        text="attached",
        verdicts=verdicts,
        attachments=attachments,
    )


def test_an_emailed_list_from_an_allowed_sender_is_loaded_and_answered(lists: ListWorld) -> None:
    from chalicelib.campaigns.product import mail_consumers

    container = lists.platform.container
    settings = lists.service.flow_settings("acme", "survey")
    address = f"calls-{settings.mail_token}@{container.settings.mail_domain}"
    lists.service.configure_account("acme", {"allowed_senders": ("@example.com",)})
    [consumer] = mail_consumers(container)
    tomorrow = container.clock() + timedelta(days=1)  # the seed's common start time
    attached = (Attachment(f"upload_{tomorrow:%d%m%Y%H%M%S}.csv", "text/csv", LIST),)
    stranger = mail("eve@elsewhere.test", attached)
    assert consumer(replace_recipients(stranger, address)) is True
    [refusal] = lists.replies()
    assert refusal.to_address == "eve@elsewhere.test" and "allows" in refusal.text
    assert consumer(replace_recipients(mail("ops@example.com", attached), address)) is True
    lists.run()
    answer = lists.replies()[-1]
    assert answer.to_address == "ops@example.com" and answer.subject == "Re: calls for Friday"
    assert "2 contacts will be called" in answer.text and "row 4:" in answer.text
    [campaign] = [c for c in lists.service.campaigns.list("acme") if c.trigger.value == "email"]
    assert campaign.total == 2 and campaign.progress()["completed"] == 2
    assert len(lists.calls_to("447700900301")) == 1
    first = lists.service.contacts.get(campaign.campaign_id, "r0000002").attempts[0]
    assert first.started_at >= tomorrow.replace(microsecond=0)


def replace_recipients(message: InboundMail, address: str) -> InboundMail:
    from dataclasses import replace

    return replace(message, recipients=(address,), message_id=f"ses-{message.sender}")


def test_a_chunk_delivered_again_writes_only_the_rows_it_did_not_write(lists: ListWorld) -> None:
    from chalicelib.campaigns.uploads import LoadContacts
    from chalicelib.store.campaign_contacts import ContactItem, part_of

    _, upload = lists.api("POST", "/v1/outbound/flows/survey/uploads", {"filename": "calls.csv"})
    lists.put_part(upload["upload_id"], 0, LIST)
    lists.api("POST", f"/v1/outbound/uploads/{upload['upload_id']}/load")
    lists.run()
    [chunk] = [task for task in lists.queued if isinstance(task, LoadContacts)]
    campaign_id = chunk.campaign_id
    called = {c.contact_id: c for c in lists.service.contacts.every(campaign_id)}
    assert len(called) == 2 and {c.status.value for c in called.values()} == {"completed"}
    call_lists = lists.platform.container.services("campaigns").call_lists
    # WHEN the chunk runs again, as a redelivery after a crash would (no done marker)
    call_lists.load_chunk(chunk, "acme")
    lists.run()
    # THEN the rows called keep their outcome, nobody is called again, nothing counts twice
    assert {c.contact_id: c for c in lists.service.contacts.every(campaign_id)} == called
    assert len(lists.calls_to("447700900301")) == 1
    assert lists.service.campaign("acme", campaign_id).total == 2
    # AND a row the first run never wrote (it crashed part way) is written by the next one
    lost = sorted(called)[0]
    ContactItem(part_of(campaign_id, lost), lost).delete()
    call_lists.load_chunk(chunk, "acme")
    restored = lists.service.contacts.get(campaign_id, lost)
    assert restored.status.value == "scheduled" and restored.numbers == called[lost].numbers
    assert lists.service.contacts.get(campaign_id, sorted(called)[1]) == called[sorted(called)[1]]
