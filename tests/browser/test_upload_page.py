"""The call-list upload page in a real browser (headless Debian chromium through Playwright,
against the app over HTTP on moto): the account's key, its flows, the template download, a
file picked and a file dropped, the progress bar, and the result with every rejected row and
its reason; a file that cannot be used is refused whole. The queued reading and loading tasks
are run by the test from the app's queue, as the local run's event pump would."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from portalkit import Site

ACCOUNT = "uploads"
DID = "447700900590"
SURVEY = {
    "id": "survey",
    "name": "A short survey",
    "kind": "outbound",
    "language": "en-GB",
    "start": "bye",
    "variables": {"name": "there"},
    "nodes": {"bye": {"widget": "hangup", "text": "Hello $flow.key.name. Goodbye."}},
}
LIST = (
    "tel1,tel2,$flow.key.name\r\n"
    "447700900601,,Ann\r\n"
    "0207 946 0000,,No country code\r\n"
    "447700900603,447700900604,Bob\r\n"
    "447700900601,,Ann again\r\n"
)
READING = ("campaign_read_call_list", "campaign_load_contacts")


@pytest.fixture(scope="module")
def account(site: Site) -> Iterator[tuple[str, Any]]:
    """An account with an activated outbound flow, its API key, and a container on the site's
    moto (the store bound back to what it was afterwards)."""
    from chalicelib.settings import from_environment
    from chalicelib.store import binding
    from chalicelib.wiring import Container

    before = binding._bound
    container = Container(from_environment(site.env))
    admin = container.admin
    _, key = admin.create_account(ACCOUNT, "Uploads", "en-GB")
    admin.load_flow(ACCOUNT, json.dumps(SURVEY))
    admin.provision_number(ACCOUNT, DID)
    admin.attach_number(ACCOUNT, DID, "survey")
    container.services("campaigns").campaigns.activate(ACCOUNT, "survey")
    try:
        yield key, container
    finally:
        if before is not None:
            binding.bind(before)


def run_reading(container: Any, upload_id_of: Any, seconds: float = 30) -> None:
    """Run the queued tasks that read and load call lists until the page's upload is read
    (other tasks are left alone: nothing here dials)."""
    deadline = time.monotonic() + seconds
    queue = container.task_queue_url
    while time.monotonic() < deadline:
        upload_id = upload_id_of()
        if upload_id:
            state = container.services("campaigns").call_lists.uploads.get(upload_id).state
            if state not in ("receiving", "loading"):
                return
        got = container.sqs.receive_message(
            QueueUrl=queue, MaxNumberOfMessages=10, VisibilityTimeout=0, WaitTimeSeconds=0
        )
        for message in got.get("Messages", []):
            if json.loads(message["Body"])["kind"] in READING:
                container.tasks.run(message["Body"])
                container.sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
        time.sleep(0.2)
    raise AssertionError("the call list was not read in time")


def sign_in(page: Any, site: Site, key: str) -> None:
    page.goto(f"{site.url}/pages/outbound-upload")
    page.fill("#api-key", key)
    page.click("text=Use this key")
    page.wait_for_selector("#flow-section:not([hidden])")
    page.select_option("#flow", "survey")


def upload_of(page: Any) -> Any:
    """The id of the upload the page sent (read from the requests it made), once it made one."""

    def upload_id() -> str | None:
        names = page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
        found = [
            n.split("/v1/outbound/uploads/")[1].split("/")[0]
            for n in names
            if "/v1/outbound/uploads/" in n
        ]
        return found[-1] if found else None

    return upload_id


def test_a_picked_file_is_uploaded_read_and_its_rejected_rows_listed(
    site: Site, page: Any, account: tuple[str, Any], tmp_path: Path
) -> None:
    key, container = account
    sign_in(page, site, key)
    # the template names the flow's variables
    with page.expect_download() as download:
        page.click("#template")
    template = Path(download.value.path()).read_text()
    assert template.splitlines()[0].startswith("tel1,") and "$flow.key.name" in template
    # WHEN a file is picked and uploaded
    calls = tmp_path / "calls.csv"
    calls.write_text(LIST)
    page.set_input_files("#file", str(calls))
    page.click("#upload")
    run_reading(container, upload_of(page))
    # THEN the result says what was loaded and lists each rejected row with its reason
    page.wait_for_selector("#result:not([hidden])")
    assert page.eval_on_selector("#progress", "bar => bar.value") == 100
    summary = page.text_content("#summary") or ""
    assert "2 contacts will be called" in summary and "2 rows were rejected" in summary
    rows = page.locator("#rejected tbody tr")
    assert rows.count() == 2
    assert (
        rows.nth(0).text_content().startswith("3") and "country code" in rows.nth(0).text_content()
    )
    assert "duplicate of row 2" in (rows.nth(1).text_content() or "")


def test_a_dropped_file_that_is_not_a_call_list_is_refused_whole(
    site: Site, page: Any, account: tuple[str, Any]
) -> None:
    key, container = account
    sign_in(page, site, key)
    # a spreadsheet saved as xlsx, renamed .zip, dropped on the page
    page.evaluate(
        """() => {
            const bytes = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3, 4]);
            const file = new File([bytes], "calls.zip", {type: "application/zip"});
            const data = new DataTransfer();
            data.items.add(file);
            const drop = document.getElementById("drop");
            drop.dispatchEvent(new DragEvent("drop", {dataTransfer: data, bubbles: true}));
        }"""
    )
    assert "calls.zip" in (page.text_content("#chosen") or "")
    page.click("#upload")
    run_reading(container, upload_of(page))
    page.wait_for_selector("#result:not([hidden])")
    assert "Not loaded" in (page.text_content("#summary") or "")
    assert page.locator("#rejected").is_hidden()
