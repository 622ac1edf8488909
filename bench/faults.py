"""``make bench``: the time a caller waits for the fallback answer under each store fault.

The app runs in-process (Chalice test client) against a moto server behind the fault proxy of
``infra.local.faults`` (hang: a paused DynamoDB; throttle; fail: 500; drop: connection reset)
and against a port where nothing listens (refused). Prints the median and worst of a few answer
webhooks per fault beside the carrier's 5 s read timeout. Asserts nothing.
"""

from __future__ import annotations

import json
import os
import statistics
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import urlencode

ROUNDS = int(os.environ.get("BENCH_FAULT_ROUNDS", "3"))
CARRIER_READ_TIMEOUT = 5.0
SECRET = "bench-signature-secret-0123456789abcdef"
NUMBER = "447700900600"
FLOW = {
    "id": "bench-fault",
    "name": "Fault bench",
    "language": "en-GB",
    "start": "hello",
    "nodes": {"hello": {"widget": "hangup", "text": "Hello."}},
}


def _answer(client: object) -> tuple[float, str]:
    from chalicelib.telephony.vonage.signatures import sign_voice_webhook

    query = urlencode(
        {"from": "447700900001", "to": NUMBER, "uuid": uuid.uuid4().hex, "conversation_uuid": "C"}
    )
    token = sign_voice_webhook(b"", SECRET, "bench", "bench-app", datetime.now(UTC))
    started = time.perf_counter()
    response = client.http.request(  # type: ignore[attr-defined]
        "GET", f"/vonage/voice/answer?{query}", headers={"Authorization": f"Bearer {token}"}
    )
    took = time.perf_counter() - started
    return took, json.loads(response.body)[0].get("text", "")


def run() -> None:
    """Print the time to the fallback answer under each store fault."""
    from chalice.test import Client

    from app import app
    from chalicelib.ops.observability import logger
    from chalicelib.settings import Settings
    from chalicelib.store import binding
    from chalicelib.wiring import Container, container, override
    from infra.local.faults import closed_port_url, faulty_proxy
    from infra.local.moto import moto_server
    from infra.local.stack import provision

    before = container()
    level = logger.log_level
    logger.setLevel("CRITICAL")  # every fault is logged as an error by design: not news here
    print("time to the fallback answer under store faults (answer webhook, in-process)")
    with moto_server(in_process=True) as moto_url, faulty_proxy(moto_url) as proxy:
        settings = Settings(
            table_prefix="ringflow-faults-",
            recordings_bucket="ringflow-faults-recordings",
            task_queue="ringflow-faults-tasks",
            aws_endpoint_url=proxy.url,
            vonage_signature_secret=SECRET,
        )
        working = Container(settings)
        override(working)
        try:
            provision(settings)
            working.admin.create_account("faults", "Faults", "en-GB")
            working.admin.load_flow("faults", FLOW)
            working.admin.set_listener("faults", "bench-fault", True)
            working.admin.provision_number("faults", NUMBER)
            working.admin.attach_number("faults", NUMBER, "bench-fault")
            with Client(app) as client:
                _answer(client)  # warm: the flow revision is cached, the number's language known
                for fault in ("hang", "throttle", "fail", "drop", "refused"):
                    if fault == "refused":
                        override(Container(replace(settings, aws_endpoint_url=closed_port_url())))
                    else:
                        proxy.set(fault)
                    times, heard = [], ""
                    for _ in range(ROUNDS):
                        took, heard = _answer(client)
                        times.append(took)
                    proxy.set("pass")
                    print(
                        f"  {fault:<9} median {statistics.median(times):5.2f} s"
                        f"   worst {max(times):5.2f} s   (carrier gives up at"
                        f" {CARRIER_READ_TIMEOUT:.0f} s; {ROUNDS} answers)   heard: {heard[:40]}"
                    )
        finally:
            override(before)
            binding.bind(before.settings)
            logger.setLevel(level)
