"""ISDN (ITU-T Q.850) cause codes of ended legs, for ``$call.isdn``: from the SIP response code
when the carrier gives one (RFC 3398 §8.2.6.1, SIP to ISUP), else from the carrier's final
status and its ``detail`` (Vonage's event webhook, FACTS §3.2). Pure; imports only
``telephony.events``.
"""

from __future__ import annotations

from chalicelib.telephony.events import CallStatus

NORMAL_CLEARING = 16
USER_BUSY = 17
NO_USER_RESPONDING = 18
NO_ANSWER = 19
SUBSCRIBER_ABSENT = 20
CALL_REJECTED = 21
UNALLOCATED_NUMBER = 1
NO_ROUTE = 3
NORMAL_UNSPECIFIED = 31
TEMPORARY_FAILURE = 41
RECOVERY_ON_TIMER_EXPIRY = 102

_SIP: dict[int, int] = {
    400: 41, 401: 21, 402: 21, 403: 21, 404: 1, 405: 63, 406: 79, 407: 21, 408: 102, 410: 22,
    413: 127, 414: 127, 415: 79, 416: 127, 420: 127, 421: 127, 423: 127, 480: 18, 481: 41,
    482: 25, 483: 25, 484: 28, 485: 1, 486: 17, 488: 127, 500: 41, 501: 79, 502: 38, 503: 41,
    504: 102, 505: 127, 513: 127, 600: 17, 603: 21, 604: 1, 606: 58,
}  # fmt: skip
"""RFC 3398 §8.2.6.1: the ISUP cause each SIP final response maps to."""

_DETAILS: dict[str, int] = {
    "unavailable": SUBSCRIBER_ABSENT,
    "timeout": NO_ANSWER,
    "carrier_timeout": RECOVERY_ON_TIMER_EXPIRY,
    "invalid_number": UNALLOCATED_NUMBER,
    "restricted": CALL_REJECTED,
    "declined": CALL_REJECTED,
    "cannot_route": NO_ROUTE,
    "number_out_of_service": UNALLOCATED_NUMBER,
    "internal_error": TEMPORARY_FAILURE,
}
"""Vonage's ``detail`` of an unanswered, rejected or failed leg."""

_STATUSES: dict[CallStatus, int] = {
    CallStatus.COMPLETED: NORMAL_CLEARING,
    CallStatus.BUSY: USER_BUSY,
    CallStatus.UNANSWERED: NO_ANSWER,
    CallStatus.TIMEOUT: NO_ANSWER,
    CallStatus.CANCELLED: NORMAL_UNSPECIFIED,
    CallStatus.REJECTED: CALL_REJECTED,
    CallStatus.FAILED: TEMPORARY_FAILURE,
}


def q850_cause(status: CallStatus, detail: str | None = None, sip_code: int | None = None) -> int:
    """The Q.850 cause of a leg that ended with ``status`` (``detail`` and ``sip_code`` as the
    carrier reported them). A completed call is normal clearing whatever the SIP code says."""
    if status is CallStatus.COMPLETED:
        return NORMAL_CLEARING
    if sip_code is not None and sip_code in _SIP:
        return _SIP[sip_code]
    if detail and detail in _DETAILS:
        return _DETAILS[detail]
    return _STATUSES.get(status, NORMAL_UNSPECIFIED)
