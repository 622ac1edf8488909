"""Callbacks by e-mail, end to end on the simulated network: a user mails the PortaSIP command
(``P <account> <password> SN <number> DN <number>``) to an access number's callback address, the
platform replies by e-mail from that address, and a valid command ends in the same callback
engine as a missed call: the SN number is called back, the DN number dialled at once, the call
bridged and charged. A mail SES does not trust does nothing (and spam is never answered); a
refused command changes nothing and the reply says why; random mail changes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from platformkit import running_platform
from test_callback_calls import (
    ACCOUNT,
    ANI,
    FRIEND,
    PASSWORD,
    USER,
    CallbackWorld,
    user_script,
)

from chalicelib.callback.queries import PlaceCallback
from chalicelib.calls.tasks import decode_task
from chalicelib.mail.message import InboundMail, Verdicts
from chalicelib.mail.outbox import SendMail

CALLBACK = "callback@ringflow.example"
SENDER = "user@example.org"
TRUSTED = Verdicts(spam="PASS", virus="PASS", spf="PASS", dkim="PASS", dmarc="PASS")
COMMAND = f"P {ACCOUNT} {PASSWORD} SN +44 7700 900001 DN 07700 900300"


class MailWorld(CallbackWorld):
    """The callback world, its ANI access number reachable at ``CALLBACK``, every queued task
    recorded."""

    def __init__(self, platform: Any, tmp: Path) -> None:
        super().__init__(platform, tmp)
        container = platform.container
        access = container.services("callback").access_numbers
        access.put(replace(access.get(ANI), mail_address=CALLBACK.upper()))
        self.queued: list[Any] = []
        enqueue = container.enqueue_task

        def recorded(body: str, delay_seconds: int = 0) -> None:
            self.queued.append(decode_task(body)[1])
            enqueue(body, delay_seconds)

        container.enqueue_task = recorded  # type: ignore[method-assign]
        from chalicelib.callback.product import mail_consumers

        [self.consumer] = mail_consumers(container)

    def placed(self) -> list[PlaceCallback]:
        return [task for task in self.queued if isinstance(task, PlaceCallback)]

    def replies(self) -> list[SendMail]:
        return [task for task in self.queued if isinstance(task, SendMail)]

    def settle(self) -> None:
        for _ in range(6):
            self.run_tasks()
            self.network.run_until_idle()


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[MailWorld]:
    with running_platform(monkeypatch) as platform:
        built = MailWorld(platform, tmp_path)
        try:
            yield built
        finally:
            built.close()


def mail(
    text: str,
    subject: str = "callback",
    *,
    message_id: str = "ses-0001",
    verdicts: Verdicts = TRUSTED,
    reply_to: str = SENDER,
    to: str = CALLBACK,
) -> InboundMail:
    return InboundMail(
        message_id=message_id,
        sender=SENDER,
        reply_to=reply_to,
        recipients=(to,),
        subject=subject,
        text=text,
        verdicts=verdicts,
        header_message_id=f"<{message_id}@example.org>",
    )


def test_a_mailed_command_calls_back_bridges_and_charges(world: MailWorld) -> None:
    # GIVEN the user answers the callback and keeps English; their friend answers
    world.network.set_number(USER, user_script({"press": "1"}))
    world.network.set_number(FRIEND, {"behaviour": "answers", "talk_seconds": 90})
    # WHEN they mail the command, as a mail program writes it: a greeting, then a signature
    body = f"Hello,\n\n{COMMAND},\n\n-- \nA. User\n+44 7700 900999\n"
    assert world.consumer(mail(body)) is True
    # THEN one callback is queued for the access number's service, with the numbers mailed
    [placing] = world.placed()
    assert (placing.key, placing.trigger, placing.tenant) == (
        "callback:mail:ses-0001",
        "email",
        "acme",
    )
    assert (placing.access_number, placing.user_number, placing.destination) == (
        ANI,
        USER,
        FRIEND,
    )
    assert (placing.account_id, placing.tariff, placing.delay_seconds) == (ACCOUNT, "retail", 5)
    # AND a confirmation goes from the callback address to the sender, threaded
    [reply] = world.replies()
    assert reply == SendMail(
        key="mail-reply:ses-0001",
        from_address=CALLBACK,
        to_address=SENDER,
        subject="Re: callback",
        text=f"Calling you back on +{USER} to connect you with +{FRIEND}. Your balance is 5 euros.",
        in_reply_to="<ses-0001@example.org>",
    )
    # WHEN the queue and the network run
    world.settle()
    # THEN the user was called back, the friend dialled unasked, bridged and charged
    [leg_a] = world.calls_to(USER)
    said = leg_a.transcript.said()
    assert "You can talk for 31 minutes." in said, said
    assert not any("enter the number" in line for line in said[: said.index(
        "You can talk for 31 minutes.")])  # fmt: skip
    [leg_b] = [leg for leg in leg_a.legs if leg.to == FRIEND]
    assert leg_b.status.value == "completed"
    assert world.balance() == (Decimal("4.68"), 0, 0)
    history = world.platform.container.services("callback").engine.history.recent(ACCOUNT)
    assert [(row.destination, row.seconds) for row in history] == [(FRIEND, 90)]


def ses_notification(world: MailWorld, message_id: str, raw: bytes) -> str:
    """Store ``raw`` as SES's S3 action does and return its "Received" notification as the
    mail queue delivers it (an SNS envelope around SES's JSON)."""
    settings = world.platform.container.settings
    s3 = world.platform.container.s3
    buckets = {bucket["Name"] for bucket in s3.list_buckets()["Buckets"]}
    if settings.mail_bucket not in buckets:
        s3.create_bucket(
            Bucket=settings.mail_bucket,
            CreateBucketConfiguration={"LocationConstraint": settings.region},
        )
    key = f"mail/{message_id}"
    s3.put_object(Bucket=settings.mail_bucket, Key=key, Body=raw)
    verdicts = {"spam": "PASS", "virus": "PASS", "spf": "PASS", "dkim": "PASS", "dmarc": "PASS"}
    ses = {
        "notificationType": "Received",
        "mail": {"messageId": message_id, "source": SENDER, "destination": [CALLBACK]},
        "receipt": {
            "recipients": [CALLBACK.upper()],
            **{f"{name}Verdict": {"status": status} for name, status in verdicts.items()},
            "action": {"type": "S3", "bucketName": settings.mail_bucket, "objectKey": key},
        },
    }
    return json.dumps({"Type": "Notification", "Message": json.dumps(ses)})


def test_a_mail_from_ses_to_a_bridged_charged_call_and_one_reply_sent(world: MailWorld) -> None:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    container = world.platform.container
    container.ses.verify_domain_identity(Domain="ringflow.example")
    world.network.set_number(USER, user_script({"press": "1"}))
    world.network.set_number(FRIEND, {"behaviour": "answers", "talk_seconds": 90})
    # GIVEN the raw mail as a mail program sends it: HTML only, the command in a paragraph
    raw = (
        f"From: A. User <{SENDER}>\r\nTo: <{CALLBACK}>\r\nSubject: Callback\r\n"
        "Message-ID: <m-42@example.org>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/html; charset=utf-8\r\n\r\n"
        f"<html><body><p>Hi,</p><p>P&nbsp;{ACCOUNT} {PASSWORD} SN +44&nbsp;7700&nbsp;900001 "
        f"DN 07700&nbsp;900300.</p><div>--&nbsp;<br>A. User</div></body></html>\r\n"
    ).encode()
    body = ses_notification(world, "ses-e2e-1", raw)
    # WHEN SES's notification reaches the mail queue's handler, twice (SQS is at least once)
    for _ in range(2):
        event = world.platform.client.events.generate_sqs_event(
            message_bodies=[body], queue_name=container.settings.mail_queue
        )
        result = world.platform.client.lambda_.invoke("receive_mail", event)
        assert result.payload == {"batchItemFailures": []}, result.payload
    world.settle()
    # THEN one callback: the user called back, the friend dialled unasked, bridged and charged
    assert len(world.placed()) == 1
    [leg_a] = world.calls_to(USER)
    assert "You can talk for 31 minutes." in leg_a.transcript.said()
    assert [leg.to for leg in leg_a.legs if leg.to == FRIEND] == [FRIEND]
    assert world.balance() == (Decimal("4.68"), 0, 0)
    # AND one confirmation went through SES, from the callback address, threaded to the mail
    region = container.settings.region
    sent = ses_backends[DEFAULT_ACCOUNT_ID][region].sent_messages
    [reply] = [m for m in sent if SENDER in getattr(m, "destinations", [])]
    assert reply.source == CALLBACK
    assert "In-Reply-To: <m-42@example.org>" in reply.raw_data
    assert "Subject: Re: Callback" in reply.raw_data
    assert f"Calling you back on +{USER} to connect you with +{FRIEND}." in reply.raw_data


def test_the_command_in_the_subject_with_the_seeds_spelling(world: MailWorld) -> None:
    subject = f"Re: p {ACCOUNT} {PASSWORD} sn 0044 7700 900001 dn 447700900300,"
    assert world.consumer(mail("> an old quoted mail", subject=subject)) is True
    [placing] = world.placed()
    assert (placing.user_number, placing.destination) == (USER, FRIEND)
    [reply] = world.replies()
    assert reply.subject == subject


def test_the_confirmation_is_in_the_accounts_language(world: MailWorld) -> None:
    from chalicelib.billing.wallet import hash_password
    from chalicelib.store.wallets import StoredCallbackAccount

    world.wallets.create(
        StoredCallbackAccount(
            account_id="654321",
            password_hash=hash_password("mot-de-passe").encoded(),
            currency="EUR",
            language="fr-FR",
            tariff="retail",
            balance=Decimal("12.50"),
            max_concurrent=1,
        )
    )
    world.consumer(mail(f"P 654321 mot-de-passe SN {USER} DN {FRIEND}"))
    [reply] = world.replies()
    assert reply.text == (
        f"Nous vous rappelons au +{USER} pour vous mettre en relation avec le +{FRIEND}. "
        "Votre solde est de 12 euros et 50 centimes."
    )
    assert world.placed()[0].language == "fr-FR"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (f"P {ACCOUNT} wrong-password SN {USER} DN {FRIEND}", "Wrong account or password"),
        (f"P 999999 {PASSWORD} SN {USER} DN {FRIEND}", "Wrong account or password"),
        (f"P {ACCOUNT} {PASSWORD} SN {USER} DN 0033123456789", "be called. (+33123456789)"),
        (f"P {ACCOUNT} {PASSWORD} SN 12 DN {FRIEND}", "Your number (SN) '12' is not a phone"),
        (f"P {ACCOUNT} {PASSWORD} SN {USER}", "The number to call (DN) is missing."),
        (f"P {ACCOUNT} {PASSWORD} SN +999123 DN {FRIEND}", "SN +999123 is not a phone number"),
        ("Please call me back", "No callback command was found in your message."),
    ],
)
def test_a_refused_command_is_answered_and_changes_nothing(
    world: MailWorld, text: str, reason: str
) -> None:
    assert world.consumer(mail(text)) is True
    [reply] = world.replies()
    assert reason in reply.text, reply.text
    assert (reply.to_address, reply.from_address) == (SENDER, CALLBACK)
    assert world.placed() == []
    world.settle()
    assert world.calls_to(USER) == [] and world.balance() == (Decimal("5.00"), 0, 0)


