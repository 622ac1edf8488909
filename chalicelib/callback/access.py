"""Callback access numbers and what a call to one means: the trigger kinds (ANI, DNIS, PIN), an
access number's configuration (``AccessNumber``), the translation of the caller id a carrier
delivers into E.164 digits (``translate``), and the PIN lockout's rules.

An access number is a number callers dial to ask for a callback; the call is never answered.
ANI: the caller id says who to call back, once translated: per access number, translation rules
(a leading digits prefix replaced by another, longest prefix first: ``0 -> 420`` turns
``0602123456`` into ``420602123456``) and a country (a national number is read by
``phonenumbers`` as that country's) turn local formats into E.164. A withheld, garbled or
untranslatable caller id is not called back (``Translation.reason`` says which, for counting).
DNIS: the number belongs to one callback account, whose own number is called back. PIN: the
caller is called back on an internal account (its own restricted tariff) and asked for a PIN;
``MAX_PIN_ATTEMPTS`` wrong ones end the call and lock the caller number for the access number's
``lock_minutes``.

Pure: the standard library, ``phonenumbers``, ``chalicelib.errors``, the callback's catalogue and
``chalicelib.flows.languages`` only; no store, web, wiring or product module. Rules are plain
prefixes, never user regexes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import phonenumbers

from chalicelib.callback import catalogue
from chalicelib.errors import ValidationError
from chalicelib.flows.languages import is_tts_language

ACCESS_NUMBER_PATTERN = r"^\+?[1-9][0-9]{6,14}$"
"""An access number or a caller number: E.164 digits, an optional leading ``+``."""
TENANT_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"
"""A platform account id (as ``accounts.admin`` spells it)."""
CALLBACK_ACCOUNT_PATTERN = r"^[0-9]{6,16}$"
"""A callback account id, its PIN (as ``billing.wallet`` spells it)."""
FLOW_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"
MAIL_ADDRESS_PATTERN = (
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
"""An access number's e-mail address: a dot-atom local part and a domain name (no quoted or
internationalised forms); compared lower-cased."""
MAX_MAIL_ADDRESS = 254
PREFIX_PATTERN = r"^[0-9]{1,15}$"
REPLACE_PATTERN = r"^[0-9]{0,15}$"
COUNTRIES: frozenset[str] = frozenset(phonenumbers.SUPPORTED_REGIONS)
"""The ISO regions ``phonenumbers`` knows (``CZ``, ``GB`` ...)."""
MAX_RULES = 20
MAX_PAGE = 100
"""The most access numbers an operator's list shows at once (the store's page)."""
MAX_DELAY_SECONDS = 900
MIN_LOCK_MINUTES = 1
MAX_LOCK_MINUTES = 1440
DEFAULT_LOCK_MINUTES = 30
MAX_PIN_ATTEMPTS = 3
"""Wrong PINs in one call before the call ends and the caller number is locked."""
MIN_CALLER_DIGITS = 5
"""Fewer digits than this is a garbled caller id (the carrier passed only the last few)."""
MAX_CALLER_CHARS = 32
"""A caller id longer than this is garbled, whatever it holds (no E.164 number is)."""
WITHHELD = frozenset(
    {"", "anonymous", "private", "unknown", "restricted", "withheld", "unavailable", "blocked"}
)
"""What carriers deliver instead of a caller id they do not pass on (compared lower-case)."""
SEPARATORS = str.maketrans("", "", " -.()/")
"""Visual separators dropped from a caller id before it is read."""

_ACCESS_NUMBER = re.compile(ACCESS_NUMBER_PATTERN)
_TENANT = re.compile(TENANT_PATTERN)
_CALLBACK_ACCOUNT = re.compile(CALLBACK_ACCOUNT_PATTERN)
_FLOW_ID = re.compile(FLOW_ID_PATTERN)
_MAIL_ADDRESS = re.compile(MAIL_ADDRESS_PATTERN)
_PREFIX = re.compile(PREFIX_PATTERN)
_REPLACE = re.compile(REPLACE_PATTERN)


class TriggerKind(StrEnum):
    """How a call to an access number says who to call back."""

    ANI = "ani"
    """The caller id (translated) is called back."""
    DNIS = "dnis"
    """The number dialled belongs to a callback account; the account's number is called back."""
    PIN = "pin"
    """The caller id is called back on an internal account; the caller's PIN picks the account."""


class InvalidAccessNumberError(ValidationError):
    """An access number's configuration breaks a rule; ``problems`` lists every one."""


class InvalidCallerNumberError(ValidationError):
    """A caller number (of a lockout) is not E.164 digits."""


