"""``ringflow outbound ...`` and ``ringflow campaign ...``: the operator's commands for outbound
flows and their campaigns, added to the CLI through ``Product.cli``.

``outbound activate --account A FLOW`` (the listener on with the DIDs attached now; prints the
security id the first time), ``outbound show|set --account A FLOW [--calls-per-second N]
[--max-concurrent N] [--window "Mon-Fri 09:00-18:00"] [--max-retries N] [--retry-delay S]
[--ringing-timeout S] [--machine off|continue|hangup|retry]``, ``outbound security-id --account
A FLOW`` (a new one), ``outbound account --account A [--whitelist CIDR ...] [--sender ADDRESS
...]``; ``campaign list|show|pause|resume|cancel --account A [CAMPAIGN]`` and ``campaign report
--account A CAMPAIGN`` (the CSV report on stdout). Every other answer is JSON on stdout;
refusals are raised as the platform's errors and printed by the CLI as ``refused: ...`` lines.
Imports argparse, the campaigns' report views and (lazily) the wiring; must not import
pynamodb, the store or the web layer.
"""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal
from typing import Any

from chalicelib.campaigns.report import account_view, campaign_view, flow_view, report_csv


def _service() -> Any:
    from chalicelib.wiring import container

    return container().services("campaigns").campaigns


def _domain() -> str:
    from chalicelib.wiring import container

    return container().settings.mail_domain


def _print(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str))


def outbound_activate(args: argparse.Namespace) -> int:
    """Activate a flow's listener with its DIDs."""
    settings, secret = _service().activate(args.account, args.flow)
    _print(flow_view(settings, _domain(), secret))
    return 0


def outbound_show(args: argparse.Namespace) -> int:
    """Print a flow's campaign settings."""
    _print(flow_view(_service().flow_settings(args.account, args.flow), _domain()))
    return 0


def outbound_set(args: argparse.Namespace) -> int:
    """Change a flow's campaign settings."""
    changes = {
        name: getattr(args, name)
        for name in (
            "calls_per_second",
            "max_concurrent",
            "window",
            "max_retries",
            "retry_delay",
            "ringing_timeout",
            "machine",
        )
        if getattr(args, name) is not None
    }
    _print(flow_view(_service().configure(args.account, args.flow, changes), _domain()))
    return 0


def outbound_security_id(args: argparse.Namespace) -> int:
    """Print a new security id for a flow."""
    _print(
        {
            "flow_id": args.flow,
            "security_id": _service().rotate_security_id(args.account, args.flow),
        }
    )
    return 0


def outbound_account(args: argparse.Namespace) -> int:
    """Show or change an account's whitelist and allowed senders."""
    changes: dict[str, Any] = {}
    if args.whitelist is not None:
        changes["ip_whitelist"] = tuple(args.whitelist)
    if args.sender is not None:
        changes["allowed_senders"] = tuple(args.sender)
    service = _service()
    settings = (
        service.configure_account(args.account, changes)
        if changes
        else service.account_settings(args.account)
    )
    _print(account_view(settings))
    return 0


def campaign_list(args: argparse.Namespace) -> int:
    """Print the account's latest campaigns."""
    _print([campaign_view(c) for c in _service().campaigns.list(args.account)])
    return 0


def campaign_action(args: argparse.Namespace) -> int:
    """Show, pause, resume or cancel a campaign."""
    service = _service()
    if args.action == "show":
        found = service.campaign(args.account, args.campaign)
    else:
        found = getattr(service, args.action)(args.account, args.campaign)
    _print(campaign_view(found))
    return 0


def campaign_report(args: argparse.Namespace) -> int:
    """Write a campaign's per-contact CSV report to stdout."""
    service = _service()
    campaign = service.campaign(args.account, args.campaign)
    sys.stdout.write(report_csv(service.contacts.every(campaign.campaign_id)))
    return 0


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add ``outbound`` and ``campaign`` to ``ringflow``."""
    outbound = commands.add_parser("outbound", help="outbound flows' campaign settings")
    sub = outbound.add_subparsers(dest="outbound_command", required=True)
    for name, handler, text in (
        ("activate", outbound_activate, "activate a flow's listener with its DIDs"),
        ("show", outbound_show, "show a flow's campaign settings"),
        ("security-id", outbound_security_id, "make a new security id for a flow"),
    ):
        command = sub.add_parser(name, help=text)
        command.add_argument("--account", required=True)
        command.add_argument("flow")
        command.set_defaults(run=handler)
    change = sub.add_parser("set", help="change a flow's campaign settings")
    change.add_argument("--account", required=True)
    change.add_argument("flow")
    change.add_argument("--calls-per-second", type=Decimal)
    change.add_argument("--max-concurrent", type=int)
    change.add_argument("--window")
    change.add_argument("--max-retries", type=int)
    change.add_argument("--retry-delay", type=int)
    change.add_argument("--ringing-timeout", type=int)
    change.add_argument("--machine", choices=("off", "continue", "hangup", "retry"))
    change.set_defaults(run=outbound_set)
    account = sub.add_parser("account", help="an account's whitelist and allowed senders")
    account.add_argument("--account", required=True)
    account.add_argument("--whitelist", nargs="*", metavar="CIDR")
    account.add_argument("--sender", nargs="*", metavar="ADDRESS")
    account.set_defaults(run=outbound_account)

    campaign = commands.add_parser("campaign", help="campaigns of outbound flows")
    csub = campaign.add_subparsers(dest="campaign_command", required=True)
    listing = csub.add_parser("list", help="the account's latest campaigns")
    listing.add_argument("--account", required=True)
    listing.set_defaults(run=campaign_list)
    for action in ("show", "pause", "resume", "cancel"):
        command = csub.add_parser(action, help=f"{action} a campaign")
        command.add_argument("--account", required=True)
        command.add_argument("campaign")
        command.set_defaults(run=campaign_action, action=action)
    report = csub.add_parser("report", help="a campaign's per-contact CSV report")
    report.add_argument("--account", required=True)
    report.add_argument("campaign")
    report.set_defaults(run=campaign_report)
