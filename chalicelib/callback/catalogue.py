"""What the callback product says to a caller, one catalogue per language: the sentences of its
prompts (welcome, PIN, balance, destination, outcomes of a call, goodbye), the language menu,
and money and durations spoken the way each language says them; and the replies of its SMS
commands in the same languages (``Replies``: the sentences are ``callback.sms_words``'), with
numbers and amounts written the way each language writes them.

A catalogue language is a carrier TTS code (``LANGUAGES``); any other code of the same language
falls back by its primary subtag (``en-AU`` reads the English of ``en-GB`` with an ``en-AU``
voice, ``zh-CN`` and ``cmn-TW`` read Mandarin in Simplified characters with the ``cmn-CN``
voice). Amounts are ``Decimal`` only, never negative, rounded down to the currency's minor unit
(never announce more than the caller has) and spoken with digits, which each carrier voice
reads in its own language; plural rules, currency precision, currency names the catalogue does
not spell itself and the duration units come from CLDR through Babel
(docs/decisions/0016). The sentences themselves are ``callback.words``'. Pure: imports the
standard library, ``babel``, ``callback.words``, ``callback.sms_words``, ``chalicelib.errors`` and
``chalicelib.flows.languages`` only; no store, web or wiring.
"""

# The Chinese prompts are punctuated as Chinese is, with the full-width comma.

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_DOWN, Decimal
from functools import cache

from babel import Locale
from babel.numbers import format_decimal, get_currency_name, get_currency_precision
from babel.units import format_unit

from chalicelib.callback.sms_words import SMS_CATALOGUE as _SMS_CATALOGUE
from chalicelib.callback.sms_words import SmsWords as _SmsWords
from chalicelib.callback.words import CATALOGUE as _CATALOGUE
from chalicelib.callback.words import Currency as _Currency
from chalicelib.callback.words import Words as _Words
from chalicelib.errors import ValidationError
from chalicelib.flows.languages import TEXT_TO_SPEECH

MAX_AMOUNT = Decimal(10) ** 15
"""Amounts from here up are refused: no balance is that large, and the digits would be noise."""

MAX_SECONDS = 10**9
"""Durations from here up are refused (about 31 years)."""

MAX_MENU_OPTIONS = 10
"""A language menu offers at most one option per keypad digit."""


class UnsupportedLanguageError(ValidationError):
    """The catalogue has no prompts in the language asked for; the message lists its codes."""


LANGUAGES: tuple[str, ...] = tuple(_CATALOGUE)
"""The catalogue's languages, as the carrier TTS codes their prompts are written for."""

_NORTH_AMERICA = frozenset({"US", "CA", "PR"})
"""Regions whose English calls # the pound key; every other English reads ``en-GB``."""

_TTS_BY_LOWER: dict[str, str] = {code.lower(): code for code in TEXT_TO_SPEECH}
_MAX_CODE_LENGTH = 35


def _catalogue_language(subtags: list[str]) -> str | None:
    """The catalogue language for a well-formed code's subtags, by its primary subtag and
    region; None when the catalogue has no words in that language."""
    primary = subtags[0].lower()
    region = next(
        (
            s.upper()
            for s in subtags[1:]
            if (len(s) == 2 and s.isalpha()) or (len(s) == 3 and s.isdigit())
        ),
        None,
    )
    if primary == "en":
        return "en-US" if region is None or region in _NORTH_AMERICA else "en-GB"
    if primary == "es":
        return "es-ES" if region in (None, "ES") else "es-MX"
    if primary == "fr":
        return "fr-FR"
    if primary == "vi":
        return "vi-VN"
    if primary in ("cmn", "zh"):
        return "cmn-CN"
    return None


def _resolve(code: object) -> tuple[str, str] | None:
    """(catalogue language, voice) for ``code``, or None. The voice is the code itself when
    the carrier speaks it (an Australian voice for ``en-AU``), else the catalogue language's;
    Chinese is always spoken by ``cmn-CN``, whose voice reads the Simplified text."""
    if not isinstance(code, str) or not 0 < len(code) <= _MAX_CODE_LENGTH:
        return None
    subtags = code.replace("_", "-").split("-")
    if not all(0 < len(s) <= 8 and s.isascii() and s.isalnum() for s in subtags):
        return None
    language = _catalogue_language(subtags)
    if language is None:
        return None
    voice = _TTS_BY_LOWER.get("-".join(subtags).lower(), language)
    if language == "cmn-CN":
        voice = "cmn-CN"
    return language, voice