def test_a_wrong_account_and_a_wrong_password_read_the_same(world: MailWorld) -> None:
    world.consumer(mail(f"P {ACCOUNT} nope SN {USER} DN {FRIEND}", message_id="a"))
    world.consumer(
        mail(f"P 654321 {PASSWORD} SN {USER} DN {FRIEND}", message_id="b", reply_to="b@x.org")
    )
    first, second = world.replies()
    assert first.text == second.text


def test_refusals_to_one_address_are_sent_once_in_ten_minutes(world: MailWorld) -> None:
    # GIVEN an auto-responder that answers every mail, our refusals included
    for number in range(3):
        world.consumer(mail(f"Out of office ({number})", message_id=f"auto-{number}"))
    # THEN it got one refusal, not a loop
    assert len(world.replies()) == 1
    # WHEN ten minutes have passed THEN a refusal goes again; a confirmation always goes
    world.platform.clock.advance(601)
    world.consumer(mail("Out of office (3)", message_id="auto-3"))
    world.consumer(mail(COMMAND, message_id="command"))
    assert [reply.key for reply in world.replies()][1:] == [
        "mail-reply:auto-3",
        "mail-reply:command",
    ]


@pytest.mark.parametrize(
    ("verdicts", "answered"),
    [
        (replace(TRUSTED, spam="FAIL"), False),
        (replace(TRUSTED, virus="FAIL"), False),
        (replace(TRUSTED, spam="GRAY", dkim="FAIL"), False),
        (replace(TRUSTED, dkim="FAIL", dmarc="FAIL"), True),
        (replace(TRUSTED, spf="FAIL"), True),
        (replace(TRUSTED, dkim="GRAY", dmarc="GRAY"), True),
    ],
)
def test_a_mail_ses_does_not_trust_places_nothing_and_spam_is_never_answered(
    world: MailWorld, verdicts: Verdicts, answered: bool
) -> None:
    # WHEN a well-formed, correctly authenticated command arrives with a failed verdict
    assert world.consumer(mail(COMMAND, verdicts=verdicts)) is True
    # THEN nothing is placed; only mail that passed the spam and virus scans is answered
    assert world.placed() == []
    if answered:
        [reply] = world.replies()
        assert reply.text.startswith("Your message could not be authenticated ("), reply.text
    else:
        assert world.queued == []


