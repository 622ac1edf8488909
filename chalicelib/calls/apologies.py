"""What the platform itself says to a caller when no flow can (the apology of the fallback
answer and "not in service", in the language of the call; the words are ``flows.phrases``), and
the process's memory of which language a call or number speaks, so the apology is in that
language even when the store cannot be read. Imports only the standard library and
``flows.phrases``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from chalicelib.flows.phrases import Phrases, phrases_for

Texts = Phrases
"""The platform's own sentences in one language."""


def texts_for(language: str | None) -> tuple[Texts, str]:
    """The sentences for ``language`` and the voice language to speak them in."""
    return phrases_for(language)


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
