"""The local intent engine on the Eva agent: each option by words, synonyms, typos, DTMF digits,
numbers and ordinals, in English and Spanish; no match below the threshold; parameters and the
response with its ``$option`` filled; determinism; and no text ever makes it raise."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.speech.agent import (
    Agent,
    Entity,
    Entry,
    Intent,
    Parameter,
    Phrase,
    Segment,
    read_directory,
)
from chalicelib.speech.local import LocalEngine
from chalicelib.speech.matcher import normalise
from chalicelib.speech.port import EngineUnavailableError

EVA = Path(__file__).resolve().parents[3] / "flows" / "agents" / "eva"
ENGINE = LocalEngine(read_directory(EVA))


def _intent(text: str, language: str = "en-US") -> str | None:
    return ENGINE.detect("call-1", text, language, 1.0).intent


def test_normalisation_drops_case_accents_punctuation_and_extra_spaces() -> None:
    assert normalise("  ¿Opción   NÚMERO-Uno?! ") == "opcion numero uno"


@pytest.mark.parametrize(
    "text",
    [
        "payment details",
        "Payment details, please!",
        "paymnet details",
        "I'd like to know my payment details please",
        "option one",
        "Option 1",
        "first option",
        "1 option",
        "the first one",
        "I choose option one",
        "1",
        "one",
        "first",
        "1st",
        "number one",
        "when is my payment due",
    ],
)
def test_option_one_reaches_payment_details(text: str) -> None:
    assert _intent(text) == "payment_details"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("2", "account_details"),
        ("two", "account_details"),
        ("second option", "account_details"),
        ("I want option two", "account_details"),
        ("acount detials", "account_details"),
        ("what's my balance?", "account_details"),
        ("3", "loan_details"),
        ("third", "loan_details"),
        ("option three please", "loan_details"),
        ("3 option", "loan_details"),
        ("loan details", "loan_details"),
        ("tell me about my loan", "loan_details"),
        ("hello", "Default Welcome Intent"),
    ],
)
def test_each_option_is_told_apart(text: str, intent: str) -> None:
    assert _intent(text) == intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("opción uno", "payment_details"),
        ("la primera opción", "payment_details"),
        ("Quiero la primera", "payment_details"),
        ("1", "payment_details"),
        ("detalles de pago", "payment_details"),
        ("dos", "account_details"),
        ("segunda opcion", "account_details"),
        ("¿Cuál es mi saldo?", "account_details"),
        ("opción tres", "loan_details"),
        ("mi prestamo", "loan_details"),
        ("hola", "Default Welcome Intent"),
    ],
)
def test_spanish_phrasings_match_in_spanish(text: str, intent: str) -> None:
    assert _intent(text, "es-ES") == intent


@pytest.mark.parametrize(
    "text",
    [
        "what's the weather like in Paris tomorrow",
        "banana",
        "",
        "   ?!  ",
        "I would like to speak to a human being about my broadband",
        "zzzz " * 5000,
    ],
)
def test_unrelated_text_is_no_match_with_the_fallback_response(text: str) -> None:
    detection = ENGINE.detect("call-1", text, "en-US", 1.0)
    assert detection.intent is None
    assert detection.confidence < 0.6
    assert detection.fulfilment.startswith("Sorry, I did not get that")
    assert detection.parameters == {}


def test_parameters_and_the_response_are_filled_from_the_option_said() -> None:
    detection = ENGINE.detect("call-1", "I choose the second option", "en-GB", 1.0)
    assert detection.intent == "account_details"
    assert detection.parameters == {"option": "2"}
    assert detection.fulfilment == (
        "Your account is active and in good standing. You chose option 2."
    )
    assert 0.6 <= detection.confidence <= 1.0
    spoken = ENGINE.detect("call-1", "account details", "en-GB", 1.0)
    assert spoken.parameters == {"option": ""}
    assert spoken.fulfilment.endswith("You chose option .")
    spanish = ENGINE.detect("call-1", "opción tres", "es", 1.0)
    assert spanish.fulfilment == "A su préstamo le quedan doce cuotas. Ha elegido la opción 3."


def test_an_exact_training_phrase_is_full_confidence() -> None:
    assert ENGINE.detect("s", "loan details", "en", 1.0).confidence == 1.0


def test_an_unsupported_language_falls_back_to_the_agents_default() -> None:
    assert _intent("payment details", "fr-FR") == "payment_details"


def test_detection_is_deterministic() -> None:
    texts = ["option two", "paymnet details", "la tercera", "banana", "1"]
    first = [ENGINE.detect("a", t, "en", 1.0) for t in texts]
    again = [LocalEngine(read_directory(EVA)).detect("b", t, "en", 1.0) for t in texts]
    assert first == again


def test_no_time_left_is_engine_unavailable() -> None:
    with pytest.raises(EngineUnavailableError):
        ENGINE.detect("s", "1", "en", 0.0)


def _numbers_agent() -> Agent:
    order = Intent(
        name="order",
        phrases={
            "en": (
                Phrase(
                    (Segment("I want "), Segment("3", "sys.number", "count"), Segment(" pizzas"))
                ),
                Phrase(
                    (Segment("order "), Segment("2", "sys.number", "count"), Segment(" of them"))
                ),
            ),
            "es": (
                Phrase(
                    (Segment("quiero "), Segment("3", "sys.number", "count"), Segment(" pizzas"))
                ),
            ),
        },
        parameters=(Parameter("count", "sys.number", required=True),),
        responses={"en": ("$count pizzas ($count.original)$unknown, done",)},
    )
    size = Entity("SIZE", {"en": (Entry("large", ("large", "big", "extra large")),)})
    other = Intent(
        name="size",
        phrases={"en": (Phrase((Segment("a "), Segment("big", "SIZE", "size"), Segment(" one"))),)},
        parameters=(Parameter("size", "SIZE"),),
        responses={"": ("A $size one.",)},
    )
    return Agent("shop", "en", ("en", "es"), 0.6, (order, other), {"SIZE": size})


@pytest.mark.parametrize(
    ("text", "language", "count"),
    [
        ("I want 12 pizzas", "en", "12"),
        ("I want twenty one pizzas", "en", "21"),
        ("I want seven pizzas", "en", "7"),
        ("quiero veintidós pizzas", "es", "22"),
        ("quiero treinta y dos pizzas", "es", "32"),
    ],
)
def test_sys_number_takes_digits_and_number_words(text: str, language: str, count: str) -> None:
    detection = LocalEngine(_numbers_agent()).detect("s", text, language, 1.0)
    assert detection.intent == "order"
    assert detection.parameters == {"count": count}


def test_references_take_the_value_the_original_words_and_nothing_when_unknown() -> None:
    engine = LocalEngine(_numbers_agent())
    detection = engine.detect("s", "I want twenty one pizzas", "en", 1.0)
    assert detection.fulfilment == "21 pizzas (twenty one), done"
    sized = engine.detect("s", "an extra large one", "en", 1.0)
    assert sized.intent == "size"
    assert sized.parameters == {"size": "large"}
    assert sized.fulfilment == "A large one."


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=300), language=st.sampled_from(["en", "es-MX", "xx", "", "EN-us"]))
def test_detect_never_raises_for_any_text(text: str, language: str) -> None:
    detection = ENGINE.detect("fuzz", text, language, 5.0)
    assert 0.0 <= detection.confidence <= 1.0
    assert detection.intent is None or detection.confidence >= 0.6


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from("0123456789 onetwyhirfuvsx-"), max_size=2000),
    language=st.sampled_from(["en", "es"]),
)
def test_detect_never_raises_for_any_number_said(text: str, language: str) -> None:
    detection = LocalEngine(_numbers_agent()).detect("fuzz", text, language, 5.0)
    assert 0.0 <= detection.confidence <= 1.0


def test_a_long_number_is_taken_as_said_and_a_huge_one_is_cut_at_the_cap() -> None:
    engine = LocalEngine(_numbers_agent())
    digits = "0" + "9" * 900
    detection = engine.detect("s", f"order {digits} of them", "en", 1.0)
    assert detection.intent == "order"
    assert detection.parameters == {"count": "9" * 900}
    huge = engine.detect("s", "order " + "7" * 50_000, "en", 1.0)
    assert huge.intent == "order"
    assert huge.parameters == {"count": "7" * 994}  # the text is read to its first 1000 characters


def test_an_intent_trained_on_one_value_takes_another_value_lower() -> None:
    options = Entity("OPTIONS", {"en": (Entry("1", ("option one",)), Entry("2", ("option two",)))})
    choose = Intent(
        name="choose",
        phrases={"en": (Phrase((Segment("I choose "), Segment("option one", "OPTIONS", "o"))),)},
        parameters=(Parameter("o", "OPTIONS"),),
        responses={"en": ("Option $o.",)},
    )
    engine = LocalEngine(Agent("a", "en", ("en",), 0.6, (choose,), {"OPTIONS": options}))
    same = engine.detect("s", "I choose option one", "en", 1.0)
    other = engine.detect("s", "I choose option two", "en", 1.0)
    assert (same.intent, same.confidence, same.fulfilment) == ("choose", 1.0, "Option 1.")
    assert (other.intent, other.fulfilment) == ("choose", "Option 2.")
    assert 0.6 <= other.confidence < same.confidence
