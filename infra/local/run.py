"""``make run``: the whole platform on loopback, on its embedded defaults.

Starts moto in server mode (DynamoDB, S3, SQS, SNS, SES, EventBridge, Scheduler, and Secrets
Manager for the keys tenants give, such as Dialogflow's), provisions the tables, buckets, topic
and queues, starts the SMTP listener that receives mail as SES does
(``infra.local.mail``), loads the demo (account, every flow in ``flows/``, the pull-app number)
and the demo message service, then starts the app on Chalice's local server
(``infra.local.app_server``, what ``chalice local`` serves, with a listen backlog for bursts),
the network simulator's provider API (TLS, throwaway CA) with the dev phone's page (plain HTTP
on loopback, decision 0043) and the event pump, prints the URLs and the command that places a
simulated call, and stops every child on Ctrl-C. Webhook signatures stay on: the simulator signs
like Vonage does.

:func:`running_stack` is the same start-up as a context manager on any ports and state folder,
for ``make bench``'s load figure. Imports the standard library, ``infra.local`` and, once the
environment is set, ``chalicelib``; never imported by ``chalicelib``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.local import banners
from infra.local.message_service import MessageService, load_messages
from infra.local.moto import MotoProcess, wait_until_ready
from infra.local.stripe_api import StripeStandIn

ROOT = Path(__file__).resolve().parents[2]
STATE = Path(os.environ.get("RINGFLOW_LOCAL_DIR", str(ROOT / ".local")))
APP_PORT = int(os.environ.get("RINGFLOW_APP_PORT", "8000"))
SIM_PORT = int(os.environ.get("RINGFLOW_SIM_PORT", "8090"))
MOTO_PORT = int(os.environ.get("RINGFLOW_MOTO_PORT", "5055"))
MESSAGES_PORT = int(os.environ.get("RINGFLOW_MESSAGES_PORT", "8300"))
SMTP_PORT = int(os.environ.get("RINGFLOW_SMTP_PORT", "2525"))
STRIPE_PORT = int(os.environ.get("RINGFLOW_STRIPE_PORT", "8310"))
PHONE_PORT = int(os.environ.get("RINGFLOW_PHONE_PORT", "8091"))
"""The dev phone's page (plain HTTP on loopback, served by the simulator's process)."""
SIM_SPEED = os.environ.get("RINGFLOW_SIM_SPEED", "1")
"""Virtual seconds per real second of the simulated calls: 1, real time, as the carrier's, so a
call waits for what the platform does meanwhile (an agent's or operator's leg placed from the
task queue, a timer); ``fast`` runs each call as fast as it can (the carrier's durations close
to 0 s)."""
STRIPE_SECRET_KEY = "sk_test_ringflow_local"
STRIPE_WEBHOOK_SECRET = "whsec_ringflow_local_0123456789abcdef"
SIGNATURE_SECRET = "local-signature-secret-0123456789abcdef"
SMS_SIGNATURE_METHOD = "md5hash"
"""The SMS signature method of the local account: a fresh Vonage account's default (FACTS §4.2);
the app and the simulator are both told it."""
APPLICATION_ID = "00000000-0000-4000-8000-000000000000"


@dataclass(frozen=True)
class Ports:
    """Where each server of the local stack listens (loopback)."""

    app: int = APP_PORT
    sim: int = SIM_PORT
    moto: int = MOTO_PORT
    messages: int = MESSAGES_PORT
    smtp: int = SMTP_PORT
    stripe: int = STRIPE_PORT
    phone: int = PHONE_PORT

    def named(self) -> list[tuple[str, int]]:
        """Each port with the variable that moves it."""
        return [
            ("RINGFLOW_APP_PORT", self.app),
            ("RINGFLOW_SIM_PORT", self.sim),
            ("RINGFLOW_MOTO_PORT", self.moto),
            ("RINGFLOW_MESSAGES_PORT", self.messages),
            ("RINGFLOW_SMTP_PORT", self.smtp),
            ("RINGFLOW_STRIPE_PORT", self.stripe),
            ("RINGFLOW_PHONE_PORT", self.phone),
        ]


@dataclass
class RunningStack:
    """Handles on a started local stack."""

    ports: Ports
    state: Path
    app_url: str
    sim_url: str
    moto_url: str
    messages_url: str
    stripe_url: str
    ca_path: Path
    demo: dict[str, Any]
    children: list[subprocess.Popen[bytes]] = field(default_factory=list)
    smtp: str = ""
    """``host:port`` of the SMTP listener that receives mail as SES does."""
    phone_url: str = ""
    """The dev phone's page."""

    def stopped_children(self) -> list[Any]:
        """The command lines of children that have exited."""
        return [child.args for child in self.children if child.poll() is not None]


