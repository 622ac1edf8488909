"""NCCO rendering: every action and option, Vonage's limits, and two independent checks.

Every rendered action is parsed by the vonage SDK's own NCCO models (``vonage_voice.models.ncco``)
and dumped back: the dump must equal what we wrote, so a key the SDK does not know (and would
silently drop) fails too. The actions the 2021 JSON Schema covers are also validated against
``shared/vonage/ncco-schema.json``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nccokit import sdk_round_trip

from chalicelib.telephony.actions import (
    Action,
    Ask,
    Bridge,
    Conference,
    DtmfSettings,
    Hangup,
    MachineDetection,
    Notify,
    Play,
    Record,
    RecordingFormat,
    Say,
    SpeechSettings,
    Wait,
)
from chalicelib.telephony.vonage.ncco import NccoLimitError, dumps, render, spoken_length
from chalicelib.telephony.vonage.urls import CallbackUrls

URLS = CallbackUrls("https://ringflow.example.com/api", "call-1")
EVENT = "https://ringflow.example.com/api/vonage/voice/event?call=call-1"
INPUT = "https://ringflow.example.com/api/vonage/voice/input?call=call-1"
RECORDING = "https://ringflow.example.com/api/vonage/voice/recording?call=call-1"
NOTIFY = "https://ringflow.example.com/api/vonage/voice/notify?call=call-1"


@pytest.fixture(scope="module")
def schema(shared_dir: Path) -> jsonschema.Draft4Validator:
    document = json.loads((shared_dir / "vonage" / "ncco-schema.json").read_text())
    return jsonschema.Draft4Validator(document)


# --- every action and option ---------------------------------------------------------------------

GOLDEN: list[tuple[str, Action, dict[str, Any]]] = [
    (
        "say-defaults",
        Say("Hello"),
        {"action": "talk", "text": "Hello", "language": "en-US"},
    ),
    (
        "say-all-options",
        Say("Bonjour", language="fr-FR", style=2, loop=3, barge_in=True, premium=True),
        {
            "action": "talk",
            "text": "Bonjour",
            "language": "fr-FR",
            "style": 2,
            "loop": 3,
            "bargeIn": True,
            "premium": True,
        },
    ),
    (
        "say-loop-forever",
        Say("Hold on", loop=0),
        {"action": "talk", "text": "Hold on", "language": "en-US", "loop": 0},
    ),
    (
        "play-defaults",
        Play("https://cdn.example.com/a.mp3"),
        {"action": "stream", "streamUrl": ["https://cdn.example.com/a.mp3"]},
    ),
    (
        "play-all-options",
        Play("https://cdn.example.com/a.wav", loop=0, barge_in=True, level=-0.5),
        {
            "action": "stream",
            "streamUrl": ["https://cdn.example.com/a.wav"],
            "loop": 0,
            "level": -0.5,
            "bargeIn": True,
        },
    ),
    (
        "ask-dtmf",
        Ask("menu", dtmf=DtmfSettings(max_digits=1, timeout=5, submit_on_hash=True)),
        {
            "action": "input",
            "type": ["dtmf"],
            "dtmf": {"maxDigits": 1, "timeOut": 5, "submitOnHash": True},
            "eventUrl": [INPUT + "&ref=menu"],
            "eventMethod": "POST",
        },
    ),
    (
        "ask-speech",
        Ask(
            "speech",
            dtmf=None,
            speech=SpeechSettings(
                language="en-GB",
                context=("bill", "balance"),
                end_on_silence=1.5,
                start_timeout=20,
                max_duration=30,
                save_audio=True,
            ),
        ),
        {
            "action": "input",
            "type": ["speech"],
            "speech": {
                "language": "en-GB",
                "endOnSilence": 1.5,
                "startTimeout": 20,
                "maxDuration": 30,
                "context": ["bill", "balance"],
                "saveAudio": True,
            },
            "eventUrl": [INPUT + "&ref=speech"],
            "eventMethod": "POST",
        },
    ),
    (
        "ask-both",
        Ask("both", dtmf=DtmfSettings(), speech=SpeechSettings()),
        {
            "action": "input",
            "type": ["dtmf", "speech"],
            "dtmf": {"maxDigits": 4, "timeOut": 3, "submitOnHash": False},
            "speech": {
                "language": "en-US",
                "endOnSilence": 2.0,
                "startTimeout": 10,
                "maxDuration": 60,
            },
            "eventUrl": [INPUT + "&ref=both"],
            "eventMethod": "POST",
        },
    ),
    (
        "bridge-defaults",
        Bridge("agent", number="447700900001", caller_id="447700900000"),
        {
            "action": "connect",
            "endpoint": [{"type": "phone", "number": "447700900001"}],
            "from": "447700900000",
            "eventType": "synchronous",
            "timeout": 60,
            "limit": 7200,
            "eventUrl": [EVENT + "&ref=agent"],
            "eventMethod": "POST",
        },
    ),
    (
        "bridge-all-options",
        Bridge(
            "agent",
            number="14155550100",
            caller_id="14155550199",
            ring_timeout=30,
            max_duration=600,
            machine_detection=MachineDetection.HANGUP,
            ringback_url="https://cdn.example.com/ring.mp3",
            dtmf_answer="p1p2#",
        ),
        {
            "action": "connect",
            "endpoint": [{"type": "phone", "number": "14155550100", "dtmfAnswer": "p1p2#"}],
            "from": "14155550199",
            "eventType": "synchronous",
            "timeout": 30,
            "limit": 600,
            "machineDetection": "hangup",
            "ringbackTone": "https://cdn.example.com/ring.mp3",
            "eventUrl": [EVENT + "&ref=agent"],
            "eventMethod": "POST",
        },
    ),
    (
        "conference-defaults",
        Conference("room-1"),
        {"action": "conversation", "name": "room-1", "startOnEnter": True, "endOnExit": False},
    ),
    (
        "conference-all-options",
        Conference(
            "room-2",
            start_on_enter=False,
            end_on_exit=True,
            music_on_hold_url="https://cdn.example.com/hold.mp3",
            record=True,
            mute=True,
        ),
        {
            "action": "conversation",
            "name": "room-2",
            "startOnEnter": False,
            "endOnExit": True,
            "musicOnHoldUrl": ["https://cdn.example.com/hold.mp3"],
            "record": True,
            "mute": True,
        },
    ),
    (
        "record-defaults",
        Record("rec"),
        {
            "action": "record",
            "format": "mp3",
            "eventUrl": [RECORDING + "&ref=rec"],
            "eventMethod": "POST",
        },
    ),
    (
        "record-all-options",
        Record(
            "rec",
            format=RecordingFormat.WAV,
            end_on_silence=3,
            end_on_key="#",
            timeout=7200,
            beep_start=True,
        ),
        {
            "action": "record",
            "format": "wav",
            "endOnSilence": 3,
            "endOnKey": "#",
            "timeOut": 7200,
            "beepStart": True,
            "eventUrl": [RECORDING + "&ref=rec"],
            "eventMethod": "POST",
        },
    ),
    (
        "record-ogg",
        Record("rec", format=RecordingFormat.OGG),
        {
            "action": "record",
            "format": "ogg",
            "eventUrl": [RECORDING + "&ref=rec"],
            "eventMethod": "POST",
        },
    ),
    (
        "notify",
        Notify("n-1", payload={"step": "menu"}),
        {
            "action": "notify",
            "payload": {"step": "menu"},
            "eventUrl": [NOTIFY + "&ref=n-1"],
            "eventMethod": "POST",
        },
    ),
    ("wait-default", Wait(), {"action": "wait", "timeout": 10.0}),
    ("wait-short", Wait(0.1), {"action": "wait", "timeout": 0.1}),
]

# A barge-in talk or stream is only valid when an input follows (see test_barge_in_*).
_ASK = Ask("after")


def _with_follow_up(action: Action) -> list[Action]:
    barges_in = isinstance(action, Say | Play) and action.barge_in
    return [action, _ASK] if barges_in else [action]


@pytest.mark.parametrize(("name", "action", "expected"), GOLDEN, ids=[g[0] for g in GOLDEN])
def test_each_action_renders_every_option(
    name: str, action: Action, expected: dict[str, Any]
) -> None:
    # GIVEN one action with the options of this case
    # WHEN it is rendered
    ncco = render(_with_follow_up(action), URLS)
    # THEN the NCCO action carries exactly those options, spelled as Vonage spells them
    assert ncco[0] == expected


@pytest.mark.parametrize(("name", "action", "expected"), GOLDEN, ids=[g[0] for g in GOLDEN])
def test_each_rendered_action_is_valid_for_the_sdk_models(
    name: str, action: Action, expected: dict[str, Any]
) -> None:
    # GIVEN a rendered action
    rendered = render(_with_follow_up(action), URLS)[0]
    # WHEN the vonage SDK's NCCO model parses it
    # THEN it is valid and the SDK knows every key we wrote
    sdk_round_trip(rendered)


SCHEMA_COVERED = [
    Say("Hello", language="en-GB", style=1, loop=2),
    Play("https://cdn.example.com/a.mp3", loop=2, level=0.5),
    Ask("menu", dtmf=DtmfSettings(max_digits=2, timeout=5, submit_on_hash=True)),
    Bridge("agent", number="447700900001", caller_id="447700900000", dtmf_answer="1p2"),
    Bridge(
        "agent",
        number="447700900001",
        caller_id="447700900000",
        machine_detection=MachineDetection.CONTINUE,
        ringback_url="https://cdn.example.com/ring.mp3",
    ),
    Conference("room-1", start_on_enter=False, end_on_exit=True, record=True),
    Record("rec", format=RecordingFormat.WAV, end_on_silence=5, end_on_key="*", timeout=60),
    Record("rec", beep_start=True),
]


@pytest.mark.parametrize("action", SCHEMA_COVERED, ids=lambda a: type(a).__name__)
def test_actions_the_2021_schema_covers_validate_against_it(
    action: Action, schema: jsonschema.Draft4Validator
) -> None:
    # GIVEN an action of a kind the shared NCCO JSON Schema describes
    # WHEN it is rendered
    ncco = render([action], URLS)
    # THEN the NCCO validates against that schema
    errors = [error.message for error in schema.iter_errors(ncco)]
    assert errors == []


def test_music_on_hold_is_an_array_as_the_sdk_wants_unlike_the_2021_schema(
    schema: jsonschema.Draft4Validator,
) -> None:
    # GIVEN a conference with music on hold
    ncco = render([Conference("room", music_on_hold_url="https://cdn.example.com/m.mp3")], URLS)
    # WHEN it is checked by the SDK and by the old schema
    # THEN it follows the SDK and current docs (an array); the 2021 schema predates that
    assert ncco[0]["musicOnHoldUrl"] == ["https://cdn.example.com/m.mp3"]
    sdk_round_trip(ncco[0])
    assert not schema.is_valid(ncco)


def test_a_whole_flow_renders_in_order() -> None:
    # GIVEN a typical IVR step
    actions: list[Action] = [
        Say("Press 1 for sales", barge_in=True),
        Ask("menu", dtmf=DtmfSettings(max_digits=1)),
        Record("rec"),
        Bridge("sales", number="447700900001", caller_id="447700900000"),
    ]
    # WHEN it is rendered
    ncco = render(actions, URLS)
    # THEN the actions keep their order and each eventUrl names its ref
    assert [a["action"] for a in ncco] == ["talk", "input", "record", "connect"]
    assert ncco[1]["eventUrl"] == [INPUT + "&ref=menu"]
    assert ncco[3]["eventUrl"] == [EVENT + "&ref=sales"]


# --- hangup --------------------------------------------------------------------------------------


def test_hangup_stops_rendering() -> None:
    # GIVEN actions after a Hangup, one of them even invalid
    actions: list[Action] = [Say("Goodbye"), Hangup(), Say("never said"), Wait(-1)]
    # WHEN they are rendered
    ncco = render(actions, URLS)
    # THEN nothing after the Hangup is emitted (or checked): the NCCO ends, so does the call
    assert ncco == [{"action": "talk", "text": "Goodbye", "language": "en-US"}]


def test_only_a_hangup_renders_an_empty_ncco() -> None:
    assert render([Hangup()], URLS) == []


# --- limits --------------------------------------------------------------------------------------

LIMIT_VIOLATIONS: list[tuple[Action, str]] = [
    (Say(""), "text is empty"),
    (Say("x" * 1501), "1501 characters"),
    (Say("Hi", loop=-1), "loop"),
    (Say("Hi", style=-1), "style"),
    (Say("Hi", language="english please"), "language"),
    (Play("https://cdn.example.com/a.mp3", level=1.5), "level"),
    (Play("https://cdn.example.com/a.mp3", level=-1.01), "level"),
    (Play("https://cdn.example.com/a.mp3", loop=-1), "loop"),
    (Play("file:///etc/passwd"), "url"),
    (Ask("a", dtmf=None, speech=None), "dtmf or speech"),
    (Ask("a", dtmf=DtmfSettings(max_digits=0)), "max_digits"),
    (Ask("a", dtmf=DtmfSettings(max_digits=21)), "max_digits"),
    (Ask("a", dtmf=DtmfSettings(timeout=11)), "dtmf.timeout"),
    (Ask("a", dtmf=DtmfSettings(timeout=-1)), "dtmf.timeout"),
    (Ask("a", dtmf=None, speech=SpeechSettings(end_on_silence=0.3)), "end_on_silence"),
    (Ask("a", dtmf=None, speech=SpeechSettings(end_on_silence=10.5)), "end_on_silence"),
    (Ask("a", dtmf=None, speech=SpeechSettings(end_on_silence=float("nan"))), "end_on_silence"),
    (Ask("a", dtmf=None, speech=SpeechSettings(start_timeout=0)), "start_timeout"),
    (Ask("a", dtmf=None, speech=SpeechSettings(start_timeout=61)), "start_timeout"),
    (Ask("a", dtmf=None, speech=SpeechSettings(max_duration=0)), "max_duration"),
    (Ask("a", dtmf=None, speech=SpeechSettings(max_duration=61)), "max_duration"),
    (Ask("a", dtmf=None, speech=SpeechSettings(context=("ok", " "))), "context"),
    (Ask("a", dtmf=None, speech=SpeechSettings(language="")), "language"),
    (Bridge("b", number="+447700900001", caller_id="447700900000"), "number"),
    (Bridge("b", number="07700900001", caller_id="447700900000"), "number"),
    (Bridge("b", number="123456", caller_id="447700900000"), "number"),
    (Bridge("b", number="1234567890123456", caller_id="447700900000"), "number"),
    (Bridge("b", number="447700900001", caller_id="Ringflow"), "caller_id"),
    (Bridge("b", number="447700900001", caller_id="447700900000", ring_timeout=2), "ring_timeout"),
    (
        Bridge("b", number="447700900001", caller_id="447700900000", ring_timeout=7201),
        "ring_timeout",
    ),
    (Bridge("b", number="447700900001", caller_id="447700900000", max_duration=0), "max_duration"),
    (
        Bridge("b", number="447700900001", caller_id="447700900000", max_duration=7201),
        "max_duration",
    ),
    (
        Bridge("b", number="447700900001", caller_id="447700900000", dtmf_answer="12x"),
        "dtmf_answer",
    ),
    (
        Bridge("b", number="447700900001", caller_id="447700900000", ringback_url="ring.mp3"),
        "ringback_url",
    ),
    (Conference(""), "name is empty"),
    (Conference("   "), "name is empty"),
    (Conference("room", music_on_hold_url="hold.mp3"), "music_on_hold_url"),
    (Record("r", end_on_silence=2), "end_on_silence"),
    (Record("r", end_on_silence=11), "end_on_silence"),
    (Record("r", end_on_key="A"), "end_on_key"),
    (Record("r", end_on_key="12"), "end_on_key"),
    (Record("r", timeout=2), "timeout"),
    (Record("r", timeout=7201), "timeout"),
    (Notify("n", payload={"step": 1}), "payload"),  # type: ignore[dict-item]
    (Wait(0.05), "seconds"),
    (Wait(7200.5), "seconds"),
    (Wait(float("inf")), "seconds"),
]


@pytest.mark.parametrize(("action", "field"), LIMIT_VIOLATIONS, ids=lambda v: repr(v)[:60])
def test_limit_violations_raise_before_rendering(action: Action, field: str) -> None:
    # GIVEN an action outside one of Vonage's limits, after a valid one
    # WHEN the NCCO is rendered
    # THEN NccoLimitError names the action and the field, and nothing is returned
    with pytest.raises(NccoLimitError, match=field) as raised:
        render([Say("first"), action], URLS)
    assert f"action 1 ({type(action).__name__})" in str(raised.value)
    assert isinstance(raised.value, ValueError)


LIMIT_EDGES: list[Action] = [
    Say("x" * 1500),
    Play("https://cdn.example.com/a.mp3", level=1.0),
    Play("https://cdn.example.com/a.mp3", level=-1.0),
    Ask("a", dtmf=DtmfSettings(max_digits=20, timeout=10)),
    Ask("a", dtmf=DtmfSettings(max_digits=1, timeout=0)),
    Ask(
        "a", dtmf=None, speech=SpeechSettings(end_on_silence=0.4, start_timeout=60, max_duration=1)
    ),
    Ask("a", dtmf=None, speech=SpeechSettings(end_on_silence=10, start_timeout=1, max_duration=60)),
    Bridge("b", number="1234567", caller_id="123456789012345", ring_timeout=3, max_duration=1),
    Bridge("b", number="447700900001", caller_id="447700900000", ring_timeout=7200),
    Record("r", end_on_silence=10, end_on_key="0", timeout=3),
    Wait(7200),
]


@pytest.mark.parametrize("action", LIMIT_EDGES, ids=lambda a: repr(a)[:60])
def test_values_on_the_limits_render_and_the_sdk_accepts_them(action: Action) -> None:
    # GIVEN an action exactly on one of Vonage's limits
    # WHEN it is rendered
    ncco = render([action], URLS)
    # THEN it is accepted here and by the SDK's models
    sdk_round_trip(ncco[0])


def test_talk_length_does_not_count_ssml_tags() -> None:
    # GIVEN SSML whose spoken text is exactly 1,500 characters but whose markup is longer
    spoken = "a" * 1500
    ssml = f'<speak><prosody rate="slow">{spoken}</prosody><break time="1s"/></speak>'
    # WHEN it is rendered
    ncco = render([Say(ssml)], URLS)
    # THEN it is accepted (SSML tags do not count) and the markup is kept
    assert ncco[0]["text"] == ssml
    assert spoken_length(ssml) == 1500
    # AND one more spoken character is refused
    with pytest.raises(NccoLimitError, match="1501 characters"):
        render([Say(ssml.replace(spoken, spoken + "a"))], URLS)


def test_barge_in_needs_an_input_next() -> None:
    # GIVEN a barge-in prompt followed by another prompt and then an input
    # WHEN it is rendered
    # THEN it is accepted
    render([Say("a", barge_in=True), Play("https://cdn.example.com/a.mp3"), Ask("m")], URLS)
    # AND a barge-in prompt followed by anything else, or by nothing, is refused
    for follow_up in ([Record("r")], [], [Hangup(), Ask("m")]):
        with pytest.raises(NccoLimitError, match="barge_in"):
            render([Say("a", barge_in=True), *follow_up], URLS)
    with pytest.raises(NccoLimitError, match="barge_in"):
        render([Play("https://cdn.example.com/a.mp3", barge_in=True), Wait(1)], URLS)


def test_something_that_is_not_an_action_is_refused() -> None:
    with pytest.raises(TypeError, match="not a telephony action"):
        render(["talk"], URLS)  # type: ignore[list-item]


def test_url_arrays_are_never_bare_strings() -> None:
    # GIVEN every golden action rendered together (with the barge-in follow-up)
    actions: list[Action] = [a for _, action, _ in GOLDEN for a in _with_follow_up(action)]
    # WHEN the NCCO is rendered
    ncco = render(actions, URLS)
    # THEN every eventUrl, streamUrl and musicOnHoldUrl is a non-empty array of strings
    for action in ncco:
        for key in ("eventUrl", "streamUrl", "musicOnHoldUrl"):
            if key in action:
                assert isinstance(action[key], list) and action[key]
                assert all(isinstance(url, str) for url in action[key])


def test_dumps_is_compact_json_keeping_text() -> None:
    # GIVEN an NCCO with non-ASCII text
    ncco = render([Say("Grüß Gott", language="de-DE"), Wait(1)], URLS)
    # WHEN it is dumped
    text = dumps(ncco)
    # THEN it is compact JSON that reads back to the same NCCO
    assert text == (
        '[{"action":"talk","text":"Grüß Gott","language":"de-DE"},{"action":"wait","timeout":1}]'
    )
    assert json.loads(text) == ncco


# --- property: valid Say/Ask always render to SDK-valid NCCO --------------------------------------

TTS_LANGUAGES = ["ar", "ca-ES", "cmn-CN", "cy-GB", "de-DE", "en-GB", "en-GB-WLS", "en-US"]
TTS_LANGUAGES += ["es-MX", "fil-PH", "fr-CA", "ja-JP", "no-NO", "pt-BR", "yue-CN"]

says = st.builds(
    Say,
    text=st.text(min_size=1, max_size=1500).filter(lambda t: t.strip() != ""),
    language=st.sampled_from(TTS_LANGUAGES),
    style=st.integers(0, 11),
    loop=st.integers(0, 10),
    barge_in=st.booleans(),
    premium=st.booleans(),
)
dtmf_settings = st.builds(
    DtmfSettings,
    max_digits=st.integers(1, 20),
    timeout=st.integers(0, 10),
    submit_on_hash=st.booleans(),
)
speech_settings = st.builds(
    SpeechSettings,
    language=st.sampled_from(TTS_LANGUAGES),
    context=st.lists(
        st.text(min_size=1, max_size=30).filter(lambda t: t.strip() != ""), max_size=5
    ).map(tuple),
    end_on_silence=st.floats(0.4, 10.0),
    start_timeout=st.integers(1, 60),
    max_duration=st.integers(1, 60),
    save_audio=st.booleans(),
)
asks = st.builds(
    Ask,
    ref=st.text(min_size=1, max_size=40),
    dtmf=st.none() | dtmf_settings,
    speech=st.none() | speech_settings,
).filter(lambda ask: ask.dtmf is not None or ask.speech is not None)


@settings(max_examples=200, deadline=None)
@given(steps=st.lists(st.tuples(says, asks), min_size=1, max_size=4))
def test_any_valid_say_and_ask_render_to_sdk_valid_ncco(steps: list[tuple[Say, Ask]]) -> None:
    # GIVEN prompts each followed by an input, with any values inside Vonage's limits
    actions: list[Action] = [action for pair in steps for action in pair]
    # WHEN they are rendered
    ncco = render(actions, URLS)
    # THEN every action is valid for the SDK's models, its URLs are arrays, and it dumps as JSON
    assert len(ncco) == len(actions)
    for action in ncco:
        sdk_round_trip(action)
        if "eventUrl" in action:
            assert isinstance(action["eventUrl"], list)
    assert json.loads(dumps(ncco)) == ncco
