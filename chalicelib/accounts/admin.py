"""Operator and tenant actions shared by the CLI and the REST API: accounts and their API keys,
loading flows (validated, size-checked before they are parsed, versioned), rolling a flow back
to an earlier version (a new version with its document) and deleting it, the flow listener,
provisioning numbers to accounts, binding an account's numbers to its flows, releasing numbers.
Each checks ownership and input before it writes, so bad input changes nothing. Repositories
are passed in and caught by the neutral classes of ``chalicelib.errors``; the errors raised here
(``AdminError`` and its subclasses, each a neutral class too) carry no HTTP status: the web layer
maps them. Must not import the store (pynamodb) or the web layer.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Callable, Mapping

from chalicelib import errors
from chalicelib.accounts.keys import new_api_key
from chalicelib.accounts.model import Account, PhoneNumber
from chalicelib.flows.errors import FlowValidationError
from chalicelib.flows.languages import is_tts_language, unsupported
from chalicelib.flows.model import Flow, parse_flow
from chalicelib.flows.records import FlowHead, FlowRevision
from chalicelib.flows.timezones import check_zone

ACCOUNT_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"
FLOW_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"
"""The flow model's own pattern for a flow id (``FlowDocument.id``)."""
NUMBER_PATTERN = r"^\+?[1-9][0-9]{6,14}$"
"""A number as callers may write it: E.164 digits (ASCII), country code first, optional '+'."""
MAX_FLOW_DOCUMENT_BYTES = 350_000
"""The largest flow document stored (UTF-8 bytes); the store's item limit is the same."""
_ACCOUNT_ID = re.compile(ACCOUNT_ID_PATTERN)
_FLOW_ID = re.compile(FLOW_ID_PATTERN)
_NUMBER = re.compile(NUMBER_PATTERN)


class AdminError(errors.ValidationError):
    """A request is refused because its input is invalid; ``problems`` lists every reason."""


class AdminNotFoundError(errors.NotFoundError, AdminError):
    """What the request names does not exist, or is not the caller's (never told apart)."""


class NumberNotHeldError(AdminNotFoundError):
    """The account does not hold the number: never provisioned, released, or another's."""


class AdminConflictError(errors.ConflictError, AdminError):
    """The request clashes with what is stored: an id taken, a number held by another account."""


class DocumentTooLargeError(errors.TooLargeError, AdminError):
    """A flow document is larger than ``MAX_FLOW_DOCUMENT_BYTES``."""


def document_size_problem(size: int) -> str | None:
    """Why a flow document of ``size`` bytes is refused, or None if its size is fine."""
    if size > MAX_FLOW_DOCUMENT_BYTES:
        return f"the flow document is {size} bytes; at most {MAX_FLOW_DOCUMENT_BYTES} are stored"
    return None


def check_document_size(size: int) -> None:
    """``DocumentTooLargeError`` if a flow document of ``size`` bytes is too large."""
    problem = document_size_problem(size)
    if problem is not None:
        raise DocumentTooLargeError(problem)


def number_problem(number: str) -> str:
    """What to tell someone whose number is not in international (E.164) form: a national
    number (a leading 0, or 00) is told so, with the form to write instead."""
    digits = number.strip().replace(" ", "")
    if digits.startswith("00") and digits[2:].isdigit():
        return (
            f"{number!r} starts with the international prefix 00: write the number without it, "
            f"country code first ({digits[2:]})"
        )
    if digits.startswith("0") and digits[1:].isdigit():
        return (
            f"{number!r} looks like a national number: write it in international form, country "
            f"code first and without the leading 0 (the UK's 07700900123 is 447700900123)"
        )
    return (
        f"{number!r} is not a phone number in international form: 7 to 15 digits, country code "
        "first, an optional leading '+' (447700900123)"
    )


def normal_number(number: str) -> str:
    """A number as stored (E.164 digits, no '+'), or ``AdminError`` saying how to write it."""
    if not _NUMBER.fullmatch(number):
        raise AdminError(number_problem(number))
    return number.removeprefix("+")


@dataclass(frozen=True)
class LoadedFlow:
    """A flow stored as a new version."""

    flow: Flow
    revision: FlowRevision
    head: FlowHead


@dataclass(frozen=True)
class RolledBack:
    """A flow rolled back: ``loaded`` is its live version now, a copy of ``copied_from``;
    ``changed`` is False when the live version already had that document (nothing stored)."""

    loaded: LoadedFlow
    copied_from: int
    changed: bool


DELETED_REVISION_SECONDS = 2 * 24 * 3600
"""How long a deleted flow's versions stay readable for the calls in progress on them (the
longest a call's state is kept)."""


def _check_zone(zone: str) -> None:
    """``AdminError`` unless ``zone`` is an IANA time zone the zone data knows."""
    try:
        check_zone(zone)
    except ValueError as error:
        raise AdminError(str(error)) from None


