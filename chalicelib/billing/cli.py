"""``ringflow tariff ...``: the billing product's commands, added to the CLI through
``Product.cli``: ``tariff load FILE --id T`` (a rate deck's CSV as the tariff's live version;
every bad line listed, nothing loaded) and ``tariff rate T NUMBER`` (the rate the number is
called at). Refusals are raised as the platform's errors and printed by the CLI as ``refused:
...`` lines. Imports argparse, the pure tariff module and (lazily) the wiring; must not import
pynamodb or the web layer.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from chalicelib.billing.tariffs import TariffError, check_deck_size


def _tariffs() -> Any:
    from chalicelib.wiring import container

    return container().services("billing").tariffs


def _read_deck(name: str) -> bytes:
    """The bytes of a rate deck file, its size checked before it is read."""
    path = Path(name)
    try:
        check_deck_size(path.stat().st_size)
        return path.read_bytes()
    except OSError as error:
        raise TariffError(f"{name}: cannot read it: {error.strerror or error}") from None


def tariff_load(args: argparse.Namespace) -> int:
    """Load a rate deck as the tariff's live version."""
    head, new = _tariffs().load(args.id, _read_deck(args.file))
    shown = {"tariff_id": head.tariff_id, "version": head.version, "rows": head.rows, "new": new}
    print(json.dumps(shown, indent=2))
    return 0


def tariff_rate(args: argparse.Namespace) -> int:
    """Print the rate a number is called at."""
    rate = _tariffs().rate(args.tariff, args.number)
    shown = {
        "tariff_id": args.tariff,
        "number": args.number,
        "prefix": rate.prefix,
        "destination": rate.destination,
        "price_per_minute": str(rate.price_per_minute),
        "connection_fee": str(rate.connection_fee),
        "first_increment": rate.first_increment,
        "next_increment": rate.next_increment,
    }
    json.dump(shown, sys.stdout, indent=2)
    print()
    return 0


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``tariff load`` and ``tariff rate`` to the CLI's commands."""
    tariff = sub.add_parser("tariff", help="tariffs (rate decks)").add_subparsers(
        dest="action", required=True
    )
    load = tariff.add_parser("load", help="load a rate deck (CSV) as the tariff's live version")
    load.add_argument("file")
    load.add_argument("--id", required=True, help="the tariff's id")
    load.set_defaults(run=tariff_load)
    rate = tariff.add_parser("rate", help="the rate a number is called at")
    rate.add_argument("tariff", metavar="TARIFF_ID")
    rate.add_argument("number", metavar="NUMBER")
    rate.set_defaults(run=tariff_rate)
