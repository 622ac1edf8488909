"""The platform's own prompts: GIVEN a node that asks, WHEN the caller presses a wrong key or
nothing, THEN the apology is the node's own text if it has one, else the platform's in the
node's language (English with an English voice where it has no words); a flow that puts one of
the platform's phrases under another language's voice is warned about at load."""

from __future__ import annotations

from typing import Any

from flowkit import Driver, flow_of

from chalicelib.telephony.actions import Say
from chalicelib.telephony.events import InputReceived


def menu(**extra: Any) -> dict[str, Any]:
    return {
        "m": {
            "widget": "menu",
            "prompt": "Appuyez sur 1.",
            "options": {"1": "bye"},
            "next": {"timeout": "bye", "invalid": "bye"},
            **extra,
        },
        "bye": {"widget": "hangup"},
    }


def apology_after(nodes: dict[str, Any], digits: str, **flow: Any) -> Say:
    d = Driver(flow_of(nodes, **flow))
    d.answer()
    first = d.send(InputReceived("leg-a", "CON-1", digits=digits or None, ref=d.ref)).actions[0]
    assert isinstance(first, Say)
    return first


def test_a_wrong_key_is_apologised_for_in_the_flows_language() -> None:
    said = apology_after(menu(), "7", language="fr-FR")
    assert said == Say("Désolé, ce choix n'est pas valide.", "fr-FR")


def test_silence_is_apologised_for_in_the_nodes_own_language() -> None:
    said = apology_after(menu(language="de-DE"), "", language="en-GB")
    assert said == Say("Entschuldigung, das habe ich nicht verstanden.", "de-DE")


def test_a_node_may_say_its_own_apology() -> None:
    said = apology_after(menu(invalid_prompt="Ce n'est pas 1."), "7", language="fr-FR")
    assert said == Say("Ce n'est pas 1.", "fr-FR")


def test_a_language_without_platform_words_hears_english_with_an_english_voice() -> None:
    said = apology_after(menu(), "7", language="ja-JP")
    assert said == Say("Sorry, that is not a valid choice.", "en-US")


def test_the_input_widget_apologises_in_its_language_too() -> None:
    nodes = {
        "pin": {
            "widget": "input",
            "prompt": "Su PIN.",
            "variable": "pin",
            "pattern": "\\d{4}",
            "next": "bye",
        },
        "bye": {"widget": "hangup"},
    }
    said = apology_after(nodes, "12", language="es-ES")
    assert said == Say("Lo sentimos, esa opción no es válida.", "es-ES")


def test_a_platform_phrase_under_another_languages_voice_is_warned_about_at_load() -> None:
    flow = flow_of(menu(invalid_prompt="Sorry, that is not a valid choice."), language="fr-FR")
    [warning] = [w for w in flow.warnings if "invalid_prompt" in w]
    assert warning.startswith(
        "nodes.m.invalid_prompt: 'Sorry, that is not a valid choice.' is the platform's 'en' text,"
        " read by a fr-FR voice"
    )
    # in its own language, or as a text of the author's, nothing is said
    own = flow_of(menu(invalid_prompt="Désolé, ce choix n'est pas valide."), language="fr-FR")
    assert not own.warnings
    assert not flow_of(menu(invalid_prompt="Pas ça."), language="fr-FR").warnings
    assert not flow_of(menu(), language="fr-FR").warnings
