"""The callback's SMS replies, one table per catalogue language (``SMS_CATALOGUE``: the
catalogue's language code -> ``SmsWords``): what a command did, why it was refused (one template
per reason of ``callback.sms_commands``' grammar), and the words of the commands' forms
(``U.<user>``). Templates fill ``{name}`` fields: the forms (``{call}``, ``{register}``,
``{entry}``, ``{voucher}``, ``{help}``, and ``{form}`` for the command at hand), numbers, amounts
and the balance as ``callback.catalogue``'s ``Replies`` formats them. The command letters
themselves (``U.``, ``B.``, ``N``, ``I``) are the same in every language. Data only; imports the
standard library only.
"""

# The Chinese replies are punctuated as Chinese is, with full-width commas and colons.
# ruff: noqa: RUF001

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace


@dataclass(frozen=True, eq=False)
class SmsWords:
    """Everything one language replies by SMS. ``errors`` has a template per reason of the
    grammar (``sms_commands.REASONS``); the other fields are the words of the forms and the
    replies of the commands."""

    user: str
    password: str
    destination: str
    your_number: str
    number: str
    name: str
    code: str
    example_name: str
    help: str
    calling_two: str
    registered: str
    taken: str
    unregistered: str
    unauthenticated: str
    not_a_number: str
    no_rate: str
    calling_entry: str
    no_entry_index: str
    no_entry_name: str
    last_calls: str
    voucher_credited: str
    voucher_unknown: str
    voucher_used: str
    voucher_expired: str
    voucher_disabled: str
    voucher_currency: str
    not_available: str
    unavailable: str
    errors: Mapping[str, str]


_EN_US = SmsWords(
    user="user",
    password="password",
    destination="destination",
    your_number="your number",
    number="number",
    name="name",
    code="code",
    example_name="office",
    help="Send {call}, or from your registered number {entry}, N<k>, I or {voucher}",
    calling_two="Calling you back on {source} to connect you with {destination}.",
    registered="{number} is registered: text I for your balance.",
    taken="{number} is registered to another account.",
    unregistered="This number is not registered. Send {register} first.",
    unauthenticated="Wrong user or password.",
    not_a_number="{field}.{text} is not a phone number.",
    no_rate="Sorry, {number} cannot be called.",
    calling_entry="Calling you back to connect you with {name} ({number}).",
    no_entry_index="Sorry, no directory entry number {index}.",
    no_entry_name="Sorry, no directory entry '{name}'.",
    last_calls="{balance} Last calls: {calls}.",
    voucher_credited="{amount} added. {balance}",
    voucher_unknown="Sorry, that voucher code is not valid.",
    voucher_used="Sorry, that voucher has been used already.",
    voucher_expired="Sorry, that voucher has expired.",
    voucher_disabled="Sorry, that voucher has been withdrawn.",
    voucher_currency="Sorry, that voucher is for another currency.",
    not_available="Sorry, this command is not available on this service.",
    unavailable="Sorry, this service cannot take your command now. Please try again later.",
    errors={
        "empty": "Empty message. {help}",
        "too_long": "Message over {max} characters. Send one command, e.g. {call}",
        "control_character": "Message has a control character. {help}",
        "unknown_command": "Unknown command. {help}",
        "repeated_field": "{field} is given twice. Send each once: {form}",
        "mixed_commands": (
            "One command per message: {call}, or {register}, or {entry}, N<k>, I or {voucher}"
        ),
        "missing_command": "Nothing to do. Send {call} to call, or {register} to register a number",
        "unexpected_credentials": (
            "{form} takes no U. or P.: send it alone from your registered number"
        ),
        "unexpected_value": "I takes nothing after it: send I alone for your balance",
        "missing_user": "User missing. Send {form}",
        "missing_password": "Password missing. Send {form}",
        "bad_user": "User is over {max} characters. Send {form}",
        "bad_password": "Password is over {max} characters. Send {form}",
        "missing_destination": "Destination missing. Send {form}",
        "missing_source": "Your number is missing. Send {form}",
        "missing_number": "Number to register is missing. Send {form}",
        "bad_number": (
            "{field}. is no phone number: give 3 to 20 digits, + first if international, no "
            "spaces. Send {form}"
        ),
        "missing_name": "Name missing. Send {entry}, e.g. B.{example_name}",
        "bad_name": (
            "B. needs a directory name of 1 to {max} letters, digits, _ or -, e.g. B.{example_name}"
        ),
        "bad_index": "N needs an entry number from 1 to {max}: N2 calls your 2nd entry",
        "missing_voucher": "Voucher code missing. Send {voucher}, e.g. V.12345678",
        "bad_voucher": (
            "A voucher code is {min} to {max} letters or digits. Send {voucher}, e.g. V.12345678"
        ),
    },
)


