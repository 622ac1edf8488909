"""``ringflow agent ...``: the operator's commands for an account's intent agents, added to the
CLI through ``Product.cli`` (``speech.product``).

``agent load --account A PATH [--name N] [--dialogflow-project P [--dialogflow-environment E]
--credentials-file KEY.json] [--language CODE ...]`` stores an agent as its next version:
``PATH`` is a Dialogflow ES export, unpacked in a directory (``flows/agents/eva/``, zipped in
memory, the same files always making the same zip) or a ``.zip``; the name defaults to the
directory's or the zip's name, lower-cased. ``agent list --account A``, ``agent show --account
A NAME [--version N]``, ``agent rollback --account A NAME --to N``, ``agent delete --account A
NAME``. Every answer is JSON on stdout; refusals are raised as the platform's errors and printed
by the CLI as ``refused: ...`` lines (a broken export: one line per problem, with its file).
Imports argparse, the speech library and (lazily) the wiring; must not import pynamodb, the
store or the web layer.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any

from chalicelib.errors import ValidationError
from chalicelib.speech.agent import MAX_FILES
from chalicelib.speech.agents import (
    MAX_CREDENTIALS_CHARS,
    MAX_EXPORT_BYTES,
    AgentHead,
    AgentLibrary,
    DialogflowSpec,
    check_export_size,
    outline,
)
from chalicelib.speech.records import AgentVersion

ZIP_TIME = (1980, 1, 1, 0, 0, 0)
"""Every file of a zipped directory gets this time, so the same files make the same zip (and
loading them again stores nothing)."""


def _library() -> AgentLibrary:
    from chalicelib.wiring import container

    library: AgentLibrary = container().services("speech").agents
    return library


def zipped_directory(root: Path) -> bytes:
    """The export unpacked in ``root`` as a zip (files in name order, symbolic links left out);
    ``TooLargeError`` as soon as it grows past what is stored."""
    buffer = io.BytesIO()
    files = 0
    total = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for folder, subfolders, names in os.walk(root):  # followlinks=False
            subfolders.sort()
            for base in sorted(names):
                item = Path(folder) / base
                if item.is_symlink() or not item.is_file():
                    continue
                files += 1
                if files > MAX_FILES:
                    raise ValidationError(f"{root}: more than {MAX_FILES} files")
                data = item.read_bytes()
                total += len(data)
                info = zipfile.ZipInfo(item.relative_to(root).as_posix(), ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data)
                if buffer.tell() > MAX_EXPORT_BYTES:
                    check_export_size(buffer.tell())
    return buffer.getvalue()


def read_export(path: Path) -> bytes:
    """The export at ``path`` as a zip: a directory zipped in memory, or a ``.zip`` file (its
    size checked before it is read)."""
    if path.is_dir():
        return zipped_directory(path)
    if not path.is_file():
        raise ValidationError(f"{path}: no such export (a directory or a .zip file)")
    check_export_size(path.stat().st_size)
    return path.read_bytes()


def _credentials(name: str) -> str:
    path = Path(name)
    try:
        if path.stat().st_size > MAX_CREDENTIALS_CHARS:
            raise ValidationError(f"{name}: larger than a service account key")
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ValidationError(f"{name}: cannot be read ({error})") from None


def shown(version: AgentVersion, changed: bool | None = None) -> dict[str, Any]:
    """A version as the CLI prints it (the REST views' fields; never a key)."""
    target = version.dialogflow
    data: dict[str, Any] = {
        "name": version.name,
        "version": version.version,
        "engine": version.engine,
        "languages": list(version.languages),
        "digest": version.digest,
        "created_at": version.created_at.isoformat(),
        "dialogflow": None
        if target is None
        else {
            "project": target.project,
            "environment": target.environment,
            "client_email": target.client_email,
        },
    }
    if changed is not None:
        data["changed"] = changed
    return data


def _listed(head: AgentHead) -> dict[str, Any]:
    return {
        "name": head.name,
        "latest_version": head.latest_version,
        "engine": head.engine,
        "languages": list(head.languages),
        "updated": head.updated.isoformat(),
    }


def _print(data: Any) -> None:
    print(json.dumps(data, indent=2))


def load(args: argparse.Namespace) -> int:
    """Store an agent (a new version, unless the latest has the same content)."""
    path = Path(args.path)
    export = read_export(path)
    name = args.name or (path.stem if path.is_file() else path.resolve().name).lower()
    spec: DialogflowSpec | None = None
    if args.dialogflow_project is not None:
        if args.credentials_file is None:
            raise ValidationError("--dialogflow-project needs --credentials-file")
        spec = DialogflowSpec(
            project=args.dialogflow_project,
            credentials=_credentials(args.credentials_file),
            environment=args.dialogflow_environment,
        )
    elif args.dialogflow_environment is not None or args.credentials_file is not None:
        raise ValidationError(
            "--dialogflow-environment and --credentials-file need --dialogflow-project"
        )
    version, changed = _library().put(args.account, name, export, spec, args.language or None)
    _print(shown(version, changed))
    return 0


def listing(args: argparse.Namespace) -> int:
    """Print the account's agents."""
    _print([_listed(head) for head in _library().list(args.account)])
    return 0


def show(args: argparse.Namespace) -> int:
    """Print one version (the latest by default), its intents and the version history."""
    library = _library()
    version = library.live(args.account, args.name, args.version)
    data = shown(version)
    if version.export is not None:
        shape = outline(version.export)
        data["intents"] = list(shape.intents)
        data["entities"] = list(shape.entities)
    data["versions"] = [
        {"version": number, "created_at": at.isoformat()}
        for number, at in library.versions(args.account, args.name)
    ]
    _print(data)
    return 0


def rollback(args: argparse.Namespace) -> int:
    """Make an earlier version live again (stored as the next version)."""
    version, changed = _library().rollback(args.account, args.name, args.to)
    _print({**shown(version, changed), "copied_from": args.to})
    return 0


def delete(args: argparse.Namespace) -> int:
    """Delete an agent and every version of it."""
    retired = _library().delete(args.account, args.name)
    _print({"name": args.name, "deleted": True, "versions": retired})
    return 0


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``agent`` to ``ringflow``."""
    agent = sub.add_parser("agent", help="an account's intent agents (Dialogflow ES exports)")
    actions = agent.add_subparsers(dest="action", required=True)
    command = actions.add_parser("load", help="store an agent export as a new version")
    command.add_argument("path", metavar="PATH", help="an export directory or a .zip")
    command.add_argument("--account", required=True)
    command.add_argument("--name", help="default: the directory's or zip's name, lower-cased")
    command.add_argument("--dialogflow-project", help="answer with this Dialogflow ES agent")
    command.add_argument("--dialogflow-environment", help="default: the draft agent")
    command.add_argument("--credentials-file", help="the service account key (JSON)")
    command.add_argument(
        "--language", action="append", metavar="CODE", help="a language (repeat for several)"
    )
    command.set_defaults(run=load)
    listed = actions.add_parser("list", help="the account's agents")
    listed.add_argument("--account", required=True)
    listed.set_defaults(run=listing)
    one = actions.add_parser("show", help="one version of an agent and its history")
    one.add_argument("name", metavar="NAME")
    one.add_argument("--account", required=True)
    one.add_argument("--version", type=int, help="default: the latest")
    one.set_defaults(run=show)
    back = actions.add_parser("rollback", help="make an earlier version live again")
    back.add_argument("name", metavar="NAME")
    back.add_argument("--account", required=True)
    back.add_argument("--to", type=int, required=True, metavar="N", help="the version")
    back.set_defaults(run=rollback)
    gone = actions.add_parser("delete", help="delete an agent and every version")
    gone.add_argument("name", metavar="NAME")
    gone.add_argument("--account", required=True)
    gone.set_defaults(run=delete)
