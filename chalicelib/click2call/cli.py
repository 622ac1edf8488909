"""``ringflow click2call ...``: the platform operator's and the company's commands, added to the CLI
through ``Product.cli``.

``click2call company COMPANY --name N --tariff T [--currency EUR] [--email E] [--stop] [--password |
--password-stdin]`` allows an account to run click-to-call campaigns (``--stop`` stops them) and
sets the password of the company's pages (prompted twice, or read from stdin); ``click2call operator
COMPANY OPERATOR [--name N] (--number +44... | --sip sip:u@host)`` sets an operator; ``click2call
campaign create --account A --name N --operator ID ... --caller-id NUMBER [...]``, ``campaign
list|show --account A [CAMPAIGN]``, ``campaign set --account A CAMPAIGN [...]``; ``click2call
requests --account A [--campaign C] [--status S]`` and ``click2call call-back --account A REQUEST``.
Answers are JSON on stdout; refusals are the platform's errors, printed by the CLI. Imports
argparse, the billing CLI's password reader, the product's views and (lazily) the wiring; must not
import pynamodb, the store or the web layer.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from chalicelib.billing.cli import read_password
from chalicelib.click2call.model import RequestStatus
from chalicelib.click2call.views import campaign_view, request_view

SETTINGS = (
    ("name", str),
    ("caller_id", str),
    ("company_caller_id", str),
    ("first", str),
    ("message_text", str),
    ("message_url", str),
    ("language", str),
    ("redials", int),
    ("redial_pause", int),
    ("ring_timeout", int),
    ("ring", str),
    ("reminder_minutes", int),
    ("price", str),
    ("hours", str),
    ("timezone", str),
    ("outside_hours", str),
    ("daily_requests", int),
)


def _service() -> Any:
    from chalicelib.wiring import container

    return container().services("click2call").click2call


def _print(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str))


def company(args: argparse.Namespace) -> int:
    """Allow (or stop) an account's click-to-call campaigns."""
    password = read_password(args) if args.password or args.password_stdin else None
    made = _service().put_company(
        args.company, args.name, args.tariff, args.currency, args.email, not args.stop, password
    )
    _print(
        {
            "company_id": made.company_id,
            "name": made.name,
            "tariff": made.tariff,
            "allowed": made.allowed,
            "pages_login": bool(made.password_hash),
        }
    )
    return 0


def operator(args: argparse.Namespace) -> int:
    """Set an operator of a company."""
    made = _service().put_operator(
        args.company, args.operator, args.name or "", args.number or "", args.sip or ""
    )
    _print({"operator_id": made.operator_id, "number": made.number, "sip": made.sip})
    return 0


def _fields(args: argparse.Namespace) -> dict[str, Any]:
    fields = {name: getattr(args, name) for name, _ in SETTINGS if getattr(args, name) is not None}
    if args.operator:
        fields["operators"] = list(args.operator)
    if args.site is not None:
        fields["sites"] = list(args.site)
    if args.disable:
        fields["enabled"] = False
    if args.enable:
        fields["enabled"] = True
    return fields


def campaign_create(args: argparse.Namespace) -> int:
    """Make a campaign (deployed at once)."""
    fields = _fields(args)
    if args.campaign:
        fields["campaign_id"] = args.campaign
    _print(campaign_view(_service().create_campaign(args.account, fields)))
    return 0


def campaign_set(args: argparse.Namespace) -> int:
    """Change a campaign's settings."""
    changed = _service().update_campaign(args.account, args.campaign, _fields(args))
    _print(campaign_view(changed))
    return 0


def campaign_show(args: argparse.Namespace) -> int:
    """Print one campaign, or every campaign of the account."""
    service = _service()
    if args.campaign:
        _print(campaign_view(service.campaign(args.account, args.campaign)))
    else:
        _print([campaign_view(c) for c in service.campaigns.list(args.account)])
    return 0


def requests(args: argparse.Namespace) -> int:
    """Print the account's latest requests."""
    status = RequestStatus(args.status) if args.status else None
    found, cursor = _service().requests.list(
        args.account, campaign_id=args.campaign, status=status, limit=args.limit
    )
    _print({"requests": [request_view(r) for r in found], "cursor": cursor})
    return 0


def call_back(args: argparse.Namespace) -> int:
    """Call a failed request back, company first."""
    _print(request_view(_service().call_back(args.account, args.request)))
    return 0


def _settings(parser: argparse.ArgumentParser) -> None:
    for name, kind in SETTINGS:
        choices = ("order", "all") if name == "ring" else None
        parser.add_argument("--" + name.replace("_", "-"), type=kind, choices=choices)
    parser.add_argument("--operator", action="append", help="an operator id, in calling order")
    parser.add_argument("--site", action="append", help="an origin the banner may post from")
    parser.add_argument("--disable", action="store_true")
    parser.add_argument("--enable", action="store_true")


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add ``click2call`` to ``ringflow``."""
    c2c = commands.add_parser("click2call", help="click-to-call companies and campaigns")
    sub = c2c.add_subparsers(dest="click2call_command", required=True)
    allow = sub.add_parser("company", help="operator: allow an account's campaigns")
    allow.add_argument("company")
    allow.add_argument("--name", required=True)
    allow.add_argument("--tariff", required=True)
    allow.add_argument("--currency", default="EUR")
    allow.add_argument("--email", default="")
    allow.add_argument("--stop", action="store_true", help="stop its campaigns")
    allow.add_argument(
        "--password", action="store_true", help="set the pages' password (typed twice)"
    )
    allow.add_argument(
        "--password-stdin", action="store_true", help="the pages' password from stdin"
    )
    allow.set_defaults(run=company)
    person = sub.add_parser("operator", help="operator: set a company's operator")
    person.add_argument("company")
    person.add_argument("operator")
    person.add_argument("--name")
    person.add_argument("--number")
    person.add_argument("--sip")
    person.set_defaults(run=operator)
    campaign = sub.add_parser("campaign", help="a company's campaigns")
    csub = campaign.add_subparsers(dest="click2call_campaign", required=True)
    create = csub.add_parser("create", help="make a campaign")
    create.add_argument("--account", required=True)
    create.add_argument("campaign", nargs="?")
    _settings(create)
    create.set_defaults(run=campaign_create)
    change = csub.add_parser("set", help="change a campaign")
    change.add_argument("--account", required=True)
    change.add_argument("campaign")
    _settings(change)
    change.set_defaults(run=campaign_set)
    show = csub.add_parser("show", help="one campaign, or all of them")
    show.add_argument("--account", required=True)
    show.add_argument("campaign", nargs="?")
    show.set_defaults(run=campaign_show)
    listing = sub.add_parser("requests", help="the latest requests")
    listing.add_argument("--account", required=True)
    listing.add_argument("--campaign")
    listing.add_argument("--status", choices=[s.value for s in RequestStatus])
    listing.add_argument("--limit", type=int, default=50)
    listing.set_defaults(run=requests)
    back = sub.add_parser("call-back", help="call a failed request back, company first")
    back.add_argument("--account", required=True)
    back.add_argument("request")
    back.set_defaults(run=call_back)