_ES_ES = SmsWords(
    user="usuario",
    password="clave",
    destination="destino",
    your_number="su número",
    number="número",
    name="nombre",
    code="código",
    example_name="oficina",
    help="Envíe {call}, o desde su número registrado {entry}, N<k>, I o {voucher}",
    calling_two="Le llamamos al {source} para conectarle con el {destination}.",
    registered="El {number} está registrado: envíe I para saber su saldo.",
    taken="El {number} está registrado en otra cuenta.",
    unregistered="Este número no está registrado. Envíe antes {register}.",
    unauthenticated="Usuario o clave incorrectos.",
    not_a_number="{field}.{text} no es un número de teléfono.",
    no_rate="Lo sentimos, no es posible llamar al {number}.",
    calling_entry="Le llamamos para conectarle con {name} ({number}).",
    no_entry_index="Lo sentimos, su agenda no tiene la entrada número {index}.",
    no_entry_name="Lo sentimos, su agenda no tiene la entrada '{name}'.",
    last_calls="{balance} Últimas llamadas: {calls}.",
    voucher_credited="Abonado: {amount}. {balance}",
    voucher_unknown="Lo sentimos, el código del bono no es válido.",
    voucher_used="Lo sentimos, este bono ya se ha utilizado.",
    voucher_expired="Lo sentimos, este bono ha caducado.",
    voucher_disabled="Lo sentimos, este bono ha sido retirado.",
    voucher_currency="Lo sentimos, este bono es de otra moneda.",
    not_available="Lo sentimos, este comando no está disponible en este servicio.",
    unavailable="Lo sentimos, el servicio no puede atender su comando ahora. Inténtelo más tarde.",
    errors={
        "empty": "Mensaje vacío. {help}",
        "too_long": "Mensaje de más de {max} caracteres. Envíe un solo comando, p. ej. {call}",
        "control_character": "El mensaje tiene un carácter de control. {help}",
        "unknown_command": "Comando desconocido. {help}",
        "repeated_field": "{field} aparece dos veces. Envíe cada campo una vez: {form}",
        "mixed_commands": (
            "Un comando por mensaje: {call}, o {register}, o {entry}, N<k>, I o {voucher}"
        ),
        "missing_command": (
            "Nada que hacer. Envíe {call} para llamar, o {register} para registrar un número"
        ),
        "unexpected_credentials": (
            "{form} no lleva U. ni P.: envíelo solo desde su número registrado"
        ),
        "unexpected_value": "I no lleva nada detrás: envíe solo I para saber su saldo",
        "missing_user": "Falta el usuario. Envíe {form}",
        "missing_password": "Falta la clave. Envíe {form}",
        "bad_user": "El usuario tiene más de {max} caracteres. Envíe {form}",
        "bad_password": "La clave tiene más de {max} caracteres. Envíe {form}",
        "missing_destination": "Falta el destino. Envíe {form}",
        "missing_source": "Falta su número. Envíe {form}",
        "missing_number": "Falta el número que registrar. Envíe {form}",
        "bad_number": (
            "{field}. no es un número de teléfono: de 3 a 20 cifras, + delante si es "
            "internacional, sin espacios. Envíe {form}"
        ),
        "missing_name": "Falta el nombre. Envíe {entry}, p. ej. B.{example_name}",
        "bad_name": (
            "B. necesita un nombre de 1 a {max} letras, cifras, _ o -, p. ej. B.{example_name}"
        ),
        "bad_index": "N necesita un número de entrada de 1 a {max}: N2 llama a su 2.ª entrada",
        "missing_voucher": "Falta el código del bono. Envíe {voucher}, p. ej. V.12345678",
        "bad_voucher": (
            "Un código de bono tiene de {min} a {max} letras o cifras. Envíe {voucher}, p. ej. "
            "V.12345678"
        ),
    },
)


