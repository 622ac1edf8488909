"""A Dialogflow ES agent export read into a typed ``Agent``: ``agent.json`` (language,
``supportedLanguages``, ``mlMinConfidence``), ``intents/<name>.json`` with their
``<name>_usersays_<lang>.json`` training phrases, ``entities/<name>.json`` with their
``<name>_entries_<lang>.json`` entries, from a directory or from a zip's bytes, as Dialogflow
writes them. Bounded: at most ``MAX_FILES`` files of ``MAX_FILE_BYTES`` each and
``MAX_TOTAL_BYTES`` in all; a name that leaves the export (absolute, ``..``) is refused. A broken
export raises ``AgentError`` naming every problem by file and field. Pure: imports the standard
library and ``chalicelib.speech.port`` only; nothing of the flows, the store or Google.
"""

from __future__ import annotations

import io
import json
import os
import posixpath
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chalicelib.speech.port import AgentError

MAX_FILES = 2000
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_TOTAL_BYTES = 20 * 1024 * 1024
DEFAULT_MIN_CONFIDENCE = 0.6
# Dialogflow's system entities the local engine recognises; any other ``@sys.*`` annotation is
# accepted and its text matched as written.
SYSTEM_NUMBERS = frozenset({"sys.number", "sys.number-integer", "sys.cardinal", "sys.ordinal"})

_USERSAYS = re.compile(r"^(?P<name>.+)_usersays_(?P<lang>[A-Za-z]{2,3}(?:-[A-Za-z0-9]+)?)\.json$")
_ENTRIES = re.compile(r"^(?P<name>.+)_entries_(?P<lang>[A-Za-z]{2,3}(?:-[A-Za-z0-9]+)?)\.json$")


@dataclass(frozen=True)
class Segment:
    """One part of a training phrase: plain text, or text annotated with an entity type
    (``meta`` without its ``@``, such as ``OPTIONS`` or ``sys.number``) and a parameter
    (``alias``)."""

    text: str
    entity: str | None = None
    alias: str | None = None


@dataclass(frozen=True)
class Phrase:
    """One training phrase (a usersays item) of an intent."""

    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class Parameter:
    """An intent's parameter: ``entity`` is its ``dataType`` without the ``@``."""

    name: str
    entity: str
    required: bool = False
    default: str = ""
    is_list: bool = False


@dataclass(frozen=True)
class Intent:
    """An intent: its training phrases per language, parameters and response texts per
    language (the ``messages``' ``speech``, in export order)."""

    name: str
    phrases: Mapping[str, tuple[Phrase, ...]]
    parameters: tuple[Parameter, ...]
    responses: Mapping[str, tuple[str, ...]]
    fallback: bool = False
    priority: int = 500000


@dataclass(frozen=True)
class Entry:
    """An entity entry: its reference value and synonyms."""

    value: str
    synonyms: tuple[str, ...]


@dataclass(frozen=True)
class Entity:
    """A developer entity type with its entries per language, its flags as exported."""

    name: str
    entries: Mapping[str, tuple[Entry, ...]]
    is_enum: bool = False
    automated_expansion: bool = False


@dataclass(frozen=True)
class Agent:
    """A whole agent: ``language`` is its default language, ``languages`` every one it
    supports (the default first); ``min_confidence`` is the no-match threshold."""

    name: str
    language: str
    languages: tuple[str, ...]
    min_confidence: float
    intents: tuple[Intent, ...]
    entities: Mapping[str, Entity]


def read_directory(path: str | Path) -> Agent:
    """Reads an export unpacked in directory ``path`` (symbolic links are not followed)."""
    root = Path(path)
    if not root.is_dir():
        raise AgentError(f"agent export not found: {root}", [f"{root}: not a directory"])
    files: dict[str, bytes] = {}
    total = 0
    for folder, subfolders, names in os.walk(root):  # followlinks=False: links stay outside
        subfolders.sort()
        for base in sorted(names):
            item = Path(folder) / base
            if item.is_symlink() or not item.is_file():
                continue
            if len(files) >= MAX_FILES:
                raise AgentError("agent export too large", [f"more than {MAX_FILES} files"])
            name = item.relative_to(root).as_posix()
            size = item.stat().st_size
            if size > MAX_FILE_BYTES:
                raise AgentError("agent export too large", [f"{name}: over {MAX_FILE_BYTES} bytes"])
            total += size
            if total > MAX_TOTAL_BYTES:
                raise AgentError("agent export too large", [f"over {MAX_TOTAL_BYTES} bytes"])
            files[name] = item.read_bytes()
    return parse(files)