def _keypair(state: Path) -> tuple[Path, Path]:
    from infra.local.keys import application_key_pair

    private_path, public_path = state / "application.key", state / "application.pub"
    if not private_path.exists():
        private, public = application_key_pair()
        private_path.write_text(private)
        public_path.write_text(public)
    return private_path, public_path


def local_environment(
    moto_url: str, ca_path: Path, private_key: Path, ports: Ports | None = None
) -> dict[str, str]:
    """The environment every local process shares."""
    ports = ports or Ports()
    app = f"http://127.0.0.1:{ports.app}"
    return {
        **os.environ,
        "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "eu-west-1"),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_EC2_METADATA_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "RINGFLOW_STAGE": "local",
        "RINGFLOW_AWS_ENDPOINT_URL": moto_url,
        "RINGFLOW_PUBLIC_BASE_URL": app,
        "RINGFLOW_VERIFY_SIGNATURES": "true",
        "VONAGE_APPLICATION_ID": APPLICATION_ID,
        "VONAGE_PRIVATE_KEY": private_key.read_text(),
        "VONAGE_SIGNATURE_SECRET": SIGNATURE_SECRET,
        "VONAGE_SMS_SIGNATURE_METHOD": SMS_SIGNATURE_METHOD,
        "VONAGE_API_HOST": f"127.0.0.1:{ports.sim}",
        "VONAGE_REST_HOST": f"127.0.0.1:{ports.sim}",
        "VONAGE_CA_BUNDLE": str(ca_path),
        "RINGFLOW_SIM_URL": f"https://127.0.0.1:{ports.sim}",
        "RINGFLOW_SIM_CA": str(ca_path),
        "RINGFLOW_SMTP_PORT": str(ports.smtp),
        "STRIPE_API_BASE": f"http://127.0.0.1:{ports.stripe}",
        "STRIPE_SECRET_KEY": STRIPE_SECRET_KEY,
        "STRIPE_WEBHOOK_SECRET": STRIPE_WEBHOOK_SECRET,
        # the demo's web callback service places the calls of the users' web pages
        "RINGFLOW_PORTAL_CALLBACK_SERVICE": "demo-desk",
    }


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    output = log.open("ab")
    try:
        return subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    finally:
        output.close()


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(5)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def _wait_http(url: str, timeout: float = 30.0, verify: Any = True) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1, verify=verify, headers={"Connection": "close"})
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def busy_ports(ports: Ports) -> list[str]:
    """The ports of ``ports`` something already listens on, with the variable that moves each."""
    busy = []
    for name, port in ports.named():
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                busy.append(f"{port} ({name})")
    return busy


def _simulator_command(
    python: str, ports: Ports, ca_path: Path, public_key: Path, extra: Sequence[str]
) -> list[str]:
    app_url = f"http://127.0.0.1:{ports.app}"
    return [
        python,
        "-m",
        "chalicelib.simulator",
        "serve",
        "--port",
        str(ports.sim),
        "--answer-url",
        f"{app_url}/vonage/voice/answer",
        "--event-url",
        f"{app_url}/vonage/voice/event",
        "--fallback-url",
        f"{app_url}/vonage/voice/fallback",
        "--sms-url",
        f"{app_url}/vonage/sms/inbound",
        "--sms-status-url",
        f"{app_url}/vonage/sms/status",
        "--sms-signature-method",
        SMS_SIGNATURE_METHOD,
        "--signature-secret",
        SIGNATURE_SECRET,
        "--application-id",
        APPLICATION_ID,
        "--api-key",
        "ringflowlocal",
        "--api-secret",
        "ringflowlocal",
        "--public-key",
        str(public_key),
        "--ca-out",
        str(ca_path),
        "--phone-port",
        str(ports.phone),
        *extra,
    ]


