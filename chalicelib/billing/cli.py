"""``ringflow tariff ...`` and ``ringflow callback-account ...``: the billing product's commands,
added to the CLI through ``Product.cli``: ``tariff load FILE --id T`` (a rate deck's CSV as the
tariff's live version; every bad line listed, nothing loaded) and ``tariff rate T NUMBER`` (the
rate the number is called at); ``callback-account create|show|update|top-up|card-top-up|
caller-add|caller-remove`` (prepaid callback accounts; ``card-top-up`` prints a Stripe checkout's
URL); ``voucher generate|lot|disable|redeem`` (voucher lots and their redemption onto an
account); ``callback-lot create|list|show|export|disable`` (lots of accounts with random ids and
passwords, exported once as CSV). A service password is
never an argument (``ps`` would show it): it is read from a prompt without echo (twice, to
confirm) or, with ``--password-stdin``, from the first line of standard input. Refusals are
raised as the platform's errors and printed by the CLI as ``refused: ...`` lines. Imports
argparse, getpass, the pure tariff, account and lot modules and (lazily) the wiring; must not
import pynamodb or the web layer.
"""

from __future__ import annotations

import argparse
import csv
import getpass
import json
import sys
from pathlib import Path
from typing import Any

from chalicelib.billing.account_lots import CSV_COLUMNS as LOT_CSV_COLUMNS
from chalicelib.billing.account_lots import csv_rows, lot_summary
from chalicelib.billing.accounts import KEEP, amount, summary
from chalicelib.billing.tariffs import TariffError, check_deck_size
from chalicelib.billing.vouchers import expiry_of, voucher_summary
from chalicelib.errors import NotFoundError, ValidationError


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


def _accounts() -> Any:
    from chalicelib.wiring import container

    return container().services("billing").accounts


def read_password(args: argparse.Namespace) -> str:
    """The service password: the first line of stdin with ``--password-stdin``, else typed
    twice at a prompt that does not echo it."""
    if args.password_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        password = password.removesuffix("\r")
        if not password:
            raise ValidationError("no password on standard input")
        return password
    password = getpass.getpass("service password: ")
    if getpass.getpass("the same again: ") != password:
        raise ValidationError("the two passwords differ; nothing was changed")
    return password


def _show(account: Any) -> None:
    print(json.dumps(summary(account), indent=2))


def account_create(args: argparse.Namespace) -> int:
    """Create a callback account."""
    account = _accounts().create(
        args.pin,
        read_password(args),
        currency=args.currency,
        language=args.language,
        tariff=args.tariff,
        balance=amount(args.balance, "balance"),
        dnis=args.dnis,
        enabled=not args.disabled,
        max_concurrent=args.max_concurrent,
        daily_cap=None if args.daily_cap is None else amount(args.daily_cap, "daily cap"),
    )
    _show(account)
    return 0


def account_show(args: argparse.Namespace) -> int:
    """Print a callback account: settings, money, callers (never its password)."""
    _show(_accounts().get(args.pin))
    return 0


def account_update(args: argparse.Namespace) -> int:
    """Change a callback account's settings (never its money)."""
    dnis: Any = None if args.no_dnis else (KEEP if args.dnis is None else args.dnis)
    cap: Any = None if args.no_daily_cap else KEEP
    if args.daily_cap is not None:
        cap = amount(args.daily_cap, "daily cap")
    account = _accounts().update(
        args.pin,
        password=read_password(args) if args.new_password or args.password_stdin else None,
        language=args.language,
        tariff=args.tariff,
        dnis=dnis,
        enabled=args.enabled,
        max_concurrent=args.max_concurrent,
        daily_cap=cap,
    )
    _show(account)
    return 0


def account_top_up(args: argparse.Namespace) -> int:
    """Credit an amount once per key."""
    accounts = _accounts()
    credited = accounts.top_up(args.pin, amount(args.amount, "amount"), args.key)
    wallet = accounts.get(args.pin).wallet
    shown = {
        "account_id": args.pin,
        "key": args.key,
        "amount": args.amount,
        "credited": credited,
        "balance": format(wallet.balance, "f"),
        "available": format(wallet.available, "f"),
    }
    print(json.dumps(shown, indent=2))
    return 0


