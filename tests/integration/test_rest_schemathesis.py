"""The REST API against its own OpenAPI document (schemathesis, bounded and derandomized): GIVEN
the app in process as API Gateway serves it (``platformkit.gateway_wsgi``: Chalice's local
gateway and the stack's gateway responses) on moto, an account with a flow and a number, an
operator key and a carrier that never leaves the process, WHEN schemathesis runs its examples,
coverage (boundary values) and fuzzing phases over every operation, with requests the document
allows and requests it forbids, THEN no answer is a 5xx, every error is problem+json, every
answer matches the document (status, media type, body), forbidden data is refused, an
undocumented method is a 405, and no request the document allows is refused as malformed.

"As malformed" means 400, or a 422 whose reason the document could have stated. A request the
document allows may still be refused for what the store holds, and those answers are allowed:

- 404: the flow, number or account it names does not exist or is not the caller's;
- 409: a conflict with stored state (a flow id of another account, a number another holds, a
  listener that is off);
- 422 for the rules JSON Schema cannot state: a flow document's graph (``start`` and
  ``after_call`` name nodes, edges land on nodes, nodes reachable) and its nodes' options and
  variable references (every such problem is located under ``nodes.``, at ``start`` or at
  ``after_call``), and an outbound call from a flow
  that is inbound or from a number not attached to the flow;
- 422 for an access number (``PUT /v1/operator/access-numbers/{number}``) whose translation
  rules repeat a prefix: JSON Schema cannot say that items are unique by one of their fields;
- 422 for a voucher lot (``POST /v1/operator/voucher-lots``) whose ``expires_at`` is past or
  not a real date: JSON Schema cannot compare with the clock;
- 422 for an account lot (``POST /v1/operator/callback-account-lots``) whose ``prefix`` leaves
  fewer than 6 random digits of ``id_length``: JSON Schema cannot compare two fields;
- 422 for a web callback service (``PUT /v1/operator/web-callbacks/{service}``) whose modes lack
  what they need (a destination, an internal account, an allow-list) or whose daily cap has no
  currency: JSON Schema cannot tie one field to another's value here;
- 422 for an intent agent (``PUT /v1/agents/{name}``) whose export zip, service account key or
  languages the agent cannot use, or that names neither an export nor a Dialogflow agent: JSON
  Schema says "base64", not what a Dialogflow export holds;
- 422 for a rate deck (``PUT /v1/operator/tariffs/{tariff_id}``, a ``text/csv`` body) whose
  lines break the deck's rules: JSON Schema says "a string", not what a deck's CSV holds;
- 422 for an outbound flow's campaign routes (``/v1/outbound/flows/{flow_id}...``) naming a
  flow that is inbound, or activating one with no number attached: the store's state;
- 422 for a do-not-call number of no known country (``PUT /v1/do-not-call/{number}``) and a
  list (``POST /v1/do-not-call``, a ``text/csv`` body) that is not text or none of whose lines
  is a number: JSON Schema says "a string" and cannot hold the numbering plans;
- 422 for an account's IP whitelist entry that is not an address or CIDR block
  (``PUT /v1/outbound/settings``): JSON Schema's formats name no CIDR block;
- 422 for a click-to-call request listing's cursor that no page gave (``GET
  /v1/click2call/requests``: a cursor is the store's state), and for a comment with neither a
  text nor values (``POST /v1/click2call/requests/{request_id}/comments``: one field or the
  other, which the document's generator cannot state);
- 422 for a listing of the dialer's dispositions (``GET /v1/dialer/dispositions``) that names
  neither a call nor an agent: one query parameter or the other, which the document's
  generator cannot state;
- 422 for a click-to-call statistics period (``/v1/click2call/statistics...``) that is
  inverted, empty, longer than 366 days or out of the calendar (its detail starts with
  ``period:``): JSON Schema cannot compare two times.

Bounded: the coverage phase's cases (fixed by the document) and ``MAX_EXAMPLES`` generated cases
per operation in the fuzzing phase, no shrinking, one worker, derandomized: the same cases every
run. No ``max-time``: with one, schemathesis repeats its fuzzing phase until the time is up.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
import schemathesis
from platformkit import Platform, gateway_wsgi, running_platform
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events
from schemathesis.generation.modes import GenerationMode

from chalicelib.accounts.keys import new_operator_key
from chalicelib.telephony.ports import PlacedCall

MAX_EXAMPLES = 100
PROBLEM = "application/problem+json"
STATE_REFUSALS_OF_CALLS = ("is an inbound flow", "is not a number attached to flow")
STATE_REFUSALS_OF_OUTBOUND_FLOWS = ("is an inbound flow", "attach at least one")
CLOCK_REFUSALS_OF_INVOICES = ("is not over", "is in the future")
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "unsupported_method",
    "errors_are_problems",
    "allowed_requests_are_not_refused_as_malformed",
)


def _content_type(response: Any) -> str:
    values = response.headers.get("content-type") or [""]
    return str(values[0]).split(";")[0].strip()


@schemathesis.check
def errors_are_problems(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 4xx and 5xx is problem+json whose ``status`` is the answer's."""
    if response.status_code < 400:
        return None
    assert _content_type(response) == PROBLEM, f"{response.status_code} is not problem+json"
    problem = json.loads(response.text)
    assert problem.get("status", response.status_code) == response.status_code, problem
    return True


