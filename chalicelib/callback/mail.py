"""E-mail commands to a callback address (PortaSIP's e-mail trigger, ``callback.mail_commands``):
the consumer the mail intake hands every inbound e-mail to.

An access number may have a ``mail_address``; e-mail received for it is a callback command,
``P <account> <password> SN <your number> DN <number to call>``, run for that access number's
tenant, flow, language, delay and lock (as an SMS to it is). The mail is acted on only when SES
trusts it (``Verdicts.trusted``: spam and virus scans PASS, DKIM or DMARC PASS, no SPF, DKIM or
DMARC FAIL): otherwise nothing is done, and a reply says why only when the spam and virus scans
passed (a reply to spam or a virus would go to a forged sender: backscatter). A trusted command
authenticates the account (a wrong account or password get the same answer), reads the numbers
(international, or national in the access number's country), rates the destination, queues
``PlaceCallback`` (the same engine as every trigger, the destination given) and replies with a
confirmation; a refused command changes nothing and the reply says why.

Every reply is one ``SendMail`` (``mail.outbox.reply``) from the callback address to the mail's
``reply_to``, ``Re:`` its subject, threaded by its ``Message-ID``; never to an empty address, to
a callback address or a recipient of the mail (a loop), nor to a mailer daemon or postmaster
(RFC 3834); and a refusal goes to one address at most once per ``REFUSAL_QUIET_SECONDS``
(``may_refuse``: a claim), so an auto-responder answering our refusals cannot loop with us.
The intake hands a mail over once (deduplicated by SES's message id); the callback and the reply
are queued under keys made of that id, so a delivery processed again after a failure acts once.
Imports the billing and callback services, the mail message and outbox types and
``calls.tasks``' task encoding; never pynamodb, SES or MIME modules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.billing.accounts import CallbackAccounts
from chalicelib.billing.service import TariffService
from chalicelib.billing.wallet import CallbackAccount
from chalicelib.callback import catalogue, numbers
from chalicelib.callback.access import AccessNumber
from chalicelib.callback.mail_commands import CallRequest, CommandError, parse
from chalicelib.callback.model import Trigger
from chalicelib.callback.queries import PlaceCallback
from chalicelib.callback.service import spoken_language as _language
from chalicelib.calls.tasks import encode_task
from chalicelib.errors import NotFoundError, RingflowError, ValidationError
from chalicelib.mail.message import InboundMail
from chalicelib.mail.outbox import answerable, reply
from chalicelib.ops.observability import MetricName, count, logger

UNTRUSTED = (
    "Your message could not be authenticated ({reason} check failed), so no callback was "
    "placed. Send the command from an address whose mail server signs its mail (DKIM) and "
    "is allowed to send for its domain (SPF, DMARC)."
)
WRONG_CREDENTIALS = "Wrong account or password: no callback was placed."
UNAVAILABLE = "Sorry, this service cannot take your command now. Please try again later."
REFUSAL_QUIET_SECONDS = 600
"""After a refusal to an address, further refusals to it are not sent for this long."""


@dataclass
class MailCommands:
    """Takes the e-mail sent to callback addresses as callback commands."""

    access_by_mail: Callable[[str], AccessNumber | None]
    accounts: CallbackAccounts
    tariffs: TariffService
    enqueue: Callable[[str, int], None]
    may_refuse: Callable[[str], bool] = lambda address: True
    """Whether a refusal may go to ``address`` now (claims it for ``REFUSAL_QUIET_SECONDS``)."""

    def __call__(self, mail: InboundMail) -> bool:
        access = self._addressed(mail)
        if access is None:
            return False  # not to a callback address: another consumer's mail
        if not mail.verdicts.trusted:
            reason = mail.verdicts.refusal() or "untrusted"
            count(MetricName.CALLBACK_REFUSALS, reason="mail_" + _slug(reason))
            logger.warning(
                "callback e-mail not trusted",
                extra={"access_number": access.number, "reason": reason},
            )
            if mail.verdicts.spam == "PASS" and mail.verdicts.virus == "PASS":
                self._reply(access, mail, UNTRUSTED.format(reason=reason.upper()), refusal=True)
            return True
        refusal = True
        try:
            reply = self._act(access, mail)
            refusal = False
        except (CommandError, _Refused) as refused:
            count(MetricName.CALLBACK_REFUSALS, reason=f"mail_{refused.reason}")
            reply = str(refused)
        except (NotFoundError, ValidationError) as broken:
            # the service's own set-up is wrong (an account's tariff is gone ...): answer and
            # log it; raising would have the intake try the same mail again and again
            count(MetricName.CALLBACK_REFUSALS, reason="mail_service")
            logger.error("e-mail command could not be served", extra={"error": str(broken)})
            reply = UNAVAILABLE
        self._reply(access, mail, reply, refusal=refusal)
        return True

    def _addressed(self, mail: InboundMail) -> AccessNumber | None:
        """The enabled access number whose address the mail was received for, or None."""
        for recipient in dict.fromkeys(mail.recipients):
            access = self.access_by_mail(recipient) if recipient else None
            if access is not None and access.enabled:
                return access
        return None

    def _act(self, access: AccessNumber, mail: InboundMail) -> str:
        command = parse(mail.subject, mail.text)
        account = self._authenticated(command)
        source = self._number(command.source, access, "SN")
        destination = self._number(command.destination, access, "DN")
        language = _language(access.language, account.language)
        prompts = catalogue.prompts(language)
        if self.tariffs.rate_each(account.tariff, [destination])[destination] is None:
            raise _Refused("no_rate", f"{prompts.no_rate()} (+{destination})")
        self._place(access, mail, account, source, destination, language)
        calling = prompts.calling_back(f"+{source}", f"+{destination}")
        return f"{calling} {prompts.balance(account.wallet.available, account.currency)}"

    def _authenticated(self, command: CallRequest) -> CallbackAccount:
        try:
            return self.accounts.authenticate(command.account, command.password)
        except (ValidationError, NotFoundError, RingflowError):
            raise _Refused("unauthenticated", WRONG_CREDENTIALS) from None

    @staticmethod
    def _number(text: str, access: AccessNumber, field: str) -> str:
        """International digits as written, or a national number of the access number's
        country (its ``country``, else its own number's)."""
        if text.startswith("+"):
            number = numbers.international(text[1:])
        else:
            region = access.country or numbers.region_of(access.number) or "US"
            number = numbers.in_region(text, region)
        if number is None:
            raise _Refused(
                f"bad_{field.lower()}",
                f"{field} {text} is not a phone number: write it with its country code, "
                "for example 420212345678. No callback was placed.",
            )
        return number

    def _place(
        self,
        access: AccessNumber,
        mail: InboundMail,
        account: CallbackAccount,
        source: str,
        destination: str,
        language: str,
    ) -> None:
        placing = PlaceCallback(
            key=f"callback:mail:{mail.message_id}",
            tenant=access.tenant,
            flow_id=access.flow_id,
            trigger=Trigger.EMAIL,
            access_number=access.number,
            user_number=source,
            language=language,
            delay_seconds=access.delay_seconds,
            account_id=account.account_id,
            tariff=account.tariff,
            currency=account.currency,
            lock_minutes=access.lock_minutes,
            destination=destination,
        )
        self.enqueue(encode_task(placing, access.tenant), placing.delay_seconds)

    def _reply(self, access: AccessNumber, mail: InboundMail, text: str, *, refusal: bool) -> None:
        ours = str(access.mail_address)
        to = answerable(mail, ours)
        if (
            to is None
            or self.access_by_mail(to) is not None
            or (refusal and not self.may_refuse(to))
        ):
            logger.info("callback e-mail not answered", extra={"access_number": access.number})
            return
        answer = reply(mail, key=f"mail-reply:{mail.message_id}", from_address=ours, text=text)
        self.enqueue(encode_task(answer, access.tenant), 0)
        logger.info("callback e-mail command answered", extra={"access_number": access.number})


class _Refused(Exception):
    """A command that was understood but refused; the message is the reply."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _slug(reason: str) -> str:
    """A verdict's refusal as a metric dimension (``dkim/dmarc`` -> ``dkim_dmarc``)."""
    return "".join(char if char.isalnum() else "_" for char in reason.lower())
