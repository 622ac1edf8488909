"""How campaigns are shown to REST and the CLI: an outbound flow's settings, an account's, a
campaign with its progress, one contact as REST and the CLI show it, and the
per-contact CSV report (one row per contact: its status, its numbers, how many calls, the last
call's number, result and time, and its flow keys), formula cells escaped
(``ops.spreadsheet``). Pure: imports the campaign model and ``ops.spreadsheet``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from chalicelib.campaigns.model import AccountSettings, Campaign, Contact, FlowSettings
from chalicelib.ops.spreadsheet import to_csv

UPLOAD_PREFIX = "calls-"
"""The local part of a flow's upload address starts so, then its token."""

REPORT_COLUMNS = (
    "contact",
    "row",
    "client_identifier",
    "status",
    "numbers",
    "calls",
    "last_number",
    "last_result",
    "last_detail",
    "last_call_at",
    "last_call_id",
    "keys",
)


def contact_view(contact: Contact) -> dict[str, Any]:
    """A contact with its attempts."""
    return {
        "contact_id": contact.contact_id,
        "row": contact.row,
        "client_identifier": contact.client_identifier or None,
        "status": contact.status.value,
        "numbers": list(contact.numbers),
        "due_at": contact.due_at.isoformat() if contact.due_at else None,
        "round": contact.round,
        "keys": dict(contact.keys),
        "attempts": [
            {
                "number": a.number,
                "call_id": a.call_id,
                "started_at": a.started_at.isoformat(),
                "ended_at": a.ended_at.isoformat() if a.ended_at else None,
                "result": a.result.value if a.result else None,
                "detail": a.detail or None,
                "rescheduled": a.rescheduled,
                "duration": a.duration,
            }
            for a in contact.attempts
        ],
    }


def report_csv(contacts: Iterable[Contact]) -> str:
    """The per-contact report (see the module)."""

    def row(contact: Contact) -> list[object]:
        last = contact.attempts[-1] if contact.attempts else None
        keys = "; ".join(f"{name}={value}" for name, value in sorted(contact.keys.items()))
        return [
            contact.contact_id,
            contact.row if contact.row is not None else "",
            contact.client_identifier,
            contact.status.value,
            " ".join(contact.numbers),
            contact.calls_made,
            last.number if last else "",
            last.result.value if last and last.result else "",
            last.detail if last else "",
            last.started_at.isoformat() if last else "",
            (last.call_id or "") if last else "",
            keys,
        ]

    return to_csv(REPORT_COLUMNS, (row(contact) for contact in contacts))


def flow_view(
    settings: FlowSettings, mail_domain: str, security_id: str | None = None
) -> dict[str, Any]:
    """A flow's settings as REST and the CLI show them (never the security id's hash)."""
    view: dict[str, Any] = {
        "flow_id": settings.flow_id,
        "active": settings.active,
        "caller_ids": list(settings.caller_ids),
        "activated_at": settings.activated_at.isoformat() if settings.activated_at else None,
        "upload_address": upload_address(settings, mail_domain),
        "calls_per_second": str(settings.calls_per_second),
        "max_concurrent": settings.max_concurrent,
        "window": settings.window or None,
        "max_retries": settings.max_retries,
        "retry_delay": settings.retry_delay,
        "ringing_timeout": settings.ringing_timeout,
        "machine": settings.machine.value,
    }
    if security_id:
        view["security_id"] = security_id
    return view


def upload_address(settings: FlowSettings, mail_domain: str) -> str | None:
    """The flow's own address for e-mailed call lists."""
    if not settings.mail_token:
        return None
    return f"{UPLOAD_PREFIX}{settings.mail_token}@{mail_domain}"


def account_view(settings: AccountSettings) -> dict[str, Any]:
    """An account's campaign settings as shown."""
    return {
        "ip_whitelist": list(settings.ip_whitelist),
        "allowed_senders": list(settings.allowed_senders),
        "calls_per_second": str(settings.calls_per_second),
        "max_concurrent": settings.max_concurrent,
    }


def campaign_view(campaign: Campaign) -> dict[str, Any]:
    """A campaign with its progress per status."""
    return {
        "campaign_id": campaign.campaign_id,
        "flow_id": campaign.flow_id,
        "trigger": campaign.trigger.value,
        "name": campaign.name,
        "created_at": campaign.created_at.isoformat(),
        "state": campaign.state.value,
        "paused_reason": campaign.paused_reason or None,
        "contacts": campaign.total,
        "rejected": campaign.rejected,
        "finished": campaign.finished,
        "progress": campaign.progress(),
    }
