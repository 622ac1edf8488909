"""moto in server mode on loopback: start it, wait until it answers, reset it, stop it.

Two ways to run it, one interface (:func:`moto_server` yields the endpoint URL):

- ``in_process=False`` (the local run, the default): ``python -m infra.local.moto --port PORT``,
  a subprocess from this venv serving moto's WSGI app. It is a process of its own, so it survives
  ``chalice local``'s autoreload (which restarts the app's process on every code change), keeps
  one state shared by the app, the event pump and the simulator, and is reset between demos with
  ``POST /moto-api/reset`` (:func:`reset`) without restarting anything.
- ``in_process=True`` (tests): the same server in a daemon thread, ~0.2 s to start instead of
  ~0.5 s, on an ephemeral port; it dies with the test process.

Both serve moto's own WSGI app and request handler (what ``moto_server`` and
``ThreadedMotoServer`` serve) from a werkzeug threaded server whose listen backlog
(``LISTEN_BACKLOG``) takes a burst of hundreds of simultaneous connections; werkzeug's default
of 128 would drop some. Only loopback is ever bound. Imports the standard library, werkzeug and
moto only.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

LOOPBACK = "127.0.0.1"
READY_PATH = "/moto-api/"
RESET_PATH = "/moto-api/reset"
LISTEN_BACKLOG = 1024
ROOT = Path(__file__).resolve().parents[2]


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
                f"the moto server exited with code {process.returncode} while starting"
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


def make_server(host: str = LOOPBACK, port: int = 0) -> Any:
    """moto's WSGI app on a threaded werkzeug server listening on ``host:port`` with a backlog
    of ``LISTEN_BACKLOG`` (not yet serving: call ``serve_forever``)."""
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import ThreadedWSGIServer

    class BackloggedServer(ThreadedWSGIServer):
        request_queue_size = LISTEN_BACKLOG

    app = DomainDispatcherApplication(create_backend_app)
    return BackloggedServer(host, port, app, handler=MotoRequestHandler)


class MotoProcess:
    """A moto server subprocess (``python -m infra.local.moto``) bound to loopback."""

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
                [
                    sys.executable,
                    "-m",
                    "infra.local.moto",
                    "--host",
                    self.host,
                    "--port",
                    str(self.port),
                ],
                cwd=ROOT,
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
    """The moto server in a daemon thread of this process, on loopback."""

    def __init__(self, port: int = 0, host: str = LOOPBACK) -> None:
        self._server = make_server(host, port)
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)
        self.url = ""

    def start(self, timeout: float = 15.0) -> str:
        """Start the server thread and return its URL once it answers."""
        self._thread.start()
        host, port = self._server.server_address[:2]
        self.url = f"http://{host}:{port}"
        wait_until_ready(self.url, timeout)
        return self.url

    def stop(self) -> None:
        """Shut the server down and join its thread."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


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
    """``python -m infra.local.moto [--host H] [--port N]``: serve moto in the foreground until
    SIGTERM or Ctrl-C."""
    import argparse
    import signal

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--host", default=LOOPBACK)
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    server = make_server(args.host, args.port)
    serving = threading.Thread(target=server.serve_forever, name="moto", daemon=True)
    serving.start()
    host, port = server.server_address[:2]
    print(f"moto listening on http://{host}:{port}", flush=True)
    with suppress(KeyboardInterrupt):
        while not stop.wait(0.5):
            pass
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
