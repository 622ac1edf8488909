"""The supervisors' live calls dashboard as a ``web.site.Site`` served under ``/dialer/board``
on the ``dialer`` blueprint, with its own session cookie (``ringflow_supervisor``) and key: the
login (the account id and one of the account's API keys, checked as the tenant REST checks a
key, with ``web.logins``' lockout under its own scope), the page (``/dialer/board/live``: a
shell its script fills, fetching under the sites' ``connect-src 'self'``) and the JSON it polls
every second (``/dialer/board/now``: the picture of ``dialer.board.picture.page_view``,
customers masked).

Imports Chalice, ``web.site``, ``web.logins`` and ``web.key_logins`` (the key's check, shared
with the console), the wiring and the dialer's board; must not import pynamodb or the store.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path

from chalice.app import Response

from chalicelib.dialer.board.picture import page_view
from chalicelib.dialer.calls import DialerCalls
from chalicelib.dialer.routes import dialer
from chalicelib.web.key_logins import AccountStore, key_logins, key_opens, login_id
from chalicelib.web.logins import FailureCounter, Logins
from chalicelib.web.site import Site, Visit, headers
from chalicelib.wiring import container

__all__ = ["AccountStore", "key_opens", "login_id", "logins"]  # the key's check, kept here too

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


def logins(
    accounts: AccountStore, failures: FailureCounter, clock: Callable[[], datetime]
) -> Logins:
    """Logins to the supervisors' pages, with their lockout."""
    return key_logins(accounts, failures, clock, LOGIN_SCOPE)


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
