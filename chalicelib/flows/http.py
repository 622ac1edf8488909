"""The HTTP client of the webhook widget (shell side): makes a ``HttpRequest`` and reports a
``HttpResult`` — a status and body, or an error kind — never raising. Bodies are capped.

Uses ``requests`` (imported on first use). The only module that performs the widget's I/O.
"""

from __future__ import annotations

import time

from chalicelib.flows.outcomes import HttpRequest, HttpResult

MAX_BODY_BYTES = 256 * 1024


def fetch(request: HttpRequest) -> HttpResult:
    """Make the request within its timeout."""
    import requests

    started = time.perf_counter()
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
