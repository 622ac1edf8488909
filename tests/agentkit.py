"""Test kit for the speech product's agents: the Eva export as a zip (as the CLI zips its
directory), broken exports of each kind, a service account key that passes the key check (no
real key: nothing signs with it), and in-memory fakes of the agent repository and the secret
store with the behaviour of the real ones (versions from 1, the same digest stores nothing, a
deleted agent's versions retired and numbered after)."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from chalicelib.errors import NotFoundError
from chalicelib.speech.cli import zipped_directory
from chalicelib.store.speech_agents import AgentContent, StoredAgent, StoredAgentRevision

EVA = Path(__file__).resolve().parents[1] / "flows" / "agents" / "eva"
KEY = {
    "type": "service_account",
    "project_id": "eva-agent",
    "private_key_id": "0123456789abcdef",
    "private_key": "-----BEGIN PRIVATE KEY-----\nnot-a-real-key\n-----END PRIVATE KEY-----\n",
    "client_email": "speech@eva-agent.iam.gserviceaccount.com",
    "token_uri": "https://oauth2.googleapis.com/token",
}


def key_json(**changes: str) -> str:
    """The test key (with ``changes``) as JSON text."""
    return json.dumps({**KEY, **changes})


def eva_files() -> dict[str, bytes]:
    return {p.relative_to(EVA).as_posix(): p.read_bytes() for p in EVA.rglob("*") if p.is_file()}


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            archive.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data)
    return buffer.getvalue()


def eva_zip() -> bytes:
    """Eva's export as ``ringflow agent load flows/agents/eva`` zips it."""
    return zipped_directory(EVA)


def eva_renamed(display: str = "Eva 2") -> bytes:
    """Eva with another display name: a different export, equally valid."""
    files = eva_files()
    settings = json.loads(files["agent.json"])
    settings["displayName"] = display
    files["agent.json"] = json.dumps(settings).encode()
    return zipped(files)


def broken_exports() -> dict[str, tuple[bytes, str]]:
    """Broken exports by kind, each with a text the refusal's problems must contain."""
    files = eva_files()
    no_agent = {name: data for name, data in files.items() if name != "agent.json"}
    bad_json = {**files, "intents/loan_details.json": b"{not json"}
    unknown = json.loads(files["intents/payment_details_usersays_en.json"])
    unknown[0]["data"].append({"text": "x", "meta": "@NOWHERE", "alias": "x"})
    unknown_entity = {
        **files,
        "intents/payment_details_usersays_en.json": json.dumps(unknown).encode(),
    }
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("agent.json", b'{"language": "en"}')
        archive.writestr("intents/big.json", b" " * (3 * 1024 * 1024))  # 3 MB of spaces
    return {
        "missing agent.json": (zipped(no_agent), "agent.json: missing"),
        "bad JSON": (zipped(bad_json), "intents/loan_details.json: not valid JSON"),
        "unknown entity": (zipped(unknown_entity), "unknown entity @NOWHERE"),
        "zip bomb": (bomb.getvalue(), "intents/big.json: over"),
        "not a zip": (b"PK\x03\x04 not really", "zip:"),
    }


NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


class FakeAgentRepository:
    """``store.speech_agents.SpeechAgentRepository`` in memory."""

    def __init__(self) -> None:
        self.heads: dict[tuple[str, str], StoredAgent] = {}
        self.revisions: dict[tuple[str, str, int], StoredAgentRevision] = {}
        self.writes = 0

    def put_revision(
        self, account_id: str, name: str, content: AgentContent, created_at: datetime | None = None
    ) -> tuple[StoredAgentRevision, bool]:
        head = self.heads.get((account_id, name))
        if head is not None and head.digest == content.digest:
            return self.revisions[(account_id, name, head.latest_version)], False
        numbers = [v for (a, n, v) in self.revisions if (a, n) == (account_id, name)]
        version = max(numbers, default=0) + 1
        at = created_at or NOW
        revision = StoredAgentRevision(account_id, name, version, content, at)
        self.revisions[(account_id, name, version)] = revision
        self.heads[(account_id, name)] = StoredAgent(
            account_id, name, version, content.engine, content.languages, content.digest, at
        )
        self.writes += 1
        return revision, True

    def get_head(self, account_id: str, name: str, consistent: bool = False) -> StoredAgent:
        try:
            return self.heads[(account_id, name)]
        except KeyError:
            raise NotFoundError(f"agent {account_id}#{name}") from None

    def get_revision(self, account_id: str, name: str, version: int) -> StoredAgentRevision:
        try:
            return self.revisions[(account_id, name, version)]
        except KeyError:
            raise NotFoundError(f"agent revision {account_id}#{name}/{version}") from None

    def list_versions(
        self, account_id: str, name: str, limit: int = 100
    ) -> list[tuple[int, datetime]]:
        found = [
            (r.version, r.created_at)
            for (a, n, _), r in self.revisions.items()
            if (a, n) == (account_id, name) and not r.retired
        ]
        return sorted(found, reverse=True)[:limit]

    def delete(self, account_id: str, name: str, keep_seconds: int) -> int:
        if self.heads.pop((account_id, name), None) is None:
            raise NotFoundError(f"agent {account_id}#{name}")
        retired = 0
        for key, revision in list(self.revisions.items()):
            if key[:2] == (account_id, name) and not revision.retired:
                self.revisions[key] = replace(revision, retired=True)
                retired += 1
        return retired

    def list_heads(self, account_id: str) -> list[StoredAgent]:
        return sorted(
            (h for h in self.heads.values() if h.account_id == account_id), key=lambda h: h.name
        )


class FakeSecrets:
    """``speech.secrets.SecretStore`` in memory, counting its writes."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self.puts = 0

    def put(self, name: str, value: str) -> None:
        self.values[name] = value
        self.puts += 1

    def get(self, name: str) -> str:
        try:
            return self.values[name]
        except KeyError:
            raise NotFoundError(f"no secret {name}") from None
