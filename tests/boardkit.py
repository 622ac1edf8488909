"""Test kit for the dialer's live board: a floor of agents in every state and calls at every
stage, put in through the dialer's real services (``Agents.put_group``/``put_agent``/
``set_state``/``claim``/``release``, ``DialerCalls.show`` with ``LiveCallChanged`` and
``DialerCalls.record_answer`` with ``RecordAnswer``), and the change the board must show (an
agent pauses; the waiting call is given an agent and talks).

The floor, in group ``sales``: Ann and Eve available, Ben talking on call ``c-2`` (campaign
``spring``), Gil's phone ringing for call ``c-3`` (campaign ``winter``), Fay in wrap-up after
call ``c-0``, Cat paused, Dan logged out; call ``c-1`` waiting in ``spring``'s queue and call
``c-4`` waiting in the group's queue (no campaign). ``spring`` measured one customer connected
in time (under its 5% ceiling), ``winter`` one never connected (above its 3% ceiling)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from chalicelib.dialer.tasks import LiveCallChanged, RecordAnswer

GROUP = "sales"
AGENTS = {
    "ann": "Ann",
    "ben": "Ben",
    "cat": "Cat",
    "dan": "Dan",
    "eve": "Eve",
    "fay": "Fay",
    "gil": "Gil",
}
CUSTOMERS = {
    "c-1": "447700900101",
    "c-2": "447700900102",
    "c-3": "447700900103",
    "c-4": "447700900104",
}
CALLS = {
    "c-1": ("spring", "waiting", ""),
    "c-2": ("spring", "talking", "ben"),
    "c-3": ("winter", "ringing", "gil"),
    "c-4": ("", "waiting", ""),
}
STATES = {
    "ann": "available",
    "ben": "on_call",
    "cat": "paused",
    "dan": "logged_out",
    "eve": "available",
    "fay": "wrap_up",
    "gil": "on_call",
}


def ref(call_id: str) -> str:
    """A call's claim of an agent, as the agent widget spells it."""
    return f"{call_id}:1:1"


def show(services: Any, account_id: str, call_id: str, stage: str, at: datetime) -> None:
    """Tell the board where call ``call_id`` stands (its campaign, customer and agent as in
    ``CALLS``, the agent of ``stage`` talking or ringing when given)."""
    campaign, _, agent = CALLS[call_id]
    if call_id == "c-1" and stage != "waiting":
        agent = "eve"
    change = LiveCallChanged(
        key=f"live:{call_id}:{stage}",
        call_id=call_id,
        group_id=GROUP,
        campaign_id=campaign,
        customer=CUSTOMERS[call_id],
        stage=stage,
        agent_id=agent,
        since=at.isoformat(),
    )
    assert services.calls.show(change, account_id)


def answer(
    services: Any,
    account_id: str,
    campaign: str,
    at: datetime,
    connected: bool,
    ceiling: float,
) -> None:
    """One live-answered customer of ``campaign``, connected 2 s after the answer or never."""
    services.calls.record_answer(
        RecordAnswer(
            key=f"answer:{campaign}:{at.isoformat()}",
            campaign_id=campaign,
            group_id=GROUP,
            call_id=f"answered-{campaign}",
            answered_at=at.isoformat(),
            waiting_since=at.isoformat(),
            connected_at=(at + timedelta(seconds=2)).isoformat() if connected else "",
            mode="power",
            max_ratio=2.0,
            ceiling=ceiling,
        ),
        account_id,
    )


def floor(services: Any, account_id: str, now: datetime) -> None:
    """Put the floor (see the module) in through the services, ``now`` being the clock's."""
    agents = services.agents
    agents.put_group(account_id, GROUP, "Sales", wrap_up_seconds=3600, now=now)
    for n, (agent_id, name) in enumerate(AGENTS.items()):
        number = f"4477009002{n:02d}"
        agents.put_agent(
            account_id, agent_id, GROUP, "mobile phone", name=name, number=number, now=now
        )
    earlier = now - timedelta(minutes=5)
    for agent_id in ("ann", "ben", "cat", "eve", "fay", "gil"):
        agents.set_state(account_id, agent_id, "available", earlier)
    agents.set_state(account_id, "cat", "paused", earlier, "coffee")
    assert agents.claim(account_id, GROUP, ref("c-0"), earlier, "fay").agent_id == "fay"
    agents.release(account_id, "fay", ref("c-0"), now - timedelta(seconds=20), "talked")
    assert agents.claim(account_id, GROUP, ref("c-2"), earlier, "ben").agent_id == "ben"
    assert agents.claim(account_id, GROUP, ref("c-3"), now, "gil").agent_id == "gil"
    show(services, account_id, "c-1", "waiting", now - timedelta(seconds=15))
    show(services, account_id, "c-2", "talking", now - timedelta(seconds=90))
    show(services, account_id, "c-3", "ringing", now - timedelta(seconds=4))
    show(services, account_id, "c-4", "waiting", now - timedelta(seconds=7))
    answer(services, account_id, "spring", now - timedelta(seconds=60), True, 0.05)
    answer(services, account_id, "winter", now - timedelta(seconds=60), False, 0.03)


def change(services: Any, account_id: str, now: datetime) -> None:
    """Ann pauses; the waiting call ``c-1`` is given Eve and talks."""
    services.agents.set_state(account_id, "ann", "paused", now, "break")
    given = services.agents.claim(account_id, GROUP, ref("c-1"), now, "eve")
    assert given.agent_id == "eve"
    show(services, account_id, "c-1", "talking", now)