_FR_FR = SmsWords(
    user="identifiant",
    password="mot de passe",
    destination="destination",
    your_number="votre numéro",
    number="numéro",
    name="nom",
    code="code",
    example_name="bureau",
    help="Envoyez {call}, ou depuis votre numéro enregistré {entry}, N<k>, I ou {voucher}",
    calling_two=(
        "Nous vous rappelons au {source} pour vous mettre en relation avec le {destination}."
    ),
    registered="Le {number} est enregistré : envoyez I pour votre solde.",
    taken="Le {number} est enregistré sur un autre compte.",
    unregistered="Ce numéro n'est pas enregistré. Envoyez d'abord {register}.",
    unauthenticated="Identifiant ou mot de passe incorrect.",
    not_a_number="{field}.{text} n'est pas un numéro de téléphone.",
    no_rate="Désolé, le {number} ne peut pas être appelé.",
    calling_entry="Nous vous rappelons pour vous mettre en relation avec {name} ({number}).",
    no_entry_index="Désolé, votre répertoire n'a pas d'entrée numéro {index}.",
    no_entry_name="Désolé, votre répertoire n'a pas d'entrée '{name}'.",
    last_calls="{balance} Derniers appels : {calls}.",
    voucher_credited="Crédit ajouté : {amount}. {balance}",
    voucher_unknown="Désolé, ce code de bon n'est pas valide.",
    voucher_used="Désolé, ce bon a déjà été utilisé.",
    voucher_expired="Désolé, ce bon a expiré.",
    voucher_disabled="Désolé, ce bon a été retiré.",
    voucher_currency="Désolé, ce bon est dans une autre devise.",
    not_available="Désolé, cette commande n'est pas disponible sur ce service.",
    unavailable=(
        "Désolé, le service ne peut pas traiter votre commande pour le moment. Réessayez plus tard."
    ),
    errors={
        "empty": "Message vide. {help}",
        "too_long": (
            "Message de plus de {max} caractères. Envoyez une seule commande, p. ex. {call}"
        ),
        "control_character": "Le message contient un caractère de contrôle. {help}",
        "unknown_command": "Commande inconnue. {help}",
        "repeated_field": "{field} est donné deux fois. Envoyez chaque champ une fois : {form}",
        "mixed_commands": (
            "Une commande par message : {call}, ou {register}, ou {entry}, N<k>, I ou {voucher}"
        ),
        "missing_command": (
            "Rien à faire. Envoyez {call} pour appeler, ou {register} pour enregistrer un numéro"
        ),
        "unexpected_credentials": (
            "{form} ne prend ni U. ni P. : envoyez-le seul depuis votre numéro enregistré"
        ),
        "unexpected_value": "I ne prend rien après lui : envoyez I seul pour votre solde",
        "missing_user": "Identifiant manquant. Envoyez {form}",
        "missing_password": "Mot de passe manquant. Envoyez {form}",
        "bad_user": "L'identifiant dépasse {max} caractères. Envoyez {form}",
        "bad_password": "Le mot de passe dépasse {max} caractères. Envoyez {form}",
        "missing_destination": "Destination manquante. Envoyez {form}",
        "missing_source": "Votre numéro manque. Envoyez {form}",
        "missing_number": "Numéro à enregistrer manquant. Envoyez {form}",
        "bad_number": (
            "{field}. n'est pas un numéro : 3 à 20 chiffres, + devant si international, sans "
            "espaces. Envoyez {form}"
        ),
        "missing_name": "Nom manquant. Envoyez {entry}, p. ex. B.{example_name}",
        "bad_name": (
            "B. attend un nom de 1 à {max} lettres, chiffres, _ ou -, p. ex. B.{example_name}"
        ),
        "bad_index": "N attend un numéro d'entrée de 1 à {max} : N2 appelle votre 2e entrée",
        "missing_voucher": "Code du bon manquant. Envoyez {voucher}, p. ex. V.12345678",
        "bad_voucher": (
            "Un code de bon a {min} à {max} lettres ou chiffres. Envoyez {voucher}, p. ex. "
            "V.12345678"
        ),
    },
)


