"""The HTTP client of the webhook widget (shell side): makes a ``HttpRequest`` and reports a
``HttpResult`` — a status and body, or an error kind — never raising. Bodies are capped.

Flows are written by tenants, so outside the local stage a request may not reach loopback,
private, link-local or other reserved addresses (the Lambda runtime API and metadata endpoints
live there): such a URL fails with ``BLOCKED_ADDRESS`` before anything is sent. Redirects are
not followed. Uses ``requests`` (imported on first use); the only module doing the widget's I/O.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from urllib.parse import urlsplit

from chalicelib.flows.outcomes import HttpRequest, HttpResult

MAX_BODY_BYTES = 256 * 1024


def _blocked(url: str) -> str | None:
    """Why ``url`` may not be fetched (None when it may)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "INVALID_URL"
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, ValueError):
        return "CONNECTION_ERROR"
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if not address.is_global or address.is_multicast:
            return "BLOCKED_ADDRESS"
    return None


def fetch(request: HttpRequest, allow_private: bool = False) -> HttpResult:
    """Make the request within its timeout."""
    import requests

    started = time.perf_counter()
    if not allow_private:
        reason = _blocked(request.url)
        if reason is not None:
            return HttpResult(None, "", time.perf_counter() - started, reason)
    headers = {"User-Agent": "Ringflow-Webhook/1", "Connection": "close", **request.headers}
    try:
        response = requests.request(
            request.method,
            request.url,
            headers=headers,
            data=request.body.encode() if request.body is not None else None,
            timeout=(min(request.timeout, 3.0), request.timeout),
            allow_redirects=False,
            stream=True,
        )
        body = response.raw.read(MAX_BODY_BYTES, decode_content=True).decode(
            response.encoding or "utf-8", errors="replace"
        )
        response.close()
        return HttpResult(response.status_code, body, time.perf_counter() - started)
    except (
        requests.exceptions.MissingSchema,
        requests.exceptions.InvalidURL,
        requests.exceptions.InvalidSchema,
    ):
        return HttpResult(None, "", time.perf_counter() - started, "INVALID_URL")
    except requests.exceptions.Timeout:
        return HttpResult(None, "", time.perf_counter() - started, "TIMEOUT")
    except requests.exceptions.RequestException:
        return HttpResult(None, "", time.perf_counter() - started, "CONNECTION_ERROR")
