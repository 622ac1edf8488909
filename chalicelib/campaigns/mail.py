"""E-mailed call lists (the seed's "Email Upload"): the consumer the mail intake hands every
inbound e-mail to, and the answers to their senders.

Each activated outbound flow has its own address, ``calls-<token>@<the mail domain>``
(``report.upload_address``). A mail received for it is acted on only when SES trusts it
(``Verdicts.trusted``) and its sender is on the account's allowed senders (an address, or
``@domain`` for a whole domain): then its ``.csv`` or ``.zip`` attachment is loaded like an
upload (``campaigns.uploads``) and, once read, the sender gets an auto-response saying whether
it was loaded, with the counts and the rejected rows and their reasons. A mail that is not
trusted, from a sender not allowed, or with no call list (or several) loads nothing; it is
answered with the reason only when the spam and virus scans passed and that address was not
refused in the last ``REFUSAL_QUIET_SECONDS`` (an auto-responder cannot loop with us), and
never to a mailer daemon, our own address or a recipient of the mail (``outbox.answerable``).
The intake hands a mail over once (deduplicated by SES's message id). Imports the campaigns'
uploads and report, the mail message and outbox and ``calls.tasks``; never pynamodb or SES.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from chalicelib.calls.tasks import encode_task
from chalicelib.campaigns.report import UPLOAD_PREFIX
from chalicelib.campaigns.uploads import CallLists
from chalicelib.errors import RingflowError
from chalicelib.mail.message import Attachment, InboundMail
from chalicelib.mail.outbox import SendMail, answerable, reply
from chalicelib.ops.observability import logger
from chalicelib.store.campaign_uploads import Upload

REFUSAL_QUIET_SECONDS = 600
NOT_ALLOWED = (
    "This address takes call lists only from the senders its account allows: nothing was "
    "loaded. Ask the account to add your address to its allowed senders."
)
UNTRUSTED = (
    "Your message could not be authenticated ({reason} check failed), so its call list was "
    "not loaded. Send it from an address whose mail server signs its mail (DKIM)."
)
NO_LIST = (
    "No call list was found in your message: attach one .csv file (or a .zip holding one). "
    "Nothing was loaded."
)
SEVERAL = "Attach one call list per message: {names}. Nothing was loaded."


def allowed(sender: str, senders: Sequence[str]) -> bool:
    """Whether ``sender`` is one of ``senders`` (addresses, or ``@domain``), in any case."""
    address = sender.strip().lower()
    if "@" not in address:
        return False
    for entry in senders:
        wanted = entry.strip().lower()
        if wanted.startswith("@") and address.endswith(wanted):
            return True
        if wanted == address:
            return True
    return False


@dataclass
class CallListMail:
    """Takes the e-mail sent to outbound flows' upload addresses."""

    flow_of_mail: Callable[[str], tuple[str, str] | None]
    """The (account, flow) of an upload address's token."""
    allowed_senders: Callable[[str], Sequence[str]]
    lists: Callable[[], CallLists]
    enqueue: Callable[[str, int], None]
    mail_domain: str
    may_refuse: Callable[[str], bool] = lambda address: True

    def __call__(self, mail: InboundMail) -> bool:
        target = self._addressed(mail)
        if target is None:
            return False
        address, account_id, flow_id = target
        if not mail.verdicts.trusted:
            reason = mail.verdicts.refusal() or "untrusted"
            logger.warning("call list e-mail not trusted", extra={"flow": flow_id})
            if mail.verdicts.spam == "PASS" and mail.verdicts.virus == "PASS":
                self._refuse(mail, address, account_id, UNTRUSTED.format(reason=reason.upper()))
            return True
        if not allowed(mail.sender, self.allowed_senders(account_id)):
            logger.warning("call list e-mail from a sender not allowed", extra={"flow": flow_id})
            self._refuse(mail, address, account_id, NOT_ALLOWED)
            return True
        lists = [a for a in mail.attachments if _is_call_list(a)]
        if not lists:
            self._refuse(mail, address, account_id, NO_LIST)
            return True
        if len(lists) > 1:
            names = ", ".join(a.filename for a in lists)[:300]
            self._refuse(mail, address, account_id, SEVERAL.format(names=names))
            return True
        answer = json.dumps(
            {
                "from": address,
                "to": answerable(mail, address) or "",
                "subject": mail.subject,
                "in_reply_to": mail.header_message_id,
            }
        )
        try:
            self.lists().received(
                account_id, flow_id, lists[0].filename, lists[0].data, mail.sender, answer
            )
        except RingflowError as error:  # the flow's listener is off, its name is refused ...
            self._refuse(mail, address, account_id, f"{error} Nothing was loaded.")
        return True

    def _addressed(self, mail: InboundMail) -> tuple[str, str, str] | None:
        domain = "@" + self.mail_domain.lower()
        for recipient in dict.fromkeys(mail.recipients):
            local, _, at = recipient.partition("@")
            if "@" + at != domain or not local.startswith(UPLOAD_PREFIX):
                continue
            found = self.flow_of_mail(local.removeprefix(UPLOAD_PREFIX))
            if found is not None:
                return recipient, found[0], found[1]
        return None

    def _refuse(self, mail: InboundMail, address: str, account_id: str, text: str) -> None:
        to = answerable(mail, address)
        if to is None or not self.may_refuse(to):
            return
        answer = reply(
            mail, key=f"call-list-refusal:{mail.message_id}", from_address=address, text=text
        )
        self.enqueue(encode_task(answer, account_id), 0)


def _is_call_list(attachment: Attachment) -> bool:
    return attachment.filename.lower().endswith((".csv", ".zip"))


def answer_upload(enqueue: Callable[[str, int], None]) -> Callable[[Upload, str], None]:
    """How ``CallLists`` answers an e-mailed list once it is read (nothing for an upload)."""

    def answer(upload: Upload, text: str) -> None:
        if not upload.mail:
            return
        kept = json.loads(upload.mail)
        if not kept.get("to"):
            return
        subject = str(kept.get("subject") or "your call list")
        if not subject.lower().startswith("re:"):
            subject = f"Re: {subject}"
        mail = SendMail(
            key=f"call-list-answer:{upload.upload_id}:{upload.state}",
            from_address=kept["from"],
            to_address=kept["to"],
            subject=subject[:250],
            text=text,
            in_reply_to=str(kept.get("in_reply_to") or ""),
        )
        enqueue(encode_task(mail, upload.account_id), 0)

    return answer
