"""The callback user's web pages, as the blueprint ``portal`` (all under ``/my/``): ``login``
(GET the form, POST the account id and service password), ``logout`` (POST), ``home`` (balance,
recent calls), ``history`` (calls by date; ``history/export`` downloads them as CSV, through
``callback.call_history``), ``numbers`` (the registered caller numbers: add, remove),
``directory`` (the speed-dial directory: add or change, remove, move up or down), ``voucher``
(redeem one) and ``call`` (start a callback through the web callback service the settings name,
in extended mode with the session for the account's id and password). ``static/{name}`` serves
the stylesheet and the script.

Every form is an ``application/x-www-form-urlencoded`` POST carrying the session's CSRF token;
a POST whose token does not match is refused (403) and changes nothing. A POST that worked
redirects (303) to a page that shows what was done (POST-redirect-GET); one that was refused
shows the form again with the reason in plain words. A private page without a session redirects
to the login (``web.site`` does all this). Owns these routes and the words they show. Imports
Chalice, the wiring, the callback and billing services' errors, ``web.site`` and the portal's
login and site modules; must not import pynamodb or the store.
"""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from typing import Any

from chalice.app import Blueprint, Response

from chalicelib import errors
from chalicelib.billing.accounts import CallerNotRegisteredError, CallerTakenError
from chalicelib.billing.vouchers import VoucherRefusedError
from chalicelib.callback.call_history import calls, csv_headers, day, to_csv
from chalicelib.callback.portal.pages import PREFIX, SITE
from chalicelib.callback.speed_dial import MAX_ENTRIES, EntryNotFoundError
from chalicelib.web.site import FORM, Visit, money
from chalicelib.wiring import container

portal = Blueprint(__name__)

RECENT_CALLS = 5
PAGE_CALLS = 100
EXPORT_CALLS = 1000
VOUCHER_REFUSALS = {
    "unknown": "No voucher has this code. Check the digits and try again.",
    "used": "This voucher has already been redeemed.",
    "expired": "This voucher has expired.",
    "disabled": "This voucher has been withdrawn.",
    "currency": "This voucher is in another currency than your account.",
}


_page = partial(SITE.handler, portal)


def _account(visit: Visit) -> Any:
    return container().services("billing").accounts.get(visit.session.account_id)


def _balance(account: Any) -> dict[str, Any]:
    wallet = account.wallet
    return {
        "balance": money(wallet.balance, account.currency),
        "available": money(wallet.available, account.currency),
        "reserved": money(wallet.reserved, account.currency) if wallet.reserved else "",
    }


def _history() -> Any:
    return container().services("callback").engine.history


