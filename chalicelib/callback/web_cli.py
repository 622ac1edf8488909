"""``ringflow web-callback ...``: the operator's commands for web callback services, added to
the CLI through ``Product.cli`` (``callback.product``).

``web-callback put SERVICE --tenant T --access-number N --mode simple|extended|hosted ...
[--destination N] [--internal-account PIN] [--allow PREFIX ...] [--origin URL ...] [--per-ip
10/3600] [--per-number 3/600] [--daily-cap 20.00 --cap-currency EUR] [--max-minutes 10]
[--disabled]`` creates or replaces one; ``show`` (with the paths of its sample forms),
``list``, ``delete``. Every answer is JSON on stdout; refusals are raised
as the platform's errors and printed by the CLI as ``refused: ...`` lines. Imports argparse, the
callback's web module and (lazily) the wiring; must not import pynamodb, the store or the web
layer.
"""

from __future__ import annotations

import argparse
import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from chalicelib.callback.web import (
    ORIGIN_PATTERN,
    PREFIX_PATTERN,
    WebCallbacks,
    WebMode,
    WebService,
)
from chalicelib.errors import ValidationError
from chalicelib.guards.limits import Velocity


def _service() -> WebCallbacks:
    from chalicelib.wiring import container

    service: WebCallbacks = container().services("callback").web
    return service


def shown(service: WebService) -> dict[str, Any]:
    """A service as the CLI prints it (the REST view's fields)."""
    return {
        "service_id": service.service_id,
        "tenant": service.tenant,
        "access_number": service.access_number,
        "modes": [mode.value for mode in service.modes],
        "destination": service.destination,
        "internal_account": service.internal_account,
        "allow": list(service.allow),
        "origins": list(service.origins),
        "per_ip": {"limit": service.per_ip.limit, "seconds": service.per_ip.seconds},
        "per_number": {"limit": service.per_number.limit, "seconds": service.per_number.seconds},
        "daily_cap": None if service.daily_cap is None else str(service.daily_cap),
        "cap_currency": service.cap_currency,
        "max_minutes": service.max_minutes,
        "enabled": service.enabled,
        "forms": [f"/v1/web-callbacks/{service.service_id}/{m.value}/form" for m in service.modes],
    }


def _velocity(text: str) -> Velocity:
    limit, _, seconds = text.partition("/")
    if not (limit.isdigit() and seconds.isdigit()):
        raise argparse.ArgumentTypeError(f"{text!r} is not LIMIT/SECONDS, e.g. 3/600")
    try:
        return Velocity(int(limit), int(seconds))
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _money(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{text!r} is not an amount such as 20.00") from None
    if not value.is_finite() or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not an amount such as 20.00")
    return value


def put(args: argparse.Namespace) -> int:
    """Create or replace a web callback service."""
    for prefix in args.allow:
        if not re.fullmatch(PREFIX_PATTERN, prefix):
            raise ValidationError(f"allow prefix {prefix!r} is not digits")
    for origin in args.origin:
        if not re.fullmatch(ORIGIN_PATTERN, origin):
            raise ValidationError(f"origin {origin!r} is not scheme://host[:port]")
    service = WebService(
        service_id=args.service,
        tenant=args.tenant,
        access_number=args.access_number.removeprefix("+"),
        modes=tuple(WebMode(mode) for mode in dict.fromkeys(args.mode)),
        destination=None if args.destination is None else args.destination.removeprefix("+"),
        internal_account=args.internal_account,
        allow=tuple(args.allow),
        origins=tuple(args.origin),
        per_ip=args.per_ip,
        per_number=args.per_number,
        daily_cap=args.daily_cap,
        cap_currency=args.cap_currency,
        max_minutes=args.max_minutes,
        enabled=not args.disabled,
    )
    new = _service().put(service)
    print(json.dumps({"created" if new else "replaced": shown(service)}, indent=2))
    return 0


def show(args: argparse.Namespace) -> int:
    """Print one service."""
    print(json.dumps(shown(_service().get(args.service)), indent=2))
    return 0


def delete(args: argparse.Namespace) -> int:
    """Delete one service."""
    _service().delete(args.service)
    print(json.dumps({"deleted": args.service}))
    return 0


def listing(args: argparse.Namespace) -> int:
    """Print the services, a page at a time."""
    items, after = _service().list(args.limit, args.after)
    print(json.dumps({"items": [shown(item) for item in items], "next": after}, indent=2))
    return 0


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``web-callback`` to ``ringflow``."""
    web = sub.add_parser("web-callback", help="web callback services (simple, extended, hosted)")
    actions = web.add_subparsers(dest="action", required=True)
    command = actions.add_parser("put", help="create or replace a web callback service")
    command.add_argument("service", metavar="SERVICE", help="its name in the public URL")
    command.add_argument("--tenant", required=True)
    command.add_argument("--access-number", required=True, help="whose flow and caller id")
    command.add_argument(
        "--mode", action="append", required=True, choices=[mode.value for mode in WebMode]
    )
    command.add_argument("--destination", help="simple/hosted: the number connected to")
    command.add_argument("--internal-account", help="hosted: the callback account that pays")
    command.add_argument("--allow", action="append", default=[], metavar="PREFIX")
    command.add_argument("--origin", action="append", default=[], metavar="URL")
    command.add_argument("--per-ip", type=_velocity, default=Velocity(10, 3600))
    command.add_argument("--per-number", type=_velocity, default=Velocity(3, 600))
    command.add_argument("--daily-cap", type=_money)
    command.add_argument("--cap-currency")
    command.add_argument("--max-minutes", type=int, default=10)
    command.add_argument("--disabled", action="store_true")
    command.set_defaults(run=put)
    for name, run, text in (("show", show, "one service"), ("delete", delete, "delete one")):
        one = actions.add_parser(name, help=text)
        one.add_argument("service", metavar="SERVICE")
        one.set_defaults(run=run)
    pages = actions.add_parser("list", help="the services, a page at a time")
    pages.add_argument("--limit", type=int, default=100, choices=range(1, 101), metavar="1-100")
    pages.add_argument("--after")
    pages.set_defaults(run=listing)
