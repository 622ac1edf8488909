"""SMS encoding arithmetic: whether a text fits the GSM 03.38 alphabet, and how the network
splits a long text into concatenated parts (160 GSM characters or 70 UCS-2 units in one message;
153 or 67 per part when concatenated; GSM extension characters count twice).

Pure functions; imports only the standard library.
"""

from __future__ import annotations

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("^{}\\[~]|€\f")

SINGLE_GSM = 160
PART_GSM = 153
SINGLE_UCS2 = 70
PART_UCS2 = 67


def is_gsm(text: str) -> bool:
    """Whether ``text`` can be sent with the GSM 7-bit alphabet."""
    return all(char in GSM_BASIC or char in GSM_EXTENSION for char in text)


def sms_type(text: str) -> str:
    """The ``type`` of a message carrying ``text``: ``text`` or ``unicode``."""
    return "text" if is_gsm(text) else "unicode"


def _cost(char: str, gsm: bool) -> int:
    if gsm:
        return 2 if char in GSM_EXTENSION else 1
    return 2 if ord(char) > 0xFFFF else 1


def length(text: str) -> int:
    """Septets (GSM) or UTF-16 code units (unicode) that ``text`` takes."""
    gsm = is_gsm(text)
    return sum(_cost(char, gsm) for char in text)


def split(text: str) -> list[str]:
    """The parts the network sends for ``text`` (one part when it fits in one message)."""
    gsm = is_gsm(text)
    single, part = (SINGLE_GSM, PART_GSM) if gsm else (SINGLE_UCS2, PART_UCS2)
    if sum(_cost(char, gsm) for char in text) <= single:
        return [text]
    parts: list[str] = []
    current: list[str] = []
    used = 0
    for char in text:
        cost = _cost(char, gsm)
        if used + cost > part:
            parts.append("".join(current))
            current, used = [], 0
        current.append(char)
        used += cost
    if current:
        parts.append("".join(current))
    return parts
