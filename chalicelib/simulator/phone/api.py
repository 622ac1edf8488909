"""The dev phone's HTTP surface without the sockets: the page, its CSS and script (static files
beside this module), and the JSON routes the script calls, each a method in a table. A request
in, a response out; every response carries a Content-Security-Policy without inline script.

Guards, since the listener is plain HTTP on loopback: the ``Host`` must name the listener
(127.0.0.1 or localhost on its port, against DNS rebinding), a POST must be JSON and, when the
browser says where it comes from, from the page's own origin. A bad body gets a 400 with the
reason, a number another tab holds or an act the call is not ready for a 409; nothing a page
sends can stop the simulator. Imports the standard library and simulator modules; never the app.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from chalicelib.simulator.api import ApiRequest, ApiResponse
from chalicelib.simulator.phone.desk import PhoneDesk
from chalicelib.simulator.phones import PhoneError

STATIC = Path(__file__).resolve().parent
FILES = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/phone.css": ("phone.css", "text/css; charset=utf-8"),
    "/phone.js": ("phone.js", "text/javascript; charset=utf-8"),
}
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

Route = Callable[[ApiRequest, re.Match[str]], ApiResponse]
_PHONE = r"/api/phones/(?P<number>\+?\d{1,20})"


def _json(status: int, value: Any) -> ApiResponse:
    body = json.dumps(value).encode("utf-8")
    return ApiResponse(status, body, {"Content-Type": "application/json", **SECURITY_HEADERS})


def _error(status: int, message: str) -> ApiResponse:
    return _json(status, {"error": message})


class PhoneApi:
    """Routes the page's requests to the phones' desk; ``port`` is where the page is served
    (the ``Host`` and ``Origin`` it accepts)."""

    def __init__(self, desk: PhoneDesk, port: int) -> None:
        self.desk = desk
        self.port = port
        self._routes: list[tuple[str, re.Pattern[str], Route]] = [
            ("GET", re.compile(r"/api/numbers"), self.numbers),
            ("POST", re.compile(r"/api/phones"), self.claim),
            ("GET", re.compile(_PHONE), self.state),
            ("POST", re.compile(_PHONE + r"/release"), self.release),
            ("POST", re.compile(_PHONE + r"/dial"), self.dial),
            ("POST", re.compile(_PHONE + r"/press"), self.press),
            ("POST", re.compile(_PHONE + r"/say"), self.say),
            ("POST", re.compile(_PHONE + r"/hangup"), self.hangup),
            ("POST", re.compile(_PHONE + r"/pick"), self.pick),
        ]

    def _hosts(self) -> set[str]:
        return {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}

    def handle(self, request: ApiRequest) -> ApiResponse:
        """Answer one request (never raises)."""
        if request.header("host") not in self._hosts():
            return _error(421, "the dev phone answers on 127.0.0.1 and localhost only")
        if request.method in ("GET", "HEAD") and request.path in FILES:
            name, content_type = FILES[request.path]
            body = (STATIC / name).read_bytes()
            return ApiResponse(200, body, {"Content-Type": content_type, **SECURITY_HEADERS})
        known = False
        for method, pattern, route in self._routes:
            match = pattern.fullmatch(request.path)
            if match is None:
                continue
            known = True
            if method != request.method:
                continue
            refusal = self._refused(request)
            if refusal is not None:
                return refusal
            try:
                return route(request, match)
            except PhoneError as error:
                return _error(409 if error.conflict else 400, str(error))
            except Exception as error:  # a bug answers 500; the listener keeps serving
                return _error(500, f"the dev phone failed: {error!r}")
        if known:
            return _error(405, f"{request.method} is not allowed here")
        return _error(404, f"nothing at {request.path}")

    def _refused(self, request: ApiRequest) -> ApiResponse | None:
        if request.method != "POST":
            return None
        origin = request.header("origin")
        if origin and origin not in {f"http://{host}" for host in self._hosts()}:
            return _error(403, "requests come from the dev phone's own page only")
        if not request.header("content-type").startswith("application/json"):
            return _error(415, "the body must be JSON (Content-Type: application/json)")
        return None

    @staticmethod
    def _body(request: ApiRequest) -> Mapping[str, Any]:
        try:
            data = json.loads(request.body.decode("utf-8")) if request.body.strip() else None
        except (ValueError, UnicodeDecodeError):
            raise PhoneError("the body is not valid JSON") from None
        if not isinstance(data, Mapping):
            raise PhoneError("the body must be a JSON object")
        return data

    # -- routes ------------------------------------------------------------------------------------

    def numbers(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        return _json(200, self.desk.numbers())

    def claim(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        data = self._body(request)
        return _json(200, self.desk.claim(data.get("number"), data.get("tab")))

    def state(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        tabs = parse_qs(request.query).get("tab")
        tab = tabs[-1] if tabs else None
        return _json(200, self.desk.state(match["number"], tab))

    def release(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        self.desk.release(match["number"], self._body(request).get("tab"))
        return _json(200, {"released": match["number"].lstrip("+")})

    def dial(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        data = self._body(request)
        return _json(200, self.desk.dial(match["number"], data.get("tab"), data.get("to")))

    def press(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        data = self._body(request)
        self.desk.press(match["number"], data.get("tab"), data.get("digits"))
        return _json(202, {"pressed": data.get("digits")})

    def say(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        data = self._body(request)
        self.desk.say(match["number"], data.get("tab"), data.get("text"))
        return _json(202, {"said": data.get("text")})

    def hangup(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        self.desk.hangup(match["number"], self._body(request).get("tab"))
        return _json(202, {"hangup": True})

    def pick(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        data = self._body(request)
        self.desk.pick(match["number"], data.get("tab"), data.get("choice"))
        return _json(202, {"picked": data.get("choice")})
