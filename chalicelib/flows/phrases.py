"""What the platform itself says, in each language it has words for: the built-in prompts of
the widgets that ask (not a valid choice, nothing heard) and the answers of the voice shell when
no flow can (the apology, "not in service").

A phrase set exists per primary language subtag; a language without one is answered in English
with an English voice (English text read by, say, a Japanese voice is worse than English).
``catalogue_language`` tells which language a text is when it is one of these phrases, so a flow
that puts one under another language's voice can be told at load. Imports only the standard
library.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

DEFAULT_LANGUAGE = "en-US"


@dataclass(frozen=True)
class Phrases:
    """The platform's own sentences in one language."""

    apology: str
    not_in_service: str
    invalid: str
    no_input: str


_PHRASES: dict[str, Phrases] = {
    "en": Phrases(
        "We are sorry, we cannot take your call right now. Please try again later.",
        "Sorry, the number you have called is not in service.",
        "Sorry, that is not a valid choice.",
        "Sorry, I did not get that.",
    ),
    "de": Phrases(
        "Es tut uns leid, wir können Ihren Anruf im Moment nicht entgegennehmen. "
        "Bitte versuchen Sie es später noch einmal.",
        "Die gewählte Rufnummer ist nicht vergeben.",
        "Das ist leider keine gültige Auswahl.",
        "Entschuldigung, das habe ich nicht verstanden.",
    ),
    "fr": Phrases(
        "Nous sommes désolés, nous ne pouvons pas prendre votre appel pour le moment. "
        "Veuillez réessayer plus tard.",
        "Le numéro que vous avez composé n'est pas en service.",
        "Désolé, ce choix n'est pas valide.",
        "Désolé, je n'ai pas compris.",
    ),
    "es": Phrases(
        "Lo sentimos, no podemos atender su llamada en este momento. "
        "Por favor, inténtelo de nuevo más tarde.",
        "El número al que ha llamado no está en servicio.",
        "Lo sentimos, esa opción no es válida.",
        "Lo sentimos, no le he entendido.",
    ),
    "it": Phrases(
        "Siamo spiacenti, al momento non possiamo rispondere alla sua chiamata. "
        "La preghiamo di riprovare più tardi.",
        "Il numero chiamato non è attivo.",
        "Siamo spiacenti, la scelta non è valida.",
        "Siamo spiacenti, non ho capito.",
    ),
    "nl": Phrases(
        "Het spijt ons, we kunnen uw oproep op dit moment niet aannemen. "
        "Probeer het later opnieuw.",
        "Het nummer dat u hebt gebeld is niet in gebruik.",
        "Sorry, dat is geen geldige keuze.",
        "Sorry, dat heb ik niet begrepen.",
    ),
    "pt": Phrases(
        "Lamentamos, não podemos atender a sua chamada neste momento. "
        "Por favor, tente novamente mais tarde.",
        "O número para o qual ligou não está em serviço.",
        "Lamentamos, essa opção não é válida.",
        "Lamentamos, não percebemos a sua resposta.",
    ),
    "sv": Phrases(
        "Vi beklagar, vi kan inte ta emot ditt samtal just nu. Försök igen senare.",
        "Numret du har ringt är inte i bruk.",
        "Tyvärr, det är inget giltigt val.",
        "Tyvärr, vi uppfattade inte ditt svar.",
    ),
    "da": Phrases(
        "Vi beklager, vi kan ikke tage imod dit opkald lige nu. Prøv igen senere.",
        "Nummeret, du har ringet til, er ikke i brug.",
        "Beklager, det er ikke et gyldigt valg.",
        "Beklager, vi opfattede ikke dit svar.",
    ),
    "pl": Phrases(
        "Przepraszamy, nie możemy teraz odebrać Twojego połączenia. Spróbuj ponownie później.",
        "Wybrany numer jest nieaktywny.",
        "Przepraszamy, to nie jest prawidłowy wybór.",
        "Przepraszamy, nie otrzymaliśmy odpowiedzi.",
    ),
}

_BY_TEXT: dict[str, str] = {
    getattr(phrases, item.name).casefold(): code
    for code, phrases in _PHRASES.items()
    for item in fields(Phrases)
}


def primary(language: str) -> str:
    """The primary subtag of a language code (``fr`` of ``fr-CA``)."""
    return language.split("-", 1)[0].lower()


def phrases_for(language: str | None) -> tuple[Phrases, str]:
    """The sentences for ``language`` and the voice language to speak them in."""
    code = language or DEFAULT_LANGUAGE
    phrases = _PHRASES.get(primary(code))
    if phrases is None:
        return _PHRASES["en"], DEFAULT_LANGUAGE
    return phrases, code


def catalogue_language(text: str) -> str | None:
    """The primary language of ``text`` when it is one of the platform's phrases, else None."""
    return _BY_TEXT.get(text.strip().casefold())
