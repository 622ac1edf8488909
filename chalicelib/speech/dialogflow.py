"""Dialogflow ES as an intent engine: ``DialogflowEngine`` asks an agent, through Google's
``google-cloud-dialogflow`` library, what one utterance means (``SessionsClient.detect_intent``
with text input, one Dialogflow session per call, the language per request, an explicit deadline
and no retry beyond it) and maps the answer to the port's ``Detection``.

The credentials are a service account's JSON key, read from a secret and given as text; an
``endpoint`` (``host:port``) replaces Google's with a plain-text gRPC channel, which the tests
point at a loopback server speaking the library's own messages
(infra/local/dialogflow_api.py). Every
gRPC, Google API or credential failure, and a deadline passed, is ``EngineUnavailableError``
naming what happened and never the key (docs/decisions/0029).

Owns the Dialogflow adapter. Imports ``google.cloud``, ``google.api_core``, ``google.auth``,
``google.protobuf`` and ``grpc`` only here, and only when an engine first detects (never on a
Lambda cold start: the library costs ~0.9 s to import); imports the speech port and the
platform's errors otherwise; must not import web, store, flows, calls or pynamodb.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Mapping
from typing import Any

from chalicelib.speech.port import AgentError, Detection, EngineUnavailableError

MAX_TEXT = 256
"""Dialogflow ES refuses a text query longer than this many characters: longer text is cut."""
MAX_SESSION_ID = 36
"""Dialogflow ES's limit on a session id; a longer (or unusual) one is replaced by its hash."""
SESSION_ID = re.compile(rf"[A-Za-z0-9_-]{{1,{MAX_SESSION_ID}}}")
NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")
KEY_FIELDS = ("type", "project_id", "private_key", "client_email", "token_uri")
"""The fields of a service account key that ``from_service_account_info`` reads."""
MAX_DETAIL = 200
"""The longest part of a server's error message kept in ``EngineUnavailableError``."""


class DialogflowEngine:
    """The ``IntentEngine`` of one Dialogflow ES agent (``project``), optionally one of its
    environments (``environment``; the draft agent when None). Thread-safe; the gRPC client is
    built on the first ``detect`` and kept for the next ones."""

    def __init__(
        self,
        project: str,
        credentials_json: str,
        *,
        environment: str | None = None,
        endpoint: str | None = None,
    ) -> None:
        """Raises ``AgentError`` if the project or environment id is malformed or the
        credentials are not a service account key (JSON with the fields Google reads)."""
        problems = []
        if not NAME.fullmatch(project):
            problems.append("project: a Dialogflow project id (letters, digits, - _ .)")
        if environment is not None and not NAME.fullmatch(environment):
            problems.append("environment: an environment id (letters, digits, - _ .)")
        self._key = service_account_key(credentials_json, problems)
        if problems:
            raise AgentError("the Dialogflow agent cannot be used", problems=problems)
        self.project = project
        self.environment = environment
        self.endpoint = endpoint
        self._client: Any = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"DialogflowEngine(project={self.project!r}, environment={self.environment!r})"

    def detect(self, session: str, text: str, language: str, timeout: float) -> Detection:
        """One ``DetectIntent`` request for ``text`` (cut to 256 characters) in ``language``, in
        the Dialogflow session named after ``session``, with a ``timeout`` second deadline and
        no retry. Blank text is no match, without asking. Raises ``EngineUnavailableError``
        if Dialogflow fails or does not answer in time."""
        # a lone surrogate cannot be UTF-8 on the wire: it becomes "?"
        text = utf8(text).strip()[:MAX_TEXT]
        if not text:
            return Detection(intent=None, confidence=0.0)
        if not timeout > 0:
            raise EngineUnavailableError("no time left to ask Dialogflow")
        from google.api_core import exceptions as api_exceptions
        from google.auth import exceptions as auth_exceptions

        client = self._sessions_client()
        try:
            from google.cloud import dialogflow_v2 as dialogflow

            request = dialogflow.DetectIntentRequest(
                session=self.session_path(session),
                query_input=dialogflow.QueryInput(
                    text=dialogflow.TextInput(text=text, language_code=utf8(language))
                ),
            )
            response = client.detect_intent(request=request, timeout=timeout, retry=None)
        except api_exceptions.DeadlineExceeded as error:
            raise EngineUnavailableError(
                f"Dialogflow did not answer within {timeout:g} s"
            ) from error
        except api_exceptions.GoogleAPICallError as error:
            raise EngineUnavailableError(
                f"Dialogflow failed: {status_name(error)}: {detail(error.message)}"
            ) from error
        except (api_exceptions.GoogleAPIError, auth_exceptions.GoogleAuthError) as error:
            raise EngineUnavailableError(
                f"Dialogflow failed: {type(error).__name__}: {detail(str(error))}"
            ) from error
        return detection(type(response).pb(response))

    def warm(self) -> None:
        """Import Google's client and build the gRPC client now (no request is sent): a call's
        first detection then pays for neither (about 0.9 s on a cold process)."""
        self._sessions_client()

    def session_path(self, session: str) -> str:
        """The Dialogflow session of call ``session``: the agent's (or its environment's)
        ``.../sessions/<id>``; an id Dialogflow would refuse is replaced by its SHA-256 prefix."""
        if not SESSION_ID.fullmatch(session):
            session = hashlib.sha256(session.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        if self.environment is None:
            return f"projects/{self.project}/agent/sessions/{session}"
        return (
            f"projects/{self.project}/agent/environments/{self.environment}"
            f"/users/-/sessions/{session}"
        )

    def close(self) -> None:
        """Closes the gRPC channel, if one was opened."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.transport.close()

    def _sessions_client(self) -> Any:
        """The library's ``SessionsClient``, built on first use: Google's endpoint with the
        service account's credentials, or a plain-text channel to ``endpoint``."""
        with self._lock:
            if self._client is None:
                self._client = self._build_client()
            return self._client

    def _build_client(self) -> Any:
        from google.oauth2 import service_account

        try:
            credentials = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
                self._key, scopes=["https://www.googleapis.com/auth/dialogflow"]
            )
        except (ValueError, KeyError, TypeError) as error:
            # the message of a key that does not parse names no part of the key
            raise EngineUnavailableError(
                f"the Dialogflow credentials cannot be used: {type(error).__name__}"
            ) from None
        from google.cloud import dialogflow_v2 as dialogflow

        if self.endpoint is None:
            return dialogflow.SessionsClient(credentials=credentials)
        import grpc
        from google.cloud.dialogflow_v2.services.sessions.transports import (
            SessionsGrpcTransport,
        )

        channel = grpc.insecure_channel(self.endpoint)
        return dialogflow.SessionsClient(transport=SessionsGrpcTransport(channel=channel))


