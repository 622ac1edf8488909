"""The agent library on fakes of its repository and secret store: GIVEN uploads of exports
and Dialogflow agents, THEN each valid one is a new version (an identical one stores nothing),
every broken one is refused with its problems and stores nothing, the key goes to its secret
only, rollbacks copy a version forward, a deleted agent no longer lists while its versions stay
readable for calls, and the library answers as the speech service's ``AgentSource``."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from agentkit import (
    KEY,
    NOW,
    FakeAgentRepository,
    FakeSecrets,
    broken_exports,
    eva_renamed,
    eva_zip,
    key_json,
)

from chalicelib.errors import NotFoundError, TooLargeError, ValidationError
from chalicelib.speech.agents import (
    MAX_EXPORT_BYTES,
    AgentLibrary,
    DialogflowSpec,
    outline,
)
from chalicelib.speech.port import AgentError
from chalicelib.speech.records import AgentSource

ACCOUNT = "acme"
SECRET = "ringflow/test/dialogflow/acme/eva"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def repository() -> FakeAgentRepository:
    return FakeAgentRepository()


@pytest.fixture
def secrets() -> FakeSecrets:
    return FakeSecrets()


@pytest.fixture
def library(repository: FakeAgentRepository, secrets: FakeSecrets) -> AgentLibrary:
    return AgentLibrary(repository, secrets, "test", clock=Clock())


def spec(**changes: str) -> DialogflowSpec:
    return DialogflowSpec(project="eva-agent", credentials=key_json(**changes), environment="prod")


def test_an_export_is_stored_as_version_1_with_its_languages(library: AgentLibrary) -> None:
    # WHEN Eva's export is put
    version, changed = library.put(ACCOUNT, "eva", eva_zip(), None)
    # THEN it is version 1, answered locally, in English and Spanish
    assert changed and version.version == 1 and version.engine == "local"
    assert version.languages == ("en", "es")
    assert version.export == eva_zip() and version.dialogflow is None
    assert library.latest_version(ACCOUNT, "eva") == 1
    assert library.get_version(ACCOUNT, "eva", 1) == version
    assert library.latest(ACCOUNT, "eva") == version
    assert len(outline(eva_zip()).intents) == 5
    assert outline(eva_zip()).entities == ("OPTIONS",)


def test_the_same_upload_again_stores_nothing_and_a_change_is_version_2(
    library: AgentLibrary, repository: FakeAgentRepository
) -> None:
    first, _ = library.put(ACCOUNT, "eva", eva_zip(), None)
    # WHEN the same export is put again THEN nothing is stored: version 1 is the answer
    again, changed = library.put(ACCOUNT, "eva", eva_zip(), None)
    assert not changed and again == first and repository.writes == 1
    # WHEN another export is put THEN it is version 2, listed newest first
    second, changed = library.put(ACCOUNT, "eva", eva_renamed(), None)
    assert changed and second.version == 2 and second.digest != first.digest
    assert [v for v, _ in library.versions(ACCOUNT, "eva")] == [2, 1]
    # AND choosing fewer languages is a change too
    third, changed = library.put(ACCOUNT, "eva", eva_renamed(), None, ["ES"])
    assert changed and third.version == 3 and third.languages == ("es",)


@pytest.mark.parametrize("kind", sorted(broken_exports()))
def test_a_broken_export_is_refused_naming_its_problem_and_stores_nothing(
    library: AgentLibrary, repository: FakeAgentRepository, kind: str
) -> None:
    data, expected = broken_exports()[kind]
    with pytest.raises(AgentError) as caught:
        library.put(ACCOUNT, "eva", data, None)
    assert any(expected in problem for problem in caught.value.problems), caught.value.problems
    assert all(problem.startswith("export: ") for problem in caught.value.problems)
    assert repository.writes == 0 and library.list(ACCOUNT) == []


def test_an_export_too_large_to_store_is_refused_before_it_is_read(
    library: AgentLibrary, repository: FakeAgentRepository
) -> None:
    with pytest.raises(TooLargeError, match=f"at most {MAX_EXPORT_BYTES} bytes"):
        library.put(ACCOUNT, "eva", b"x" * (MAX_EXPORT_BYTES + 1), None)
    assert repository.writes == 0


@pytest.mark.parametrize("name", ["", "Eva", "-eva", "eva agent", "e" * 65, "eva/../x", "é"])
def test_a_bad_name_is_refused(library: AgentLibrary, name: str) -> None:
    with pytest.raises(ValidationError, match="agent name"):
        library.put(ACCOUNT, name, eva_zip(), None)


def test_a_dialogflow_agent_keeps_its_key_in_its_secret_only(
    library: AgentLibrary, secrets: FakeSecrets, repository: FakeAgentRepository
) -> None:
    # WHEN a Dialogflow agent is put with its export
    version, changed = library.put(ACCOUNT, "eva", eva_zip(), spec())
    # THEN the version names the target, the secret and the key's e-mail, never the key
    assert changed and version.engine == "dialogflow"
    target = version.dialogflow
    assert target is not None
    assert (target.project, target.environment) == ("eva-agent", "prod")
    assert target.credentials_secret == SECRET
    assert target.client_email == KEY["client_email"]
    assert secrets.values == {SECRET: key_json()}
    stored = repository.revisions[(ACCOUNT, "eva", 1)]
    assert KEY["private_key"] not in repr(stored) and "not-a-real-key" not in repr(stored)
    assert "not-a-real-key" not in repr(spec())
    # AND the speech service reads the key back through the library
    assert library.credentials(SECRET) == key_json()
    # WHEN the same upload comes again THEN neither the secret nor the store is written
    _, changed = library.put(ACCOUNT, "eva", eva_zip(), spec())
    assert not changed and secrets.puts == 1 and repository.writes == 1
    # WHEN a rotated key of the same account comes THEN the secret is replaced, no version made
    rotated = key_json(private_key_id="fedcba9876543210")
    _, changed = library.put(ACCOUNT, "eva", eva_zip(), spec(private_key_id="fedcba9876543210"))
    assert not changed and secrets.values[SECRET] == rotated and repository.writes == 1


def test_a_dialogflow_agent_without_an_export_must_list_its_languages(
    library: AgentLibrary, repository: FakeAgentRepository
) -> None:
    with pytest.raises(AgentError) as caught:
        library.put(ACCOUNT, "remote", None, spec())
    assert caught.value.problems == [
        "languages: a Dialogflow agent without an export must list them"
    ]
    version, changed = library.put(ACCOUNT, "remote", None, spec(), ["en-US", "es"])
    assert changed and version.export is None and version.languages == ("en-us", "es")
    assert version.engine == "dialogflow"


def test_every_problem_of_an_upload_is_listed_at_once(
    library: AgentLibrary, secrets: FakeSecrets, repository: FakeAgentRepository
) -> None:
    bad = DialogflowSpec("no spaces allowed", credentials='{"type": "user"}', environment="")
    data, _ = broken_exports()["missing agent.json"]
    with pytest.raises(AgentError) as caught:
        library.put(ACCOUNT, "eva", data, bad, ["english"])
    problems = caught.value.problems
    assert "export: agent.json: missing" in problems
    assert any(p.startswith("dialogflow.project:") for p in problems)
    assert any(p.startswith("dialogflow.environment:") for p in problems)
    lacks = "dialogflow.credentials: a service account key lacks"
    assert any(p.startswith(lacks) for p in problems)
    assert "languages[0]: not a language code such as en or pt-br" in problems
    assert secrets.puts == 0 and repository.writes == 0


@pytest.mark.parametrize(
    ("credentials", "expected"),
    [
        ("not json", "dialogflow.credentials: not JSON (a service account key is expected)"),
        ("[]", "dialogflow.credentials: not a JSON object (a service account key is expected)"),
        (key_json(type="user"), "dialogflow.credentials: the key's type is not service_account"),
        ("x" * 20_000, "dialogflow.credentials: over 16384 characters"),
    ],
)
def test_a_bad_key_is_refused_without_quoting_it(
    library: AgentLibrary, secrets: FakeSecrets, credentials: str, expected: str
) -> None:
    with pytest.raises(AgentError) as caught:
        library.put(ACCOUNT, "eva", eva_zip(), DialogflowSpec("eva-agent", credentials))
    assert any(p.startswith(expected) for p in caught.value.problems)
    assert secrets.puts == 0


def test_languages_must_be_the_exports(library: AgentLibrary) -> None:
    with pytest.raises(AgentError) as caught:
        library.put(ACCOUNT, "eva", eva_zip(), None, ["fr"])
    assert caught.value.problems == ["languages[0]: fr is not a language of the export (en, es)"]


def test_an_upload_with_neither_export_nor_agent_is_refused(library: AgentLibrary) -> None:
    with pytest.raises(AgentError, match="needs an export"):
        library.put(ACCOUNT, "eva", None, None)


def test_a_rollback_copies_a_version_forward_once(library: AgentLibrary) -> None:
    library.put(ACCOUNT, "eva", eva_zip(), None)
    library.put(ACCOUNT, "eva", eva_renamed(), spec())
    # WHEN the account rolls back to version 1
    rolled, changed = library.rollback(ACCOUNT, "eva", 1)
    # THEN version 1's content is version 3
    assert changed and rolled.version == 3
    first = library.get_version(ACCOUNT, "eva", 1)
    assert (rolled.export, rolled.dialogflow, rolled.digest) == (
        first.export,
        first.dialogflow,
        first.digest,
    )
    # AND a retried rollback stores nothing
    again, changed = library.rollback(ACCOUNT, "eva", 1)
    assert not changed and again.version == 3
    with pytest.raises(NotFoundError, match="versions 1 to 3"):
        library.rollback(ACCOUNT, "eva", 4)


def test_a_deleted_agent_lists_no_more_but_its_versions_stay_readable_for_calls(
    library: AgentLibrary,
) -> None:
    library.put(ACCOUNT, "eva", eva_zip(), None)
    library.put(ACCOUNT, "zed", eva_renamed(), None)
    assert [head.name for head in library.list(ACCOUNT)] == ["eva", "zed"]
    # WHEN eva is deleted
    assert library.delete(ACCOUNT, "eva") == 1
    # THEN it no longer lists nor shows, and a call that started on version 1 still reads it
    assert [head.name for head in library.list(ACCOUNT)] == ["zed"]
    with pytest.raises(NotFoundError):
        library.latest_version(ACCOUNT, "eva")
    with pytest.raises(NotFoundError):
        library.latest(ACCOUNT, "eva")
    assert library.get_version(ACCOUNT, "eva", 1).version == 1
    with pytest.raises(NotFoundError):
        library.delete(ACCOUNT, "eva")
    # AND stored again under the name, it numbers after the deleted versions and never shows them
    again, _ = library.put(ACCOUNT, "eva", eva_renamed(), None)
    assert again.version == 2
    assert [v for v, _ in library.versions(ACCOUNT, "eva")] == [2]
    with pytest.raises(NotFoundError, match="no version 1"):
        library.live(ACCOUNT, "eva", 1)


def test_what_an_account_does_not_have_is_not_found(library: AgentLibrary) -> None:
    library.put("other", "eva", eva_zip(), None)
    for read in (
        lambda: library.latest_version(ACCOUNT, "eva"),
        lambda: library.get_version(ACCOUNT, "eva", 1),
        lambda: library.latest(ACCOUNT, "eva"),
        lambda: library.versions(ACCOUNT, "eva"),
        lambda: library.rollback(ACCOUNT, "eva", 1),
        lambda: library.latest_version(ACCOUNT, "Not A Name"),
        lambda: library.credentials("ringflow/test/vonage"),
        lambda: library.credentials("ringflow/test/dialogflow/acme/none"),
    ):
        with pytest.raises(NotFoundError):
            read()


def test_the_library_is_an_agent_source(library: AgentLibrary) -> None:
    source: AgentSource = library
    assert source is library