@contextlib.contextmanager
def running_stack(
    ports: Ports,
    state: Path,
    messages: Mapping[str, Mapping[str, str]] | None = None,
    *,
    simulator_args: Sequence[str] = (),
) -> Iterator[RunningStack]:
    """Start moto, the resources, the demo, the message service (``messages``, default the demo
    messages), the simulator, the app and the pump on ``ports``, with logs and keys in
    ``state``; stop every one of them on exit. Sets this process's environment to the local
    stack's and installs its container (the local run's process is the stack's owner)."""
    state.mkdir(parents=True, exist_ok=True)
    python = sys.executable
    children: list[subprocess.Popen[bytes]] = []
    listener: Any = None
    moto = MotoProcess(ports.moto, log_path=state / "moto.log")
    service = MessageService(
        {k: dict(v) for k, v in (messages or load_messages()).items()}, port=ports.messages
    )
    stripe = StripeStandIn(
        f"http://127.0.0.1:{ports.app}/payments/stripe/webhook",
        secret_key=STRIPE_SECRET_KEY,
        webhook_secret=STRIPE_WEBHOOK_SECRET,
        port=ports.stripe,
    )
    try:
        moto_url = moto.start()
        wait_until_ready(moto_url, 15)
        private_key, public_key = _keypair(state)
        ca_path = state / "sim-ca.pem"
        env = local_environment(moto_url, ca_path, private_key, ports)
        os.environ.update(env)
        shared = {k: v for k, v in env.items() if k.startswith(("RINGFLOW_", "VONAGE_", "AWS_"))}
        (state / "env.json").write_text(json.dumps(shared, indent=2))

        from chalicelib.cli.demo import load_demo
        from chalicelib.settings import from_environment
        from chalicelib.wiring import Container, override

        container = Container(from_environment(env))
        override(container)
        from infra.local.stack import provision

        provision(container.settings)
        from infra.local.mail import SesSmtpListener

        listener = SesSmtpListener(container.settings, ports.smtp).start()
        demo = load_demo(container, ROOT / "flows", {"pull-message": {"service_url": service.url}})
        service.start()
        stripe.start()

        app_url = f"http://127.0.0.1:{ports.app}"
        sim_url = f"https://127.0.0.1:{ports.sim}"
        children.append(
            _spawn(
                _simulator_command(
                    python, ports, ca_path, public_key, [*_rented(demo), *simulator_args]
                ),
                env,
                state / "simulator.log",
            )
        )
        children.append(
            _spawn(
                [
                    python,
                    "-m",
                    "infra.local.app_server",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(ports.app),
                    "--stage",
                    "local",
                ],
                env,
                state / "app.log",
            )
        )
        children.append(
            _spawn(
                [python, "-m", "infra.local.pump", "--app-module", "app"],
                env,
                state / "pump.log",
            )
        )
        _wait_http(f"{app_url}/health")
        deadline = time.monotonic() + 30
        while not ca_path.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        _wait_http(f"{sim_url}/_sim/health", verify=str(ca_path))
        yield RunningStack(
            ports=ports,
            state=state,
            app_url=app_url,
            sim_url=sim_url,
            moto_url=moto_url,
            messages_url=service.url,
            stripe_url=stripe.url,
            ca_path=ca_path,
            demo=demo,
            children=children,
            smtp=f"127.0.0.1:{listener.port}",
            phone_url=f"http://127.0.0.1:{ports.phone}/",
        )
    finally:
        for child in reversed(children):
            _stop(child)
        if listener is not None:
            listener.stop()
        if service.thread.is_alive():
            service.stop()
        if stripe.thread.is_alive():
            stripe.stop()
        moto.stop()


