"""``make bench``'s callback figures, on the local stack (moto in server mode): the DynamoDB
requests of rating a bridged call's two legs (target 1) and of answering a callback's destination
entry (target: the platform's floor of 1 read + 1 write, plus the account read, the rating and
the reservation), and the time from a missed call's answer webhook to the first leg's create-call
request (p50, p99), printed beside the access number's configured delay, which the task queue
adds on top. The carrier is a recorder on this process (no network), the task queue moto's SQS,
its tasks run by this process as the task Lambda would. Prints figures; asserts nothing.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from chalicelib.callback.access import AccessNumber, TranslationRule, TriggerKind
from chalicelib.telephony.actions import Action
from chalicelib.telephony.events import CallAnswered, InputReceived
from chalicelib.telephony.ports import OutboundCall, PlacedCall, SentSms

ROOT = Path(__file__).resolve().parents[1]
TENANT = "bench"
ACCESS = "447700900600"
USER = "447700900611"
ACCOUNT = "77000001"
DELAY = 5
RUNS = 20
DECK = (
    "prefix,destination,price_per_minute,connection_fee,first_increment,next_increment\n"
    "44,United Kingdom,0.10,0,60,60\n4477009003,United Kingdom Friends,0.06,0,60,60\n"
)


class RecordingCarrier:
    """Stands in for Vonage: notes when each call was asked for, places nothing."""

    def __init__(self) -> None:
        self.placed: list[tuple[float, OutboundCall]] = []

    def place_call(self, call: OutboundCall) -> PlacedCall:
        self.placed.append((time.perf_counter(), call))
        return PlacedCall(uuid.uuid4().hex, uuid.uuid4().hex, "started")

    def transfer(self, leg_id: str, actions: Sequence[Action], call_id: str) -> None:
        return None

    def hangup(self, leg_id: str) -> None:
        return None

    def say_into(self, leg_id: str, text: str, language: str) -> None:
        return None

    def send_sms(self, from_number: str, to_number: str, text: str, client_ref: str) -> SentSms:
        return SentSms(uuid.uuid4().hex, "0", ())


def _setup(container: Any) -> RecordingCarrier:
    carrier = RecordingCarrier()
    container.__dict__["carrier"] = carrier
    admin = container.admin
    for name in ("callback.json", "callback-trigger.json"):
        admin.load_flow(TENANT, (ROOT / "flows" / name).read_text())
    admin.set_listener(TENANT, "callback", True)
    admin.set_listener(TENANT, "callback-trigger", True)
    admin.provision_number(TENANT, ACCESS)
    admin.attach_number(TENANT, ACCESS, "callback-trigger")
    billing = container.services("billing")
    billing.tariffs.load("bench-callback", DECK)
    billing.accounts.create(
        ACCOUNT,
        "bench-password",
        currency="EUR",
        language="en-GB",
        tariff="bench-callback",
        balance=Decimal("100000"),
        max_concurrent=RUNS + 5,
    )
    billing.accounts.register_caller(ACCOUNT, USER)
    container.services("callback").access_numbers.put(
        AccessNumber(
            ACCESS,
            TriggerKind.ANI,
            tenant=TENANT,
            language="en-GB",
            rules=(TranslationRule("0", "44"),),
            delay_seconds=0,  # the queue's delay is printed beside the figure, not slept
        )
    )
    return carrier


def _drain(container: Any) -> int:
    """Run every task waiting on the queue, as the task Lambda would; how many ran."""
    ran = 0
    while True:
        got = container.sqs.receive_message(
            QueueUrl=container.task_queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
        )
        messages = got.get("Messages", [])
        if not messages:
            return ran
        for message in messages:
            container.tasks.run(message["Body"])
            container.sqs.delete_message(
                QueueUrl=container.task_queue_url, ReceiptHandle=message["ReceiptHandle"]
            )
            ran += 1


def _missed_call(container: Any, carrier: RecordingCarrier) -> tuple[float, str]:
    """One missed call to the access number, until the callback's create-call request: the
    seconds it took (without the queue's delay) and the callback's call id."""
    placed = len(carrier.placed)
    leg = uuid.uuid4().hex
    start = time.perf_counter()
    container.voice.answer(CallAnswered(leg, uuid.uuid4().hex, USER, ACCESS), f"answer:{leg}")
    while len(carrier.placed) == placed:
        if not _drain(container):
            raise RuntimeError("the missed call placed no callback")
    at, call = carrier.placed[-1]
    return at - start, str(call.call_id)


def _awaiting(container: Any, call_id: str) -> str:
    state = container.calls.get(call_id)
    assert state.awaiting is not None, "the callback waits for nothing"
    return str(state.awaiting.ref)


def _destination_entry(container: Any, counter: Any, call_id: str) -> dict[str, int]:
    """Answer the callback, choose English, then key a destination: that step's requests."""
    voice = container.voice
    leg = uuid.uuid4().hex
    voice.answer(CallAnswered(leg, "CON-bench", ACCESS, USER), f"a:{leg}", call_id=call_id)
    menu = InputReceived(leg, "CON-bench", digits="1", ref=_awaiting(container, call_id))
    voice.handle(call_id, menu, f"menu:{leg}")
    keyed = InputReceived(
        leg, "CON-bench", digits="07700900300#", ref=_awaiting(container, call_id)
    )
    with counter() as counted:
        voice.handle(call_id, keyed, f"destination:{leg}")
    return dict(counted.counts)


def _sms_commands(container: Any, counter: Any, describe: Any) -> None:
    """An SMS callback command (``U. P. D. O.``) from the inbox to the callback queued: its
    time (parse, authenticate with the slow password hash, rate, queue the callback and the
    reply) and its DynamoDB requests; then ``I`` from a registered number."""
    from chalicelib.telephony.events import SmsReceived

    inbox = container.sms_inbox
    body = f"U.{ACCOUNT} P.bench-password D.07700900300 O.{USER}"
    millis: list[float] = []
    for _ in range(RUNS):
        message = SmsReceived(uuid.uuid4().hex, USER, ACCESS, body)
        start = time.perf_counter()
        inbox.receive(message)
        millis.append((time.perf_counter() - start) * 1000)
    with counter() as call_two:
        inbox.receive(SmsReceived(uuid.uuid4().hex, USER, ACCESS, body))
    with counter() as info:
        inbox.receive(SmsReceived(uuid.uuid4().hex, USER, ACCESS, "I"))
    _drain(container)
    print("callback: SMS command U. P. D. O. from the inbox to the callback queued")
    print(f"  {describe(millis)}   (checking the password's scrypt hash takes ~55 ms of it)")
    print(f"  DynamoDB requests: U. P. D. O. {dict(call_two.counts)};   I {dict(info.counts)}")


def _web_callbacks(container: Any, counter: Any, describe: Any) -> None:
    """A hosted web callback request (no password hash: the abuse guard's cost shows) and an
    extended one, from the request to the callback queued: time and DynamoDB requests."""
    from chalicelib.callback.web import WebMode, WebService
    from chalicelib.guards.limits import Velocity

    web = container.services("callback").web
    lots = Velocity(10 * RUNS, 3600)
    web.put(
        WebService(
            "bench-desk",
            TENANT,
            ACCESS,
            (WebMode.HOSTED, WebMode.EXTENDED),
            destination="447700900300",
            internal_account=ACCOUNT,
            allow=("44",),
            per_ip=lots,
            per_number=lots,
            daily_cap=Decimal("1000000"),
            cap_currency="EUR",
        )
    )
    millis: list[float] = []
    for n in range(RUNS):
        phone = f"+4477009{n:05d}"
        start = time.perf_counter()
        web.request("bench-desk", "hosted", {"phone": phone}, "198.51.100.1")
        millis.append((time.perf_counter() - start) * 1000)
    with counter() as hosted:
        web.request("bench-desk", "hosted", {"phone": "+447700988888"}, "198.51.100.1")
    fields = {"account": ACCOUNT, "password": "bench-password", "phone": f"+{USER}"}
    with counter() as extended:
        web.request(
            "bench-desk", "extended", {**fields, "destination": "+447700900300"}, "198.51.100.1"
        )
    _drain(container)
    print("callback: hosted web callback request to the callback queued (guard, cap, rating)")
    print(f"  {describe(millis)}")
    print(f"  DynamoDB requests: hosted {dict(hosted.counts)};   extended {dict(extended.counts)}")


def run(container: Any, counter: Any, describe: Any, percentile: Any) -> None:
    """Print the callback's figures (``counter``: bench's ``RequestCounter``)."""
    carrier = _setup(container)
    tariffs = container.services("billing").tariffs
    with counter() as rating:
        tariffs.rate_each("bench-callback", ["447700900300", USER])
    print("callback: DynamoDB requests to rate both legs of a bridged call (head cached)")
    print(f"  {dict(rating.counts)}   total {sum(rating.counts.values())}   (target 1)")
    seconds: list[float] = []
    call_id = ""
    for _ in range(RUNS):
        took, call_id = _missed_call(container, carrier)
        seconds.append(took)
    millis = [value * 1000 for value in seconds]
    print("callback: missed call (answer webhook) to the first leg's create-call request")
    print(
        f"  {describe(millis)}   then the access number's delay ({DELAY} s by default, the task"
        f" queue's DelaySeconds): p99 / delay {percentile(seconds, 0.99) / DELAY:.1%}"
    )
    _sms_commands(container, counter, describe)
    _web_callbacks(container, counter, describe)
    counts = _destination_entry(container, counter, call_id)
    reads = counts.get("GetItem", 0)
    writes = counts.get("PutItem", 0) + counts.get("UpdateItem", 0)
    print("callback: DynamoDB requests of the destination entry step")
    print(
        f"  {json.dumps(counts)}   state {1} read + {writes} write, account {reads - 1} read,"
        f" rating {counts.get('BatchGetItem', 0)} batch, reservation"
        f" {counts.get('TransactWriteItems', 0)} transaction   (target 1 + 1 + 1 + 1 + 1)"
    )
