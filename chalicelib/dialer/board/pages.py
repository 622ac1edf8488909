"""The supervisors' live calls dashboard as a ``web.site.Site`` served under ``/dialer/board``
on the ``dialer`` blueprint, with its own session cookie (``ringflow_supervisor``) and key: the
login (the account id and one of the account's API keys, checked as the tenant REST checks a
key, with ``web.logins``' lockout under its own scope), the page (``/dialer/board/live``: a
shell its script fills, fetching under the sites' ``connect-src 'self'``) and the JSON it polls
every second (``/dialer/board/now``: the picture of ``dialer.board.picture.page_view``,
customers masked).

Imports Chalice, ``web.site`` and ``web.logins``, the account keys' rules, the wiring and the
dialer's board; must not import pynamodb or the store.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Protocol

from chalice.app import Response

from chalicelib.accounts.admin import ACCOUNT_ID_PATTERN
from chalicelib.accounts.keys import ApiKeyError, account_of, matches
from chalicelib.accounts.model import Account
from chalicelib.dialer.board.picture import page_view
from chalicelib.dialer.calls import DialerCalls
from chalicelib.dialer.routes import dialer
from chalicelib.errors import NotFoundError, ValidationError
from chalicelib.web.logins import FailureCounter, Logins
from chalicelib.web.site import Site, Visit, headers
from chalicelib.wiring import container

PREFIX = "/dialer/board"
COOKIE = "ringflow_supervisor"
PURPOSE = b"ringflow dialer supervisor session v1"
LOGIN_SCOPE = "supervisor:"
"""The lockout's scope: failures here never lock another site's logins."""
HOME = "/live"
POLL_MILLISECONDS = 1000
"""The sites' policy, and the board page's script may fetch its JSON from the pages' origin."""

SITE = Site(
    prefix=PREFIX,
    folder=Path(__file__).resolve().parent,
    static_types={
        "board.css": "text/css; charset=utf-8",
        "board.js": "text/javascript; charset=utf-8",
    },
    cookie=COOKIE,
    purpose=PURPOSE,
)
page = partial(SITE.handler, dialer)
_ACCOUNT_ID = re.compile(ACCOUNT_ID_PATTERN)


class AccountStore(Protocol):
    """The accounts (``container.accounts``)."""

    def get(self, account_id: str, consistent: bool = False) -> Account: ...


def login_id(text: str) -> str:
    """An account id as typed at the login; ``ValidationError`` for one no account can have."""
    if not _ACCOUNT_ID.fullmatch(text):
        raise ValidationError("not an account id")
    return text


def key_opens(accounts: AccountStore, account_id: str, key: str) -> bool:
    """Whether ``key`` is one of the enabled account's API keys (``accounts.keys``, as the
    tenant REST checks a key: the key names the account, and its hash is one of the account's).
    1 GetItem when the key names the account."""
    try:
        if account_of(key) != account_id:
            return False
        account = accounts.get(account_id)
    except (ApiKeyError, NotFoundError):
        return False
    return account.enabled and matches(key, account.api_key_hashes)


def logins(
    accounts: AccountStore, failures: FailureCounter, clock: Callable[[], datetime]
) -> Logins:
    """Logins to the supervisors' pages, with their lockout."""
    return Logins(login_id, partial(key_opens, accounts), failures, clock, LOGIN_SCOPE)


def _calls() -> DialerCalls:
    return container().services("dialer").calls  # type: ignore[no-any-return]


SITE.entry_routes(
    dialer, lambda: container().services("dialer").board_logins, "account_id", HOME, 63
)


@dialer.route(PREFIX + HOME, methods=["GET"])
@page()
def board_live(visit: Visit) -> Response:
    """The live picture's page: a shell the script fills from ``now``."""
    return visit.show("board.html", account_id=visit.session.account_id, poll=POLL_MILLISECONDS)


@dialer.route(PREFIX + "/now", methods=["GET"])
@page()
def board_now(visit: Visit) -> Response:
    """The picture now, as JSON (never cached)."""
    board = _calls().board(visit.session.account_id)
    body = json.dumps(page_view(board), ensure_ascii=False)
    extra = {"Content-Type": "application/json; charset=utf-8"}
    return Response(body=body, status_code=200, headers=headers(extra))