def number_digits(text: str, what: str = "access number") -> str:
    """``text`` as E.164 digits (the ``+`` dropped); ``InvalidAccessNumberError`` otherwise."""
    if not isinstance(text, str) or not _ACCESS_NUMBER.fullmatch(text):
        raise InvalidAccessNumberError(
            f"{what} {text!r} is not E.164 digits (country code first, 7 to 15 digits)"
        )
    return text.removeprefix("+")


def is_mail_address(text: object) -> bool:
    """Whether ``text`` is an e-mail address an access number may have (any case)."""
    return (
        isinstance(text, str)
        and len(text) <= MAX_MAIL_ADDRESS
        and _MAIL_ADDRESS.fullmatch(text) is not None
    )


def caller_digits(text: str) -> str:
    """A caller number as E.164 digits; ``InvalidCallerNumberError`` otherwise."""
    if not isinstance(text, str) or not _ACCESS_NUMBER.fullmatch(text):
        raise InvalidCallerNumberError(
            f"caller number {text!r} is not E.164 digits (country code first, 7 to 15 digits)"
        )
    return text.removeprefix("+")


@dataclass(frozen=True)
class TranslationRule:
    """Replace a caller id's leading ``prefix`` (digits) by ``replace`` (digits, maybe none)."""

    prefix: str
    replace: str

    def problems(self, at: str) -> list[str]:
        found: list[str] = []
        if not isinstance(self.prefix, str) or not _PREFIX.fullmatch(self.prefix):
            found.append(f"{at}.prefix: {self.prefix!r} is not 1 to 15 digits")
        if not isinstance(self.replace, str) or not _REPLACE.fullmatch(self.replace):
            found.append(f"{at}.replace: {self.replace!r} is not 0 to 15 digits")
        return found

    def __str__(self) -> str:
        return f"{self.prefix}={self.replace}"

    @classmethod
    def parse(cls, text: str) -> TranslationRule:
        """A rule from ``PREFIX=REPLACE`` (the CLI's spelling: ``0=420``, ``00=``)."""
        prefix, sep, replace = text.partition("=")
        rule = cls(prefix.strip(), replace.strip())
        problems = rule.problems("rule") if sep else [f"rule {text!r} is not PREFIX=REPLACE"]
        if problems:
            raise InvalidAccessNumberError(f"translation rule {text!r} is not valid", problems)
        return rule


