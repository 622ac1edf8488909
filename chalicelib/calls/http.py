"""The HTTP client of the webhook widget, on the shell's side of the engine (``flows/`` stays
pure): makes a ``HttpRequest`` and reports a ``HttpResult`` — a status and body, or an error
kind — never raising. Bodies are capped.

Flows are written by tenants, so outside the local stage a request may not reach loopback,
private, link-local or other reserved addresses (the Lambda runtime API and metadata endpoints
live there): the host is resolved once, every address is checked, and the connection goes to
the checked address (TLS still verifies the host name), so a second DNS answer cannot redirect
it. Such a URL fails with ``BLOCKED_ADDRESS`` before anything is sent. Redirects are not
followed. Uses urllib3 (imported on first use); the only module doing the widget's I/O.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from typing import Any
from urllib.parse import urlsplit

from chalicelib.flows.outcomes import HttpRequest, HttpResult

MAX_BODY_BYTES = 256 * 1024


class _TooSlow(Exception):
    """The body did not arrive within the request's timeout."""


class _Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _address(host: str, port: int, allow_private: bool) -> str:
    """The address to connect to, checked."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, ValueError):
        raise _Refused("CONNECTION_ERROR") from None
    addresses = [str(info[4][0]).split("%", 1)[0] for info in infos]
    if not addresses:
        raise _Refused("CONNECTION_ERROR")
    if not allow_private:
        for text in addresses:
            address = ipaddress.ip_address(text)
            if not address.is_global or address.is_multicast:
                raise _Refused("BLOCKED_ADDRESS")
    return addresses[0]


def _pool(
    scheme: str, address: str, host: str, port: int, timeout: Any, ca_certs: str | None
) -> Any:
    import urllib3

    if scheme == "http":
        return urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False, maxsize=1)
    if ca_certs is None:
        import certifi

        ca_certs = certifi.where()
    return urllib3.HTTPSConnectionPool(
        address,
        port,
        timeout=timeout,
        retries=False,
        maxsize=1,
        cert_reqs="CERT_REQUIRED",
        ca_certs=ca_certs,
        server_hostname=host,
        assert_hostname=host,
    )


def _read_until(response: Any, ends_at: float) -> bytes:
    """The body, at most ``MAX_BODY_BYTES``, read in chunks so that a server that trickles it
    cannot hold the request past its timeout (each socket read alone is bounded by the read
    timeout, the whole body by ``ends_at``)."""
    chunks: list[bytes] = []
    size = 0
    while size < MAX_BODY_BYTES:
        if time.perf_counter() > ends_at:
            raise _TooSlow
        chunk = response.read(min(16 * 1024, MAX_BODY_BYTES - size), decode_content=True)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def fetch(
    request: HttpRequest, allow_private: bool = False, ca_certs: str | None = None
) -> HttpResult:
    """Make the request within its timeout."""
    import urllib3

    started = time.perf_counter()

    def result(status: int | None, body: str = "", error: str | None = None) -> HttpResult:
        return HttpResult(status, body, time.perf_counter() - started, error)

    parts = urlsplit(request.url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return result(None, error="INVALID_URL")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return result(None, error="INVALID_URL")
    try:
        address = _address(parts.hostname, port, allow_private)
    except _Refused as refused:
        return result(None, error=refused.reason)
    left = request.timeout - (time.perf_counter() - started)  # name resolution took some
    if left <= 0:
        return result(None, error="TIMEOUT")
    timeout = urllib3.Timeout(connect=min(left, 3.0), read=left, total=left)
    pool = _pool(parts.scheme, address, parts.hostname, port, timeout, ca_certs)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {
        "Host": parts.netloc.rsplit("@", 1)[-1],
        "User-Agent": "Ringflow-Webhook/1",
        "Connection": "close",
        **request.headers,
    }
    try:
        response = pool.urlopen(
            request.method,
            target,
            body=request.body.encode() if request.body is not None else None,
            headers=headers,
            redirect=False,
            retries=False,
            preload_content=False,
            assert_same_host=False,
        )
        data = _read_until(response, started + request.timeout)
        response.release_conn()
        charset = (
            response.headers.get_content_charset()
            if hasattr(response.headers, "get_content_charset")
            else None
        )
        return result(response.status, data.decode(charset or "utf-8", errors="replace"))
    except urllib3.exceptions.NewConnectionError:  # (a subclass of the connect timeout)
        return result(None, error="CONNECTION_ERROR")
    except (urllib3.exceptions.TimeoutError, _TooSlow):
        return result(None, error="TIMEOUT")
    except urllib3.exceptions.HTTPError:
        return result(None, error="CONNECTION_ERROR")
    finally:
        pool.close()
