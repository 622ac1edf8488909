"""``ringflow access-number ...`` and ``ringflow lockout ...``: the callback product's commands
for access numbers and PIN lockouts, added to the CLI through ``Product.cli``.

``access-number put NUMBER --kind ani|dnis|pin --tenant T --language L [--rule 0=420 ...]
[--country CZ] [--account PIN] [--internal-account PIN] [--delay 5] [--flow F] [--lock-minutes
30] [--disabled] [--mail-address ADDRESS]`` creates or replaces one (e-mail to ``ADDRESS`` is a
callback command); ``show``, ``list``, ``delete`` and ``translate NUMBER CALLER_ID`` (a dry
run of caller-id translation); ``lockout show|clear NUMBER``. Every answer is JSON on stdout;
refusals are raised as the platform's errors and printed by the CLI as ``refused: ...`` lines.
Imports argparse, the pure access module and (lazily) the wiring; must not import pynamodb,
the store or the web layer.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from chalicelib.callback.access import (
    MAX_PAGE,
    AccessNumber,
    Translation,
    TranslationRule,
    TriggerKind,
)


def _service() -> Any:
    from chalicelib.wiring import container

    return container().services("callback").access_numbers


def _print(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str))


def shown(access: AccessNumber) -> dict[str, Any]:
    """An access number as the CLI prints it (the REST view's fields)."""
    return {
        "number": access.number,
        "kind": str(access.kind),
        "tenant": access.tenant,
        "language": access.language,
        "rules": [{"prefix": rule.prefix, "replace": rule.replace} for rule in access.rules],
        "account_id": access.account_id,
        "internal_account": access.internal_account,
        "delay_seconds": access.delay_seconds,
        "flow_id": access.flow_id,
        "country": access.country,
        "lock_minutes": access.lock_minutes,
        "enabled": access.enabled,
        "mail_address": access.mail_address,
    }


def _translation(number: str, found: Translation) -> dict[str, Any]:
    return {
        "access_number": number,
        "caller_id": found.caller_id,
        "number": found.number,
        "reason": None if found.reason is None else str(found.reason),
        "detail": found.detail,
        "candidate": found.candidate,
    }


def access_put(args: argparse.Namespace) -> int:
    """Create or replace an access number."""
    access = AccessNumber(
        number=args.number,
        kind=args.kind,
        tenant=args.tenant,
        language=args.language,
        rules=tuple(TranslationRule.parse(text) for text in args.rule),
        account_id=args.account,
        internal_account=args.internal_account,
        delay_seconds=args.delay,
        flow_id=args.flow,
        country=args.country,
        lock_minutes=args.lock_minutes,
        enabled=not args.disabled,
        mail_address=args.mail_address,
    )
    new = _service().put(access)
    _print({**shown(access), "created": new})
    return 0


def access_show(args: argparse.Namespace) -> int:
    """Print an access number."""
    _print(shown(_service().get(args.number)))
    return 0


def access_list(args: argparse.Namespace) -> int:
    """Print a page of access numbers."""
    page = _service().list(args.limit, args.after)
    _print({"items": [shown(access) for access in page.items], "next": page.next})
    return 0


def access_delete(args: argparse.Namespace) -> int:
    """Delete an access number."""
    _service().delete(args.number)
    _print({"number": args.number.removeprefix("+"), "deleted": True})
    return 0


def access_translate(args: argparse.Namespace) -> int:
    """Print what a caller id on a call to the access number is called back as."""
    found = _service().translate(args.number, args.caller_id)
    _print(_translation(args.number.removeprefix("+"), found))
    return 0


def lockout_show(args: argparse.Namespace) -> int:
    """Print whether a caller number is locked, and until when."""
    until = _service().locked_until(args.number)
    number = args.number.removeprefix("+")
    locked_until = None if until is None else until.isoformat()
    _print({"number": number, "locked": until is not None, "locked_until": locked_until})
    return 0


def lockout_clear(args: argparse.Namespace) -> int:
    """Lift a caller number's lock (refused if it is not locked)."""
    _service().unlock(args.number)
    _print({"number": args.number.removeprefix("+"), "locked": False})
    return 0


def _count(low: int, high: int) -> Any:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not {low} to {high}")
        return value

    return parse


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``access-number put|show|list|delete|translate`` and ``lockout show|clear``."""
    access = sub.add_parser(
        "access-number", help="callback access numbers (ANI, DNIS, PIN triggers)"
    ).add_subparsers(dest="action", required=True)
    put = access.add_parser("put", help="create or replace an access number")
    put.add_argument("number", metavar="NUMBER", help="E.164, country code first")
    put.add_argument("--kind", required=True, choices=[str(kind) for kind in TriggerKind])
    put.add_argument("--tenant", required=True, help="the account whose calls these are")
    put.add_argument("--language", required=True, help="the prompts' TTS language, e.g. en-US")
    put.add_argument(
        "--rule",
        action="append",
        default=[],
        metavar="PREFIX=REPLACE",
        help="a caller-id translation rule (repeatable), e.g. 0=420",
    )
    put.add_argument("--country", help="the ISO region a national caller id is read as")
    put.add_argument("--account", help="DNIS: the callback account the number belongs to")
    put.add_argument("--internal-account", help="PIN: the callback account calls back on")
    put.add_argument("--delay", type=int, default=5, help="seconds before the call back")
    put.add_argument("--flow", default="callback", help="the flow the call back runs")
    put.add_argument(
        "--lock-minutes", type=int, default=30, help="lock after 3 wrong PINs, minutes"
    )
    put.add_argument("--disabled", action="store_true", help="configure it switched off")
    put.add_argument(
        "--mail-address", help="e-mail to this address is a callback command (P ... SN ... DN ...)"
    )
    put.set_defaults(run=access_put)
    for name, run, text in (
        ("show", access_show, "an access number"),
        ("delete", access_delete, "delete an access number"),
    ):
        command = access.add_parser(name, help=text)
        command.add_argument("number", metavar="NUMBER")
        command.set_defaults(run=run)
    listing = access.add_parser("list", help="the access numbers, a page at a time")
    listing.add_argument("--limit", type=_count(1, MAX_PAGE), default=MAX_PAGE)
    listing.add_argument("--after", help="the previous page's next")
    listing.set_defaults(run=access_list)
    translate = access.add_parser("translate", help="what a caller id is called back as")
    translate.add_argument("number", metavar="NUMBER")
    translate.add_argument("caller_id", metavar="CALLER_ID")
    translate.set_defaults(run=access_translate)

    lockout = sub.add_parser("lockout", help="caller numbers locked after wrong PINs")
    actions = lockout.add_subparsers(dest="action", required=True)
    for name, run, text in (
        ("show", lockout_show, "whether a caller number is locked"),
        ("clear", lockout_clear, "lift a caller number's lock"),
    ):
        command = actions.add_parser(name, help=text)
        command.add_argument("number", metavar="NUMBER")
        command.set_defaults(run=run)
