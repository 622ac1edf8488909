"""Outbound calls of a flow: check the request, store the call's state, then ask the carrier to
place it. The state is written first, so the provider's answer and event webhooks (whose URLs
carry the call id) find it; a call the carrier refused is closed with a failed record.

An outbound flow calls only from a number of the account attached to that flow, and only while
the flow's listener is on (the Phonon seed's "activate listener"). A refusal is a neutral error
of ``chalicelib.errors`` (``OutboundCallError`` for a request that breaks a rule, ``NotFoundError``,
``ConflictError``, or the carrier's own error when it did not place the call). Must not import
pynamodb or provider packages: the carrier comes in through the ``CallControl`` port.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Callable, Mapping, Sequence

from chalicelib.accounts.admin import number_problem
from chalicelib.accounts.model import PhoneNumber
from chalicelib.calls.opening import UserVariables, open_call
from chalicelib.calls.records import record_of
from chalicelib.calls.service import CallRecords, CallStore, NumberDirectory
from chalicelib.errors import ConflictError, NotFoundError, ValidationError
from chalicelib.flows.calldata import CallData
from chalicelib.flows.catalogue import FlowCatalogue
from chalicelib.flows.model import Flow, FlowKind
from chalicelib.flows.state import CallState
from chalicelib.telephony.actions import MachineDetection
from chalicelib.telephony.errors import CarrierError, CarrierOutcomeUnknownError
from chalicelib.telephony.events import Direction
from chalicelib.telephony.ports import CallControl, OutboundCall, PlacedCall

_NUMBER = re.compile(r"^[1-9]\d{6,14}$")
_VARIABLE = re.compile(r"^(\$flow\.key\.)?[^\x00-\x20\x7f${}]{1,64}$")
FLOW_KEY = "$flow.key."
"""The seed's spelling of a variable's name (``$flow.key.<name>``); the bare name works too."""
MAX_VARIABLE_LENGTH = 1000


class OutboundCallError(ValidationError):
    """A call cannot be started: the request breaks a rule of outbound calls."""


@dataclass(frozen=True)
class StartedCall:
    """A call the carrier accepted."""

    call_id: str
    leg_id: str
    state: CallState


@dataclass
class OutboundCalls:
    """Starts outbound calls of flows."""

    calls: CallStore
    numbers: NumberDirectory
    flows: FlowCatalogue
    user_vars: UserVariables
    records: CallRecords
    carrier: Callable[[], CallControl]
    urls: Callable[[str], tuple[str, str]]  # call id -> (answer URL, event URL)
    clock: Callable[[], datetime]
    new_id: Callable[[], str]
    currency: str = "EUR"

    def start(
        self,
        account_id: str,
        flow_id: str,
        to_number: str,
        from_number: str,
        variables: Mapping[str, str] | None = None,
        ringing_timeout: int = 60,
        machine_detection: MachineDetection | None = None,
    ) -> StartedCall:
        """Place one call of ``flow_id`` to ``to_number`` from ``from_number``."""
        to_number, from_number = to_number.lstrip("+"), from_number.lstrip("+")
        state = self._new_state(account_id, flow_id, to_number, from_number, variables or {})
        return self._place(state, ringing_timeout, machine_detection)

    def place_for_product(
        self,
        account_id: str,
        flow_id: str,
        to_number: str,
        from_number: str,
        data: Sequence[CallData],
        language: str | None = None,
        ringing_timeout: int = 60,
        *,
        call_id: str | None = None,
        flow_vars: Mapping[str, str] | None = None,
        attempt: int = 1,
        machine_detection: MachineDetection | None = None,
    ) -> StartedCall:
        """Place a call a product starts on its own rules (a callback's first leg, a campaign's
        contact): the flow is the account's, outbound, with its listener on; the caller id is
        any enabled number of the account (the access number the caller rang, the flow's DID);
        the product's typed ``data`` rides on the call, which speaks ``language`` if given,
        starts with ``flow_vars`` (bare names the product checked against the flow), counts as
        attempt ``attempt`` (``$call.attemptnumber``) and has the id ``call_id`` if given."""
        to_number, from_number = to_number.lstrip("+"), from_number.lstrip("+")
        if not _NUMBER.match(to_number):
            raise OutboundCallError(f"to: {number_problem(to_number)}")
        version, flow = self._live_flow(account_id, flow_id)
        number = self._account_number(account_id, from_number)
        state = self._open(number, flow, version, to_number, flow_vars or {}, call_id)
        for item in data:
            state = state.with_data(item)
        if language:
            state = replace(state, language=language)
        if attempt != 1:
            state = replace(state, attempt=attempt)
        return self._place(state, ringing_timeout, machine_detection)

    def _place(
        self, state: CallState, ringing_timeout: int, machine_detection: MachineDetection | None
    ) -> StartedCall:
        """Store the call's state, then ask the carrier to place it."""
        if not 1 <= ringing_timeout <= 120:
            raise OutboundCallError("ringing_timeout is 1 to 120 seconds")
        to_number, from_number = state.to_number, state.from_number
        state = self.calls.create(state)
        answer_url, event_url = self.urls(state.call_id)
        request = OutboundCall(
            to_number=to_number,
            from_number=from_number,
            answer_url=answer_url,
            event_url=event_url,
            machine_detection=machine_detection,
            ringing_timeout=ringing_timeout,
            call_id=state.call_id,
        )
        try:
            placed: PlacedCall = self.carrier().place_call(request)
        except CarrierOutcomeUnknownError:
            # the call may ring: keep the state so its webhooks are answered
            raise
        except CarrierError as error:
            self._close_refused(state, str(error))
            error.args = (f"the carrier did not place the call: {error}",)
            raise
        return StartedCall(state.call_id, placed.leg_id, state)

    def _new_state(
        self,
        account_id: str,
        flow_id: str,
        to_number: str,
        from_number: str,
        variables: Mapping[str, str],
    ) -> CallState:
        if not _NUMBER.match(to_number):
            raise OutboundCallError(f"to: {number_problem(to_number)}")
        for name, value in variables.items():
            if not _VARIABLE.match(name) or len(value) > MAX_VARIABLE_LENGTH:
                raise OutboundCallError(
                    f"variable {name!r}: names are 1 to 64 characters without spaces, '$', '{{' or"
                    f" '}}' (bare or as $flow.key.<name>), values at most {MAX_VARIABLE_LENGTH}"
                    " characters"
                )
        bare = [name.removeprefix(FLOW_KEY) for name in variables]
        twice = sorted({name for name in bare if bare.count(name) > 1})
        if twice:
            raise OutboundCallError(f"variable {twice[0]!r} is given twice (bare and as $flow.key)")
        variables = {name.removeprefix(FLOW_KEY): value for name, value in variables.items()}
        version, flow = self._live_flow(account_id, flow_id)
        unknown = sorted(set(variables) - set(flow.names.flow))
        if unknown:
            declared = ", ".join(sorted(flow.variables)) or "none"
            raise OutboundCallError(
                f"variable {unknown[0]!r} is not one flow {flow_id!r} declares (it declares:"
                f" {declared})"
            )
        number = self._account_number(account_id, from_number)
        if number.flow_id != flow_id:
            raise OutboundCallError(f"{from_number} is not a number attached to flow {flow_id!r}")
        return self._open(number, flow, version, to_number, variables)

    def _open(
        self,
        number: PhoneNumber,
        flow: Flow,
        version: int,
        to_number: str,
        variables: Mapping[str, str],
        call_id: str | None = None,
    ) -> CallState:
        """The state of a new outbound call of ``flow`` from ``number`` to ``to_number``."""
        return open_call(
            call_id=call_id or self.new_id(),
            number=number,
            flow=flow,
            version=version,
            direction=Direction.OUTBOUND,
            from_number=number.number,
            to_number=to_number,
            started_at=self.clock(),
            user_vars=self.user_vars,
            currency=self.currency,
            flow_vars=variables,
        )

    def _live_flow(self, account_id: str, flow_id: str) -> tuple[int, Flow]:
        """The live version of the account's outbound flow ``flow_id`` (listener on)."""
        try:
            head = self.flows.head(flow_id)
        except NotFoundError:
            raise NotFoundError(f"no flow {flow_id!r}") from None
        if head.account_id != account_id:
            raise NotFoundError(f"no flow {flow_id!r}")
        if not head.enabled:
            raise ConflictError(f"flow {flow_id!r} has its listener off")
        flow = self.flows.get(head.flow_id, head.latest_version)
        if flow.kind is not FlowKind.OUTBOUND:
            raise OutboundCallError(f"flow {flow_id!r} is an inbound flow")
        return head.latest_version, flow

    def _account_number(self, account_id: str, number: str) -> PhoneNumber:
        """The account's enabled number ``number`` (a caller id)."""
        try:
            found = self.numbers.get(number)
        except NotFoundError:
            found = None
        if found is None or found.account_id != account_id:
            raise OutboundCallError(f"{number} is not a number of account {account_id!r}")
        if not found.enabled:
            raise ConflictError(f"{number} is disabled")
        return found

    def _close_refused(self, state: CallState, reason: str) -> None:
        now = self.clock()
        closed = replace(
            state,
            finished=True,
            ended_at=now,
            call_vars={**state.call_vars, "state": "Failed", "carrier_error": reason[:200]},
        )
        saved = self.calls.save(closed)
        self.records.put(record_of(saved, self.currency))
