"""The speech demo for the local run: the Eva agent (``flows/agents/eva``) loaded for the demo
account, answered by the local engine, and Eva's number attached to the Eva flow (which the core
demo loaded with every flow in ``flows/``). Idempotent: the same export stores no new version.
Imports the speech agents, its CLI's zipping and the operator actions only (never the store)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from chalicelib.speech.cli import zipped_directory

if TYPE_CHECKING:
    from chalicelib.wiring import Container

ACCOUNT = "demo"
AGENT = "eva"
EVA_NUMBER = "447700900160"
EVA_FLOW = "eva"
EXPORT = Path(__file__).resolve().parents[2] / "flows" / "agents" / "eva"


def load(container: Container) -> dict[str, Any]:
    """Load the speech demo; returns what the local run's banner shows."""
    agents = container.services("speech").agents
    version, _ = agents.put(ACCOUNT, AGENT, zipped_directory(EXPORT), None)
    admin = container.admin
    admin.provision_number(ACCOUNT, EVA_NUMBER)
    admin.attach_number(ACCOUNT, EVA_NUMBER, EVA_FLOW)
    return {"speech": {"number": EVA_NUMBER, "agent": AGENT, "version": version.version}}
