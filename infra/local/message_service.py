"""The demo message service of the local run: what the pull app asks for each caller.

``GET /messages?cid=<caller digits>`` answers ``{"name": ..., "message": ...}`` (200) or
``{"error": "no message"}`` (404). It stands in for a customer's own API; the messages come
from ``demo-messages.json`` beside this file. It listens with a backlog (``LISTEN_BACKLOG``) that
takes the look-ups of hundreds of simultaneous calls; the standard library's default of 5 resets
bursts. Standard library only.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

MESSAGES_FILE = Path(__file__).with_name("demo-messages.json")
LISTEN_BACKLOG = 1024


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = LISTEN_BACKLOG


def load_messages(path: Path = MESSAGES_FILE) -> dict[str, dict[str, str]]:
    """Caller digits -> {name, message}."""
    data: dict[str, dict[str, str]] = json.loads(path.read_text())
    return data


class MessageService:
    """A loopback HTTP server answering message look-ups."""

    def __init__(self, messages: dict[str, dict[str, str]], host: str = "127.0.0.1", port: int = 0):
        store = messages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlparse(self.path)
                if url.path != "/messages":
                    self._send(404, {"error": "unknown path"})
                    return
                cid = parse_qs(url.query).get("cid", [""])[0].lstrip("+")
                entry = store.get(cid)
                if entry is None:
                    self._send(404, {"error": "no message", "cid": cid})
                else:
                    self._send(200, {"cid": cid, **entry})

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = _Server((host, port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """Base URL."""
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> MessageService:
        """Serve in a background thread."""
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()
