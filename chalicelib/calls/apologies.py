"""What the platform itself says to a caller when no flow can: the apology of the fallback answer
and "not in service", in the language of the call, and the process's memory of which language a
call or number speaks, so the apology is in that language even when the store cannot be read.

A text exists per primary language subtag; a language without one is answered in English with an
English voice (English text read by, say, a Polish voice is worse than English). Imports only
the standard library.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

DEFAULT_LANGUAGE = "en-US"


@dataclass(frozen=True)
class Texts:
    """The platform's own sentences in one language."""

    apology: str
    not_in_service: str


_TEXTS: dict[str, Texts] = {
    "en": Texts(
        "We are sorry, we cannot take your call right now. Please try again later.",
        "Sorry, the number you have called is not in service.",
    ),
    "de": Texts(
        "Es tut uns leid, wir können Ihren Anruf im Moment nicht entgegennehmen. "
        "Bitte versuchen Sie es später noch einmal.",
        "Die gewählte Rufnummer ist nicht vergeben.",
    ),
    "fr": Texts(
        "Nous sommes désolés, nous ne pouvons pas prendre votre appel pour le moment. "
        "Veuillez réessayer plus tard.",
        "Le numéro que vous avez composé n'est pas en service.",
    ),
    "es": Texts(
        "Lo sentimos, no podemos atender su llamada en este momento. "
        "Por favor, inténtelo de nuevo más tarde.",
        "El número al que ha llamado no está en servicio.",
    ),
    "it": Texts(
        "Siamo spiacenti, al momento non possiamo rispondere alla sua chiamata. "
        "La preghiamo di riprovare più tardi.",
        "Il numero chiamato non è attivo.",
    ),
    "nl": Texts(
        "Het spijt ons, we kunnen uw oproep op dit moment niet aannemen. "
        "Probeer het later opnieuw.",
        "Het nummer dat u hebt gebeld is niet in gebruik.",
    ),
    "pt": Texts(
        "Lamentamos, não podemos atender a sua chamada neste momento. "
        "Por favor, tente novamente mais tarde.",
        "O número para o qual ligou não está em serviço.",
    ),
    "sv": Texts(
        "Vi beklagar, vi kan inte ta emot ditt samtal just nu. Försök igen senare.",
        "Numret du har ringt är inte i bruk.",
    ),
    "da": Texts(
        "Vi beklager, vi kan ikke tage imod dit opkald lige nu. Prøv igen senere.",
        "Nummeret, du har ringet til, er ikke i brug.",
    ),
    "pl": Texts(
        "Przepraszamy, nie możemy teraz odebrać Twojego połączenia. Spróbuj ponownie później.",
        "Wybrany numer jest nieaktywny.",
    ),
}


def texts_for(language: str | None) -> tuple[Texts, str]:
    """The sentences for ``language`` and the voice language to speak them in."""
    code = language or DEFAULT_LANGUAGE
    texts = _TEXTS.get(code.split("-", 1)[0].lower())
    if texts is None:
        return _TEXTS["en"], DEFAULT_LANGUAGE
    return texts, code


class LanguageMemory:
    """The languages of calls and numbers this process has seen, most recent first, bounded.

    Filled as calls are read and numbers looked up; read by the fallback answer, which must
    speak the call's language although the store that knows it may be what failed.
    """

    def __init__(self, capacity: int = 4096) -> None:
        self._capacity = capacity
        self._languages: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, key: str | None, language: str | None) -> None:
        """Note that ``key`` (a call id or a number) speaks ``language``."""
        if not key or not language:
            return
        with self._lock:
            self._languages[key] = language
            self._languages.move_to_end(key)
            while len(self._languages) > self._capacity:
                self._languages.popitem(last=False)

    def recall(self, *keys: str | None) -> str | None:
        """The language of the first key remembered, or None."""
        with self._lock:
            for key in keys:
                if key and key in self._languages:
                    return self._languages[key]
        return None
