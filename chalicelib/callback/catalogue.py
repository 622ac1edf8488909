"""What the callback product says to a caller, one catalogue per language: the sentences of its
prompts (welcome, PIN, balance, destination, outcomes of a call, goodbye), the language menu,
and money and durations spoken the way each language says them.

A catalogue language is a carrier TTS code (``LANGUAGES``); any other code of the same language
falls back by its primary subtag (``en-AU`` reads the English of ``en-GB`` with an ``en-AU``
voice, ``zh-CN`` and ``cmn-TW`` read Mandarin in Simplified characters with the ``cmn-CN``
voice). Amounts are ``Decimal`` only, never negative, rounded down to the currency's minor unit
(never announce more than the caller has) and spoken with digits, which each carrier voice
reads in its own language; plural rules, currency precision, currency names the catalogue does
not spell itself and the duration units come from CLDR through Babel
(docs/decisions/0016). Pure: imports the standard library, ``babel``,
``chalicelib.errors`` and ``chalicelib.flows.languages`` only; no store, web or wiring.
"""

# The Chinese prompts are punctuated as Chinese is, with the full-width comma.
# ruff: noqa: RUF001

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_DOWN, Decimal
from functools import cache

from babel import Locale
from babel.numbers import format_decimal, get_currency_name, get_currency_precision
from babel.units import format_unit

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


@dataclass(frozen=True)
class _Currency:
    """How one language names a currency: the major unit in the singular and plural, and the
    minor unit when it is spoken (``None``: the amount is spoken as one decimal number)."""

    one: str
    other: str
    minor_one: str | None = None
    minor_other: str | None = None


@dataclass(frozen=True, eq=False)
class _Words:
    """Everything one catalogue language says. Templates fill ``{key}``, ``{amount}`` or
    ``{duration}``."""

    locale: str
    """The Babel (CLDR) locale of plural rules, decimal sign, currency names and units."""
    unit_space: str
    """Between a number and its unit: a space, or nothing in Chinese."""
    minor_joiner: str
    """Between the major and the minor part of an amount ("12 dollars and 50 cents")."""
    many_prefix: str
    """Before a currency name whose count is CLDR's ``many`` ("1000000 de dólares")."""
    currencies: Mapping[str, _Currency]
    language_option: str
    greeting: str
    enter_pin: str
    wrong_pin: str
    locked: str
    balance: str
    enter_destination: str
    invalid_number: str
    no_rate: str
    insufficient_funds: str
    too_many_calls: str
    daily_cap: str
    account_disabled: str
    max_duration: str
    connecting: str
    busy: str
    no_answer: str
    failed: str
    declined: str
    call_ended: str
    another_call: str
    goodbye: str
    no_input: str


_EN_US = _Words(
    locale="en_US",
    unit_space=" ",
    minor_joiner=" and ",
    many_prefix="",
    currencies={
        "USD": _Currency("dollar", "dollars", "cent", "cents"),
        "EUR": _Currency("euro", "euros", "cent", "cents"),
        "GBP": _Currency("pound", "pounds", "penny", "pence"),
        "CNY": _Currency("yuan", "yuan"),
        "VND": _Currency("dong", "dong"),
    },
    language_option="For English, press {key}.",
    greeting="Welcome to the callback service.",
    enter_pin="Please enter your PIN, followed by the pound key.",
    wrong_pin="Sorry, that PIN is not correct. Please try again.",
    locked="Too many incorrect PINs have been entered. Please try again later.",
    balance="Your balance is {amount}.",
    enter_destination="Please enter the number you want to call, followed by the pound key.",
    invalid_number="Sorry, that number is not valid. Please check it and try again.",
    no_rate="Sorry, this destination cannot be called.",
    insufficient_funds="Sorry, your balance is too low to make this call.",
    too_many_calls="Sorry, you have too many calls in progress. Please try again later.",
    daily_cap="Sorry, you have reached your daily calling limit. Please try again tomorrow.",
    account_disabled="Sorry, your account is disabled. Please contact customer service.",
    max_duration="You can talk for {duration}.",
    connecting="Please wait while we connect your call.",
    busy="The number you called is busy.",
    no_answer="The number you called did not answer.",
    failed="Sorry, your call could not be connected.",
    declined="The person you called declined the call.",
    call_ended="Your call has ended.",
    another_call="To call another number, enter it now, followed by the pound key.",
    goodbye="Thank you for using our service. Goodbye.",
    no_input="Sorry, we did not receive your entry.",
)

