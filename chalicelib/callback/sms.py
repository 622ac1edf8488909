"""SMS commands to a callback access number (the VoipSwitch grammar, ``callback.sms_commands``):
the consumer the SMS inbox hands every whole inbound message to.

An SMS to any access number is a command. ``U.<user> P.<pass> D.<destination> O.<source>``
places a callback to the source that dials the destination at once (the same engine as every
trigger: ``PlaceCallback`` with the destination given); ``U.<user> P.<pass> R.<number>``
registers a number for caller-id authentication; from a registered number, ``B.<name>`` and
``N<k>`` call back the sender and dial an entry of the account's speed-dial directory,
``V.<code>`` tops the account up with a voucher, and ``I`` replies with the balance and the last
calls. Every command is answered by SMS from the access number: what was done, or what was wrong
(a malformed command, a wrong user or password, an unknown sender, an unknown entry, a
destination with no rate), and a refused command changes nothing. Replies are in the account's
language once the command makes the account known (its user and password, or the registered
sender), else in the access number's (``callback.catalogue``'s ``Replies``). The inbox hands a
message over once (deduplicated by message id); the callback and the reply are queued under keys
made of the message id, and a voucher is redeemed under it, so a delivery processed again after
a failure acts once (and replies the credit again, not "used"). Imports the billing and callback
services, the store's call history of callback accounts and ``calls.tasks``' task encoding;
never pynamodb or Vonage modules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.billing.accounts import CallbackAccounts
from chalicelib.billing.service import TariffService
from chalicelib.billing.vouchers import VoucherRefusedError, Vouchers
from chalicelib.billing.wallet import CallbackAccount
from chalicelib.callback import catalogue, numbers
from chalicelib.callback.access import AccessNumber
from chalicelib.callback.model import Trigger
from chalicelib.callback.queries import PlaceCallback
from chalicelib.callback.service import spoken_language as _language
from chalicelib.callback.sms_commands import (
    CallEntry,
    CallNumbered,
    CallTwo,
    CommandError,
    Info,
    RedeemVoucher,
    RegisterNumber,
    parse,
)
from chalicelib.callback.speed_dial import EntryNotFoundError, SpeedDial
from chalicelib.calls.tasks import encode_task
from chalicelib.errors import ConflictError, NotFoundError, RingflowError, ValidationError
from chalicelib.flows.outcomes import SendSms
from chalicelib.ops.observability import MetricName, count, logger
from chalicelib.store.callback_history import CallbackHistoryRepository
from chalicelib.telephony.events import SmsReceived

LAST_CALLS = 3
"""The calls ``I`` lists after the balance (the reply stays within a few SMS parts)."""


@dataclass
class SmsCommands:
    """Takes the SMS sent to access numbers as callback commands."""

    access_number: Callable[[str], AccessNumber | None]
    accounts: CallbackAccounts
    tariffs: TariffService
    enqueue: Callable[[str, int], None]
    speed_dial: SpeedDial
    history: CallbackHistoryRepository | None = None
    vouchers: Vouchers | None = None

    def __call__(self, message: SmsReceived) -> None:
        access = self.access_number(message.to_number)
        if access is None or not access.enabled:
            return  # not an access number: another consumer's message
        known = _Known()
        try:
            reply = self._act(access, message, known)
        except CommandError as refused:
            count(MetricName.CALLBACK_REFUSALS, reason=f"sms_{refused.reason}")
            known.account = known.account or self.accounts.find_by_caller(message.from_number)
            reply = self._replies(access, known).command_error(refused.reason, refused.values)
        except _Refused as refused:
            count(MetricName.CALLBACK_REFUSALS, reason=f"sms_{refused.reason}")
            reply = refused.said(self._replies(access, known))
        except (NotFoundError, ValidationError) as broken:
            # the service's own set-up is wrong (an account's tariff is gone ...): answer and
            # log it; raising would make the carrier retry the same message for a day
            count(MetricName.CALLBACK_REFUSALS, reason="sms_service")
            logger.error("SMS command could not be served", extra={"error": str(broken)})
            reply = self._replies(access, known).unavailable()
        self._reply(access, message, reply)

    @staticmethod
    def _replies(access: AccessNumber, known: _Known) -> catalogue.Replies:
        """The replies in the account's language when the account is known, else the access
        number's."""
        account = known.account.language if known.account is not None else None
        return catalogue.replies(_language(access.language, account))

    def _act(self, access: AccessNumber, message: SmsReceived, known: _Known) -> str:
        command = parse(message.text)
        if isinstance(command, CallTwo):
            account = known.account = self._authenticated(command.user, command.password)
            source = self._number(command.source, message.from_number, "O")
            destination = self._number(command.destination, message.from_number, "D")
            rates = self.tariffs.rate_each(account.tariff, [destination])
            if rates[destination] is None:
                raise _Refused("no_rate", lambda say: say.no_rate(destination))
            self._place(access, message, account, source, destination)
            return self._replies(access, known).calling_two(source, destination)
        if isinstance(command, RegisterNumber):
            account = known.account = self._authenticated(command.user, command.password)
            number = self._number(command.number, message.from_number, "R")
            try:
                self.accounts.register_caller(account.account_id, number)
            except ConflictError:
                raise _Refused("taken", lambda say: say.taken(number)) from None
            return self._replies(access, known).registered(number)
        caller = known.account = self.accounts.find_by_caller(message.from_number)
        if caller is None:
            raise _Refused("unregistered", lambda say: say.unregistered())
        say = self._replies(access, known)
        if isinstance(command, Info):
            rows = self.history.recent(caller.account_id, limit=LAST_CALLS) if self.history else []
            calls = [
                (row.ended_at, row.destination, row.seconds, row.charge, row.currency)
                for row in rows
            ]
            return say.info(caller.wallet.available, caller.currency, calls)
        if isinstance(command, (CallEntry, CallNumbered)):
            wanted: str | int = command.name if isinstance(command, CallEntry) else command.index
            try:
                entry = (
                    self.speed_dial.find(caller.account_id, command.name)
                    if isinstance(command, CallEntry)
                    else self.speed_dial.at(caller.account_id, command.index)
                )
            except EntryNotFoundError:
                raise _Refused("no_entry", lambda say: say.no_entry(wanted)) from None
            if self.tariffs.rate_each(caller.tariff, [entry.number])[entry.number] is None:
                raise _Refused("no_rate", lambda say: say.no_rate(entry.number))
            self._place(access, message, caller, message.from_number, entry.number)
            return say.calling_entry(entry.name, entry.number)
        if isinstance(command, RedeemVoucher) and self.vouchers is not None:
            try:
                credited = self.vouchers.redeem(
                    command.code, caller.account_id, key=f"sms:{message.message_id}"
                )
            except VoucherRefusedError as refused:
                reason = refused.reason
                raise _Refused(
                    f"voucher_{reason}", lambda say: say.voucher_refused(reason)
                ) from None
            except ValidationError:  # not 12 digits: no voucher has that code
                raise _Refused(
                    "voucher_unknown", lambda say: say.voucher_refused("unknown")
                ) from None
            after = self.accounts.get(caller.account_id)
            return say.voucher_credited(credited, after.wallet.available, after.currency)
        raise _Refused("not_yet", lambda say: say.not_available())

    def _authenticated(self, user: str, password: str) -> CallbackAccount:
        try:
            return self.accounts.authenticate(user, password)
        except (ValidationError, NotFoundError, RingflowError):
            raise _Refused("unauthenticated", lambda say: say.unauthenticated()) from None

    @staticmethod
    def _number(text: str, sender: str, field: str) -> str:
        keyed = "00" + text[1:] if text.startswith("+") else text
        number = numbers.destination(keyed, sender)
        if number is None:
            raise _Refused("bad_number", lambda say: say.not_a_number(field, text))
        return number

    def _place(
        self,
        access: AccessNumber,
        message: SmsReceived,
        account: CallbackAccount,
        source: str,
        destination: str,
    ) -> None:
        placing = PlaceCallback(
            key=f"callback:sms:{message.message_id}",
            tenant=access.tenant,
            flow_id=access.flow_id,
            trigger=Trigger.SMS,
            access_number=access.number,
            user_number=source,
            language=_language(access.language, account.language),
            delay_seconds=access.delay_seconds,
            account_id=account.account_id,
            tariff=account.tariff,
            currency=account.currency,
            lock_minutes=access.lock_minutes,
            destination=destination,
        )
        self.enqueue(encode_task(placing, access.tenant), placing.delay_seconds)

    def _reply(self, access: AccessNumber, message: SmsReceived, text: str) -> None:
        reply = SendSms(
            key=f"sms-reply:{message.message_id}",
            from_number=access.number,
            to_number=message.from_number,
            text=text,
        )
        self.enqueue(encode_task(reply, access.tenant), 0)
        logger.info("callback SMS command answered", extra={"access_number": access.number})


@dataclass
class _Known:
    """What a command made known while it was served: the account whose language replies."""

    account: CallbackAccount | None = None


class _Refused(Exception):
    """A command that was understood but refused; ``said`` words the reply in the language
    chosen once the refusal is known."""

    def __init__(self, reason: str, said: Callable[[catalogue.Replies], str]) -> None:
        super().__init__(reason)
        self.reason = reason
        self.said = said
