"""The click-to-call's kinds of effect, run as queued tasks (``calls.tasks``): a call made for a
request ended (its legs as the network reported them), and a request's contact concluded in
the campaigns' loop (its last call failed, or it was never called). Frozen dataclasses of JSON
values; imports the standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RequestCallEnded:
    """A call of a request ended. ``legs``: JSON list of ``{side, number, status, duration,
    answered}``; times ISO 8601."""

    key: str
    request_id: str
    call_id: str
    first: str
    started_at: str
    ended_at: str
    legs: str


@dataclass(frozen=True)
class RequestConcluded:
    """The campaigns' loop is done with a request's contact (``status``: its final status)."""

    key: str
    request_id: str
    status: str
    first: str
    contact_id: str = ""
    """The request's contact in the campaigns' loop (its id, then ``<id>-<n>`` per call back)."""


@dataclass(frozen=True)
class RemindCompany:
    """Look at a failed request once its campaign's reminder time is out: never called back,
    the company is e-mailed (once per request)."""

    key: str
    request_id: str
