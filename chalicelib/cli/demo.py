"""Demo data for the local run: the demo account, every flow in ``flows/`` (listener on), the
demo numbers, provisioned to the demo account and attached, then each product's own demo.
Idempotent: running it twice adds flow versions only when a flow (or the variables given)
changed. Imports the operator actions only (never the store)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from chalicelib.accounts.admin import AdminConflictError
from chalicelib.errors import NotFoundError

DEMO_ACCOUNT = "demo"
PULL_APP_NUMBER = "447700900100"
DEMO_CALLER = "447700900001"
REMINDER_NUMBER = "447700900150"
DEMO_NUMBERS = {PULL_APP_NUMBER: "pull-message", REMINDER_NUMBER: "appointment-reminder"}


def load_demo(
    container: Any, flows_dir: Path, variables: Mapping[str, Mapping[str, str]] | None = None
) -> dict[str, Any]:
    """Load the demo; returns what was made (the API key only when the account is new).
    ``variables`` overrides flow variables per flow id (e.g. where the demo services listen)."""
    admin = container.admin
    made: dict[str, Any] = {"account_id": DEMO_ACCOUNT, "flows": {}, "numbers": {}}
    try:
        _, key = admin.create_account(DEMO_ACCOUNT, "Demo company", "en-GB", "EUR")
        made["api_key"] = key
    except AdminConflictError:
        pass
    for path in sorted(flows_dir.glob("*.json")):
        document = json.loads(path.read_text())
        flow_id = document["id"]
        document.setdefault("variables", {}).update((variables or {}).get(flow_id, {}))
        text = json.dumps(document, indent=2)
        version = _unchanged_version(container, flow_id, text)
        if version is None:
            version = admin.load_flow(DEMO_ACCOUNT, text).revision.version
        admin.set_listener(DEMO_ACCOUNT, flow_id, True)
        made["flows"][flow_id] = version
    for number, flow_id in DEMO_NUMBERS.items():
        admin.provision_number(DEMO_ACCOUNT, number)
        admin.attach_number(DEMO_ACCOUNT, number, flow_id)
        made["numbers"][number] = flow_id
    for product in container.products:
        made.update(product.demo(container))
    return made


def _unchanged_version(container: Any, flow_id: str, text: str) -> int | None:
    try:
        head = container.flow_repository.get_head(flow_id)
    except NotFoundError:
        return None
    latest = container.flow_repository.get_revision(flow_id, head.latest_version)
    return int(head.latest_version) if latest.document == text else None