def has_language(code: object) -> bool:
    """True when the catalogue can speak to a caller whose language is ``code`` (a catalogue
    language or another code of the same language)."""
    return _resolve(code) is not None


def prompts(code: object) -> Prompts:
    """The prompts for language ``code``; :class:`UnsupportedLanguageError` (listing the
    catalogue's codes) when the catalogue has no words in it."""
    resolved = _resolve(code)
    if resolved is None:
        shown = code[:_MAX_CODE_LENGTH] if isinstance(code, str) else type(code).__name__
        raise UnsupportedLanguageError(
            f"unsupported language {shown!r} for the callback prompts; supported: "
            f"{', '.join(LANGUAGES)} (or another regional code of these languages)"
        )
    language, voice = resolved
    return Prompts(code=voice, language=language, _words=_CATALOGUE[language])


@cache
def _locale(name: str) -> Locale:
    return Locale.parse(name)


def _spoken(text: str) -> str:
    """CLDR's no-break spaces as plain spaces: the text is read aloud, never wrapped."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def _checked_amount(amount: object) -> Decimal:
    if isinstance(amount, bool) or not isinstance(amount, (Decimal, int)):
        raise ValidationError(f"an amount must be a Decimal, not {type(amount).__name__}")
    value = Decimal(amount)
    if not value.is_finite():
        raise ValidationError(f"an amount must be a finite number, not {value}")
    if value < 0:
        raise ValidationError(f"a negative amount cannot be spoken: {value}")
    if value >= MAX_AMOUNT:
        raise ValidationError(f"an amount must be below {MAX_AMOUNT}")
    return value


def _checked_currency(currency: object) -> str:
    if not (
        isinstance(currency, str)
        and len(currency) == 3
        and currency.isascii()
        and currency.isalpha()
    ):
        raise ValidationError(f"a currency must be a three-letter ISO 4217 code, not {currency!r}")
    return currency.upper()


def _checked_seconds(seconds: object) -> int:
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise ValidationError(
            f"a duration must be whole seconds (int), not {type(seconds).__name__}"
        )
    if not 0 <= seconds < MAX_SECONDS:
        raise ValidationError(
            f"a duration must be from 0 to {MAX_SECONDS - 1} seconds, not {seconds}"
        )
    return seconds


def _checked_key(key: object) -> str:
    if not (isinstance(key, str) and 0 < len(key) <= 2 and key.isascii() and key.isdigit()):
        raise ValidationError(f"a menu key must be one or two keypad digits, not {key!r}")
    return key


def _yuan_in_chinese(value: Decimal) -> str:
    """Renminbi as a Chinese voice says it: 12元5角, 12元零5分, 5角3分, 0元."""
    yuan, rest = divmod(int(value * 100), 100)
    jiao, fen = divmod(rest, 10)
    parts = [f"{yuan}元"] if yuan or not rest else []
    if jiao:
        parts.append(f"{jiao}角")
    if fen:
        parts.append(f"零{fen}分" if yuan and not jiao else f"{fen}分")
    return "".join(parts)


@dataclass(frozen=True)
class Prompts:
    """The sentences of one catalogue language, to be spoken with the voice ``code``.

    ``code`` is the carrier TTS code to speak with (``en-AU`` for an Australian caller);
    ``language`` is the catalogue language whose words these are (``en-GB``). Every method
    returns the text of one prompt; the menu (:meth:`choose_language`) returns one part per
    option, each with its own voice.
    """

    code: str
    language: str
    _words: _Words = field(repr=False)

    @property
    def locale(self) -> str:
        """The Babel (CLDR) locale of this language's numbers."""
        return self._words.locale

    # -- money and time ---------------------------------------------------------------------

    def amount(self, amount: Decimal, currency: str) -> str:
        """``amount`` of ``currency`` as this language says it, rounded down to the currency's
        minor unit: "12 dollars and 50 cents", "1 dollar", "50 cents", "0 dollars"; a currency
        without a spoken minor unit as one number ("12.5 Czech korunas"); an unknown code
        after the number ("12.5 XQQ")."""
        value = _checked_amount(amount)
        code = _checked_currency(currency)
        digits = get_currency_precision(code)
        value = value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_DOWN)
        words = self._words
        if code == "CNY" and words is _CATALOGUE["cmn-CN"]:
            return _yuan_in_chinese(value)
        named = words.currencies.get(code)
        if named is None or named.minor_one is None or named.minor_other is None or digits == 0:
            return self._decimal_amount(value, code, named)
        major = int(value)
        minor = int((value - major).scaleb(digits))
        parts = []
        if major or not minor:
            parts.append(self._counted(major, named.one, named.other))
        if minor:
            parts.append(self._counted(minor, named.minor_one, named.minor_other))
        return words.minor_joiner.join(parts)

    def duration(self, seconds: int) -> str:
        """A call's length: whole minutes, rounded down ("23 minutes", "1 minute"), or the
        seconds when under a minute ("45 seconds")."""
        value = _checked_seconds(seconds)
        count, unit = (
            (value // 60, "duration-minute") if value >= 60 else (value, "duration-second")
        )
        text = format_unit(
            count, unit, length="long", locale=_locale(self._words.locale), format="0"
        )
        return _spoken(text)

    def _counted(self, count: int | Decimal, one: str, other: str) -> str:
        """``count`` (digits) and the name of that many units, in CLDR's plural form."""
        form = _locale(self._words.locale).plural_form(count)
        if form == "one":
            name = one
        elif form == "many":
            name = self._words.many_prefix + other
        else:
            name = other
        number = format_decimal(
            count,
            locale=_locale(self._words.locale),
            group_separator=False,
            decimal_quantization=False,
        )
        return _spoken(f"{number}{self._words.unit_space}{name}")

    def _decimal_amount(self, value: Decimal, code: str, named: _Currency | None) -> str:
        """One number and the currency's name: the catalogue's own, else CLDR's, else the
        code."""
        number = (
            value.to_integral_value() if value == value.to_integral_value() else value.normalize()
        )
        if named is not None:
            return self._counted(number, named.one, named.other)
        name = get_currency_name(code, count=number, locale=_locale(self._words.locale))
        return self._counted(number, name, name)

    # -- the menu ---------------------------------------------------------------------------

    def language_option(self, key: str) -> str:
        """This language's menu entry, in this language: "For English, press 1."."""
        return self._words.language_option.format(key=_checked_key(key))

    def choose_language(self, options: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
        """The language menu: for each (key, language code) option, its entry in ITS OWN
        language and the voice to speak it with, as (text, TTS code) pairs in the options'
        order. Keys are one or two digits, each used once; a language the catalogue lacks is
        an :class:`UnsupportedLanguageError`."""
        if isinstance(options, (str, bytes)) or not isinstance(options, Sequence):
            raise ValidationError("the language menu's options must be a list of (key, language)")
        if not 0 < len(options) <= MAX_MENU_OPTIONS:
            raise ValidationError(
                f"a language menu has from 1 to {MAX_MENU_OPTIONS} options, not {len(options)}"
            )
        parts: list[tuple[str, str]] = []
        seen: set[str] = set()
        for option in options:
            if not (isinstance(option, tuple) and len(option) == 2):
                raise ValidationError(
                    f"a language menu option is a (key, language) pair, not {option!r:.60}"
                )
            key = _checked_key(option[0])
            if key in seen:
                raise ValidationError(f"the language menu offers key {key} twice")
            seen.add(key)
            spoken = prompts(option[1])
            parts.append((spoken.language_option(key), spoken.code))
        return parts

    # -- the prompts ------------------------------------------------------------------------

    def greeting(self) -> str:
        """ "Welcome to the callback service.\""""
        return self._words.greeting

    def enter_pin(self) -> str:
        """Asks for the PIN, ended by the # key."""
        return self._words.enter_pin

    def wrong_pin(self) -> str:
        """The PIN was wrong; try again."""
        return self._words.wrong_pin

    def locked(self) -> str:
        """Too many wrong PINs; try later."""
        return self._words.locked

    def balance(self, amount: Decimal, currency: str) -> str:
        """ "Your balance is 12 dollars and 50 cents." (see :meth:`amount`)."""
        return self._words.balance.format(amount=self.amount(amount, currency))

    def enter_destination(self) -> str:
        """Asks for the number to call, ended by the # key."""
        return self._words.enter_destination

    def invalid_number(self) -> str:
        """The number entered is not valid."""
        return self._words.invalid_number

    def no_rate(self) -> str:
        """ "Sorry, this destination cannot be called.\""""
        return self._words.no_rate

    def insufficient_funds(self) -> str:
        """The balance is too low for the call."""
        return self._words.insufficient_funds

    def too_many_calls(self) -> str:
        """The account has too many calls in progress."""
        return self._words.too_many_calls

    def daily_cap(self) -> str:
        """The account reached its daily limit; try tomorrow."""
        return self._words.daily_cap

    def account_disabled(self) -> str:
        """The account is disabled; contact customer service."""
        return self._words.account_disabled

    def max_duration(self, seconds: int) -> str:
        """ "You can talk for 23 minutes." (see :meth:`duration`)."""
        return self._words.max_duration.format(duration=self.duration(seconds))

    def connecting(self) -> str:
        """The call is being connected; please wait."""
        return self._words.connecting

    def busy(self) -> str:
        """The called number is busy."""
        return self._words.busy

    def no_answer(self) -> str:
        """The called number did not answer."""
        return self._words.no_answer

    def failed(self) -> str:
        """The call could not be connected."""
        return self._words.failed

    def declined(self) -> str:
        """The called person declined the call."""
        return self._words.declined

    def call_ended(self) -> str:
        """ "Your call has ended.\""""
        return self._words.call_ended

    def another_call(self) -> str:
        """Asks for another number to call, ended by the # key."""
        return self._words.another_call

    def goodbye(self) -> str:
        """Thanks and goodbye."""
        return self._words.goodbye

    def no_input(self) -> str:
        """Nothing was entered."""
        return self._words.no_input

    def calling_back(self, source: str, destination: str) -> str:
        """A written confirmation: the user is called back on ``source`` and connected with
        ``destination`` (numbers as they are to be shown, e.g. ``+447700900001``)."""
        return self._words.calling_back.format(source=source, destination=destination)

    def enter_voucher(self) -> str:
        """Asks for a voucher code, ended by the # key."""
        return self._words.enter_voucher

    def voucher_credited(self, amount: Decimal, currency: str) -> str:
        """ "10 euros has been added to your account." (see :meth:`amount`)."""
        return self._words.voucher_credited.format(amount=self.amount(amount, currency))

    def voucher_refused(self, reason: str) -> str:
        """Why a voucher was not redeemed: ``unknown``, ``used``, ``expired``, ``disabled``
        (withdrawn) or ``currency``; any other reason is said as the call's failure."""
        said = {
            "unknown": self._words.voucher_unknown,
            "used": self._words.voucher_used,
            "expired": self._words.voucher_expired,
            "disabled": self._words.voucher_disabled,
            "currency": self._words.voucher_currency,
        }
        return said.get(reason, self._words.failed)

    def voucher_attempts(self) -> str:
        """Too many voucher codes were refused on this call."""
        return self._words.voucher_attempts


def replies(code: object) -> Replies:
    """The SMS replies for language ``code`` (as :func:`prompts` chooses it);
    :class:`UnsupportedLanguageError` when the catalogue has no words in it."""
    spoken = prompts(code)
    return Replies(spoken, _SMS_CATALOGUE[spoken.language])


@dataclass(frozen=True)
class Replies:
    """The SMS replies of one catalogue language: every method returns one reply's text.
    Numbers are E.164 with their ``+``; amounts are written as the language writes decimals,
    with the ISO code ("4,68 EUR"); the balance is the prompts' sentence ("Your balance is 4
    euros and 68 cents.")."""

    prompts: Prompts
    _words: _SmsWords = field(repr=False)

    @property
    def language(self) -> str:
        return self.prompts.language

    # -- numbers, amounts and forms -----------------------------------------------------------

    def money(self, amount: Decimal, currency: str) -> str:
        """ "10 EUR", "0.16 EUR", "0,16 EUR": the amount without trailing zeros, and its code."""
        value = _checked_amount(amount)
        code = _checked_currency(currency)
        number = format_decimal(
            value.normalize() if value != value.to_integral_value() else value.to_integral_value(),
            locale=_locale(self.prompts.locale),
            group_separator=False,
            decimal_quantization=False,
        )
        return f"{number} {code}"

    @staticmethod
    def number(digits: str) -> str:
        """An E.164 number as written in a reply: ``+447700900300``."""
        return "+" + digits

    def form(self, kind: str) -> str:
        """The form of a kind of command, in this language's words (``U.<user> P.<password>
        R.<number>``); the command letters are the same in every language."""
        w = self._words
        forms = {
            "call": f"U.<{w.user}> P.<{w.password}> D.<{w.destination}> O.<{w.your_number}>",
            "register": f"U.<{w.user}> P.<{w.password}> R.<{w.number}>",
            "entry": f"B.<{w.name}>",
            "numbered": "N<k>",
            "info": "I",
            "voucher": f"V.<{w.code}>",
        }
        return forms.get(kind, forms["call"])

    def _fill(self, template: str, **values: str) -> str:
        forms = {kind: self.form(kind) for kind in ("call", "register", "entry", "voucher")}
        helped = self._words.help.format(**forms)
        return template.format(
            help=helped, example_name=self._words.example_name, **forms, **values
        )

    # -- the grammar's refusals ---------------------------------------------------------------

    def command_error(self, reason: str, values: Mapping[str, str]) -> str:
        """The reply to a message the grammar refused for ``reason`` (``CommandError``'s
        ``reason`` and ``values``): what was wrong and the right form, in this language."""
        template = self._words.errors.get(reason, self._words.errors["unknown_command"])
        filled = {key: str(value) for key, value in values.items() if key != "form"}
        filled.setdefault("field", "")
        filled.setdefault("min", "")
        filled.setdefault("max", "")
        return self._fill(template, form=self.form(values.get("form", "call")), **filled)

    # -- the commands' replies ----------------------------------------------------------------

    def calling_two(self, source: str, destination: str) -> str:
        """ "Calling you back on +44... to connect you with +44..."."""
        return self._fill(
            self._words.calling_two,
            source=self.number(source),
            destination=self.number(destination),
        )

    def registered(self, number: str) -> str:
        """The number is registered for caller-id authentication."""
        return self._fill(self._words.registered, number=self.number(number))

    def taken(self, number: str) -> str:
        """The number is registered to another account."""
        return self._fill(self._words.taken, number=self.number(number))

    def unregistered(self) -> str:
        """The sender's number is not registered; the form to register it."""
        return self._fill(self._words.unregistered)

    def unauthenticated(self) -> str:
        """Wrong user or password."""
        return self._fill(self._words.unauthenticated)

    def not_a_number(self, field: str, text: str) -> str:
        """``D.abc`` is no phone number the sender's country knows."""
        return self._fill(self._words.not_a_number, field=field, text=text)

    def no_rate(self, number: str) -> str:
        """The number cannot be called (no rate in the account's tariff)."""
        return self._fill(self._words.no_rate, number=self.number(number))

    def calling_entry(self, name: str, number: str) -> str:
        """ "Calling you back to connect you with office (+44...)."."""
        return self._fill(self._words.calling_entry, name=name, number=self.number(number))

    def no_entry(self, wanted: str | int) -> str:
        """No directory entry of that name, or at that place."""
        if isinstance(wanted, int):
            return self._fill(self._words.no_entry_index, index=self._integer(wanted))
        return self._fill(self._words.no_entry_name, name=wanted)

    def info(
        self,
        balance: Decimal,
        currency: str,
        calls: Sequence[tuple[datetime, str, int, Decimal, str]] = (),
    ) -> str:
        """The balance, and the last calls (ended at, destination, seconds, charge, currency):
        "Your balance is 4 euros. Last calls: 01/12 10:30 +4477... 1:30 0.16 EUR."."""
        said = self.prompts.balance(balance, currency)
        if not calls:
            return said
        rows = "; ".join(
            f"{ended:%d/%m %H:%M} {self.number(number)} {seconds // 60}:{seconds % 60:02d} "
            f"{self.money(charge, charged_in)}"
            for ended, number, seconds, charge, charged_in in calls
        )
        return self._fill(self._words.last_calls, balance=said, calls=rows)

    def voucher_credited(self, amount: Decimal, balance: Decimal, currency: str) -> str:
        """ "10 EUR added. Your balance is 15 euros."."""
        return self._fill(
            self._words.voucher_credited,
            amount=self.money(amount, currency),
            balance=self.prompts.balance(balance, currency),
        )

    def voucher_refused(self, reason: str) -> str:
        """Why a voucher was not redeemed (``unknown``, ``used``, ``expired``, ``disabled``,
        ``currency``)."""
        said = {
            "unknown": self._words.voucher_unknown,
            "used": self._words.voucher_used,
            "expired": self._words.voucher_expired,
            "disabled": self._words.voucher_disabled,
            "currency": self._words.voucher_currency,
        }
        return self._fill(said.get(reason, self._words.voucher_unknown))

    def not_available(self) -> str:
        """The command is not offered by this service."""
        return self._fill(self._words.not_available)

    def unavailable(self) -> str:
        """The service cannot take commands now (its set-up is wrong); try later."""
        return self._fill(self._words.unavailable)

    def _integer(self, value: int) -> str:
        return format_decimal(value, locale=_locale(self.prompts.locale), group_separator=False)