def account_card_top_up(args: argparse.Namespace) -> int:
    """Start a card top-up checkout (Stripe) and print where to pay."""
    from chalicelib.wiring import container

    payments = container().services("billing").card_payments
    checkout = payments.top_up_checkout(args.pin, amount(args.amount, "amount", positive=True))
    shown = {
        "account_id": args.pin,
        "session_id": checkout.session_id,
        "url": checkout.url,
        "amount": format(checkout.amount, "f"),
        "currency": checkout.currency,
    }
    print(json.dumps(shown, indent=2))
    return 0


def caller_add(args: argparse.Namespace) -> int:
    """Register a caller number for ANI authentication."""
    accounts = _accounts()
    accounts.register_caller(args.pin, args.number)
    _show(accounts.get(args.pin))
    return 0


def caller_remove(args: argparse.Namespace) -> int:
    """Unregister a caller number."""
    accounts = _accounts()
    accounts.unregister_caller(args.pin, args.number)
    _show(accounts.get(args.pin))
    return 0


def _password_source(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the service password from the first line of standard input (else a prompt)",
    )


def _register_accounts(sub: argparse._SubParsersAction[Any]) -> None:
    accounts = sub.add_parser("callback-account", help="prepaid callback accounts").add_subparsers(
        dest="action", required=True
    )
    create = accounts.add_parser("create", help="create an account (the password is prompted)")
    create.add_argument("pin", metavar="PIN", help="the account id: 6 to 16 digits")
    create.add_argument("--currency", required=True, help="ISO 4217 (EUR)")
    create.add_argument("--language", required=True, help="a text-to-speech language (en-GB)")
    create.add_argument("--tariff", required=True, help="the id of a loaded tariff")
    create.add_argument("--balance", default="0", help="the opening balance (10.00)")
    create.add_argument("--dnis", help="the associated number (E.164)")
    create.add_argument("--disabled", action="store_true", help="create it disabled")
    create.add_argument("--max-concurrent", type=int, default=1, help="callbacks at once")
    create.add_argument("--daily-cap", help="the most money committed per day")
    _password_source(create)
    create.set_defaults(run=account_create)
    show = accounts.add_parser("show", help="an account's settings, money and callers")
    show.add_argument("pin", metavar="PIN")
    show.set_defaults(run=account_show)
    update = accounts.add_parser("update", help="change an account's settings")
    update.add_argument("pin", metavar="PIN")
    update.add_argument("--language")
    update.add_argument("--tariff")
    dnis = update.add_mutually_exclusive_group()
    dnis.add_argument("--dnis", help="a new associated number (E.164)")
    dnis.add_argument("--no-dnis", action="store_true", help="remove the associated number")
    enabled = update.add_mutually_exclusive_group()
    enabled.add_argument("--enable", dest="enabled", action="store_const", const=True)
    enabled.add_argument("--disable", dest="enabled", action="store_const", const=False)
    update.add_argument("--max-concurrent", type=int)
    cap = update.add_mutually_exclusive_group()
    cap.add_argument("--daily-cap", help="a new daily cap")
    cap.add_argument("--no-daily-cap", action="store_true", help="remove the daily cap")
    secret = update.add_mutually_exclusive_group()
    secret.add_argument("--new-password", action="store_true", help="set a new password (prompted)")
    secret.add_argument(
        "--password-stdin",
        action="store_true",
        help="set a new password read from the first line of standard input",
    )
    update.set_defaults(run=account_update)
    top_up = accounts.add_parser("top-up", help="credit an amount once per key")
    top_up.add_argument("pin", metavar="PIN")
    top_up.add_argument("amount", metavar="AMOUNT", help="a decimal amount (10.00)")
    top_up.add_argument("--key", required=True, help="the idempotency key (a voucher, a payment)")
    top_up.set_defaults(run=account_top_up)
    card = accounts.add_parser("card-top-up", help="start a top-up by card: prints the pay URL")
    card.add_argument("pin", metavar="PIN")
    card.add_argument("amount", metavar="AMOUNT", help="a decimal amount (10.00)")
    card.set_defaults(run=account_card_top_up)
    add = accounts.add_parser("caller-add", help="register a caller number (ANI)")
    add.add_argument("pin", metavar="PIN")
    add.add_argument("number", metavar="NUMBER")
    add.set_defaults(run=caller_add)
    remove = accounts.add_parser("caller-remove", help="unregister a caller number")
    remove.add_argument("pin", metavar="PIN")
    remove.add_argument("number", metavar="NUMBER")
    remove.set_defaults(run=caller_remove)