# British (and Commonwealth) English: the # key is the hash key.
_EN_GB = replace(
    _EN_US,
    locale="en_GB",
    enter_pin="Please enter your PIN, followed by the hash key.",
    enter_destination="Please enter the number you want to call, followed by the hash key.",
    another_call="To call another number, enter it now, followed by the hash key.",
)

_ES_ES = _Words(
    locale="es_ES",
    unit_space=" ",
    minor_joiner=" con ",
    many_prefix="de ",
    currencies={
        "USD": _Currency("dólar", "dólares", "centavo", "centavos"),
        "EUR": _Currency("euro", "euros", "céntimo", "céntimos"),
        "GBP": _Currency("libra", "libras", "penique", "peniques"),
        "CNY": _Currency("yuan", "yuanes"),
    },
    language_option="Para español, pulse {key}.",
    greeting="Bienvenido al servicio de devolución de llamada.",
    enter_pin="Por favor, introduzca su PIN seguido de la tecla almohadilla.",
    wrong_pin="Lo sentimos, el PIN no es correcto. Por favor, inténtelo de nuevo.",
    locked="Ha introducido demasiados PIN incorrectos. Por favor, inténtelo más tarde.",
    balance="Su saldo es de {amount}.",
    enter_destination=(
        "Por favor, marque el número al que desea llamar, seguido de la tecla almohadilla."
    ),
    invalid_number=(
        "Lo sentimos, el número no es válido. Por favor, compruébelo e inténtelo de nuevo."
    ),
    no_rate="Lo sentimos, no es posible llamar a este destino.",
    insufficient_funds="Lo sentimos, su saldo no es suficiente para realizar esta llamada.",
    too_many_calls=(
        "Lo sentimos, tiene demasiadas llamadas en curso. Por favor, inténtelo más tarde."
    ),
    daily_cap=(
        "Lo sentimos, ha alcanzado su límite diario de llamadas. "
        "Por favor, inténtelo de nuevo mañana."
    ),
    account_disabled=(
        "Lo sentimos, su cuenta está desactivada. "
        "Por favor, póngase en contacto con atención al cliente."
    ),
    max_duration="Puede hablar durante {duration}.",
    connecting="Por favor, espere mientras conectamos su llamada.",
    busy="El número marcado está ocupado.",
    no_answer="El número marcado no contesta.",
    failed="Lo sentimos, no ha sido posible conectar su llamada.",
    declined="La persona a la que llama ha rechazado la llamada.",
    call_ended="Su llamada ha finalizado.",
    another_call="Para llamar a otro número, márquelo ahora, seguido de la tecla almohadilla.",
    goodbye="Gracias por utilizar nuestro servicio. Adiós.",
    no_input="Lo sentimos, no hemos recibido ninguna respuesta.",
)

# Mexican (and Latin American) Spanish: "marque", "ingrese", the # key is "la tecla de gato",
# euro cents are "centavos", the simple past where Spain uses the perfect.
_ES_MX = replace(
    _ES_ES,
    locale="es_MX",
    currencies={**_ES_ES.currencies, "EUR": _Currency("euro", "euros", "centavo", "centavos")},
    language_option="Para español, marque {key}.",
    enter_pin="Por favor, ingrese su PIN seguido de la tecla de gato.",
    wrong_pin="Lo sentimos, el PIN no es correcto. Por favor, intente de nuevo.",
    locked="Ingresó demasiados PIN incorrectos. Por favor, intente más tarde.",
    enter_destination=(
        "Por favor, marque el número al que desea llamar, seguido de la tecla de gato."
    ),
    invalid_number=(
        "Lo sentimos, el número no es válido. Por favor, verifíquelo e intente de nuevo."
    ),
    too_many_calls="Lo sentimos, tiene demasiadas llamadas en curso. Por favor, intente más tarde.",
    daily_cap=(
        "Lo sentimos, alcanzó su límite diario de llamadas. Por favor, intente de nuevo mañana."
    ),
    account_disabled=(
        "Lo sentimos, su cuenta está desactivada. Por favor, comuníquese con atención a clientes."
    ),
    failed="Lo sentimos, no fue posible conectar su llamada.",
    declined="La persona a la que llama rechazó la llamada.",
    another_call="Para llamar a otro número, márquelo ahora, seguido de la tecla de gato.",
    goodbye="Gracias por usar nuestro servicio. Hasta luego.",
    no_input="Lo sentimos, no recibimos ninguna respuesta.",
)

