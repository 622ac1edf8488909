"""Reading a Dialogflow ES agent export: the Eva agent as shipped, from its directory and from a
zip, and every kind of broken export refused with each problem named by file and field."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from chalicelib.speech.agent import MAX_FILES, Segment, parse, read_directory, read_zip
from chalicelib.speech.port import AgentError

EVA = Path(__file__).resolve().parents[3] / "flows" / "agents" / "eva"


def _files(root: Path = EVA) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _problems(files: dict[str, bytes]) -> list[str]:
    with pytest.raises(AgentError) as caught:
        parse(files)
    return caught.value.problems


def test_eva_is_read_with_its_languages_intents_entity_and_threshold() -> None:
    agent = read_directory(EVA)
    assert agent.name == "Eva"
    assert agent.language == "en"
    assert agent.languages == ("en", "es")
    assert agent.min_confidence == 0.6
    names = {intent.name for intent in agent.intents}
    assert names == {
        "Default Welcome Intent",
        "Default Fallback Intent",
        "payment_details",
        "account_details",
        "loan_details",
    }
    payment = next(i for i in agent.intents if i.name == "payment_details")
    assert [p.name for p in payment.parameters] == ["option"]
    assert payment.parameters[0].entity == "OPTIONS"
    assert payment.phrases["en"][4].segments == (
        Segment("I choose "),
        Segment("option one", "OPTIONS", "option"),
    )
    assert payment.phrases["es"]
    assert payment.responses["en"][0].startswith("Your last payment")
    options = agent.entities["OPTIONS"]
    assert options.is_enum is False and options.automated_expansion is False
    first = options.entries["en"][0]
    assert first.value == "1"
    assert {"option one", "first option", "1 option", "one", "first"} <= set(first.synonyms)
    assert "opción uno" in options.entries["es"][0].synonyms
    fallback = next(i for i in agent.intents if i.name == "Default Fallback Intent")
    assert fallback.fallback is True


def test_a_zip_export_reads_like_its_directory_even_inside_one_top_folder() -> None:
    assert read_zip(_zip(_files())) == read_directory(EVA)
    nested = {f"Eva/{name}": data for name, data in _files().items()}
    assert read_zip(_zip(nested)) == read_directory(EVA)


def test_a_zip_naming_a_path_outside_the_export_is_refused() -> None:
    files = _files()
    files["../evil.json"] = b"{}"
    with pytest.raises(AgentError) as caught:
        read_zip(_zip(files))
    assert caught.value.problems == ["../evil.json: leaves the export"]


def test_bytes_that_are_no_zip_and_too_many_files_are_refused() -> None:
    with pytest.raises(AgentError, match="not a zip"):
        read_zip(b"not a zip at all")
    many = {f"intents/x{i}.json": b"{}" for i in range(MAX_FILES + 1)}
    with pytest.raises(AgentError, match="too large"):
        read_zip(_zip(many))


def test_a_missing_directory_is_refused() -> None:
    with pytest.raises(AgentError, match="not found"):
        read_directory(EVA / "missing")


def test_a_missing_agent_json_is_named() -> None:
    files = _files()
    del files["agent.json"]
    assert "agent.json: missing" in _problems(files)


def test_bad_json_is_named_by_file() -> None:
    files = _files()
    files["intents/loan_details.json"] = b"{not json"
    problems = _problems(files)
    assert any(p.startswith("intents/loan_details.json: not valid JSON") for p in problems)


def test_an_unknown_entity_in_a_training_phrase_is_named_by_file_and_field() -> None:
    files = _files()
    says: list[dict[str, Any]] = json.loads(files["intents/loan_details_usersays_en.json"])
    says[0]["data"][0]["meta"] = "@COLOURS"
    files["intents/loan_details_usersays_en.json"] = json.dumps(says).encode()
    assert _problems(files) == [
        "intents/loan_details_usersays_en.json: [0].data[0].meta: unknown entity @COLOURS"
    ]


def test_an_export_without_intents_is_refused() -> None:
    files = {n: d for n, d in _files().items() if not n.startswith("intents/")}
    assert _problems(files) == ["intents/: no intent"]


def test_wrong_types_are_each_named() -> None:
    files = _files()
    agent = json.loads(files["agent.json"])
    agent["mlMinConfidence"] = "high"
    agent["supportedLanguages"] = "es"
    files["agent.json"] = json.dumps(agent).encode()
    entries = json.loads(files["entities/OPTIONS_entries_en.json"])
    entries[1]["synonyms"] = "two"
    files["entities/OPTIONS_entries_en.json"] = json.dumps(entries).encode()
    intent = json.loads(files["intents/account_details.json"])
    intent["responses"][0]["parameters"][0]["dataType"] = "OPTIONS"
    files["intents/account_details.json"] = json.dumps(intent).encode()
    files["intents/payment_details_usersays_es.json"] = b'{"data": []}'
    assert sorted(_problems(files)) == sorted(
        [
            "agent.json: mlMinConfidence: not a number",
            "agent.json: supportedLanguages: not a list of language codes",
            "entities/OPTIONS_entries_en.json: [1].synonyms: not a list of texts",
            "intents/account_details.json: responses[0].parameters[0].dataType: "
            "not an entity reference such as @OPTIONS",
            "intents/payment_details_usersays_es.json: not a list of training phrases",
        ]
    )


def test_training_phrases_without_their_intent_are_named() -> None:
    files = _files()
    del files["intents/loan_details.json"]
    assert _problems(files) == [
        "intents/loan_details_usersays_*.json: no intents/loan_details.json"
    ]


def test_json_nested_too_deep_is_a_problem_not_a_crash() -> None:
    files = _files()
    files["intents/loan_details.json"] = b"[" * 100_000 + b"]" * 100_000
    assert "intents/loan_details.json: not valid JSON (nested too deep)" in _problems(files)


def test_a_linked_folder_inside_an_export_directory_is_not_followed(tmp_path: Path) -> None:
    export, outside = tmp_path / "eva", tmp_path / "outside"
    for name, data in _files().items():
        target = (outside if name.startswith("entities/") else export) / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    (export / "entities").symlink_to(outside / "entities", target_is_directory=True)
    with pytest.raises(AgentError) as caught:
        read_directory(export)
    assert "unknown entity @OPTIONS" in caught.value.problems[0]


def test_a_zip_whose_files_exceed_the_total_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("chalicelib.speech.agent.MAX_TOTAL_BYTES", 1000)
    with pytest.raises(AgentError, match="too large"):
        read_zip(_zip(_files()))
