"""The dev phone's listener: plain HTTP on loopback (a browser takes it without a certificate
warning, unlike the provider API's TLS with its throwaway CA), a ``ThreadingHTTPServer`` in a
thread serving ``PhoneApi`` for one network. Refuses any host but a loopback address.

Imports the standard library and simulator modules; never the app.
"""

from __future__ import annotations

import ipaddress
import threading
from http.server import ThreadingHTTPServer

from chalicelib.simulator.network import Network
from chalicelib.simulator.phone.api import PhoneApi
from chalicelib.simulator.phone.desk import PhoneDesk
from chalicelib.simulator.server import ApiHandler

MAX_BODY = 64 * 1024


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    api: PhoneApi


class _Handler(ApiHandler):
    server: _Server
    max_body = MAX_BODY


class PhoneServer:
    """The dev phone's page and JSON on ``http://127.0.0.1:port`` (0: a free port)."""

    def __init__(self, network: Network, host: str = "127.0.0.1", port: int = 0) -> None:
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"the dev phone listens on loopback only, not {host}")
        self.network = network
        self.host = host
        self._requested_port = port
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the dev phone is not started")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def start(self) -> PhoneServer:
        httpd = _Server((self.host, self._requested_port), _Handler)
        httpd.api = PhoneApi(PhoneDesk(self.network), int(httpd.server_address[1]))
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, args=(0.05,), name="sim-phone", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> PhoneServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