_FR_FR = _Words(
    locale="fr_FR",
    unit_space=" ",
    minor_joiner=" et ",
    many_prefix="de ",
    currencies={
        "USD": _Currency("dollar", "dollars", "cent", "cents"),
        "EUR": _Currency("euro", "euros", "centime", "centimes"),
        "GBP": _Currency("livre sterling", "livres sterling", "penny", "pence"),
        "CNY": _Currency("yuan", "yuans"),
    },
    language_option="Pour le français, appuyez sur {key}.",
    greeting="Bienvenue sur le service de rappel.",
    enter_pin="Veuillez saisir votre code PIN, suivi de la touche dièse.",
    wrong_pin="Désolé, ce code PIN est incorrect. Veuillez réessayer.",
    locked="Trop de codes PIN incorrects ont été saisis. Veuillez réessayer plus tard.",
    balance="Votre solde est de {amount}.",
    enter_destination=(
        "Veuillez composer le numéro que vous souhaitez appeler, suivi de la touche dièse."
    ),
    invalid_number="Désolé, ce numéro n'est pas valide. Veuillez le vérifier et réessayer.",
    no_rate="Désolé, il n'est pas possible d'appeler cette destination.",
    insufficient_funds="Désolé, votre solde est insuffisant pour passer cet appel.",
    too_many_calls="Désolé, vous avez trop d'appels en cours. Veuillez réessayer plus tard.",
    daily_cap=(
        "Désolé, vous avez atteint votre limite d'appels quotidienne. Veuillez réessayer demain."
    ),
    account_disabled="Désolé, votre compte est désactivé. Veuillez contacter le service client.",
    max_duration="Vous pouvez parler pendant {duration}.",
    connecting="Veuillez patienter, nous établissons la communication.",
    busy="La ligne de votre correspondant est occupée.",
    no_answer="Votre correspondant ne répond pas.",
    failed="Désolé, votre appel n'a pas pu aboutir.",
    declined="Votre correspondant a refusé l'appel.",
    call_ended="Votre appel est terminé.",
    another_call=(
        "Pour appeler un autre numéro, composez-le maintenant, suivi de la touche dièse."
    ),
    goodbye="Merci d'avoir utilisé notre service. Au revoir.",
    no_input="Désolé, nous n'avons reçu aucune saisie.",
)