@dataclass(frozen=True)
class AccessNumber:
    """An access number's configuration. ``number`` is E.164 digits (a leading ``+`` is
    dropped); ``tenant`` the platform account whose calls these are; ``language`` the prompts'
    TTS language; ``rules`` and ``country`` translate caller ids (ANI, PIN); ``account_id`` the
    callback account a DNIS number belongs to; ``internal_account`` the callback account a PIN
    number calls back on; ``delay_seconds`` the wait before the call back; ``flow_id`` the flow
    leg A runs; ``lock_minutes`` how long a caller stays locked after ``MAX_PIN_ATTEMPTS`` wrong
    PINs; ``mail_address`` (lower-cased) the address whose e-mail is a callback command for it
    (the e-mail trigger: ``callback.mail``), unique among access numbers. Built valid or not at
    all: ``InvalidAccessNumberError`` lists every problem."""

    number: str
    kind: TriggerKind
    tenant: str
    language: str
    rules: tuple[TranslationRule, ...] = ()
    account_id: str | None = None
    internal_account: str | None = None
    delay_seconds: int = 5
    flow_id: str = "callback"
    country: str | None = None
    lock_minutes: int = DEFAULT_LOCK_MINUTES
    enabled: bool = True
    mail_address: str | None = None

    def __post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            raise InvalidAccessNumberError(f"access number {self.number!r} is not valid", problems)
        object.__setattr__(self, "number", self.number.removeprefix("+"))
        object.__setattr__(self, "kind", TriggerKind(self.kind))
        object.__setattr__(self, "rules", tuple(self.rules))
        if self.country is not None:
            object.__setattr__(self, "country", self.country.upper())
        if self.mail_address is not None:
            object.__setattr__(self, "mail_address", self.mail_address.lower())

    def rule_for(self, digits: str) -> TranslationRule | None:
        """The rule with the longest prefix of ``digits``, or None."""
        matching = [rule for rule in self.rules if digits.startswith(rule.prefix)]
        return max(matching, key=lambda rule: len(rule.prefix), default=None)

    def lock_until(self, now: datetime) -> datetime:
        """When a caller locked ``now`` (``MAX_PIN_ATTEMPTS`` wrong PINs) is free again."""
        return now + timedelta(minutes=self.lock_minutes)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _problems(access: AccessNumber) -> list[str]:
    """Every rule ``access`` breaks, one line each, named by field."""
    found: list[str] = []
    if not isinstance(access.number, str) or not _ACCESS_NUMBER.fullmatch(access.number):
        found.append(
            f"number: {access.number!r} is not E.164 digits (country code first, 7 to 15 digits)"
        )
    try:
        kind: TriggerKind | None = TriggerKind(access.kind)
    except ValueError:
        kind = None
        found.append(f"kind: {access.kind!r} is not one of {', '.join(TriggerKind)}")
    if not isinstance(access.tenant, str) or not _TENANT.fullmatch(access.tenant):
        found.append(f"tenant: {access.tenant!r} is not an account id ({TENANT_PATTERN})")
    if not isinstance(access.language, str) or not is_tts_language(access.language):
        found.append(f"language: {access.language!r} is not a text-to-speech language")
    elif not catalogue.has_language(access.language):
        found.append(
            f"language: the callback speaks no {access.language!r}; it speaks: "
            + ", ".join(catalogue.LANGUAGES)
        )
    if not isinstance(access.rules, tuple | list):
        found.append("rules: must be a list of translation rules")
    else:
        if len(access.rules) > MAX_RULES:
            found.append(f"rules: {len(access.rules)} rules, at most {MAX_RULES}")
        seen: set[str] = set()
        for index, rule in enumerate(access.rules):
            if not isinstance(rule, TranslationRule):
                found.append(f"rules.{index}: not a translation rule")
                continue
            found += rule.problems(f"rules.{index}")
            if rule.prefix in seen:
                found.append(f"rules.{index}.prefix: {rule.prefix!r} has another rule already")
            seen.add(rule.prefix)
    found += _account_problems(access, kind)
    if not _is_int(access.delay_seconds) or not 0 <= access.delay_seconds <= MAX_DELAY_SECONDS:
        found.append(f"delay_seconds: {access.delay_seconds!r} is not 0 to {MAX_DELAY_SECONDS}")
    if not isinstance(access.flow_id, str) or not _FLOW_ID.fullmatch(access.flow_id):
        found.append(f"flow_id: {access.flow_id!r} is not a flow id ({FLOW_ID_PATTERN})")
    if access.country is not None and (
        not isinstance(access.country, str) or access.country.upper() not in COUNTRIES
    ):
        found.append(f"country: {access.country!r} is not an ISO region (such as CZ or GB)")
    if not _is_int(access.lock_minutes) or not (
        MIN_LOCK_MINUTES <= access.lock_minutes <= MAX_LOCK_MINUTES
    ):
        found.append(
            f"lock_minutes: {access.lock_minutes!r} is not {MIN_LOCK_MINUTES} to {MAX_LOCK_MINUTES}"
        )
    if not isinstance(access.enabled, bool):
        found.append(f"enabled: {access.enabled!r} is not true or false")
    if access.mail_address is not None and not is_mail_address(access.mail_address):
        found.append(f"mail_address: {access.mail_address!r} is not an e-mail address")
    return found


def _account_problems(access: AccessNumber, kind: TriggerKind | None) -> list[str]:
    """DNIS needs ``account_id``, PIN needs ``internal_account``; no other kind takes them."""
    found: list[str] = []
    for name, needed_by in (
        ("account_id", TriggerKind.DNIS),
        ("internal_account", TriggerKind.PIN),
    ):
        value = getattr(access, name)
        if value is None:
            if kind is needed_by:
                found.append(f"{name}: a {needed_by} access number needs one")
            continue
        if kind is not None and kind is not needed_by:
            found.append(f"{name}: only a {needed_by} access number has one, not a {kind} one")
        elif not isinstance(value, str) or not _CALLBACK_ACCOUNT.fullmatch(value):
            found.append(f"{name}: {value!r} is not a callback account id (6 to 16 digits)")
    return found


class Untranslated(StrEnum):
    """Why a caller id cannot be called back."""

    WITHHELD = "withheld"
    """No caller id: empty, anonymous, private, unknown, restricted ..."""
    GARBLED = "garbled"
    """Not a number: other characters than digits, or too few digits."""
    UNTRANSLATABLE = "untranslatable"
    """Digits, but neither the rules nor the country make a possible E.164 number of them."""


@dataclass(frozen=True)
class Translation:
    """What a caller id translates to: ``number`` (E.164 digits) or ``reason`` (why not), with
    ``detail`` for people; ``candidate`` is what the rules made of it when that was no possible
    number (for operators' dry runs)."""

    caller_id: str
    number: str | None = None
    reason: Untranslated | None = None
    detail: str = ""
    candidate: str | None = None

    @property
    def ok(self) -> bool:
        return self.number is not None


