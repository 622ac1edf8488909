"""``make bench``: the speech widget's added webhook latency, per engine. One process, moto
in-process, the whole app through Chalice's test client: each simulated call is answered, reaches
a node that listens, and the caller's speech ("I want the first option") arrives as the input
webhook, whose time is measured. The baseline listens with the platform's ``input`` widget (speech
stored, no engine); the speech widget asks the local engine, then Dialogflow (Google's client
over loopback gRPC to ``infra.local.dialogflow_api``, answering with the same export's
understanding). The difference to the baseline is what the widget and its engine add. Also the
entry into the speech node (the agent's version and hints), whose first time in a process pays
for preparing the agent (for Dialogflow, building its client: Google's library is already
imported here by the stand-in, so its import, about 0.9 s on a cold process, is not in the
figure; ``docs/decisions/0029``). Prints figures; asserts nothing.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parents[1]
CALLS = int(os.environ.get("BENCH_SPEECH_CALLS", "30"))
CALLER = "447700900001"
NUMBERS = {"input": "447700900601", "local": "447700900602", "dialogflow": "447700900603"}
SAID = "I want the first option"


def _flow(flow_id: str, node: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": flow_id,
        "name": flow_id,
        "language": "en-GB",
        "start": "ask",
        "nodes": {"ask": node, "done": {"widget": "hangup", "text": "Thank you."}},
    }


def _speech(agent: str) -> dict[str, Any]:
    return {
        "widget": "speech",
        "agent": agent,
        "prompt": "How can I help?",
        "intents": {"payment_details": "done", "account_details": "done", "loan_details": "done"},
        "fetch_intent": {"name": "intent"},
        "next": {"no_match": "done", "no_input": "done", "error": "done"},
    }


FLOWS = {
    "input": _flow(
        "bench-input",
        {
            "widget": "input",
            "variable": "said",
            "mode": "both",
            "max_digits": 1,
            "prompt": "How can I help?",
            "next": "done",
        },
    ),
    "local": _flow("bench-speech-local", _speech("eva")),
    "dialogflow": _flow("bench-speech-dialogflow", _speech("eva-df")),
}


@contextmanager
def _platform(endpoint: str) -> Iterator[Any]:
    """The app on moto in-process with the three flows, the agents and their numbers."""
    environment = {
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_EC2_METADATA_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "ERROR",
    }
    saved = {name: os.environ.get(name) for name in environment}
    os.environ.update(environment)
    from chalice.test import Client
    from moto import mock_aws

    from chalicelib.settings import Settings
    from chalicelib.speech.agents import DialogflowSpec
    from chalicelib.speech.cli import zipped_directory
    from chalicelib.wiring import Container, override
    from infra.local.dialogflow_api import service_account_json
    from infra.local.stack import provision

    settings = Settings(
        stage="local",
        table_prefix="ringflow-bench-",
        public_base_url="https://hooks.example.com",
        verify_signatures=False,
        dialogflow_endpoint=endpoint,
    )
    with mock_aws():
        container = Container(settings)
        override(container)
        provision(settings)
        admin = container.admin
        admin.create_account("bench", "Bench", "en-GB")
        export = zipped_directory(ROOT / "flows" / "agents" / "eva")
        agents = container.services("speech").agents
        agents.put("bench", "eva", export, None)
        spec = DialogflowSpec("eva-agent", service_account_json("eva-agent"))
        agents.put("bench", "eva-df", export, spec)
        for kind, flow in FLOWS.items():
            admin.load_flow("bench", flow)
            admin.set_listener("bench", flow["id"], True)
            admin.provision_number("bench", NUMBERS[kind])
            admin.attach_number("bench", NUMBERS[kind], flow["id"])
        from app import app

        try:
            with Client(app) as client:
                yield client
        finally:
            override(None)
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def _call(client: Any, number: str) -> tuple[float, float]:
    """One call: the answer (the node is entered) and the caller's speech; their times in ms."""
    leg = uuid.uuid4().hex
    query = urlencode(
        {"from": CALLER, "to": number, "uuid": leg, "conversation_uuid": f"CON-{uuid.uuid4()}"}
    )
    started = time.perf_counter()
    answer = client.http.request("GET", f"/vonage/voice/answer?{query}")
    entered = (time.perf_counter() - started) * 1000
    ncco = json.loads(answer.body)
    target = urlparse(ncco[-1]["eventUrl"][0])
    payload = {
        "speech": {"results": [{"text": SAID, "confidence": "0.9"}]},
        "dtmf": {"digits": None, "timed_out": False},
        "uuid": leg,
        "from": CALLER,
        "to": number,
    }
    started = time.perf_counter()
    heard = client.http.request(
        "POST",
        f"{target.path}?{target.query}",
        headers={"Content-Type": "application/json"},
        body=json.dumps(payload).encode(),
    )
    understood = (time.perf_counter() - started) * 1000
    if heard.status_code != 200 or "Thank you." not in heard.body.decode():
        raise RuntimeError(f"{number}: unexpected answer {heard.status_code} {heard.body!r}")
    return entered, understood


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def run() -> None:
    """Prints the input webhook's latency with the input widget and with the speech widget on
    each engine, and what the speech widget adds."""
    from infra.local.dialogflow_api import dialogflow_agent, understanding

    print("speech widget: the caller's speech webhook, p50 / p99 (in-process, moto in-process)")
    understand = understanding(str(ROOT / "flows" / "agents" / "eva"))
    results: dict[str, tuple[list[float], list[float]]] = {}
    with dialogflow_agent({}, understand) as agent, _platform(agent.address) as client:
        for kind, number in NUMBERS.items():
            entries, hearings = [], []
            for _ in range(CALLS):
                with contextlib.redirect_stdout(io.StringIO()):  # the metrics' EMF lines
                    entered, understood = _call(client, number)
                entries.append(entered)
                hearings.append(understood)
            results[kind] = (entries, hearings)
    base = _percentile(results["input"][1], 0.5)
    labels = {
        "input": "input widget (no engine)",
        "local": "speech widget, local engine",
        "dialogflow": "speech widget, Dialogflow (gRPC)",
    }
    for kind, (_, hearings) in results.items():
        p50, p99 = _percentile(hearings, 0.5), _percentile(hearings, 0.99)
        added = "" if kind == "input" else f"  adds {p50 - base:+6.1f} ms at p50"
        print(f"  {labels[kind]:<34} p50 {p50:6.1f} ms  p99 {p99:6.1f} ms{added}")
    for kind in ("local", "dialogflow"):
        entries = results[kind][0]
        print(
            f"  entering the node, {kind:<10}  first {entries[0]:6.1f} ms (prepares the agent)"
            f"  then p50 {_percentile(entries[1:], 0.5):6.1f} ms"
        )
    print(f"  ({CALLS} calls each)")


if __name__ == "__main__":
    run()