class Administration:
    """Operator actions over the repositories."""

    def __init__(
        self,
        accounts: Any,
        numbers: Any,
        flows: Any,
        clock: Callable[[], datetime],
    ) -> None:
        self._accounts = accounts
        self._numbers = numbers
        self._flows = flows
        self._clock = clock

    def create_account(
        self,
        account_id: str,
        name: str,
        language: str = "en-US",
        currency: str = "EUR",
        timezone: str = "UTC",
    ) -> tuple[Account, str]:
        """A new account and its first API key (shown once; only its hash is stored)."""
        if not _ACCOUNT_ID.fullmatch(account_id):
            raise AdminError("an account id is 1-63 lowercase letters, digits or '-'")
        if not is_tts_language(language):
            raise AdminError(unsupported(language))
        _check_zone(timezone)
        key, digest = new_api_key(account_id)
        account = Account(
            account_id,
            name,
            language,
            (digest,),
            currency=currency,
            created_at=self._clock(),
            timezone=timezone,
        )
        try:
            self._accounts.create(account)
        except errors.AlreadyExistsError:
            raise AdminConflictError(f"account {account_id!r} already exists") from None
        return account, key

    def issue_key(self, account_id: str) -> str:
        """Another API key for an existing account."""
        self.account(account_id)
        key, digest = new_api_key(account_id)
        self._accounts.add_api_key_hash(account_id, digest)
        return key

    def account(self, account_id: str) -> Account:
        """An account, or ``AdminNotFoundError``."""
        if not _ACCOUNT_ID.fullmatch(account_id):
            raise AdminNotFoundError(f"no account {account_id!r}")
        try:
            account: Account = self._accounts.get(account_id)
        except errors.NotFoundError:
            raise AdminNotFoundError(f"no account {account_id!r}") from None
        return account

    def set_timezone(self, account_id: str, zone: str) -> Account:
        """Set the IANA time zone that flows loaded from now on without one take."""
        self.account(account_id)
        _check_zone(zone)
        try:
            account: Account = self._accounts.set_timezone(account_id, zone)
            return account
        except errors.NotFoundError:
            raise AdminNotFoundError(f"no account {account_id!r}") from None

    def load_flow(self, account_id: str, document: str | bytes | Mapping[str, Any]) -> LoadedFlow:
        """Validate a flow document and store it as the flow's next version. A document given as
        text is measured before it is parsed; a mapping is stored as compact JSON. A document
        that names no ``timezone`` takes the account's, written into the stored version, so the
        flow knows its zone whatever the account says later."""
        if isinstance(document, bytes):
            check_document_size(len(document))
            try:
                document = document.decode("utf-8")
            except UnicodeDecodeError as error:
                raise AdminError(f"the flow document is not UTF-8 text: {error}") from None
        if isinstance(document, str):
            check_document_size(len(document.encode()))
        account = self.account(account_id)
        try:
            flow = parse_flow(document)
        except FlowValidationError as error:
            raise AdminError("the flow is not valid", problems=error.problems) from None
        text = document if isinstance(document, str) else json.dumps(document)
        raw = json.loads(text)
        if "timezone" not in raw:
            raw["timezone"] = account.timezone
            text = json.dumps(raw, ensure_ascii=False)
            flow = replace(flow, timezone=account.timezone)
        check_document_size(len(text.encode()))
        try:
            head: FlowHead | None = self._flows.get_head(flow.flow_id)
        except errors.NotFoundError:
            head = None
        taken = AdminConflictError(f"flow id {flow.flow_id!r} belongs to another account")
        if head is not None and head.account_id != account_id:
            raise taken
        try:
            revision = self._flows.add_revision(flow.flow_id, account_id, flow.name, text)
        except errors.AlreadyExistsError:
            raise taken from None
        head = self._flows.get_head(flow.flow_id, consistent=True)
        self._numbers.follow_flow(head)  # the numbers serving it answer with the new version
        return LoadedFlow(flow, revision, head)

    def owned_flow(self, account_id: str, flow_id: str) -> FlowHead:
        """A flow of this account, or ``AdminNotFoundError``."""
        if not _FLOW_ID.fullmatch(flow_id):
            raise AdminNotFoundError(f"no flow {flow_id!r}")
        try:
            head: FlowHead = self._flows.get_head(flow_id, consistent=True)
        except errors.NotFoundError:
            raise AdminNotFoundError(f"no flow {flow_id!r}") from None
        if head.account_id != account_id:
            raise AdminNotFoundError(f"no flow {flow_id!r}")
        return head

    def flow_history(
        self, account_id: str, flow_id: str, version: int | None = None
    ) -> tuple[FlowHead, FlowRevision, list[tuple[int, datetime]]]:
        """A flow of this account: its head, one version's document (the latest unless
        ``version``) and every version with when it was loaded, newest first."""
        head = self.owned_flow(account_id, flow_id)
        wanted = head.latest_version if version is None else version
        if not 1 <= wanted <= head.latest_version:
            raise AdminNotFoundError(
                f"flow {flow_id!r} has versions 1 to {head.latest_version}, not {wanted}"
            )
        revision: FlowRevision = self._flows.get_revision(flow_id, wanted)
        if revision.retired or revision.account_id != account_id:  # a deleted flow's
            raise AdminNotFoundError(f"flow {flow_id!r} has no version {wanted}")
        versions: list[tuple[int, datetime]] = self._flows.list_versions(flow_id)
        return head, revision, versions

    def rollback_flow(self, account_id: str, flow_id: str, version: int) -> RolledBack:
        """Make ``version`` of the account's flow live again: its document is stored as the
        next version (history stays append-only; the numbers serving the flow follow it). When
        the live version already has that document, nothing is stored (a retried rollback
        changes nothing). The document is validated again, as a load is."""
        head, revision, _ = self.flow_history(account_id, flow_id, version)
        live = revision
        if version != head.latest_version:
            live = self._flows.get_revision(flow_id, head.latest_version)
        if live.document != revision.document:
            return RolledBack(self.load_flow(account_id, revision.document), version, True)
        try:
            flow = parse_flow(live.document)
        except FlowValidationError as error:
            raise AdminError("the flow is not valid", problems=error.problems) from None
        return RolledBack(LoadedFlow(flow, live, head), version, changed=False)

    def delete_flow(self, account_id: str, flow_id: str) -> FlowHead:
        """Delete the account's flow, every version, so that it no longer lists; refused while
        a number is attached to it (naming them: detach them first). Calls in progress go on
        with the version they started with (kept ``DELETED_REVISION_SECONDS``)."""
        head = self.owned_flow(account_id, flow_id)
        attached = sorted(
            n.number for n in self._numbers.list_by_account(account_id) if n.flow_id == flow_id
        )
        if attached:
            raise AdminConflictError(
                f"flow {flow_id!r} serves number{'s' if len(attached) > 1 else ''} "
                f"{', '.join(attached)}: detach {'them' if len(attached) > 1 else 'it'} first"
            )
        try:
            self._flows.delete(flow_id, account_id, DELETED_REVISION_SECONDS)
        except errors.NotFoundError:
            raise AdminNotFoundError(f"no flow {flow_id!r}") from None
        return head

    def set_listener(self, account_id: str, flow_id: str, enabled: bool) -> FlowHead:
        """Activate (or stop) a flow's listener."""
        self.owned_flow(account_id, flow_id)
        head: FlowHead = self._flows.set_enabled(flow_id, enabled)
        self._numbers.follow_flow(head)
        return head

    def attach_number(
        self,
        account_id: str,
        number: str,
        flow_id: str,
        language: str | None = None,
        enabled: bool = True,
    ) -> PhoneNumber:
        """Bind a number the account holds (provisioned to it) to one of its flows. A number
        never provisioned and one another account holds are refused alike, as not found."""
        number = normal_number(number)
        if language is not None and not is_tts_language(language):
            raise AdminError(unsupported(language))
        self.account(account_id)
        head = self.owned_flow(account_id, flow_id)
        try:
            phone: PhoneNumber = self._numbers.bind(
                number, account_id, flow_id, language, enabled, head
            )
        except errors.NotFoundError:
            raise NumberNotHeldError(f"no number {number} in account {account_id!r}") from None
        latest: FlowHead = self._flows.get_head(flow_id, consistent=True)
        if latest.generation != head.generation:  # changed meanwhile: its followers missed us
            self._numbers.follow_flow(latest, number)
            phone = self._numbers.get(number, consistent=True)
        return phone

    def detach_number(self, account_id: str, number: str) -> PhoneNumber:
        """Unbind a number the account holds from its flow: it stays the account's, and callers
        hear that it is not in service until it is attached again. Idempotent."""
        number = normal_number(number)
        try:
            detached: PhoneNumber = self._numbers.bind(number, account_id, None)
        except errors.NotFoundError:
            raise NumberNotHeldError(f"no number {number} in account {account_id!r}") from None
        return detached

    def provision_number(self, account_id: str, number: str) -> tuple[PhoneNumber, bool]:
        """Operator: give a number to an account (enabled, bound to no flow). Returns the number
        and whether this call gave it; giving it again to its holder changes nothing."""
        number = normal_number(number)
        self.account(account_id)
        try:
            return self._numbers.provision(number, account_id), True
        except errors.AlreadyExistsError:
            pass
        try:
            held: PhoneNumber = self._numbers.get(number, consistent=True)
        except errors.NotFoundError:  # released in between: give it now
            try:
                return self._numbers.provision(number, account_id), True
            except errors.AlreadyExistsError:
                raise AdminConflictError(f"number {number} is being provisioned; retry") from None
        if held.account_id != account_id:
            raise AdminConflictError(
                f"number {number} is held by account {held.account_id!r}; release it first"
            )
        return held, False

    def release_number(self, account_id: str, number: str) -> None:
        """Operator: take a number back from the account that holds it (its calls stop being
        answered by the account's flows)."""
        number = normal_number(number)
        try:
            self._numbers.release(number, account_id)
        except errors.NotFoundError:
            raise NumberNotHeldError(f"no number {number} in account {account_id!r}") from None
