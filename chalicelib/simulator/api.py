"""The simulator's HTTP API without the sockets: Vonage's Voice REST API (``/v1/calls``,
``/v1/files``), the SMS send API (``/sms/json``) as the real SDK calls them, with the
application JWT check and the provider's request limits (``throttle``), plus the ``/_sim/``
control API for the CLI and the dev phone. ``/sms/json`` checks ``sig`` by the account's
signature method only and answers status 1 (throttled) above 30 requests per second per API key
(FACTS §5).

Each route is a method in a table; a request in, a response out. Imports the standard library,
PyJWT and simulator modules; never the app.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import jwt

from chalicelib.simulator import machine_detection, payloads
from chalicelib.simulator.commands import Command
from chalicelib.simulator.model import ConfigurationError, Leg, NumberBehaviour, parse_script
from chalicelib.simulator.ncco import NccoError
from chalicelib.simulator.network import SMS_PRICE, CallStateError, Network, UnknownCallError
from chalicelib.simulator.scenario import ScenarioError, load_scenario, run_scenario
from chalicelib.simulator.scheduler import SimulationError
from chalicelib.simulator.throttle import RateLimiter, Throttle
from chalicelib.telephony.vonage.signatures import sms_signature

JSON = "application/json"
COMMAND_WAIT = 2.0
"""Real seconds a REST command's request waits for the command to land before it is answered
as accepted (a network paced at real time, or one whose call is busy in a webhook)."""
SMS_REQUESTS_PER_SECOND = 30
"""The SMS API's default throughput per API key; above it a send answers status 1 (FACTS §5)."""
SCENARIO_SMS_GRACE = 15.0
"""How long a scenario run through the control API waits, after its call, for the SMS it
expects (the application sends them through its queue)."""


@dataclass(frozen=True)
class ApiRequest:
    """One HTTP request (header names lower-cased)."""

    method: str
    path: str
    query: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8")) if self.body.strip() else None


@dataclass(frozen=True)
class ApiResponse:
    """One HTTP response."""

    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, value: Any) -> ApiResponse:
        return cls(status, json.dumps(value).encode("utf-8"), {"Content-Type": JSON})


class _BadRequest(Exception):
    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


def _bad(name: str, reason: str) -> ApiResponse:
    body = payloads.api_error("Bad Request", f"{name}: {reason}", "bad-request", (name, reason))
    return ApiResponse.json(400, body)


def _too_many(detail: str) -> ApiResponse:
    """429 as the Voice API answers it: not queued, retry later (FACTS §5)."""
    body = payloads.api_error("Too Many Requests", detail, "throttled")
    return ApiResponse.json(429, body)


def _not_found(detail: str) -> ApiResponse:
    return ApiResponse.json(404, payloads.api_error("Not Found", detail, "not-found"))


def _ok(response: ApiResponse) -> ApiResponse:
    """The DTMF listener routes answer 200 where other controls answer 204 (SPEC-NEW
    ``/{uuid}/input/dtmf``)."""
    return ApiResponse(200) if response.status == 204 else response


def _first_url(value: object, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, list) or not value or not isinstance(value[0], str):
        raise _BadRequest(name, "must be an array with one URL")
    return value[0]


def _phone(value: object, name: str) -> str:
    if isinstance(value, str):
        number = value
    elif isinstance(value, Mapping) and value.get("type", "phone") == "phone":
        number = str(value.get("number", ""))
    else:
        raise _BadRequest(name, "only phone (and, for to, sip) endpoints are simulated")
    if not re.fullmatch(r"\+?[1-9]\d{6,14}", number):
        raise _BadRequest(name, f"invalid number {number!r}")
    return number.lstrip("+")


_SIP_URI = re.compile(r"sips?:[^@\s;:]{1,64}@[A-Za-z0-9.-]{1,190}(:\d{1,5})?(;[^\s;]{1,40}){0,4}")