def _vouchers() -> Any:
    from chalicelib.wiring import container

    return container().services("billing").vouchers


def voucher_generate(args: argparse.Namespace) -> int:
    """Generate a lot of vouchers and print them (JSON)."""
    made = _vouchers().generate(
        args.lot,
        args.count,
        amount(args.value, "value", positive=True),
        args.currency,
        expiry_of(args.expires),
    )
    print(
        json.dumps({"lot_id": args.lot, "vouchers": [voucher_summary(v) for v in made]}, indent=2)
    )
    return 0


def voucher_lot(args: argparse.Namespace) -> int:
    """Print a lot's vouchers and their states."""
    shown = [voucher_summary(v) for v in _vouchers().lot(args.lot)]
    if not shown:
        raise NotFoundError(f"no voucher lot {args.lot}")
    print(json.dumps({"lot_id": args.lot, "vouchers": shown}, indent=2))
    return 0


def voucher_disable(args: argparse.Namespace) -> int:
    """Disable a lot's unused vouchers."""
    disabled = _vouchers().disable_lot(args.lot)
    print(json.dumps({"lot_id": args.lot, "disabled": disabled}, indent=2))
    return 0


def voucher_redeem(args: argparse.Namespace) -> int:
    """Redeem a voucher onto a callback account."""
    credited = _vouchers().redeem(args.code, args.pin)
    wallet = _accounts().get(args.pin).wallet
    shown = {
        "account_id": args.pin,
        "code": args.code,
        "credited": format(credited, "f"),
        "balance": format(wallet.balance, "f"),
        "available": format(wallet.available, "f"),
    }
    print(json.dumps(shown, indent=2))
    return 0


def _register_vouchers(sub: argparse._SubParsersAction[Any]) -> None:
    vouchers = sub.add_parser("voucher", help="prepaid vouchers").add_subparsers(
        dest="action", required=True
    )
    generate = vouchers.add_parser("generate", help="generate a lot of single-use vouchers")
    generate.add_argument("--lot", required=True, help="the lot's id")
    generate.add_argument("--count", required=True, type=int, help="1 to 1000 vouchers")
    generate.add_argument("--value", required=True, help="each voucher's value (10.00)")
    generate.add_argument("--currency", required=True, help="ISO 4217 (EUR)")
    generate.add_argument(
        "--expires", required=True, help="a date (valid through it, UTC) or date and time"
    )
    generate.set_defaults(run=voucher_generate)
    lot = vouchers.add_parser("lot", help="a lot's vouchers and their states")
    lot.add_argument("lot", metavar="LOT")
    lot.set_defaults(run=voucher_lot)
    disable = vouchers.add_parser("disable", help="disable a lot's unused vouchers")
    disable.add_argument("lot", metavar="LOT")
    disable.set_defaults(run=voucher_disable)
    redeem = vouchers.add_parser("redeem", help="redeem a voucher onto a callback account")
    redeem.add_argument("pin", metavar="PIN")
    redeem.add_argument("code", metavar="CODE")
    redeem.set_defaults(run=voucher_redeem)


def _lots() -> Any:
    from chalicelib.wiring import container

    return container().services("billing").account_lots


