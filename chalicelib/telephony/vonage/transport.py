"""The vonage SDK's HTTP client, set up the way Ringflow needs it: the only module that does so.

``vonage_http_client.HttpClient`` builds its own ``requests.Session`` and only takes whole-second
timeouts, so a subclass sets what the options cannot: a float timeout on every request, TLS trust
in ``ca_bundle`` on *this* session (never ``REQUESTS_CA_BUNDLE``, which would change trust for the
whole process; note that ``requests`` lets that variable, when set, win over the session), and a
urllib3 retry policy that retries only connection failures (the request never left) and leaves
429s to the client's back-off instead of sleeping on ``Retry-After`` inside urllib3, and no
re-sending of a request whose connection dropped (the SDK's own loop would re-send a call
creation that may already be ringing). It also
keeps the SDK's ``vonage`` logger off DEBUG, where it would log ``Authorization`` headers and API
secrets. Imported lazily by ``client`` (vonage_http_client costs ~0.4 s of cold start); imports
the vonage SDK, requests and urllib3.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from requests import Session
from requests.adapters import HTTPAdapter
from urllib3 import Retry
from vonage_http_client import Auth, HttpClient, HttpClientOptions

CONNECT_RETRIES = 2
"""Times a connection that could not be opened is retried (nothing was sent yet)."""

POOL_SIZE = 10


def _quiet_sdk_logger() -> None:
    sdk_logger = logging.getLogger("vonage")
    if sdk_logger.level < logging.INFO:  # NOTSET would inherit a DEBUG root
        sdk_logger.setLevel(logging.INFO)


class ConfiguredHttpClient(HttpClient):  # type: ignore[misc]  # the SDK ships no type hints
    """An SDK ``HttpClient`` with a float timeout, its own TLS trust and our retry policy."""

    def __init__(
        self,
        auth: Any,
        *,
        api_host: str,
        rest_host: str,
        timeout: float,
        ca_bundle: str | None,
    ) -> None:
        if not (math.isfinite(timeout) and timeout > 0):
            raise ValueError(f"timeout must be a positive number of seconds, got {timeout}")
        options = HttpClientOptions(
            api_host=api_host,
            rest_host=rest_host,
            timeout=max(1, math.ceil(timeout)),
            pool_connections=POOL_SIZE,
            pool_maxsize=POOL_SIZE,
            max_retries=CONNECT_RETRIES,
        )
        super().__init__(auth, options)
        _quiet_sdk_logger()
        # What HttpClientOptions cannot express, set on this client's own session only.
        self._timeout = timeout
        # make_request re-sends a request whose connection dropped (RemoteDisconnected) up to
        # pool_maxsize times: for POST /v1/calls that can ring someone twice. Let it send once;
        # the client maps the failure (unknown outcome for a creation, retryable otherwise).
        self._http_client_options = options.model_copy(update={"pool_maxsize": 1})
        retry = Retry(
            total=CONNECT_RETRIES,
            connect=CONNECT_RETRIES,
            read=0,
            status=0,
            other=0,
            redirect=3,
            backoff_factor=0.1,
            respect_retry_after_header=False,
            raise_on_status=False,
        )
        self._session.mount(
            "https://",
            HTTPAdapter(pool_connections=POOL_SIZE, pool_maxsize=POOL_SIZE, max_retries=retry),
        )
        if ca_bundle is not None:
            # An explicit CA must win over REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE, which requests
            # would otherwise prefer for every request of a session that trusts the environment.
            self._session.verify = ca_bundle
            self._session.trust_env = False

    @property
    def session(self) -> Session:
        """The ``requests`` session every request of this client goes through."""
        session: Session = self._session
        return session

    @property
    def timeout(self) -> float:
        """Seconds allowed to connect and, separately, to read the answer."""
        return float(self._timeout)


def voice_http_client(
    application_id: str,
    private_key: str,
    *,
    api_host: str,
    rest_host: str,
    timeout: float,
    ca_bundle: str | None,
) -> ConfiguredHttpClient:
    """A client that signs every request with an application JWT (Voice API)."""
    auth = Auth(application_id=application_id, private_key=private_key)
    return ConfiguredHttpClient(
        auth, api_host=api_host, rest_host=rest_host, timeout=timeout, ca_bundle=ca_bundle
    )


def sms_http_client(
    api_key: str,
    api_secret: str,
    *,
    api_host: str,
    rest_host: str,
    timeout: float,
    ca_bundle: str | None,
) -> ConfiguredHttpClient:
    """A client that authenticates with the API key and secret (SMS API).

    Separate from the voice client on purpose: the SDK keeps ``Content-Type: application/json``
    in a shared header dict after a JSON request, which would then mislabel the SMS form body.
    """
    auth = Auth(api_key=api_key, api_secret=api_secret)
    return ConfiguredHttpClient(
        auth, api_host=api_host, rest_host=rest_host, timeout=timeout, ca_bundle=ca_bundle
    )
