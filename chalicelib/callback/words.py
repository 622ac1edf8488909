"""The callback's sentences, one table per catalogue language (``CATALOGUE``: carrier TTS code
-> ``Words``): every prompt's text, how each language names the currencies it spells itself,
and the spacing and joiners of its amounts. Data only; ``callback.catalogue`` chooses a table
and speaks amounts and durations with it. Imports the standard library only.
"""

# The Chinese prompts are punctuated as Chinese is, with the full-width comma.
# ruff: noqa: RUF001

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Currency:
    """How one language names a currency: the major unit in the singular and plural, and the
    minor unit when it is spoken (``None``: the amount is spoken as one decimal number)."""

    one: str
    other: str
    minor_one: str | None = None
    minor_other: str | None = None


@dataclass(frozen=True, eq=False)
class Words:
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
    currencies: Mapping[str, Currency]
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
    calling_back: str
    """A mailed command's confirmation (written, not spoken): ``{source}``, ``{destination}``."""
    enter_voucher: str
    voucher_credited: str
    voucher_unknown: str
    voucher_used: str
    voucher_expired: str
    voucher_disabled: str
    voucher_currency: str
    voucher_attempts: str


_EN_US = Words(
    locale="en_US",
    unit_space=" ",
    minor_joiner=" and ",
    many_prefix="",
    currencies={
        "USD": Currency("dollar", "dollars", "cent", "cents"),
        "EUR": Currency("euro", "euros", "cent", "cents"),
        "GBP": Currency("pound", "pounds", "penny", "pence"),
        "CNY": Currency("yuan", "yuan"),
        "VND": Currency("dong", "dong"),
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
    calling_back="Calling you back on {source} to connect you with {destination}.",
    enter_voucher="Please enter your voucher code, followed by the pound key.",
    voucher_credited="{amount} has been added to your account.",
    voucher_unknown="Sorry, that voucher code is not valid.",
    voucher_used="Sorry, that voucher has been used already.",
    voucher_expired="Sorry, that voucher has expired.",
    voucher_disabled="Sorry, that voucher has been withdrawn.",
    voucher_currency="Sorry, that voucher is for another currency.",
    voucher_attempts="Sorry, too many voucher codes were not accepted on this call.",
)

# British (and Commonwealth) English: the # key is the hash key.
_EN_GB = replace(
    _EN_US,
    locale="en_GB",
    enter_pin="Please enter your PIN, followed by the hash key.",
    enter_destination="Please enter the number you want to call, followed by the hash key.",
    another_call="To call another number, enter it now, followed by the hash key.",
    enter_voucher="Please enter your voucher code, followed by the hash key.",
)

_ES_ES = Words(
    locale="es_ES",
    unit_space=" ",
    minor_joiner=" con ",
    many_prefix="de ",
    currencies={
        "USD": Currency("dólar", "dólares", "centavo", "centavos"),
        "EUR": Currency("euro", "euros", "céntimo", "céntimos"),
        "GBP": Currency("libra", "libras", "penique", "peniques"),
        "CNY": Currency("yuan", "yuanes"),
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
    calling_back="Le devolvemos la llamada al {source} para comunicarle con el {destination}.",
    enter_voucher="Por favor, marque el código de su bono, seguido de la tecla almohadilla.",
    voucher_credited="Hemos añadido {amount} a su cuenta.",
    voucher_unknown="Lo sentimos, el código del bono no es válido.",
    voucher_used="Lo sentimos, este bono ya se ha utilizado.",
    voucher_expired="Lo sentimos, este bono ha caducado.",
    voucher_disabled="Lo sentimos, este bono ha sido retirado.",
    voucher_currency="Lo sentimos, este bono es de otra moneda.",
    voucher_attempts="Lo sentimos, se han rechazado demasiados códigos de bono en esta llamada.",
)

# Mexican (and Latin American) Spanish: "marque", "ingrese", the # key is "la tecla de gato",
# euro cents are "centavos", the simple past where Spain uses the perfect.
_ES_MX = replace(
    _ES_ES,
    locale="es_MX",
    currencies={**_ES_ES.currencies, "EUR": Currency("euro", "euros", "centavo", "centavos")},
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
    enter_voucher="Por favor, marque el código de su bono, seguido de la tecla de gato.",
    voucher_credited="Agregamos {amount} a su cuenta.",
    voucher_expired="Lo sentimos, este bono venció.",
)

_FR_FR = Words(
    locale="fr_FR",
    unit_space=" ",
    minor_joiner=" et ",
    many_prefix="de ",
    currencies={
        "USD": Currency("dollar", "dollars", "cent", "cents"),
        "EUR": Currency("euro", "euros", "centime", "centimes"),
        "GBP": Currency("livre sterling", "livres sterling", "penny", "pence"),
        "CNY": Currency("yuan", "yuans"),
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
    calling_back=(
        "Nous vous rappelons au {source} pour vous mettre en relation avec le {destination}."
    ),
    enter_voucher="Veuillez saisir le code de votre bon, suivi de la touche dièse.",
    voucher_credited="Votre compte a été crédité de {amount}.",
    voucher_unknown="Désolé, ce code de bon n'est pas valide.",
    voucher_used="Désolé, ce bon a déjà été utilisé.",
    voucher_expired="Désolé, ce bon a expiré.",
    voucher_disabled="Désolé, ce bon a été retiré.",
    voucher_currency="Désolé, ce bon est dans une autre devise.",
    voucher_attempts="Désolé, trop de codes de bon ont été refusés pendant cet appel.",
)

_VI_VN = Words(
    locale="vi_VN",
    unit_space=" ",
    minor_joiner=" ",
    many_prefix="",
    currencies={
        "USD": Currency("đô la Mỹ", "đô la Mỹ", "xu", "xu"),
        "EUR": Currency("euro", "euro", "xu", "xu"),
        "GBP": Currency("bảng Anh", "bảng Anh", "xu", "xu"),
        "CNY": Currency("nhân dân tệ", "nhân dân tệ"),
        "VND": Currency("đồng", "đồng"),
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
    calling_back=(
        "Chúng tôi sẽ gọi lại cho quý khách theo số {source} để kết nối với số {destination}."
    ),
    enter_voucher="Xin vui lòng nhập mã thẻ nạp, sau đó bấm phím thăng.",
    voucher_credited="Tài khoản của quý khách đã được cộng {amount}.",
    voucher_unknown="Xin lỗi, mã thẻ nạp không hợp lệ.",
    voucher_used="Xin lỗi, thẻ nạp này đã được sử dụng.",
    voucher_expired="Xin lỗi, thẻ nạp này đã hết hạn.",
    voucher_disabled="Xin lỗi, thẻ nạp này đã bị thu hồi.",
    voucher_currency="Xin lỗi, thẻ nạp này dùng cho loại tiền tệ khác.",
    voucher_attempts="Xin lỗi, quý khách đã nhập sai mã thẻ nạp quá nhiều lần trong cuộc gọi này.",
)

# Mandarin in Simplified characters. Renminbi amounts are spoken in yuan, jiao and fen
# (_yuan_in_chinese); numbers and units are written together, without spaces.
_CMN_CN = Words(
    locale="zh_Hans_CN",
    unit_space="",
    minor_joiner="",
    many_prefix="",
    currencies={
        "USD": Currency("美元", "美元", "美分", "美分"),
        "EUR": Currency("欧元", "欧元", "欧分", "欧分"),
        "GBP": Currency("英镑", "英镑", "便士", "便士"),
        "VND": Currency("越南盾", "越南盾"),
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
    calling_back="我们将回拨您的号码{source}，为您接通{destination}。",
    enter_voucher="请输入您的充值券密码，以井号键结束。",
    voucher_credited="已向您的账户充值{amount}。",
    voucher_unknown="对不起，您输入的充值券密码无效。",
    voucher_used="对不起，该充值券已被使用。",
    voucher_expired="对不起，该充值券已过期。",
    voucher_disabled="对不起，该充值券已停用。",
    voucher_currency="对不起，该充值券的币种与您的账户不同。",
    voucher_attempts="对不起，本次通话中输入错误的充值券密码次数过多。",
)

CATALOGUE: dict[str, Words] = {
    "en-US": _EN_US,
    "en-GB": _EN_GB,
    "es-ES": _ES_ES,
    "es-MX": _ES_MX,
    "fr-FR": _FR_FR,
    "vi-VN": _VI_VN,
    "cmn-CN": _CMN_CN,
}