_VI_VN = SmsWords(
    user="tên",
    password="mật khẩu",
    destination="số đích",
    your_number="số của bạn",
    number="số",
    name="tên",
    code="mã",
    example_name="vanphong",
    help="Gửi {call}, hoặc từ số đã đăng ký gửi {entry}, N<k>, I hoặc {voucher}",
    calling_two="Chúng tôi sẽ gọi lại số {source} để kết nối với số {destination}.",
    registered="Số {number} đã được đăng ký: gửi I để xem số dư.",
    taken="Số {number} đã được đăng ký cho tài khoản khác.",
    unregistered="Số này chưa được đăng ký. Hãy gửi {register} trước.",
    unauthenticated="Sai tên đăng nhập hoặc mật khẩu.",
    not_a_number="{field}.{text} không phải số điện thoại.",
    no_rate="Xin lỗi, không thể gọi đến số {number}.",
    calling_entry="Chúng tôi sẽ gọi lại để kết nối quý khách với {name} ({number}).",
    no_entry_index="Xin lỗi, danh bạ không có mục số {index}.",
    no_entry_name="Xin lỗi, danh bạ không có mục '{name}'.",
    last_calls="{balance} Cuộc gọi gần đây: {calls}.",
    voucher_credited="Đã nạp {amount}. {balance}",
    voucher_unknown="Xin lỗi, mã thẻ nạp không hợp lệ.",
    voucher_used="Xin lỗi, thẻ nạp này đã được sử dụng.",
    voucher_expired="Xin lỗi, thẻ nạp này đã hết hạn.",
    voucher_disabled="Xin lỗi, thẻ nạp này đã bị thu hồi.",
    voucher_currency="Xin lỗi, thẻ nạp này dùng cho loại tiền tệ khác.",
    not_available="Xin lỗi, dịch vụ này không hỗ trợ lệnh này.",
    unavailable="Xin lỗi, dịch vụ hiện không thể xử lý lệnh. Xin vui lòng thử lại sau.",
    errors={
        "empty": "Tin nhắn trống. {help}",
        "too_long": "Tin nhắn dài quá {max} ký tự. Chỉ gửi một lệnh, ví dụ {call}",
        "control_character": "Tin nhắn có ký tự điều khiển. {help}",
        "unknown_command": "Lệnh không hợp lệ. {help}",
        "repeated_field": "{field} bị lặp lại. Mỗi trường chỉ gửi một lần: {form}",
        "mixed_commands": (
            "Mỗi tin nhắn một lệnh: {call}, hoặc {register}, hoặc {entry}, N<k>, I hoặc {voucher}"
        ),
        "missing_command": "Không có lệnh. Gửi {call} để gọi, hoặc {register} để đăng ký số",
        "unexpected_credentials": "{form} không cần U. hay P.: chỉ gửi lệnh này từ số đã đăng ký",
        "unexpected_value": "Sau I không có gì: chỉ gửi I để xem số dư",
        "missing_user": "Thiếu tên đăng nhập. Gửi {form}",
        "missing_password": "Thiếu mật khẩu. Gửi {form}",
        "bad_user": "Tên đăng nhập dài quá {max} ký tự. Gửi {form}",
        "bad_password": "Mật khẩu dài quá {max} ký tự. Gửi {form}",
        "missing_destination": "Thiếu số đích. Gửi {form}",
        "missing_source": "Thiếu số của quý khách. Gửi {form}",
        "missing_number": "Thiếu số cần đăng ký. Gửi {form}",
        "bad_number": (
            "{field}. không phải số điện thoại: 3 đến 20 chữ số, thêm + nếu là số quốc tế, không "
            "dấu cách. Gửi {form}"
        ),
        "missing_name": "Thiếu tên. Gửi {entry}, ví dụ B.{example_name}",
        "bad_name": (
            "B. cần tên danh bạ từ 1 đến {max} chữ cái, chữ số, _ hoặc -, ví dụ B.{example_name}"
        ),
        "bad_index": "N cần số thứ tự từ 1 đến {max}: N2 gọi mục thứ 2",
        "missing_voucher": "Thiếu mã thẻ nạp. Gửi {voucher}, ví dụ V.12345678",
        "bad_voucher": (
            "Mã thẻ nạp gồm {min} đến {max} chữ cái hoặc chữ số. Gửi {voucher}, ví dụ V.12345678"
        ),
    },
)


