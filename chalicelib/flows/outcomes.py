"""What a widget decides, what the engine hands back to the shell, and the effects it asks for.

Widgets return one ``Outcome``: ``Go`` (follow an output now), ``Await`` (speak to the network and
wait for an event), ``Fetch`` (the shell must make an HTTP request and feed the result back as
``HttpResponded``) or ``End`` (hang up). Effects are fire-and-forget work the shell runs after the
state is saved, each with an idempotency ``key``. A ``Go`` may carry notices: something went
wrong that the flow got past (a refused pattern took its ``false`` branch), for the shell to log
and count; the widget stays pure. Imports only telephony types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Union

from chalicelib.telephony.actions import Action


@dataclass(frozen=True)
class Updates:
    """Variable changes an outcome makes (flow, user, call) and an optional new language."""

    flow: Mapping[str, str] = field(default_factory=dict)
    user: Mapping[str, str] = field(default_factory=dict)
    call: Mapping[str, str] = field(default_factory=dict)
    language: str | None = None


NO_UPDATES = Updates()


@dataclass(frozen=True)
class HttpRequest:
    """An HTTP request the webhook widget needs made."""

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str | None = None
    timeout: float = 3.0


@dataclass(frozen=True)
class HttpResult:
    """What came back: a status and body, or an error kind (``TIMEOUT``, ``CONNECTION_ERROR``,
    ``INVALID_URL``) when no response arrived."""

    status_code: int | None
    body: str
    duration: float
    error: str | None = None


@dataclass(frozen=True)
class HttpResponded:
    """Engine-internal event: the shell made the requested HTTP call."""

    ref: str
    result: HttpResult


@dataclass(frozen=True)
class SendSms:
    """Send one SMS (once per ``key``)."""

    key: str
    from_number: str
    to_number: str
    text: str


@dataclass(frozen=True)
class SaveUserVariables:
    """Persist ``$user.key.*`` values for an account (latest value wins)."""

    key: str
    account_id: str
    values: Mapping[str, str]


@dataclass(frozen=True)
class FetchRecording:
    """Copy a finished recording from the carrier into our bucket at ``object_key``."""

    key: str
    url: str
    object_key: str


Effect = Union[SendSms, SaveUserVariables, FetchRecording]


@dataclass(frozen=True)
class Notice:
    """Something the flow got past at ``node`` that operators should see: ``kind`` is a short
    stable name to count by (``pattern_refused``), ``detail`` says what happened."""

    node: str
    kind: str
    detail: str


@dataclass(frozen=True)
class Go:
    """Follow ``output`` now, after queuing ``actions``."""

    output: str = "next"
    actions: tuple[Action, ...] = ()
    effects: tuple[Effect, ...] = ()
    updates: Updates = NO_UPDATES
    notices: tuple[Notice, ...] = ()


@dataclass(frozen=True)
class Await:
    """Queue ``actions`` (the last one waits for the network) and stop until an event comes."""

    actions: tuple[Action, ...]
    updates: Updates = NO_UPDATES


@dataclass(frozen=True)
class Fetch:
    """Stop until the shell has made ``request``."""

    request: HttpRequest
    updates: Updates = NO_UPDATES


@dataclass(frozen=True)
class End:
    """Queue ``actions`` and hang up."""

    actions: tuple[Action, ...] = ()
    effects: tuple[Effect, ...] = ()
    updates: Updates = NO_UPDATES


Outcome = Union[Go, Await, Fetch, End]