def _shown(views: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Call views with their charge in words and their end as a short UTC time."""
    return [
        {
            **view,
            "when": view["ended_at"][:16].replace("T", " ") + " UTC",
            "cost": money(Decimal(view["charge"]), view["currency"]),
        }
        for view in views
    ]


SITE.entry_routes(
    portal, lambda: container().services("callback").portal_logins, "account_id", "/home", 32
)


@portal.route(PREFIX + "/home", methods=["GET"])
@_page()
def home(visit: Visit) -> Response:
    """The balance and the latest calls."""
    account = _account(visit)
    recent = calls(_history(), account.account_id, None, None, RECENT_CALLS)
    return visit.show(
        "home.html", account=account, calls=_shown(recent), active="home", **_balance(account)
    )


def _days(visit: Visit) -> tuple[Any, Any, str]:
    """The history's from/to days as typed, and why they are wrong ("" when right)."""
    try:
        first = day(visit.query.get("from") or None, "from")
        last = day(visit.query.get("to") or None, "to")
    except errors.ValidationError:
        return None, None, "Dates are written YYYY-MM-DD (or picked from the calendar)."
    if first and last and first > last:
        return None, None, "The first day comes after the last one."
    return first, last, ""


@portal.route(PREFIX + "/history", methods=["GET"])
@_page()
def history(visit: Visit) -> Response:
    """The calls, newest first, between two days (both optional)."""
    account_id = visit.session.account_id
    first, last, wrong = _days(visit)
    views = [] if wrong else calls(_history(), account_id, first, last, PAGE_CALLS)
    return visit.show(
        "history.html",
        422 if wrong else 200,
        error=wrong,
        calls=_shown(views),
        first=visit.query.get("from", "")[:10],
        last=visit.query.get("to", "")[:10],
        limit=PAGE_CALLS,
        active="history",
    )


@portal.route(PREFIX + "/history/export", methods=["GET"])
@_page()
def history_export(visit: Visit) -> Response:
    """The calls between two days as a CSV download (formula cells quoted)."""
    account_id = visit.session.account_id
    first, last, wrong = _days(visit)
    if wrong:
        empty: dict[str, Any] = {"calls": [], "first": "", "last": "", "limit": PAGE_CALLS}
        return visit.show("history.html", 422, error=wrong, active="history", **empty)
    views = calls(_history(), account_id, first, last, EXPORT_CALLS)
    headers = {**csv_headers(account_id), "Cache-Control": "no-store"}
    headers["X-Content-Type-Options"] = "nosniff"
    return Response(body=to_csv(views), status_code=200, headers=headers)


def _numbers(visit: Visit, status: int = 200, error: str = "", typed: str = "") -> Response:
    account = _account(visit)
    return visit.show(
        "numbers.html", status, error=error, callers=account.callers, typed=typed, active="numbers"
    )


@portal.route(PREFIX + "/numbers", methods=["GET"])
@_page()
def numbers(visit: Visit) -> Response:
    """The numbers registered to the account (a call from one is known as the account's)."""
    return _numbers(visit)


@portal.route(PREFIX + "/numbers", methods=["POST"], content_types=FORM)
@_page(post=True)
def add_number(visit: Visit) -> Response:
    """Register a number."""
    typed = visit.form.get("number", "").strip()[:32]
    accounts = container().services("billing").accounts
    try:
        added = accounts.register_caller(visit.session.account_id, typed.replace(" ", ""))
    except errors.ValidationError:
        wrong = "A number is written with its country code, like +44 7700 900123."
        return _numbers(visit, 422, wrong, typed)
    except CallerTakenError:
        return _numbers(visit, 409, "This number is registered to another account.", typed)
    return visit.done("/numbers", f"+{added} is registered.")


@portal.route(PREFIX + "/numbers/remove", methods=["POST"], content_types=FORM)
@_page(post=True)
def remove_number(visit: Visit) -> Response:
    """Unregister a number."""
    number = visit.form.get("number", "")[:32]
    accounts = container().services("billing").accounts
    try:
        removed = accounts.unregister_caller(visit.session.account_id, number)
    except (errors.ValidationError, CallerNotRegisteredError):
        return _numbers(visit, 404, "This number is not registered to your account.")
    return visit.done("/numbers", f"+{removed} is no longer registered.")


def _speed_dial() -> Any:
    return container().services("callback").speed_dial


def _directory(visit: Visit, status: int = 200, error: str = "", **typed: str) -> Response:
    entries = _speed_dial().entries(visit.session.account_id)
    return visit.show(
        "directory.html",
        status,
        error=error,
        entries=entries,
        most=MAX_ENTRIES,
        typed_name=typed.get("name", ""),
        typed_number=typed.get("number", ""),
        active="directory",
    )


@portal.route(PREFIX + "/directory", methods=["GET"])
@_page()
def directory(visit: Visit) -> Response:
    """The speed-dial directory, in order (``N1`` is the first entry)."""
    return _directory(visit)


@portal.route(PREFIX + "/directory", methods=["POST"], content_types=FORM)
@_page(post=True)
def put_entry(visit: Visit) -> Response:
    """Add an entry (it goes last) or change an entry's number (it keeps its place)."""
    name = visit.form.get("name", "").strip()[:40]
    number = visit.form.get("number", "").strip()[:32]
    try:
        entry = _speed_dial().put(visit.session.account_id, name, number.replace(" ", ""))
    except errors.ValidationError as wrong:
        return _directory(visit, 422, _entry_words(str(wrong)), name=name, number=number)
    return visit.done("/directory", f"{entry.name} calls +{entry.number}.")


def _entry_words(message: str) -> str:
    """A directory refusal in the page's words."""
    if "name" in message:
        return "A name is 1 to 32 letters, digits, _ or - (no spaces)."
    if "at most" in message:
        return f"The directory holds at most {MAX_ENTRIES} entries: remove one first."
    return "A number is written with its country code, like +44 7700 900123."


@portal.route(PREFIX + "/directory/remove", methods=["POST"], content_types=FORM)
@_page(post=True)
def remove_entry(visit: Visit) -> Response:
    """Remove an entry (those after it move up one place)."""
    name = visit.form.get("name", "")[:40]
    try:
        _speed_dial().remove(visit.session.account_id, name)
    except (errors.ValidationError, EntryNotFoundError):
        return _directory(visit, 404, "The directory has no such entry.")
    return visit.done("/directory", f"{name.strip().lower()} is removed.")


@portal.route(PREFIX + "/directory/move", methods=["POST"], content_types=FORM)
@_page(post=True)
def move_entry(visit: Visit) -> Response:
    """Move an entry to another place."""
    name = visit.form.get("name", "")[:40]
    place = visit.form.get("position", "")
    if not (place.isascii() and place.isdigit() and 1 <= int(place) <= MAX_ENTRIES):
        return _directory(visit, 422, "That place is not in the directory.")
    try:
        entry = _speed_dial().move(visit.session.account_id, name, int(place))
    except (errors.ValidationError, EntryNotFoundError):
        return _directory(visit, 404, "The directory has no such entry.")
    return visit.done("/directory", f"{entry.name} is number {entry.position}.")


def _voucher(visit: Visit, status: int = 200, error: str = "", typed: str = "") -> Response:
    account = _account(visit)
    return visit.show(
        "voucher.html", status, error=error, typed=typed, active="voucher", **_balance(account)
    )


@portal.route(PREFIX + "/voucher", methods=["GET"])
@_page()
def voucher(visit: Visit) -> Response:
    """The voucher form and the balance."""
    return _voucher(visit)


@portal.route(PREFIX + "/voucher", methods=["POST"], content_types=FORM)
@_page(post=True)
def redeem(visit: Visit) -> Response:
    """Redeem a voucher: the amount credited and the new balance, or why not."""
    typed = visit.form.get("code", "").strip()[:40]
    account_id = visit.session.account_id
    try:
        credited = container().services("billing").vouchers.redeem(typed, account_id)
    except errors.ValidationError:
        return _voucher(visit, 422, "A voucher code is 12 digits, like 1234-5678-9012.", typed)
    except VoucherRefusedError as refused:
        return _voucher(visit, 409, VOUCHER_REFUSALS.get(refused.reason, str(refused)), typed)
    account = _account(visit)
    balance = money(account.wallet.balance, account.currency)
    notice = f"Voucher redeemed: {money(credited, account.currency)} credited. "
    return visit.done("/voucher", notice + f"Your balance is now {balance}.")


def _call(
    visit: Visit, status: int = 200, error: str = "", phone: str = "", destination: str = ""
) -> Response:
    account = _account(visit)
    entries = _speed_dial().entries(visit.session.account_id)
    return visit.show(
        "call.html",
        status,
        error=error,
        offered=bool(container().settings.portal_callback_service),
        callers=account.callers,
        entries=entries,
        typed_phone=phone,
        typed_destination=destination,
        active="call",
        **_balance(account),
    )


@portal.route(PREFIX + "/call", methods=["GET"])
@_page()
def call_form(visit: Visit) -> Response:
    """The form that starts a callback: the user's number, the number to reach."""
    return _call(visit)


@portal.route(PREFIX + "/call", methods=["POST"], content_types=FORM)
@_page(post=True)
def start_call(visit: Visit) -> Response:
    """Start a callback through the web callback service of these pages (extended mode, the
    session standing for the account id and password), or say why not."""
    service = container().settings.portal_callback_service
    phone = visit.form.get("phone", "").strip()[:40]
    destination = visit.form.get("destination", "").strip()[:40]
    if not service:
        return _call(visit, 404, "Calls from this page are not offered on this service.")
    identity = (portal.current_request.context or {}).get("identity") or {}
    fields = {"phone": phone, "destination": destination}
    try:
        accepted = (
            container()
            .services("callback")
            .web.request(
                service,
                "extended",
                fields,
                str(identity.get("sourceIp") or ""),
                signed_in=visit.session.account_id,
            )
        )
    except errors.RateLimitedError as limited:
        return _call(visit, 429, str(limited).capitalize() + ".", phone, destination)
    except (errors.ValidationError, errors.RefusedError) as refused:
        words = "; ".join(refused.problems) if refused.problems else str(refused)
        return _call(visit, 422, words[:1].upper() + words[1:] + ".", phone, destination)
    except errors.NotFoundError:
        return _call(visit, 404, "Calls from this page are not offered now.", phone, destination)
    except errors.RingflowError as refused:
        return _call(visit, 409, str(refused)[:1].upper() + str(refused)[1:] + ".", phone)
    return visit.done("/call", f"We are calling you on +{accepted.phone} now.")