_VI_VN = _Words(
    locale="vi_VN",
    unit_space=" ",
    minor_joiner=" ",
    many_prefix="",
    currencies={
        "USD": _Currency("đô la Mỹ", "đô la Mỹ", "xu", "xu"),
        "EUR": _Currency("euro", "euro", "xu", "xu"),
        "GBP": _Currency("bảng Anh", "bảng Anh", "xu", "xu"),
        "CNY": _Currency("nhân dân tệ", "nhân dân tệ"),
        "VND": _Currency("đồng", "đồng"),
    },
    language_option="Để nghe tiếng Việt, xin bấm phím {key}.",
    greeting="Chào mừng quý khách đến với dịch vụ gọi lại.",
    enter_pin="Xin vui lòng nhập mã PIN, sau đó bấm phím thăng.",
    wrong_pin="Xin lỗi, mã PIN không đúng. Xin vui lòng thử lại.",
    locked="Quý khách đã nhập sai mã PIN quá nhiều lần. Xin vui lòng thử lại sau.",
    balance="Số dư tài khoản của quý khách là {amount}.",
    enter_destination="Xin vui lòng nhập số điện thoại quý khách muốn gọi, sau đó bấm phím thăng.",
    invalid_number="Xin lỗi, số điện thoại không hợp lệ. Xin vui lòng kiểm tra và thử lại.",
    no_rate="Xin lỗi, không thể thực hiện cuộc gọi đến hướng này.",
    insufficient_funds="Xin lỗi, số dư tài khoản của quý khách không đủ để thực hiện cuộc gọi này.",
    too_many_calls="Xin lỗi, quý khách đang có quá nhiều cuộc gọi. Xin vui lòng thử lại sau.",
    daily_cap=(
        "Xin lỗi, quý khách đã đạt giới hạn cuộc gọi trong ngày. Xin vui lòng thử lại vào ngày mai."
    ),
    account_disabled=(
        "Xin lỗi, tài khoản của quý khách đã bị tạm ngưng. "
        "Xin vui lòng liên hệ bộ phận chăm sóc khách hàng."
    ),
    max_duration="Quý khách có thể gọi trong {duration}.",
    connecting="Xin quý khách vui lòng chờ trong giây lát, cuộc gọi đang được kết nối.",
    busy="Thuê bao quý khách vừa gọi hiện đang bận.",
    no_answer="Thuê bao quý khách vừa gọi hiện không trả lời.",
    failed="Xin lỗi, không thể kết nối cuộc gọi của quý khách.",
    declined="Thuê bao quý khách vừa gọi đã từ chối cuộc gọi.",
    call_ended="Cuộc gọi của quý khách đã kết thúc.",
    another_call="Để gọi số khác, xin vui lòng nhập số điện thoại, sau đó bấm phím thăng.",
    goodbye="Cảm ơn quý khách đã sử dụng dịch vụ. Xin chào và hẹn gặp lại.",
    no_input="Xin lỗi, chúng tôi không nhận được phím bấm nào của quý khách.",
)

# Mandarin in Simplified characters. Renminbi amounts are spoken in yuan, jiao and fen
# (_yuan_in_chinese); numbers and units are written together, without spaces.
_CMN_CN = _Words(
    locale="zh_Hans_CN",
    unit_space="",
    minor_joiner="",
    many_prefix="",
    currencies={
        "USD": _Currency("美元", "美元", "美分", "美分"),
        "EUR": _Currency("欧元", "欧元", "欧分", "欧分"),
        "GBP": _Currency("英镑", "英镑", "便士", "便士"),
        "VND": _Currency("越南盾", "越南盾"),
    },
    language_option="中文服务请按{key}。",
    greeting="欢迎使用回拨服务。",
    enter_pin="请输入您的密码，以井号键结束。",
    wrong_pin="对不起，您输入的密码不正确，请重新输入。",
    locked="您输入错误密码的次数过多，请稍后再试。",
    balance="您的余额为{amount}。",
    enter_destination="请输入您要拨打的号码，以井号键结束。",
    invalid_number="对不起，您输入的号码无效，请核对后重新输入。",
    no_rate="对不起，无法呼叫该目的地。",
    insufficient_funds="对不起，您的余额不足，无法拨打此电话。",
    too_many_calls="对不起，您正在进行的通话过多，请稍后再试。",
    daily_cap="对不起，您已达到今日通话上限，请明天再试。",
    account_disabled="对不起，您的账户已被停用，请联系客服。",
    max_duration="您可以通话{duration}。",
    connecting="正在为您接通，请稍候。",
    busy="您拨打的电话正在通话中。",
    no_answer="您拨打的电话暂时无人接听。",
    failed="对不起，无法接通您的电话。",
    declined="对方拒绝了您的通话。",
    call_ended="您的通话已结束。",
    another_call="如需拨打其他号码，请直接输入号码，以井号键结束。",
    goodbye="感谢您的使用，再见。",
    no_input="对不起，没有收到您的输入。",
)

_CATALOGUE: dict[str, _Words] = {
    "en-US": _EN_US,
    "en-GB": _EN_GB,
    "es-ES": _ES_ES,
    "es-MX": _ES_MX,
    "fr-FR": _FR_FR,
    "vi-VN": _VI_VN,
    "cmn-CN": _CMN_CN,
}

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
        if code == "CNY" and words is _CMN_CN:
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