WEB_SERVICE_RULES = (
    "hosted mode needs",
    "simple mode needs",
    "simple and hosted mode needs",
    "hosted and simple mode needs",
    "a daily cap needs its currency",
)
"""A web callback service's rules between its fields (a mode and what it needs)."""


AGENT_CONTENT_PROBLEMS = (
    "export: ",
    "dialogflow.credentials: ",
    "languages: a Dialogflow agent without an export",
    "dialogflow: missing",
)
"""What an intent agent's upload is refused for that JSON Schema cannot state: the export zip's
content, the service account key's (an object or its JSON text), and the rules between fields."""


def _agent_content_problem(problem: str) -> bool:
    if problem.startswith("export: not base64"):
        return False  # the document's pattern says what base64 is
    if problem.startswith("languages[") and "is not a language of the export" in problem:
        return True
    return problem.startswith(AGENT_CONTENT_PROBLEMS)


def refused_for_its_shape(method: str, path: str, status: int, problem: dict[str, Any]) -> bool:
    """Whether refusing a request the document allows says the document is wrong."""
    if status == 400:
        return True
    if status != 422:
        return False
    if (method, path) == ("POST", "/v1/flows"):
        problems = problem.get("errors") or [problem.get("detail", "")]
        return not all(str(p).startswith(("nodes.", "start:", "after_call:")) for p in problems)
    if (method, path) == ("PUT", "/v1/operator/tariffs/{tariff_id}"):
        return not problem.get("errors")
    if (method, path) == ("PUT", "/v1/operator/access-numbers/{number}"):
        problems = problem.get("errors") or [problem.get("detail", "")]
        return not all("has another rule already" in str(p) for p in problems)
    if (method, path) == ("POST", "/v1/operator/voucher-lots"):
        return not str(problem.get("detail", "")).startswith("expires_at")
    if (method, path) == ("POST", "/v1/operator/callback-account-lots"):
        return not str(problem.get("detail", "")).startswith("an account id keeps")
    if (method, path) == ("PUT", "/v1/operator/web-callbacks/{service}"):
        problems = problem.get("errors") or [problem.get("detail", "")]
        return not all(str(p).startswith(WEB_SERVICE_RULES) for p in problems)
    if (method, path) == ("PUT", "/v1/agents/{name}"):
        problems = problem.get("errors") or [problem.get("detail", "")]
        return not all(_agent_content_problem(str(p)) for p in problems)
    if (method, path) == ("POST", "/v1/calls"):
        return not any(reason in problem.get("detail", "") for reason in STATE_REFUSALS_OF_CALLS)
    if path.startswith("/v1/outbound/flows/{flow_id}"):
        detail = str(problem.get("detail", ""))
        return not any(reason in detail for reason in STATE_REFUSALS_OF_OUTBOUND_FLOWS)
    if (method, path) == ("PUT", "/v1/do-not-call/{number}"):
        return "country code" not in str(problem.get("detail", ""))
    if (method, path) == ("PUT", "/v1/outbound/settings"):
        return "is not an IP address or CIDR block" not in str(problem.get("detail", ""))
    if (method, path) == ("POST", "/v1/click2call/invoices"):
        detail = str(problem.get("detail", ""))
        return not any(reason in detail for reason in CLOCK_REFUSALS_OF_INVOICES)
    if (method, path) == ("POST", "/v1/do-not-call"):
        return not str(problem.get("detail", "")).startswith(("the list", "line "))
    if (method, path) == ("GET", "/v1/click2call/requests"):
        return not str(problem.get("detail", "")).startswith("cursor ")
    if (method, path) == ("POST", "/v1/click2call/requests/{request_id}/comments"):
        return problem.get("detail") != "a comment has a text or values"
    if (method, path) == ("GET", "/v1/dialer/dispositions"):
        return not str(problem.get("detail", "")).startswith("name a call (call_id) or an agent")
    if path.startswith("/v1/click2call/statistics"):
        return not str(problem.get("detail", "")).startswith("period:")
    return True