_CMN_CN = SmsWords(
    user="用户名",
    password="密码",
    destination="目的号码",
    your_number="您的号码",
    number="号码",
    name="名称",
    code="券码",
    example_name="办公室",
    help="请发送{call}，或从已登记号码发送{entry}、N<k>、I或{voucher}",
    calling_two="正在回拨{source}，为您接通{destination}。",
    registered="{number}已登记：发送I查询余额。",
    taken="{number}已登记在其他账户。",
    unregistered="此号码未登记。请先发送{register}。",
    unauthenticated="用户名或密码错误。",
    not_a_number="{field}.{text}不是电话号码。",
    no_rate="对不起，无法呼叫{number}。",
    calling_entry="正在回拨您，为您接通{name}（{number}）。",
    no_entry_index="对不起，通讯录中没有第{index}个条目。",
    no_entry_name="对不起，通讯录中没有“{name}”。",
    last_calls="{balance}最近通话：{calls}。",
    voucher_credited="已充值{amount}。{balance}",
    voucher_unknown="对不起，您输入的充值券密码无效。",
    voucher_used="对不起，该充值券已被使用。",
    voucher_expired="对不起，该充值券已过期。",
    voucher_disabled="对不起，该充值券已停用。",
    voucher_currency="对不起，该充值券的币种与您的账户不同。",
    not_available="对不起，本服务不支持此指令。",
    unavailable="对不起，服务暂时无法处理您的指令，请稍后再试。",
    errors={
        "empty": "短信为空。{help}",
        "too_long": "短信超过{max}个字符。请只发送一条指令，例如{call}",
        "control_character": "短信含有控制字符。{help}",
        "unknown_command": "无法识别的指令。{help}",
        "repeated_field": "{field}重复出现。每项只发送一次：{form}",
        "mixed_commands": "每条短信一条指令：{call}，或{register}，或{entry}、N<k>、I或{voucher}",
        "missing_command": "没有指令。发送{call}回拨，或发送{register}登记号码",
        "unexpected_credentials": "{form}不需要U.或P.：请从已登记号码单独发送",
        "unexpected_value": "I后面不能有内容：单独发送I查询余额",
        "missing_user": "缺少用户名。请发送{form}",
        "missing_password": "缺少密码。请发送{form}",
        "bad_user": "用户名超过{max}个字符。请发送{form}",
        "bad_password": "密码超过{max}个字符。请发送{form}",
        "missing_destination": "缺少目的号码。请发送{form}",
        "missing_source": "缺少您的号码。请发送{form}",
        "missing_number": "缺少要登记的号码。请发送{form}",
        "bad_number": (
            "{field}.不是电话号码：须为3至20位数字，国际号码前加+，不含空格。请发送{form}"
        ),
        "missing_name": "缺少名称。请发送{entry}，例如B.{example_name}",
        "bad_name": "B.需要由1至{max}个字母、数字、_或-组成的名称，例如B.{example_name}",
        "bad_index": "N需要1至{max}的条目序号：N2拨打第2个条目",
        "missing_voucher": "缺少券码。请发送{voucher}，例如V.12345678",
        "bad_voucher": "券码为{min}至{max}位字母或数字。请发送{voucher}，例如V.12345678",
    },
)

SMS_CATALOGUE: dict[str, SmsWords] = {
    "en-US": _EN_US,
    "en-GB": _EN_US,
    "es-ES": _ES_ES,
    "es-MX": replace(
        _ES_ES, calling_two="Le llamaremos al {source} para comunicarle con el {destination}."
    ),
    "fr-FR": _FR_FR,
    "vi-VN": _VI_VN,
    "cmn-CN": _CMN_CN,
}