def _rented(demo: Mapping[str, Any]) -> list[str]:
    """``--numbers`` for the simulator: the demo's numbers are the account's (a connect may
    present them as its caller id, as a callback shows its access number)."""
    numbers = [*demo.get("numbers", {})]
    callback = demo.get("callback") or {}
    numbers += [callback[kind] for kind in ("ani", "dnis", "pin") if kind in callback]
    speech = demo.get("speech") or {}
    numbers += [speech["number"]] if "number" in speech else []
    click2call = demo.get("click2call") or {}
    numbers += [click2call["number"]] if "number" in click2call else []
    return ["--numbers", ",".join(numbers)] if numbers else []


def main() -> int:
    """Start everything, print how to use it, stop everything on Ctrl-C (or SIGTERM)."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    ports = Ports()
    busy = busy_ports(ports)
    if busy:
        print(
            f"ports in use: {', '.join(busy)}. Is another `make run` still running? "
            "Stop it, or move this one with those variables.",
            file=sys.stderr,
        )
        return 2
    from chalicelib.cli.demo import DEMO_CALLER, PULL_APP_NUMBER
    from chalicelib.settings import from_environment

    try:
        speed = [] if SIM_SPEED == "fast" else ["--speed", SIM_SPEED]
        with running_stack(ports, STATE, simulator_args=speed) as stack:
            defaults = ports.sim == 8090 and STATE == ROOT / ".local"
            where = "" if defaults else f" --sim-url {stack.sim_url} --ca {stack.ca_path}"
            if not defaults and STATE == ROOT / ".local":
                where = " --local"  # the ports moved; .local/env.json knows where to
            demo = stack.demo
            mail_to = f"platform@{from_environment().mail_domain}"
            key_note = f"  API key: {demo['api_key']}" if "api_key" in demo else ""
            print(
                f"""
Ringflow is running on loopback (logs in {STATE}/):
  app (chalice local)      {stack.app_url}        OpenAPI: {stack.app_url}/openapi.json
  dev phone (browser)      {stack.phone_url}
  console (flows, calls)   {stack.app_url}/console   account {demo["account_id"]}, its API key
  network simulator (TLS)  {stack.sim_url}   CA: {stack.ca_path}
  moto (AWS)               {stack.moto_url}
  demo message service     {stack.messages_url}/messages?cid={DEMO_CALLER}
  SMTP (as SES receives)   {stack.smtp}
  Stripe stand-in (cards)  {stack.stripe_url}   (ringflow callback-account card-top-up PIN 5.00)
  demo account             {demo["account_id"]}{key_note}
  pull-app number          {PULL_APP_NUMBER}

Place a simulated call to the pull app (in another terminal):
  .venv/bin/ringflow sim call --from {DEMO_CALLER} --to {PULL_APP_NUMBER} --press 2{where}
{banners.callback_banner(demo, where, stack.app_url)}\
{banners.speech_banner(demo, DEMO_CALLER, where)}
Send the platform an e-mail, and read what it sent back:
  .venv/bin/ringflow sim send-mail --local --from you@example.com --to {mail_to} --body "hello"
  .venv/bin/ringflow sim mail --local
{banners.campaigns_banner(demo, DEMO_CALLER, where, stack.app_url)}\
{banners.click2call_banner(demo, DEMO_CALLER, where, stack.app_url)}\
{banners.dialer_banner(demo, DEMO_CALLER, where, stack.app_url)}
Ctrl-C stops everything.""",
                flush=True,
            )
            while not stack.stopped_children():
                time.sleep(0.5)
            failed = stack.stopped_children()
            print(f"a process stopped unexpectedly: {failed}; see {STATE}/*.log", file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        print("\nstopping...", flush=True)
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
