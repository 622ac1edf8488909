"""moto in server mode on loopback: start it, wait until it answers, reset it, stop it.

Two ways to run it, one interface (:func:`moto_server` yields the endpoint URL):

- ``in_process=False`` (the local run, the default): a ``moto_server -H 127.0.0.1 -p PORT``
  subprocess from this venv. It is a process of its own, so it survives ``chalice local``'s
  autoreload (which restarts the app's process on every code change), keeps one state shared by
  the app, the event pump and the simulator, and is reset between demos with
  ``POST /moto-api/reset`` (:func:`reset`) without restarting anything.
- ``in_process=True`` (tests): ``moto.server.ThreadedMotoServer`` in a daemon thread, ~0.2 s to
  start instead of ~0.5 s, on an ephemeral port; it dies with the test process.

Only loopback is ever bound. Imports the standard library and moto only.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

LOOPBACK = "127.0.0.1"
READY_PATH = "/moto-api/"
RESET_PATH = "/moto-api/reset"


class MotoStartError(RuntimeError):
    """moto did not answer in time, or its process exited while starting."""


def free_port(host: str = LOOPBACK) -> int:
    """An unused TCP port on ``host`` (bound and released: fine on loopback)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def answers(url: str, timeout: float = 1.0) -> bool:
    """True when the moto server at ``url`` answers its dashboard path."""
    try:
        with urllib.request.urlopen(url + READY_PATH, timeout=timeout) as response:  # noqa: S310
            return int(response.status) < 500
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def wait_until_ready(
    url: str, timeout: float = 15.0, process: subprocess.Popen[bytes] | None = None
) -> None:
    """Poll ``url`` until moto answers; raise :class:`MotoStartError` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise MotoStartError(
                f"moto_server exited with code {process.returncode} while starting"
            )
        if answers(url):
            return
        time.sleep(0.05)
    raise MotoStartError(f"moto did not answer at {url} within {timeout} s")


def reset(url: str) -> None:
    """Drop every resource in the moto server at ``url`` (``POST /moto-api/reset``)."""
    request = urllib.request.Request(url + RESET_PATH, data=b"", method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        response.read()


def _moto_server_executable() -> str:
    beside = Path(sys.executable).with_name("moto_server")
    return str(beside) if beside.exists() else "moto_server"


class MotoProcess:
    """A ``moto_server`` subprocess bound to loopback."""

    def __init__(self, port: int = 0, host: str = LOOPBACK, log_path: Path | None = None) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.url = f"http://{host}:{self.port}"
        self._log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 15.0) -> str:
        """Start the server and return its URL once it answers."""
        output = open(self._log_path, "ab") if self._log_path else subprocess.DEVNULL  # noqa: SIM115
        try:
            self._process = subprocess.Popen(
                [_moto_server_executable(), "-H", self.host, "-p", str(self.port)],
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        finally:
            if not isinstance(output, int):
                output.close()
        try:
            wait_until_ready(self.url, timeout, self._process)
        except MotoStartError:
            self.stop()
            raise
        return self.url

    def stop(self, timeout: float = 5.0) -> None:
        """Terminate the server (SIGTERM, then SIGKILL after ``timeout`` s)."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)


class MotoThread:
    """moto's ``ThreadedMotoServer`` in this process, on loopback."""

    def __init__(self, port: int = 0, host: str = LOOPBACK) -> None:
        from moto.server import ThreadedMotoServer

        self._server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
        self.url = ""

    def start(self, timeout: float = 15.0) -> str:
        """Start the server thread and return its URL once it answers."""
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.url = f"http://{host}:{port}"
        wait_until_ready(self.url, timeout)
        return self.url

    def stop(self) -> None:
        """Shut the server down and join its thread."""
        self._server.stop()


@contextmanager
def moto_server(
    port: int = 0,
    *,
    host: str = LOOPBACK,
    in_process: bool = False,
    log_path: Path | None = None,
    timeout: float = 15.0,
) -> Iterator[str]:
    """Run moto on ``host:port`` (0: a free port) and yield its URL; stop it on exit."""
    server: MotoProcess | MotoThread = (
        MotoThread(port, host) if in_process else MotoProcess(port, host, log_path)
    )
    url = server.start(timeout)
    try:
        yield url
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    """``python -m infra.local.moto [--port N]``: run moto in the foreground until Ctrl-C."""
    import argparse
    import signal
    import threading

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with moto_server(args.port) as url:
        print(url, flush=True)
        with suppress(KeyboardInterrupt):
            stop.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