def _possible(text: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    """``text`` parsed (as ``region``'s when it has no ``+``) if it is a possible number."""
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return parsed if phonenumbers.is_possible_number(parsed) else None


def _e164(parsed: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)[1:]


def translate(access: AccessNumber, caller_id: str) -> Translation:
    """The E.164 digits to call back for ``caller_id`` delivered on a call to ``access``.

    Withheld (empty, ``anonymous``, ``private``, ``unknown`` ...) and garbled ids (characters
    other than digits and separators after an optional ``+``, fewer than
    ``MIN_CALLER_DIGITS`` digits) are refused first. Then: a leading ``+`` means international
    already (no rule applies); so does a leading ``00`` (the international prefix) unless a
    rule's prefix covers it (``00`` or longer); else the rule with the longest matching prefix
    rewrites the digits, and its result is international digits; else, with a country, the
    digits are read as that country's national number or as international digits (a valid
    reading beats a merely possible one, the national reading wins a tie); without one, as
    international digits. The result must be a possible number
    (``phonenumbers.is_possible_number``), or the id is untranslatable; a rule's result may
    also be E.164 digits of a known country code, 8 to 15 digits (the operator's rule is
    trusted where the numbering plan is stricter)."""
    raw = caller_id if isinstance(caller_id, str) else ""
    if raw.strip().lower() in WITHHELD:
        return Translation(raw, reason=Untranslated.WITHHELD, detail="no caller id was delivered")
    compact = raw.strip().translate(SEPARATORS)
    plus = compact.startswith("+")
    digits = compact[1:] if plus else compact
    if len(compact) > MAX_CALLER_CHARS or not (digits.isascii() and digits.isdigit()):
        return Translation(raw, reason=Untranslated.GARBLED, detail="not a number")
    if len(digits) < MIN_CALLER_DIGITS:
        return Translation(
            raw, reason=Untranslated.GARBLED, detail=f"only {len(digits)} digits were delivered"
        )
    if plus:
        return _international(raw, digits, "international")
    rule = access.rule_for(digits)
    if digits.startswith("00") and (rule is None or len(rule.prefix) < 2):
        return _international(raw, digits[2:], "international prefix 00")
    if rule is not None:
        rewritten = rule.replace + digits[len(rule.prefix) :]
        return _ruled(raw, rewritten, f"rule {rule}")
    if access.country is None:
        return _international(raw, digits, "no rule and no country: international digits")
    return _national(raw, digits, access.country)


def _international(raw: str, digits: str, how: str) -> Translation:
    parsed = _possible("+" + digits, None) if digits else None
    if parsed is None:
        return Translation(
            raw,
            reason=Untranslated.UNTRANSLATABLE,
            detail=f"+{digits} ({how}) is not a possible number",
            candidate=digits or None,
        )
    return Translation(raw, number=_e164(parsed), detail=how)


def _ruled(raw: str, digits: str, how: str) -> Translation:
    """What an operator's rule made: a possible number, or else E.164 digits of a known
    country code and a plausible length (the operator knows their network's caller ids better
    than the numbering plans do: the seed's ``02345464`` -> ``+4202345464``)."""
    found = _international(raw, digits, how)
    if found.ok:
        return found
    try:
        parsed = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return found
    region = phonenumbers.region_code_for_country_code(parsed.country_code or 0)
    if region == "ZZ" or not MIN_RULED_DIGITS <= len(digits) <= MAX_E164_DIGITS:
        return found
    return Translation(raw, number=digits, detail=f"{how} (kept as the operator's rule made it)")


def _national(raw: str, digits: str, country: str) -> Translation:
    national = _possible(digits, country)
    international = _possible("+" + digits, None)
    readings = [
        (parsed, how)
        for parsed, how in (
            (national, f"national number of {country}"),
            (international, "international digits"),
        )
        if parsed is not None
    ]
    valid = [(parsed, how) for parsed, how in readings if phonenumbers.is_valid_number(parsed)]
    if not readings:
        return Translation(
            raw,
            reason=Untranslated.UNTRANSLATABLE,
            detail=f"{digits} is no possible number of {country} nor an international one",
            candidate=digits,
        )
    parsed, how = (valid or readings)[0]
    return Translation(raw, number=_e164(parsed), detail=how)


MIN_RULED_DIGITS = 8
"""The fewest digits a rule's result may have (country code included)."""
MAX_E164_DIGITS = 15


class PinVerdict(StrEnum):
    """What follows a wrong PIN."""

    RETRY = "retry"
    LOCK = "lock"


def after_wrong_pin(wrong_so_far: int) -> PinVerdict:
    """``wrong_so_far`` wrong PINs in this call (this one included): ask again, or end the call
    and lock the caller number (from the ``MAX_PIN_ATTEMPTS``-th)."""
    return PinVerdict.LOCK if wrong_so_far >= MAX_PIN_ATTEMPTS else PinVerdict.RETRY


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    """Whether a caller locked until ``locked_until`` is still locked at ``now``."""
    return locked_until is not None and now < locked_until