def utf8(text: str) -> str:
    """``text`` as it can travel in UTF-8: a lone surrogate becomes "?"."""
    return text.encode("utf-8", "replace").decode()


def service_account_key(credentials_json: str, problems: list[str]) -> dict[str, Any]:
    """The service account key in ``credentials_json``; appends to ``problems`` what is wrong
    with it (never its content)."""
    try:
        key = json.loads(credentials_json)
    except ValueError:
        problems.append("credentials: not JSON (a service account key is expected)")
        return {}
    if not isinstance(key, dict):
        problems.append("credentials: not a JSON object (a service account key is expected)")
        return {}
    missing = [name for name in KEY_FIELDS if not isinstance(key.get(name), str) or not key[name]]
    if missing:
        problems.append(f"credentials: a service account key lacks {', '.join(missing)}")
    elif key["type"] != "service_account":
        problems.append("credentials: the key's type is not service_account")
    return key


def detection(response: Any) -> Detection:
    """The ``Detection`` of a ``DetectIntentResponse`` (its raw protobuf message): no intent for
    a fallback intent or none."""
    from google.protobuf import json_format

    result = response.query_result
    intent: str | None = result.intent.display_name or None
    if result.intent.is_fallback:
        intent = None
    confidence = min(max(float(result.intent_detection_confidence), 0.0), 1.0)
    parameters = json_format.MessageToDict(result.parameters)
    return Detection(
        intent=intent,
        confidence=confidence,
        fulfilment=result.fulfillment_text,
        parameters={name: as_text(value) for name, value in sorted(parameters.items())},
    )


def as_text(value: object) -> str:
    """A parameter's value as text: a list joined with ", ", a whole number without ``.0``,
    ``true``/``false``, nothing for null, a structure (a date period, an amount) as JSON."""
    if isinstance(value, list):
        return ", ".join(as_text(item) for item in value)
    if isinstance(value, Mapping):
        return json.dumps(plain(value), sort_keys=True, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{plain(value)}"
    if value is None:
        return ""
    return str(value)


def plain(value: object) -> object:
    """``value`` with its whole floats made ints (protobuf's numbers are all floats)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def status_name(error: Any) -> str:
    """The gRPC status of a failed call (``UNAVAILABLE``), or the error's class name."""
    code = getattr(error, "grpc_status_code", None)
    return str(getattr(code, "name", None) or type(error).__name__)


def detail(message: object) -> str:
    """A server's error message, on one line and at most ``MAX_DETAIL`` characters."""
    text = " ".join(str(message or "").split())
    return text if len(text) <= MAX_DETAIL else text[: MAX_DETAIL - 1] + "…"