def test_mail_to_another_address_is_left_to_other_consumers(world: MailWorld) -> None:
    assert world.consumer(mail(COMMAND, to="sales@ringflow.example")) is False
    assert world.queued == []


@pytest.mark.parametrize("to", ["", "x" * 3000 + "@ringflow.example", "no address", "a@b"])
def test_a_recipient_that_is_no_address_is_never_looked_up(world: MailWorld, to: str) -> None:
    assert world.consumer(mail(COMMAND, to=to)) is False
    assert world.queued == []


def test_a_disabled_access_numbers_address_is_not_a_callback_address(world: MailWorld) -> None:
    access = world.platform.container.services("callback").access_numbers
    access.put(replace(access.get(ANI), enabled=False))
    assert world.consumer(mail(COMMAND)) is False
    assert world.queued == []


@pytest.mark.parametrize(
    "reply_to", ["", CALLBACK, "CALLBACK@ringflow.example", "MAILER-DAEMON@example.org"]
)
def test_no_reply_goes_to_an_empty_or_our_own_address(world: MailWorld, reply_to: str) -> None:
    assert world.consumer(mail("no command here", reply_to=reply_to)) is True
    assert world.queued == []


def test_the_same_mail_handed_over_twice_acts_once(world: MailWorld) -> None:
    world.network.set_number(USER, user_script({"press": "1"}))
    world.network.set_number(FRIEND, {"behaviour": "answers", "talk_seconds": 10})
    received = mail(COMMAND)
    world.consumer(received)
    world.consumer(received)  # a retried delivery: the same keys
    world.settle()
    assert len(world.calls_to(USER)) == 1
    assert world.balance() == (Decimal("4.84"), 0, 0)


ALPHABET = st.sampled_from(
    [
        "P", "p", "SN", "DN", ACCOUNT, PASSWORD, "wrong", USER, FRIEND, "+", "00", "0", " ", "\n",
        "\t", ",", ".", ">", "-- ", "Re:", "\u00a0", "\u200b", "x", "\x00", "(0)", "999",
    ]
)  # fmt: skip


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    subject=st.one_of(st.text(max_size=80), st.lists(ALPHABET, max_size=12).map("".join)),
    text=st.one_of(st.text(max_size=400), st.lists(ALPHABET, max_size=30).map("".join)),
)
def test_random_mail_changes_nothing(world: MailWorld, subject: str, text: str) -> None:
    # GIVEN any subject and body but never the right password with both numbers in order
    before = len(world.queued)
    number = len(world.queued)
    world.consumer(
        mail(text, subject=subject, message_id=f"fuzz-{number}", reply_to=f"u{number}@x.org")
    )
    added = world.queued[before:]
    if any(isinstance(task, PlaceCallback) for task in added):
        return  # hypothesis wrote a valid command: acting on it is right
    assert all(isinstance(task, SendMail) for task in added) and len(added) == 1
    assert world.balance() == (Decimal("5.00"), 0, 0)