def lot_create(args: argparse.Namespace) -> int:
    """Start a lot and make its accounts here, chunk by chunk (no queue needed)."""
    lots = _lots()
    lot = lots.start(
        args.lot,
        args.count,
        tariff=args.tariff,
        currency=args.currency,
        language=args.language,
        balance=amount(args.balance, "balance"),
        id_length=args.id_length,
        prefix=args.prefix,
        queue=False,
    )
    for chunk in range(lots.chunk_count(lot.lot_id)):
        lots.make(lot.lot_id, chunk)
        print(f"{lots.get(lot.lot_id).created} of {lot.count} accounts made", file=sys.stderr)
    print(json.dumps(lot_summary(lots.get(lot.lot_id)), indent=2))
    return 0


def lot_list(args: argparse.Namespace) -> int:
    """Print every lot."""
    print(json.dumps({"lots": [lot_summary(lot) for lot in _lots().all()]}, indent=2))
    return 0


def lot_show(args: argparse.Namespace) -> int:
    """Print a lot and how far it is made."""
    print(json.dumps(lot_summary(_lots().get(args.lot)), indent=2))
    return 0


def lot_export(args: argparse.Namespace) -> int:
    """Write a lot's ids and passwords as CSV, once (to ``--out``, a new file created before
    the export so the passwords have somewhere to go, or standard output)."""
    out = None
    if args.out is not None:
        try:
            out = Path(args.out).open("x", encoding="utf-8", newline="")  # noqa: SIM115
        except OSError as error:
            raise ValidationError(f"{args.out}: cannot create it: {error.strerror}") from None
    try:
        lot, accounts = _lots().export(args.lot)
    except Exception:
        if out is not None:
            out.close()
            Path(args.out).unlink()
        raise
    writer = csv.writer(out or sys.stdout, lineterminator="\n")
    writer.writerow(LOT_CSV_COLUMNS)
    writer.writerows(csv_rows(lot, accounts))
    if out is not None:
        out.close()
    return 0


def lot_disable(args: argparse.Namespace) -> int:
    """Disable a lot and every account of it (here, chunk by chunk)."""
    print(json.dumps(lot_summary(_lots().disable(args.lot, queue=False)), indent=2))
    return 0


def _register_lots(sub: argparse._SubParsersAction[Any]) -> None:
    lots = sub.add_parser("callback-lot", help="lots of callback accounts").add_subparsers(
        dest="action", required=True
    )
    create = lots.add_parser("create", help="make a lot of accounts with random ids and passwords")
    create.add_argument("lot", metavar="LOT", help="the lot's id")
    create.add_argument("--count", required=True, type=int, help="1 to 1000 accounts")
    create.add_argument("--currency", required=True, help="ISO 4217 (EUR)")
    create.add_argument("--language", required=True, help="a text-to-speech language (en-GB)")
    create.add_argument("--tariff", required=True, help="the id of a loaded tariff")
    create.add_argument("--balance", default="0", help="each account's opening balance (5.00)")
    create.add_argument("--id-length", type=int, default=10, help="digits of each id (6 to 16)")
    create.add_argument("--prefix", default="", help="digits every id starts with")
    create.set_defaults(run=lot_create)
    listing = lots.add_parser("list", help="every lot")
    listing.set_defaults(run=lot_list)
    show = lots.add_parser("show", help="a lot and how far it is made")
    show.add_argument("lot", metavar="LOT")
    show.set_defaults(run=lot_show)
    export = lots.add_parser("export", help="the lot's ids and passwords as CSV: once only")
    export.add_argument("lot", metavar="LOT")
    export.add_argument("--out", help="a new file to write (default: standard output)")
    export.set_defaults(run=lot_export)
    disable = lots.add_parser("disable", help="disable a lot and every account of it")
    disable.add_argument("lot", metavar="LOT")
    disable.set_defaults(run=lot_disable)


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``tariff load``, ``tariff rate``, ``callback-account ...`` and ``voucher ...`` to the
    CLI's commands."""
    _register_accounts(sub)
    _register_vouchers(sub)
    _register_lots(sub)
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
