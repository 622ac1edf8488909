"""``make run``: the whole platform on loopback, on its embedded defaults.

Starts moto in server mode (DynamoDB, S3, SQS, SES, EventBridge, Scheduler), provisions the
tables, bucket and queue, loads the demo (account, every flow in ``flows/``, the pull-app number)
and the demo message service, then starts the app with ``chalice local``, the network simulator's
provider API (TLS, throwaway CA) and the event pump, prints the URLs and the command that places a
simulated call, and stops every child on Ctrl-C. Webhook signatures stay on: the simulator signs
like Vonage does.
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
from pathlib import Path
from typing import Any

from infra.local.message_service import MessageService, load_messages
from infra.local.moto import MotoProcess, free_port, wait_until_ready

ROOT = Path(__file__).resolve().parents[2]
STATE = Path(os.environ.get("RINGFLOW_LOCAL_DIR", str(ROOT / ".local")))
APP_PORT = int(os.environ.get("RINGFLOW_APP_PORT", "8000"))
SIM_PORT = int(os.environ.get("RINGFLOW_SIM_PORT", "8090"))
MOTO_PORT = int(os.environ.get("RINGFLOW_MOTO_PORT", "5055"))
MESSAGES_PORT = int(os.environ.get("RINGFLOW_MESSAGES_PORT", "8300"))
SIGNATURE_SECRET = "local-signature-secret-0123456789abcdef"
APPLICATION_ID = "00000000-0000-4000-8000-000000000000"


def _keypair() -> tuple[Path, Path]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    private_path, public_path = STATE / "application.key", STATE / "application.pub"
    if not private_path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        public_path.write_bytes(
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
    return private_path, public_path


def local_environment(moto_url: str, ca_path: Path, private_key: Path) -> dict[str, str]:
    """The environment every local process shares."""
    app = f"http://127.0.0.1:{APP_PORT}"
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
        "VONAGE_API_HOST": f"127.0.0.1:{SIM_PORT}",
        "VONAGE_REST_HOST": f"127.0.0.1:{SIM_PORT}",
        "VONAGE_CA_BUNDLE": str(ca_path),
        "RINGFLOW_SIM_URL": f"https://127.0.0.1:{SIM_PORT}",
        "RINGFLOW_SIM_CA": str(ca_path),
    }


def _spawn(args: list[str], env: dict[str, str], log: str) -> subprocess.Popen[bytes]:
    output = (STATE / log).open("ab")
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


def _busy_ports() -> list[str]:
    busy = []
    for name, port in (
        ("RINGFLOW_APP_PORT", APP_PORT),
        ("RINGFLOW_SIM_PORT", SIM_PORT),
        ("RINGFLOW_MOTO_PORT", MOTO_PORT),
        ("RINGFLOW_MESSAGES_PORT", MESSAGES_PORT),
    ):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                busy.append(f"{port} ({name})")
    return busy


def main() -> int:
    """Start everything, print how to use it, stop everything on Ctrl-C (or SIGTERM)."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    busy = _busy_ports()
    if busy:
        print(
            f"ports in use: {', '.join(busy)}. Is another `make run` still running? "
            "Stop it, or move this one with those variables.",
            file=sys.stderr,
        )
        return 2
    STATE.mkdir(exist_ok=True)
    bin_dir = Path(sys.executable).parent
    children: list[subprocess.Popen[bytes]] = []
    moto = MotoProcess(MOTO_PORT if MOTO_PORT else free_port(), log_path=STATE / "moto.log")
    messages = MessageService(load_messages(), port=MESSAGES_PORT)
    try:
        moto_url = moto.start()
        wait_until_ready(moto_url, 15)
        private_key, public_key = _keypair()
        ca_path = STATE / "sim-ca.pem"
        env = local_environment(moto_url, ca_path, private_key)
        os.environ.update(env)
        shared = {k: v for k, v in env.items() if k.startswith(("RINGFLOW_", "VONAGE_", "AWS_"))}
        (STATE / "env.json").write_text(json.dumps(shared, indent=2))

        from chalicelib.cli.demo import DEMO_CALLER, PULL_APP_NUMBER, load_demo
        from chalicelib.settings import from_environment
        from chalicelib.wiring import Container, override

        container = Container(from_environment(env))
        override(container)
        from infra.local.stack import provision

        provision(container.settings)
        demo = load_demo(container, ROOT / "flows", {"pull-message": {"service_url": messages.url}})
        messages.start()

        app_url = f"http://127.0.0.1:{APP_PORT}"
        sim_url = f"https://127.0.0.1:{SIM_PORT}"
        children.append(
            _spawn(
                [
                    str(bin_dir / "python"),
                    "-m",
                    "chalicelib.simulator",
                    "serve",
                    "--port",
                    str(SIM_PORT),
                    "--answer-url",
                    f"{app_url}/vonage/voice/answer",
                    "--event-url",
                    f"{app_url}/vonage/voice/event",
                    "--fallback-url",
                    f"{app_url}/vonage/voice/fallback",
                    "--sms-url",
                    f"{app_url}/vonage/sms/inbound",
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
                ],
                env,
                "simulator.log",
            )
        )
        children.append(
            _spawn(
                [
                    str(bin_dir / "chalice"),
                    "local",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(APP_PORT),
                    "--stage",
                    "local",
                    "--no-autoreload",
                ],
                env,
                "app.log",
            )
        )
        children.append(
            _spawn(
                [str(bin_dir / "python"), "-m", "infra.local.pump", "--app-module", "app"],
                env,
                "pump.log",
            )
        )
        _wait_http(f"{app_url}/health")
        deadline = time.monotonic() + 30
        while not ca_path.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        _wait_http(f"{sim_url}/_sim/health", verify=str(ca_path))

        defaults = SIM_PORT == 8090 and STATE == ROOT / ".local"
        where = "" if defaults else f" --sim-url {sim_url} --ca {ca_path}"
        key_note = f"  API key: {demo['api_key']}" if "api_key" in demo else ""
        key_note = f"  API key: {demo['api_key']}" if "api_key" in demo else ""
        print(
            f"""
Ringflow is running on loopback (logs in {STATE}/):
  app (chalice local)      {app_url}        OpenAPI: {app_url}/openapi.json
  network simulator (TLS)  {sim_url}   CA: {ca_path}
  moto (AWS)               {moto_url}
  demo message service     {messages.url}/messages?cid={DEMO_CALLER}
  demo account             {demo["account_id"]}{key_note}
  pull-app number          {PULL_APP_NUMBER}

Place a simulated call to the pull app (in another terminal):
  .venv/bin/ringflow sim call --from {DEMO_CALLER} --to {PULL_APP_NUMBER} --press 2{where}

Ctrl-C stops everything.""",
            flush=True,
        )
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        failed = [child.args for child in children if child.poll() is not None]
        print(f"a process stopped unexpectedly: {failed}; see {STATE}/*.log", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping...", flush=True)
        return 0
    finally:
        for child in reversed(children):
            _stop(child)
        if messages.thread.is_alive():
            messages.stop()
        moto.stop()


if __name__ == "__main__":
    raise SystemExit(main())