@schemathesis.check
def allowed_requests_are_not_refused_as_malformed(
    ctx: Any, response: Any, case: Any
) -> bool | None:
    """A request the document allows is never a 400, nor a 422 the document could have
    prevented (see the module docstring for what stays allowed)."""
    meta = case.meta
    if meta is None or meta.generation.mode is not GenerationMode.POSITIVE:
        return None
    if response.status_code < 400 or _content_type(response) != PROBLEM:
        return None
    problem = json.loads(response.text)
    assert not refused_for_its_shape(case.method, case.path, response.status_code, problem), (
        f"a request the document allows was refused: {response.status_code} {problem}"
    )
    return True


class Carrier:
    """A carrier that accepts every call without leaving the process."""

    def place_call(self, call: Any) -> PlacedCall:
        return PlacedCall(leg_id="leg-" + call.call_id, conversation_id=None, status="started")


@dataclass
class Run:
    """What the engine reported."""

    cases: int = 0
    seconds: float = 0.0
    stop: str = ""
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    by_status: dict[int, int] = field(default_factory=dict)
    phases: dict[str, int] = field(default_factory=dict)


@pytest.fixture(scope="module")
def run() -> Iterator[Run]:
    with pytest.MonkeyPatch.context() as patch, running_platform(patch) as platform:
        yield _run(platform)


def _run(platform: Platform) -> Run:
    from app import app

    operator_key, digest = new_operator_key()
    container = platform.container
    container.settings = replace(container.settings, operator_key_hash=digest)
    container.__dict__["carrier"] = Carrier()
    config = SchemathesisConfig.from_dict(
        {
            "workers": 1,
            "headers": {"Authorization": f"Bearer {platform.api_key}"},
            "generation": {
                "mode": "all",
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "no-shrink": True,
                "database": "none",
            },
            "phases": {"stateful": {"enabled": False}},
            "checks": {
                "enabled": False,
                **{name: {"enabled": True} for name in CHECKS},
            },
            "operations": [
                # Voucher lots are left to their own REST tests: moto copies a table for each
                # transaction, so lots fuzzed by the thousand make the run quadratic.
                {"include-path-regex": "^/v1/operator/voucher-lots", "enabled": False},
                # A lot's export answers once only (its own tests); card checkouts call the
                # payment provider (its loopback stand-in, in their own tests).
                {
                    "include-path-regex": "^/v1/operator/callback-account-lots/.*/export$",
                    "enabled": False,
                },
                {"include-path-regex": "^/v1/operator/card-checkouts/", "enabled": False},
                # Intent agents: each upload is an export zip read whole; their own REST tests
                # cover the uploads, the fuzzing here keeps to a quarter of the cases.
                {
                    "include-path-regex": "^/v1/agents",
                    "generation": {"max-examples": MAX_EXAMPLES // 4},
                },
                {
                    "include-path-regex": "^/v1/operator/",
                    "headers": {"Authorization": f"Bearer {operator_key}"},
                },
            ],
        }
    )
    schema = schemathesis.openapi.from_wsgi("/openapi.json", gateway_wsgi(app), config=config)
    result = Run()
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            result.cases += len(recorder.cases)
            result.phases[str(event.phase)] = result.phases.get(str(event.phase), 0) + len(
                recorder.cases
            )
            for interaction in recorder.interactions.values():
                if interaction.response is not None:
                    status = interaction.response.status_code
                    result.by_status[status] = result.by_status.get(status, 0) + 1
            for case_id, checks in recorder.checks.items():
                for check in checks:
                    if check.status is Status.FAILURE and check.failure_info is not None:
                        case = recorder.cases[case_id].value
                        failure = check.failure_info.failure
                        result.failures.append(
                            f"{check.name}: {case.method} {case.formatted_path} "
                            f"query={case.query} body={case.body!r:.200}: {failure.title}: "
                            f"{failure.message[:400]}"
                        )
        elif isinstance(event, events.NonFatalError):
            result.errors.append(f"{event.label}: {event.value!r}"[:500])
        elif isinstance(event, events.FatalError):
            result.errors.append(f"fatal: {event.exception!r}"[:500])
        elif isinstance(event, events.EngineFinished):
            result.seconds = event.running_time
            result.stop = str(event.stop_reason)
    print(
        f"schemathesis: {result.cases} cases in {result.seconds:.1f} s ({result.stop}); "
        f"statuses {dict(sorted(result.by_status.items()))}; phases {result.phases}"
    )
    return result


def test_the_api_keeps_its_documents_promises(run: Run) -> None:
    assert not run.errors, "\n".join(run.errors)
    assert not run.failures, "\n".join(sorted(set(run.failures))[:40])


def test_the_pass_is_bounded_and_reaches_the_app(run: Run) -> None:
    # THEN it ran every phase to the end, and authenticated requests got through
    assert run.stop == "completed", run.stop
    assert run.cases > 100
    assert any(200 <= status < 300 for status in run.by_status), run.by_status