def read_zip(data: bytes) -> Agent:
    """Reads an export from a zip's bytes (as Dialogflow's "Export as ZIP" writes it)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise AgentError("agent export is not a zip", [f"zip: {exc}"]) from None
    if len(infos) > MAX_FILES:
        raise AgentError("agent export too large", [f"more than {MAX_FILES} files"])
    files: dict[str, bytes] = {}
    total = 0
    with archive:
        for info in infos:
            name = info.filename.replace("\\", "/")
            clean = posixpath.normpath(name)
            if name.startswith("/") or clean.startswith("..") or ":" in name.split("/")[0]:
                raise AgentError("agent export refused", [f"{info.filename}: leaves the export"])
            if info.file_size > MAX_FILE_BYTES:
                raise AgentError("agent export too large", [f"{name}: over {MAX_FILE_BYTES} bytes"])
            try:
                with archive.open(info) as handle:
                    content = handle.read(MAX_FILE_BYTES + 1)
            except (zipfile.BadZipFile, OSError, RuntimeError, EOFError) as exc:
                raise AgentError("agent export unreadable", [f"{name}: {exc}"]) from None
            if len(content) > MAX_FILE_BYTES:
                raise AgentError("agent export too large", [f"{name}: over {MAX_FILE_BYTES} bytes"])
            total += len(content)  # what was read, whatever the archive declared
            if total > MAX_TOTAL_BYTES:
                raise AgentError("agent export too large", [f"over {MAX_TOTAL_BYTES} bytes"])
            files[clean] = content
    return parse(files)


def parse(files: Mapping[str, bytes]) -> Agent:
    """Builds an ``Agent`` from an export's files (path inside the export -> bytes); the export
    may sit in one top folder. Collects every problem before raising ``AgentError``."""
    files = _strip_top_folder(files)
    problems: list[str] = []
    docs: dict[str, Any] = {}
    for name in sorted(files):
        if name.endswith(".json"):
            try:
                docs[name] = json.loads(files[name].decode("utf-8-sig"))
            except (UnicodeDecodeError, ValueError) as exc:
                problems.append(f"{name}: not valid JSON ({exc})")
            except RecursionError:
                problems.append(f"{name}: not valid JSON (nested too deep)")
    if "agent.json" not in files:
        problems.append("agent.json: missing")
    settings = docs.get("agent.json", {})
    if "agent.json" in docs and not isinstance(settings, dict):
        problems.append("agent.json: not an object")
        settings = {}
    language = settings.get("language", "en") if isinstance(settings, dict) else "en"
    if not isinstance(language, str) or not language:
        problems.append("agent.json: language: not a language code")
        language = "en"
    extra = settings.get("supportedLanguages", [])
    if not isinstance(extra, list) or not all(isinstance(code, str) for code in extra):
        problems.append("agent.json: supportedLanguages: not a list of language codes")
        extra = []
    languages = tuple(dict.fromkeys([language.lower(), *(code.lower() for code in extra)]))
    confidence = settings.get("mlMinConfidence", DEFAULT_MIN_CONFIDENCE)
    if isinstance(confidence, bool) or not isinstance(confidence, int | float):
        problems.append("agent.json: mlMinConfidence: not a number")
        confidence = DEFAULT_MIN_CONFIDENCE
    elif not 0 <= confidence <= 1:
        problems.append("agent.json: mlMinConfidence: not between 0 and 1")
        confidence = DEFAULT_MIN_CONFIDENCE
    entities = _entities(docs, problems)
    intents = _intents(docs, entities, problems)
    if not intents and "agent.json" in files:
        problems.append("intents/: no intent")
    if problems:
        raise AgentError("the agent export cannot be used", problems)
    display = settings.get("displayName", "")
    return Agent(
        name=display if isinstance(display, str) else "",
        language=language.lower(),
        languages=languages,
        min_confidence=float(confidence),
        intents=intents,
        entities=entities,
    )


def _strip_top_folder(files: Mapping[str, bytes]) -> Mapping[str, bytes]:
    if "agent.json" in files:
        return files
    tops = {name.split("/", 1)[0] for name in files if "/" in name}
    if len(tops) == 1 and f"{next(iter(tops))}/agent.json" in files:
        prefix = f"{next(iter(tops))}/"
        return {n[len(prefix) :]: data for n, data in files.items() if n.startswith(prefix)}
    return files


def _entities(docs: Mapping[str, Any], problems: list[str]) -> dict[str, Entity]:
    entries: dict[str, dict[str, tuple[Entry, ...]]] = {}
    for name, doc in docs.items():
        folder, _, base = name.rpartition("/")
        found = _ENTRIES.match(base)
        if folder != "entities" or not found:
            continue
        if not isinstance(doc, list):
            problems.append(f"{name}: not a list of entries")
            continue
        parsed: list[Entry] = []
        for index, item in enumerate(doc):
            value = item.get("value") if isinstance(item, dict) else None
            synonyms = item.get("synonyms", []) if isinstance(item, dict) else None
            if not isinstance(value, str) or not value.strip():
                problems.append(f"{name}: [{index}].value: not a text")
                continue
            if not isinstance(synonyms, list) or not all(isinstance(s, str) for s in synonyms):
                problems.append(f"{name}: [{index}].synonyms: not a list of texts")
                continue
            parsed.append(Entry(value, tuple(dict.fromkeys([value, *synonyms]))))
        entries.setdefault(found["name"], {})[found["lang"].lower()] = tuple(parsed)
    entities: dict[str, Entity] = {}
    for name, doc in docs.items():
        folder, _, base = name.rpartition("/")
        if folder != "entities" or _ENTRIES.match(base):
            continue
        if not isinstance(doc, dict) or not isinstance(doc.get("name"), str) or not doc["name"]:
            problems.append(f"{name}: name: missing or not a text")
            continue
        if doc.get("isRegexp") is True:
            problems.append(f"{name}: isRegexp: regexp entities are not supported")
            continue
        flags = {key: doc.get(key, False) for key in ("isEnum", "automatedExpansion")}
        for key, flag in flags.items():
            if not isinstance(flag, bool):
                problems.append(f"{name}: {key}: not true or false")
        entity_name = doc["name"]
        entities[entity_name] = Entity(
            name=entity_name,
            entries=entries.pop(base.removesuffix(".json"), {}),
            is_enum=flags["isEnum"] is True,
            automated_expansion=flags["automatedExpansion"] is True,
        )
    for orphan in sorted(entries):
        problems.append(f"entities/{orphan}_entries_*.json: no entities/{orphan}.json")
    return entities


def _intents(
    docs: Mapping[str, Any], entities: Mapping[str, Entity], problems: list[str]
) -> tuple[Intent, ...]:
    says: dict[str, dict[str, tuple[Phrase, ...]]] = {}
    for name, doc in docs.items():
        folder, _, base = name.rpartition("/")
        found = _USERSAYS.match(base)
        if folder != "intents" or not found:
            continue
        says.setdefault(found["name"], {})[found["lang"].lower()] = _phrases(
            name, doc, entities, problems
        )
    intents: list[Intent] = []
    for name, doc in sorted(docs.items()):
        folder, _, base = name.rpartition("/")
        if folder != "intents" or _USERSAYS.match(base):
            continue
        if not isinstance(doc, dict) or not isinstance(doc.get("name"), str) or not doc["name"]:
            problems.append(f"{name}: name: missing or not a text")
            continue
        parameters, responses = _responses(name, doc.get("responses", []), entities, problems)
        priority = doc.get("priority", 500000)
        if isinstance(priority, bool) or not isinstance(priority, int):
            problems.append(f"{name}: priority: not a whole number")
            priority = 500000
        intents.append(
            Intent(
                name=doc["name"],
                phrases=says.pop(base.removesuffix(".json"), {}),
                parameters=parameters,
                responses=responses,
                fallback=doc.get("fallbackIntent") is True,
                priority=priority,
            )
        )
    for orphan in sorted(says):
        problems.append(f"intents/{orphan}_usersays_*.json: no intents/{orphan}.json")
    return tuple(intents)


def _known(entity: str, entities: Mapping[str, Entity]) -> bool:
    return entity.startswith("sys.") or entity in entities


def _phrases(
    name: str, doc: Any, entities: Mapping[str, Entity], problems: list[str]
) -> tuple[Phrase, ...]:
    if not isinstance(doc, list):
        problems.append(f"{name}: not a list of training phrases")
        return ()
    phrases: list[Phrase] = []
    for index, item in enumerate(doc):
        data = item.get("data") if isinstance(item, dict) else None
        if not isinstance(data, list) or not data:
            problems.append(f"{name}: [{index}].data: not a list of parts")
            continue
        segments: list[Segment] = []
        for part_index, part in enumerate(data):
            where = f"{name}: [{index}].data[{part_index}]"
            text = part.get("text") if isinstance(part, dict) else None
            if not isinstance(text, str):
                problems.append(f"{where}.text: not a text")
                continue
            meta = part.get("meta")
            if meta is None:
                segments.append(Segment(text))
                continue
            if not isinstance(meta, str) or not meta.startswith("@"):
                problems.append(f"{where}.meta: not an entity reference such as @OPTIONS")
                continue
            if not _known(meta[1:], entities):
                problems.append(f"{where}.meta: unknown entity {meta}")
                continue
            alias = part.get("alias")
            if alias is not None and not isinstance(alias, str):
                problems.append(f"{where}.alias: not a text")
                continue
            segments.append(Segment(text, meta[1:], alias or None))
        phrases.append(Phrase(tuple(segments)))
    return tuple(phrases)


def _responses(
    name: str, responses: Any, entities: Mapping[str, Entity], problems: list[str]
) -> tuple[tuple[Parameter, ...], dict[str, tuple[str, ...]]]:
    if not isinstance(responses, list) or not all(isinstance(r, dict) for r in responses):
        problems.append(f"{name}: responses: not a list of objects")
        return (), {}
    parameters: list[Parameter] = []
    texts: dict[str, list[str]] = {}
    for index, response in enumerate(responses):
        params = response.get("parameters", [])
        if not isinstance(params, list):
            problems.append(f"{name}: responses[{index}].parameters: not a list")
            params = []
        for p_index, param in enumerate(params):
            where = f"{name}: responses[{index}].parameters[{p_index}]"
            if not isinstance(param, dict) or not isinstance(param.get("name"), str):
                problems.append(f"{where}.name: missing or not a text")
                continue
            data_type = param.get("dataType", "")
            if not isinstance(data_type, str) or not data_type.startswith("@"):
                problems.append(f"{where}.dataType: not an entity reference such as @OPTIONS")
                continue
            if not _known(data_type[1:], entities):
                problems.append(f"{where}.dataType: unknown entity {data_type}")
                continue
            default = param.get("defaultValue", "")
            parameters.append(
                Parameter(
                    name=param["name"],
                    entity=data_type[1:],
                    required=param.get("required") is True,
                    default=default if isinstance(default, str) else "",
                    is_list=param.get("isList") is True,
                )
            )
        messages = response.get("messages", [])
        if not isinstance(messages, list):
            problems.append(f"{name}: responses[{index}].messages: not a list")
            continue
        for m_index, message in enumerate(messages):
            if not isinstance(message, dict) or str(message.get("type", "0")) != "0":
                continue  # cards, payloads, quick replies: not spoken
            speech = message.get("speech", [])
            speech = [speech] if isinstance(speech, str) else speech
            if not isinstance(speech, list) or not all(isinstance(s, str) for s in speech):
                problems.append(f"{name}: responses[{index}].messages[{m_index}].speech: not text")
                continue
            lang = message.get("lang", "")
            texts.setdefault(lang.lower() if isinstance(lang, str) else "", []).extend(
                s for s in speech if s.strip()
            )
    return tuple(parameters), {lang: tuple(items) for lang, items in texts.items()}