def _callee(value: object, name: str) -> str:
    """The ``to`` of a created call: a phone endpoint's number, or a sip endpoint's URI (the
    leg's ``to`` in its webhooks, and the key of its behaviour)."""
    if isinstance(value, Mapping) and value.get("type") == "sip":
        uri = value.get("uri")
        if not isinstance(uri, str) or not _SIP_URI.fullmatch(uri):
            raise _BadRequest(name, f"invalid SIP URI {uri!r}")
        return uri
    return _phone(value, name)


def _seconds(data: Mapping[str, Any], name: str, low: int, high: int, default: float) -> float:
    value = data.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _BadRequest(name, f"must be a whole number in {low}..{high}")
    return float(value)


Route = Callable[[ApiRequest, re.Match[str]], ApiResponse]


class SimulatorApi:
    """Routes requests to the network."""

    def __init__(
        self,
        network: Network,
        throttle: Throttle | None = None,
        sms_limiter: RateLimiter | None = None,
    ) -> None:
        self.network = network
        self.throttle = throttle or network.throttle
        self.sms_limiter = sms_limiter or RateLimiter(SMS_REQUESTS_PER_SECOND)
        self._routes: list[tuple[str, re.Pattern[str], Route]] = [
            ("POST", re.compile(r"/v1/calls/?"), self.create_call),
            ("GET", re.compile(r"/v1/calls/?"), self.list_calls),
            ("GET", re.compile(r"/v1/calls/(?P<uuid>[^/]+)"), self.get_call),
            ("PUT", re.compile(r"/v1/calls/(?P<uuid>[^/]+)"), self.update_call),
            ("PUT", re.compile(r"/v1/calls/(?P<uuid>[^/]+)/talk"), self.start_talk),
            ("DELETE", re.compile(r"/v1/calls/(?P<uuid>[^/]+)/talk"), self.stop_talk),
            ("PUT", re.compile(r"/v1/calls/(?P<uuid>[^/]+)/stream"), self.start_stream),
            ("DELETE", re.compile(r"/v1/calls/(?P<uuid>[^/]+)/stream"), self.stop_stream),
            ("PUT", re.compile(r"/v1/calls/(?P<uuid>[^/]+)/dtmf"), self.send_dtmf),
            ("PUT", re.compile(r"/v1/calls/(?P<uuid>[^/]+)/input/dtmf"), self.listen_dtmf),
            ("DELETE", re.compile(r"/v1/calls/(?P<uuid>[^/]+)/input/dtmf"), self.unlisten_dtmf),
            ("GET", re.compile(r"/v1/files/(?P<file_id>[^/]+)"), self.get_file),
            ("POST", re.compile(r"/sms/json"), self.send_sms),
            ("GET", re.compile(r"/_sim/health"), self.health),
            ("POST", re.compile(r"/_sim/calls"), self.sim_call),
            ("GET", re.compile(r"/_sim/calls"), self.sim_calls),
            ("GET", re.compile(r"/_sim/calls/(?P<uuid>[^/]+)"), self.sim_call_detail),
            ("GET", re.compile(r"/_sim/sms"), self.sim_outbox),
            ("POST", re.compile(r"/_sim/sms"), self.sim_sms),
            ("GET", re.compile(r"/_sim/numbers"), self.sim_numbers),
            ("POST", re.compile(r"/_sim/numbers"), self.sim_set_number),
            ("POST", re.compile(r"/_sim/scenarios"), self.sim_scenario),
        ]

    def handle(self, request: ApiRequest) -> ApiResponse:
        """Answer one request."""
        known_path = False
        for method, pattern, route in self._routes:
            match = pattern.fullmatch(request.path)
            if match is None:
                continue
            known_path = True
            if method == request.method:
                if self._over_request_limit(request):
                    return _too_many("more than 15 Voice API requests were made in one second")
                try:
                    return route(request, match)
                except _BadRequest as error:
                    return _bad(error.name, error.reason)
                except (ValueError, TypeError, UnicodeDecodeError) as error:
                    return _bad("body", str(error))
        if known_path:
            return ApiResponse.json(
                405, payloads.api_error("Method Not Allowed", request.method, "method-not-allowed")
            )
        return _not_found(f"no route for {request.path}")

    def _over_request_limit(self, request: ApiRequest) -> bool:
        """Count a Voice API request other than a create against its limit (15/s)."""
        creating = request.method == "POST"
        if creating or not request.path.startswith("/v1/calls"):
            return False
        return not self.throttle.allow_request(self.network.app.application_id)

    # -- authentication --------------------------------------------------------------------------

    def _unauthorised(self, request: ApiRequest) -> ApiResponse | None:
        """None when the request carries a valid application JWT, else a 401."""
        app = self.network.app
        authorization = request.header("authorization")
        if not authorization.lower().startswith("bearer "):
            return self._401("missing bearer token")
        token = authorization[7:].strip()
        try:
            if app.public_key_pem:
                claims = jwt.decode(
                    token,
                    app.public_key_pem,
                    algorithms=["RS256"],
                    options={"require": ["iat", "jti"]},
                    leeway=60,
                )
            else:
                claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as error:
            return self._401(f"invalid token: {error}")
        if claims.get("application_id") != app.application_id:
            return self._401("the token is for another application")
        return None

    @staticmethod
    def _401(detail: str) -> ApiResponse:
        return ApiResponse.json(401, payloads.api_error("Unauthorized", detail, "unauthorized"))

    def _leg(self, uuid: str) -> Leg:
        leg = self.network.leg(uuid)
        if leg is None:
            raise UnknownCallError(uuid)
        return leg

    def _control(
        self, request: ApiRequest, uuid: str, act: Callable[[], Command | None]
    ) -> ApiResponse:
        refusal = self._unauthorised(request)
        if refusal is not None:
            return refusal
        try:
            self._await(act())
        except UnknownCallError:
            return _not_found(f"call {uuid} not found")
        except CallStateError as error:
            return _bad("uuid", str(error))
        except NccoError as error:
            return _bad("ncco", str(error))
        return ApiResponse(204)

    def _await(self, command: Command | None) -> None:
        """Answer once the command landed, with the error it met (a leg that moved on in the
        meantime), when another thread carries the calls; else at once (it lands later, its
        outcome in the transcript)."""
        if command is None or not self.network.waits_for_commands():
            return
        if command.wait(COMMAND_WAIT) and command.error is not None:
            raise command.error

    # -- Voice API -------------------------------------------------------------------------------

    def create_call(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        refusal = self._unauthorised(request)
        if refusal is not None:
            return refusal
        data = request.json()
        if not isinstance(data, Mapping):
            raise _BadRequest("body", "must be a JSON object")
        targets = data.get("to")
        if not isinstance(targets, list) or not targets:
            raise _BadRequest("to", "is required (an array with one endpoint)")
        to = _callee(targets[0], "to")
        random_from = data.get("random_from_number") is True
        if ("from" in data) == random_from:
            raise _BadRequest("from", "exactly one of from and random_from_number is required")
        from_ = None if random_from else _phone(data["from"], "from")
        ncco = data.get("ncco")
        answer_url = _first_url(data.get("answer_url"), "answer_url")
        if (ncco is None) == (answer_url is None):
            raise _BadRequest("ncco", "exactly one of ncco and answer_url is required")
        answer_method = str(data.get("answer_method", "GET"))
        event_method = str(data.get("event_method", "POST"))
        for name, verb in (("answer_method", answer_method), ("event_method", event_method)):
            if verb not in ("GET", "POST"):
                raise _BadRequest(name, "must be GET or POST")
        machine = data.get("machine_detection")
        advanced = data.get("advanced_machine_detection")
        try:
            machine_detection.check_standard(machine, "machine_detection")
            machine_detection.check_advanced(advanced, "advanced_machine_detection")
        except machine_detection.MachineDetectionError as error:
            raise _BadRequest("machine_detection", str(error)) from None
        ringing = _seconds(data, "ringing_timer", 1, 120, 60.0)
        length = _seconds(data, "length_timer", 1, 86400, 7200.0)
        event_url = _first_url(data.get("event_url"), "event_url")
        if not self.throttle.allow_call(self.network.app.application_id):
            return _too_many("more than 3 calls were created in one second")
        try:
            handle = self.network.create_call(
                to,
                from_,
                ncco=ncco,
                answer_url=answer_url,
                answer_method=answer_method,
                event_url=event_url,
                event_method=event_method,
                machine_detection=machine,
                advanced_machine_detection=advanced,
                ringing_timer=ringing,
                length_timer=length,
            )
        except NccoError as error:
            raise _BadRequest("ncco", str(error)) from None
        return ApiResponse.json(201, payloads.create_call_response(handle.leg))

    def _info(self, leg: Leg) -> dict[str, Any]:
        clock = self.network.clock_of(leg.call_id)
        start = clock.at(leg.answered_at if leg.answered_at is not None else leg.created_at)
        end = clock.at(leg.ended_at) if leg.ended_at is not None and leg.is_over else None
        return payloads.call_info(leg, self.network.api_base_url, start, end)

    def get_call(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        refusal = self._unauthorised(request)
        if refusal is not None:
            return refusal
        leg = self.network.leg(match["uuid"])
        if leg is None:
            return _not_found(f"call {match['uuid']} not found")
        return ApiResponse.json(200, self._info(leg))

    def list_calls(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        refusal = self._unauthorised(request)
        if refusal is not None:
            return refusal
        query = {key: values[-1] for key, values in parse_qs(request.query).items()}
        legs = self.network.legs()
        if "status" in query:
            legs = [leg for leg in legs if leg.status.value == query["status"]]
        if "conversation_uuid" in query:
            legs = [leg for leg in legs if leg.conversation_uuid == query["conversation_uuid"]]
        size = int(query.get("page_size", "10"))
        if not 1 <= size <= 100:
            raise _BadRequest("page_size", "must be in 1..100")
        if query.get("order", "asc") == "desc":
            legs.reverse()
        calls = [self._info(leg) for leg in legs[:size]]
        return ApiResponse.json(200, payloads.call_list(calls, self.network.api_base_url, size))

    def update_call(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        uuid = match["uuid"]
        data = request.json()
        if not isinstance(data, Mapping):
            raise _BadRequest("body", "must be a JSON object")
        action = data.get("action")
        network = self.network
        simple: dict[str, Callable[[], Command | None]] = {
            "hangup": lambda: network.hangup(uuid),
            "mute": lambda: network.mute(uuid, True),
            "unmute": lambda: network.mute(uuid, False),
            "earmuff": lambda: network.earmuff(uuid, True),
            "unearmuff": lambda: network.earmuff(uuid, False),
        }
        if action in simple:
            return self._control(request, uuid, simple[str(action)])
        if action != "transfer":
            raise _BadRequest(
                "action", "must be hangup, mute, unmute, earmuff, unearmuff or transfer"
            )
        destination = data.get("destination")
        if not isinstance(destination, Mapping) or destination.get("type", "ncco") != "ncco":
            raise _BadRequest("destination", "must be {type: ncco, ncco: [...]} or {url: [...]}")
        if "ncco" in destination:
            ncco = destination["ncco"]
            return self._control(request, uuid, lambda: network.transfer(uuid, ncco))
        url = _first_url(destination.get("url"), "destination.url")
        if url is None:
            raise _BadRequest("destination", "needs ncco or url")
        return self._control(request, uuid, lambda: network.transfer_to_url(uuid, url))

    def _media(
        self, request: ApiRequest, uuid: str, act: Callable[[], Command | None], message: str
    ) -> ApiResponse:
        response = self._control(request, uuid, act)
        if response.status != 204:
            return response
        return ApiResponse.json(200, payloads.call_message(message, uuid))

    def start_talk(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        data = request.json()
        if not isinstance(data, Mapping) or not isinstance(data.get("text"), str):
            raise _BadRequest("text", "is required")
        uuid = match["uuid"]
        return self._media(
            request,
            uuid,
            lambda: self.network.talk(
                uuid, data["text"], str(data.get("language", "en-US")), int(data.get("loop", 1))
            ),
            "Talk started",
        )

    def stop_talk(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        uuid = match["uuid"]
        return self._media(
            request, uuid, lambda: self.network.stop_media(uuid, "talk"), "Talk stopped"
        )

    def start_stream(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        data = request.json()
        url = _first_url(
            data.get("stream_url") if isinstance(data, Mapping) else None, "stream_url"
        )
        if url is None:
            raise _BadRequest("stream_url", "is required")
        uuid = match["uuid"]
        loop = int(data.get("loop", 1)) if isinstance(data, Mapping) else 1
        return self._media(
            request, uuid, lambda: self.network.stream(uuid, url, loop), "Stream started"
        )

    def stop_stream(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        uuid = match["uuid"]
        return self._media(
            request, uuid, lambda: self.network.stop_media(uuid, "stream"), "Stream stopped"
        )

    def send_dtmf(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        data = request.json()
        digits = data.get("digits") if isinstance(data, Mapping) else None
        if not isinstance(digits, str) or not re.fullmatch(r"[0-9*#p]+", digits):
            raise _BadRequest("digits", "must be DTMF digits")
        uuid = match["uuid"]
        return self._media(request, uuid, lambda: self.network.send_dtmf(uuid, digits), "DTMF sent")

    def listen_dtmf(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        data = request.json()
        url = _first_url(data.get("event_url") if isinstance(data, Mapping) else None, "event_url")
        if url is None:
            raise _BadRequest("event_url", "is required")
        uuid = match["uuid"]
        return _ok(self._control(request, uuid, lambda: self.network.set_dtmf_listener(uuid, url)))

    def unlisten_dtmf(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        uuid = match["uuid"]
        return _ok(self._control(request, uuid, lambda: self.network.set_dtmf_listener(uuid, None)))

    def get_file(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        refusal = self._unauthorised(request)
        if refusal is not None:
            return refusal
        stored = self.network.file(match["file_id"])
        if stored is None:
            return _not_found(f"file {match['file_id']} not found")
        body, content_type = stored
        return ApiResponse(200, body, {"Content-Type": content_type})

    # -- SMS API ---------------------------------------------------------------------------------

    def _sms_params(self, request: ApiRequest) -> dict[str, str]:
        if request.header("content-type").startswith(JSON):
            data = request.json()
            if not isinstance(data, Mapping):
                raise _BadRequest("body", "must be a JSON object")
            return {str(k): str(v) for k, v in data.items()}
        text = request.body.decode("utf-8") or request.query
        return {key: values[-1] for key, values in parse_qs(text, keep_blank_values=True).items()}

    def _sms_credentials_ok(self, request: ApiRequest, params: Mapping[str, str]) -> str | None:
        """None when the request is authenticated, else the SMS API error code."""
        app = self.network.app
        key, secret = params.get("api_key"), params.get("api_secret")
        basic = request.header("authorization")
        if basic.lower().startswith("basic "):
            try:
                key, _, secret = base64.b64decode(basic[6:]).decode("utf-8").partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return "4"
        if key != app.api_key:
            return "4"
        if secret:
            if app.api_secret is not None and not hmac.compare_digest(secret, app.api_secret):
                return "4"
            return None
        sig = params.get("sig")
        if not sig:
            return "2"
        expected = sms_signature(params, app.signature_secret, app.sms_signature_method)
        if hmac.compare_digest(expected.lower(), sig.lower()):
            return None
        return "14"

    def send_sms(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        params = self._sms_params(request)
        code = self._sms_credentials_ok(request, params)
        if code is not None:
            text = {"2": "Missing api_secret", "4": "Bad Credentials", "14": "Invalid Signature"}
            return ApiResponse.json(200, payloads.sms_error(code, text[code]))
        if not self.sms_limiter.allow(self.network.app.api_key):
            return ApiResponse.json(200, payloads.sms_throttled())
        for name in ("from", "to", "text"):
            if not params.get(name):
                return ApiResponse.json(200, payloads.sms_error("2", f"Missing {name} param"))
        if not re.fullmatch(r"\+?[1-9]\d{6,14}", params["to"]):
            return ApiResponse.json(200, payloads.sms_error("3", "Invalid to param"))
        message = self.network.submit_sms(
            params["from"],
            params["to"],
            params["text"],
            sms_type=params.get("type"),
            client_ref=params.get("client-ref"),
            callback=params.get("callback") or None,
            status_report=params.get("status-report-req", "true").lower() not in ("false", "0"),
        )
        return ApiResponse.json(
            200,
            payloads.sms_sent(message, f"{self.network.balance:.8f}", f"{SMS_PRICE:.8f}"),
        )

    # -- control API -----------------------------------------------------------------------------

    def health(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        return ApiResponse.json(200, {"ok": True, "api_base_url": self.network.api_base_url})

    def sim_call(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        data = request.json()
        if not isinstance(data, Mapping):
            raise _BadRequest("body", "must be a JSON object {from, to, script}")
        for name in ("from", "to"):
            if not isinstance(data.get(name), str) or not data[name]:
                raise _BadRequest(name, "is required")
        try:
            script = parse_script(data.get("script") or [])
        except ConfigurationError as error:
            raise _BadRequest("script", str(error)) from None
        talk = data.get("talk_seconds")
        if talk is not None and (isinstance(talk, bool) or not isinstance(talk, (int, float))):
            raise _BadRequest("talk_seconds", "must be a number")
        timeout = float(data.get("timeout", 60))
        handle = self.network.call(
            data["from"],
            data["to"],
            script,
            talk_seconds=None if talk is None else float(talk),
            run=False,
        )
        try:
            self.network.complete(handle, timeout)
        except SimulationError as error:
            if handle.ended:
                raise
            return ApiResponse.json(504, {**handle.to_json(), "error": str(error)})
        return ApiResponse.json(200, handle.to_json())

    def sim_calls(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        return ApiResponse.json(200, {"calls": [h.summary() for h in self.network.calls()]})

    def sim_call_detail(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        handle = self.network.find_call(match["uuid"])
        if handle is None:
            return _not_found(f"call {match['uuid']} not found")
        return ApiResponse.json(200, handle.to_json())

    def sim_outbox(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        wanted = {k: v[-1].lstrip("+ ") for k, v in parse_qs(request.query).items()}
        messages = [
            m.to_json()
            for m in self.network.outbox()
            if wanted.get("to", m.to) == m.to and wanted.get("from", m.from_) == m.from_
        ]
        return ApiResponse.json(200, {"outbox": messages})

    def sim_sms(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        data = request.json()
        if not isinstance(data, Mapping):
            raise _BadRequest("body", "must be a JSON object {from, to, text}")
        for name in ("from", "to", "text"):
            if not isinstance(data.get(name), str) or not data[name]:
                raise _BadRequest(name, "is required")
        if self.network.app.sms_url is None:
            raise _BadRequest("sms_url", "the simulator has no inbound SMS URL configured")
        records = self.network.receive_sms(data["from"], data["to"], data["text"])
        return ApiResponse.json(200, {"delivered": [record.to_json() for record in records]})

    def sim_numbers(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        numbers = {n: b.to_json() for n, b in self.network.numbers().items()}
        return ApiResponse.json(200, {"numbers": numbers})

    def sim_set_number(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        data = request.json()
        if not isinstance(data, Mapping) or not isinstance(data.get("number"), str):
            raise _BadRequest("number", "is required")
        settings = {key: value for key, value in data.items() if key != "number"}
        try:
            behaviour = self.network.set_number(
                data["number"], NumberBehaviour.from_mapping(settings)
            )
        except ConfigurationError as error:
            raise _BadRequest("behaviour", str(error)) from None
        return ApiResponse.json(200, {"number": data["number"].lstrip("+"), **behaviour.to_json()})

    def sim_scenario(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        data = request.json() if request.header("content-type").startswith(JSON) else None
        text = data.get("yaml") if isinstance(data, Mapping) else request.body.decode("utf-8")
        if not isinstance(text, str) or not text.strip():
            raise _BadRequest("yaml", "the scenario's YAML text is required")
        try:
            scenario = load_scenario(text)
        except ScenarioError as error:
            raise _BadRequest("yaml", str(error)) from None
        result = run_scenario(scenario, self.network, sms_grace=SCENARIO_SMS_GRACE)
        return ApiResponse.json(200, result.to_json())
