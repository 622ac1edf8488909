"""Demo data for the local run: the demo account, every flow in ``flows/`` (listener on) and the
demo numbers. Idempotent: running it twice changes nothing but adds flow versions only when a
flow file changed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chalicelib.accounts.admin import AdminError

DEMO_ACCOUNT = "demo"
PULL_APP_NUMBER = "447700900100"
DEMO_CALLER = "447700900001"
DEMO_NUMBERS = {PULL_APP_NUMBER: "pull-message"}


def load_demo(container: Any, flows_dir: Path) -> dict[str, Any]:
    """Load the demo; returns what was made (the API key only when the account is new)."""
    admin = container.admin
    made: dict[str, Any] = {"account_id": DEMO_ACCOUNT, "flows": {}, "numbers": {}}
    try:
        _, key = admin.create_account(DEMO_ACCOUNT, "Demo company", "en-GB", "EUR")
        made["api_key"] = key
    except AdminError as error:
        if error.status != 409:
            raise
    for path in sorted(flows_dir.glob("*.json")):
        text = path.read_text()
        flow_id = json.loads(text)["id"]
        version = _unchanged_version(container, flow_id, text)
        if version is None:
            version = admin.load_flow(DEMO_ACCOUNT, text).revision.version
        admin.set_listener(DEMO_ACCOUNT, flow_id, True)
        made["flows"][flow_id] = version
    for number, flow_id in DEMO_NUMBERS.items():
        admin.attach_number(DEMO_ACCOUNT, number, flow_id)
        made["numbers"][number] = flow_id
    return made


def _unchanged_version(container: Any, flow_id: str, text: str) -> int | None:
    try:
        head = container.flow_repository.get_head(flow_id)
    except container.not_found:
        return None
    latest = container.flow_repository.get_revision(flow_id, head.latest_version)
    return int(head.latest_version) if latest.document == text else None
