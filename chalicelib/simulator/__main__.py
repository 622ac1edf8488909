"""``python -m chalicelib.simulator``: ``serve`` runs the simulated provider for the local run
(real HTTP webhooks to the app, the REST API on loopback TLS, a pool of workers carrying the
calls in parallel, ``--workers`` of them, and with ``--phone-port`` the dev phone's page on
plain-HTTP loopback) until SIGINT/SIGTERM; ``sim ...`` are the CLI commands
of ``cli.register``.

Imports the standard library and simulator modules; never the app.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from chalicelib.simulator import cli
from chalicelib.simulator.model import SmsInboundMethod, VonageApplication
from chalicelib.simulator.network import Network
from chalicelib.simulator.phone.server import PhoneServer
from chalicelib.simulator.receipts import DEFAULT_DELAY_SECONDS, DeliveryPlan
from chalicelib.simulator.scheduler import VirtualClock
from chalicelib.simulator.server import WORKERS, SimulatorServer
from chalicelib.simulator.transport import HttpTransport
from chalicelib.telephony.vonage.signatures import SmsSignatureMethod

_DEFAULTS = VonageApplication(answer_url="", event_url="")


def _public_key(value: str | None) -> str | None:
    if value is None or value.lstrip().startswith("-----BEGIN"):
        return value
    return Path(value).read_text(encoding="utf-8")


def _serve(args: argparse.Namespace) -> int:
    app = VonageApplication(
        answer_url=args.answer_url,
        answer_method=args.answer_method,
        event_url=args.event_url,
        event_method=args.event_method,
        fallback_answer_url=args.fallback_url,
        application_id=args.application_id,
        api_key=args.api_key,
        api_secret=args.api_secret,
        signature_secret=args.signature_secret,
        signed_webhooks=not args.unsigned,
        sms_url=args.sms_url,
        sms_status_url=args.sms_status_url,
        sms_method=SmsInboundMethod(args.sms_method),
        sms_signature_method=SmsSignatureMethod(args.sms_signature_method),
        signed_sms=not args.unsigned,
        numbers=tuple(n for n in (args.numbers or "").split(",") if n),
        public_key_pem=_public_key(args.public_key),
    )
    network = Network(
        app,
        HttpTransport(
            timeout=app.event_timeout,
            connect_timeout=app.connection_timeout,
            ca_file=args.webhook_ca,
        ),
        VirtualClock(),
        signing_clock=lambda: datetime.now(UTC),
    )
    network.sms_receipts.default = DeliveryPlan(delay_seconds=args.sms_receipt_delay)
    server = SimulatorServer(
        network,
        host=args.host,
        port=args.port,
        tls=not args.no_tls,
        workers=args.workers,
        speed=args.speed,
        ca_pem_path=args.ca_out,
    )
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    server.start()
    phone = None
    if args.phone_port is not None:
        phone = PhoneServer(network, port=args.phone_port).start()
    print(f"simulator listening on {server.url}", flush=True)
    if server.ca_pem_path:
        print(f"simulator CA certificate: {server.ca_pem_path}", flush=True)
    if phone is not None:
        print(f"dev phone on {phone.url}", flush=True)
    while not stop.wait(0.5):
        pass
    if phone is not None:
        phone.stop()
    server.stop()
    print("simulator stopped", flush=True)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``python -m chalicelib.simulator``."""
    parser = argparse.ArgumentParser(prog="python -m chalicelib.simulator")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the simulated provider for the local run")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8090)
    serve.add_argument("--answer-url", required=True)
    serve.add_argument("--answer-method", choices=["GET", "POST"], default="GET")
    serve.add_argument("--event-url", required=True)
    serve.add_argument("--event-method", choices=["GET", "POST"], default="POST")
    serve.add_argument("--fallback-url", default=None)
    serve.add_argument("--sms-url", default=None)
    serve.add_argument(
        "--sms-method", choices=[m.value for m in SmsInboundMethod], default="POST-JSON"
    )
    serve.add_argument(
        "--sms-signature-method",
        choices=[m.value for m in SmsSignatureMethod],
        default=_DEFAULTS.sms_signature_method.value,
        help="the account's SMS signature method (the dashboard's default: md5hash)",
    )
    serve.add_argument(
        "--sms-status-url", default=None, help="where delivery receipts of sent SMS go"
    )
    serve.add_argument(
        "--sms-receipt-delay",
        type=float,
        default=DEFAULT_DELAY_SECONDS,
        help="virtual seconds from an SMS send to its delivery receipt",
    )
    serve.add_argument("--signature-secret", default=_DEFAULTS.signature_secret)
    serve.add_argument("--application-id", default=_DEFAULTS.application_id)
    serve.add_argument("--api-key", default=_DEFAULTS.api_key)
    serve.add_argument("--api-secret", default=None)
    serve.add_argument("--public-key", default=None, help="PEM text or file to verify REST JWTs")
    serve.add_argument("--numbers", default=None, help="the application's numbers, comma-separated")
    serve.add_argument("--ca-out", default=cli.DEFAULT_CA, help="where to write the CA PEM")
    serve.add_argument("--webhook-ca", default=None, help="CA PEM for https webhook URLs")
    serve.add_argument("--no-tls", action="store_true")
    serve.add_argument(
        "--phone-port",
        type=int,
        default=None,
        help="serve the dev phone's page on http://127.0.0.1:PORT (default: no dev phone)",
    )
    serve.add_argument("--unsigned", action="store_true", help="do not sign webhooks")
    serve.add_argument("--speed", type=float, default=None, help="virtual seconds per second")
    serve.add_argument(
        "--workers",
        type=int,
        default=WORKERS,
        help="calls carried at once, each on its own worker (0: one thread for every call)",
    )
    serve.set_defaults(func=_serve)
    cli.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the command; the exit code."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
