"""Lots of prepaid callback accounts: the rules of a lot (its id, size, account ids and
passwords) and the ``AccountLots`` service, which starts a lot, makes its accounts in queued
chunks, lists lots, exports a lot's ids and passwords once, and disables every account of a lot.

An account id is its PIN: ``id_length`` digits (6 to 16), an optional fixed prefix and at least
``MIN_RANDOM_DIGITS`` random ones (``secrets``). A password is ``PASSWORD_DIGITS`` digits, so it
can be keyed on any phone keypad and sent in an SMS command; it is never stored: it is derived,
when the account is made and again at the export, as an HMAC of the account id under the
platform's key and the lot's random secret, and the account keeps only its slow hash. The
export takes the lot's secret away in the same conditional write that lets it run, so the
passwords can be shown once and never again (docs/decisions/0024). Making 1000 accounts costs
1000 scrypt hashes, far beyond a REST deadline: ``start`` only writes the lot and queues one
task per chunk of ``CHUNK`` accounts (``MakeLotAccounts``); each chunk is one transaction,
idempotent per chunk. ``disable`` marks the lot (no chunk makes accounts after it) and queues
the disabling of its accounts in chunks (``DisableLotAccounts``), idempotent too.

Owns the lot rules, the two kinds of effect and the service. Imports ``secrets``, ``hmac``, the
platform's errors, the task messages of ``calls.tasks``, the account rules of ``billing.accounts``
and ``billing.wallet`` and the store's lot and wallet records; must not import web, wiring or
pynamodb.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from chalicelib import errors
from chalicelib.billing.accounts import amount, currency_code, tts_language
from chalicelib.billing.tariffs import TARIFF_ID, TariffNotFoundError
from chalicelib.billing.wallet import hash_password
from chalicelib.calls.tasks import encode_task
from chalicelib.store import account_lots as store
from chalicelib.store.wallets import StoredCallbackAccount

CHUNK = 40
"""Accounts one queued task makes (40 scrypt hashes: a few seconds of a task's time)."""
MAX_LOT = 1000
MIN_ID_LENGTH, MAX_ID_LENGTH = 6, 16
MIN_RANDOM_DIGITS = 6
"""Digits of an account id drawn at random: the PIN alone authenticates a PIN callback, so a
prefix may not leave it guessable."""
PASSWORD_DIGITS = 12
LOT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
PREFIX_PATTERN = r"^[0-9]{0,10}$"
TASK_ACCOUNT = "billing"
"""The platform account named in the lot tasks' messages (they belong to no tenant)."""
CSV_COLUMNS = ("account_id", "password", "tariff", "currency", "balance", "language")
_LOT_ID = re.compile(LOT_ID_PATTERN)
_PREFIX = re.compile(PREFIX_PATTERN)


class LotNotFoundError(errors.NotFoundError):
    """No account lot has this id."""

    def __init__(self, lot_id: str) -> None:
        super().__init__(f"no account lot {lot_id}")


class LotExistsError(errors.ConflictError):
    """An account lot with this id exists: nothing changed."""

    def __init__(self, lot_id: str) -> None:
        super().__init__(f"account lot {lot_id} already exists")


class ExportRefusedError(errors.ConflictError):
    """The lot cannot be exported (``reason``: ``exported``, ``creating`` or ``disabled``)."""

    def __init__(self, lot_id: str, reason: str, detail: str) -> None:
        super().__init__(f"account lot {lot_id}: {detail}")
        self.reason = reason


@dataclass(frozen=True)
class MakeLotAccounts:
    """Make chunk ``chunk`` of the lot's accounts (a queued task, once per ``key``)."""

    key: str
    lot_id: str
    chunk: int


@dataclass(frozen=True)
class DisableLotAccounts:
    """Disable these accounts of the lot (a queued task, once per ``key``)."""

    key: str
    lot_id: str
    chunk: int
    account_ids: list[str]


@dataclass(frozen=True)
class LotAccount:
    """One account of an export: its id and (this once) its password."""

    account_id: str
    password: str


def lot_id(text: str) -> str:
    """A lot id: 1 to 64 letters, digits and ``_.-``, a letter or digit first."""
    if not isinstance(text, str) or not _LOT_ID.fullmatch(text):
        raise errors.ValidationError("a lot id is 1 to 64 letters, digits and _.- (letter first)")
    return text


def lot_size(count: int) -> int:
    """How many accounts a lot makes: 1 to ``MAX_LOT``."""
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_LOT:
        raise errors.ValidationError(f"a lot has 1 to {MAX_LOT} accounts")
    return count


def id_shape(id_length: int, prefix: str) -> tuple[int, str]:
    """An account id's length (6 to 16) and prefix (digits), leaving ``MIN_RANDOM_DIGITS``
    random digits."""
    if isinstance(id_length, bool) or not isinstance(id_length, int):
        raise errors.ValidationError("id_length must be a whole number")
    if not MIN_ID_LENGTH <= id_length <= MAX_ID_LENGTH:
        raise errors.ValidationError(f"id_length must be {MIN_ID_LENGTH} to {MAX_ID_LENGTH}")
    if not isinstance(prefix, str) or not _PREFIX.fullmatch(prefix):
        raise errors.ValidationError("a prefix is up to 10 digits")
    if id_length - len(prefix) < MIN_RANDOM_DIGITS:
        raise errors.ValidationError(
            f"an account id keeps at least {MIN_RANDOM_DIGITS} random digits after its prefix"
        )
    return id_length, prefix


def new_account_id(id_length: int, prefix: str) -> str:
    """A random account id of ``id_length`` digits starting with ``prefix``."""
    return prefix + "".join(secrets.choice("0123456789") for _ in range(id_length - len(prefix)))


MIN_KEY_BYTES = 16
"""The shortest platform key passwords are derived under."""


def derived_password(key: bytes, secret: bytes, subject: str) -> str:
    """The ``PASSWORD_DIGITS``-digit password of ``subject`` (an account id) under the
    platform's ``key`` and a lot's (or a purchase's) ``secret``: an HMAC-SHA256, reduced to
    digits (the bias of the reduction is below 2**-200). ``UnavailableError`` when the stage has
    no key (``RINGFLOW_ACCOUNT_PASSWORD_KEY``)."""
    if len(key) < MIN_KEY_BYTES:
        raise errors.UnavailableError("the stage has no account password key set")
    digest = hmac.new(key, secret + b"\x00" + subject.encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(digest, 'big') % 10**PASSWORD_DIGITS:0{PASSWORD_DIGITS}d}"


def chunks(count: int, size: int = CHUNK) -> list[int]:
    """How many accounts each chunk of a lot of ``count`` makes."""
    return [min(size, count - start) for start in range(0, count, size)]


def lot_summary(lot: store.StoredAccountLot) -> dict[str, object]:
    """What an operator is shown of a lot (REST and CLI): never its secret."""
    return {
        "lot_id": lot.lot_id,
        "state": lot.state,
        "count": lot.count,
        "created": lot.created,
        "disabled": lot.disabled,
        "tariff": lot.tariff,
        "currency": lot.currency,
        "language": lot.language,
        "balance": format(lot.balance, "f"),
        "id_length": lot.id_length,
        "prefix": lot.prefix,
        "exported": lot.secret is None,
        "created_at": lot.created_at.isoformat(),
        "exported_at": None if lot.exported_at is None else lot.exported_at.isoformat(),
        "disabled_at": None if lot.disabled_at is None else lot.disabled_at.isoformat(),
    }


def csv_rows(lot: store.StoredAccountLot, accounts: list[LotAccount]) -> list[list[str]]:
    """An export's rows under ``CSV_COLUMNS`` (ids and passwords are digits: no formula)."""
    balance = format(lot.balance, "f")
    return [
        [a.account_id, a.password, lot.tariff, lot.currency, balance, lot.language]
        for a in accounts
    ]


class AccountLots:
    """Lots of callback accounts for operators (REST and CLI) and their queued chunks."""

    def __init__(
        self,
        repository: store.AccountLotRepository,
        tariff_exists: Callable[[str], bool],
        enqueue: Callable[[str, int], None],
        clock: Callable[[], datetime],
        key: bytes,
        chunk: int = CHUNK,
        ids: Callable[[int, str], str] = new_account_id,
    ) -> None:
        if not 0 < chunk <= store.MAX_CHUNK:
            raise ValueError(f"a chunk makes 1 to {store.MAX_CHUNK} accounts")
        self.repository = repository
        self.tariff_exists = tariff_exists
        self.enqueue = enqueue
        self.clock = clock
        self.key = key
        self.chunk = chunk
        self.ids = ids

    def start(
        self,
        lot: str,
        count: int,
        *,
        tariff: str,
        currency: str,
        language: str,
        balance: Decimal = Decimal(0),
        id_length: int = 10,
        prefix: str = "",
        queue: bool = True,
    ) -> store.StoredAccountLot:
        """Write a new lot (``creating``) after checking every rule, and queue its chunks
        (``queue``; else the caller runs ``make`` for each chunk itself, as the CLI does). The
        same start again while the lot is being made queues its chunks again (a retry after a
        failed queue); ``LotExistsError`` if the id is another lot's or the lot is made,
        ``TariffNotFoundError`` for an unknown tariff. 1 PutItem (+1 GetItem for a retry) and
        1 SendMessage per chunk."""
        lot_id(lot)
        lot_size(count)
        currency_code(currency)
        tts_language(language)
        opening = amount(balance, "balance")
        id_shape(id_length, prefix)
        if not isinstance(tariff, str) or not TARIFF_ID.fullmatch(tariff):
            raise errors.ValidationError(f"{str(tariff)[:70]!r} is not a tariff id")
        if not self.tariff_exists(tariff):
            raise TariffNotFoundError(tariff)
        record = store.StoredAccountLot(
            lot_id=lot,
            count=count,
            tariff=tariff,
            currency=currency,
            language=language,
            balance=opening,
            id_length=id_length,
            prefix=prefix,
            created_at=self.clock(),
            secret=secrets.token_hex(32),
        )
        try:
            self.repository.create(record)
        except errors.AlreadyExistsError:
            record = self._retried(record)
        if queue:
            for index in range(len(chunks(count, self.chunk))):
                task = MakeLotAccounts(f"account-lot:{lot}:make:{index}", lot, index)
                self.enqueue(encode_task(task, TASK_ACCOUNT), 0)
        return record

    def _retried(self, asked: store.StoredAccountLot) -> store.StoredAccountLot:
        """The stored lot, if ``asked`` repeats it and it is still being made (a retried start
        queues its chunks again; chunks made already make nothing); else
        ``LotExistsError``."""
        stored = self.get(asked.lot_id)
        same = (
            stored.count,
            stored.tariff,
            stored.currency,
            stored.language,
            stored.balance,
            stored.id_length,
            stored.prefix,
        ) == (
            asked.count,
            asked.tariff,
            asked.currency,
            asked.language,
            asked.balance,
            asked.id_length,
            asked.prefix,
        )
        if not same or stored.state != store.CREATING:
            raise LotExistsError(asked.lot_id)
        return stored

    def chunk_count(self, lot: str) -> int:
        """How many chunks the lot's accounts are made in."""
        return len(chunks(self.get(lot).count, self.chunk))

    def make(self, lot: str, chunk: int) -> int:
        """Make chunk ``chunk`` of the lot's accounts (the ``MakeLotAccounts`` runner): how
        many accounts this call made (0 if the chunk was made before, or the lot was disabled
        or exported first). 1 GetItem and 1 TransactWriteItems (+1 per id collision)."""
        stored = self.get(lot)
        sizes = chunks(stored.count, self.chunk)
        if not 0 <= chunk < len(sizes) or stored.state != store.CREATING or stored.secret is None:
            return 0
        secret = bytes.fromhex(stored.secret)

        def account() -> StoredCallbackAccount:
            account_id = self.ids(stored.id_length, stored.prefix)
            password = derived_password(self.key, secret, account_id)
            return StoredCallbackAccount(
                account_id=account_id,
                password_hash=hash_password(password).encoded(),
                currency=stored.currency,
                language=stored.language,
                tariff=stored.tariff,
                balance=stored.balance,
            )

        made = self.repository.create_chunk(
            lot, chunk, [account() for _ in range(sizes[chunk])], account
        )
        return 0 if made is None else len(made)

    def get(self, lot: str) -> store.StoredAccountLot:
        """The lot as stored now (1 consistent GetItem)."""
        lot_id(lot)
        try:
            return self.repository.get(lot)
        except errors.NotFoundError:
            raise LotNotFoundError(lot) from None

    def all(self) -> list[store.StoredAccountLot]:
        """Every lot, by id."""
        return self.repository.all()

    def export(self, lot: str) -> tuple[store.StoredAccountLot, list[LotAccount]]:
        """The lot's account ids and passwords, once: the lot's secret is taken away by the
        same conditional write that lets this export run, so a second (or concurrent) export
        is refused ``exported``. Refused ``creating`` before every account is made and
        ``disabled`` for a disabled lot. 1 GetItem, 1 UpdateItem, 1 Query per page."""
        stored = self.get(lot)
        if stored.secret is None:
            raise ExportRefusedError(lot, "exported", "its passwords were exported already")
        if stored.state == store.DISABLED:
            raise ExportRefusedError(lot, "disabled", "it is disabled")
        if stored.state != store.READY:
            raise ExportRefusedError(
                lot, "creating", f"{stored.created} of {stored.count} accounts made so far"
            )
        members = self.repository.members(lot)  # read before the secret goes
        if not self.repository.take_secret(lot, stored.secret, self.clock()):
            raise ExportRefusedError(lot, "exported", "its passwords were exported already")
        secret = bytes.fromhex(stored.secret)
        accounts = [
            LotAccount(account_id, derived_password(self.key, secret, account_id))
            for account_id in members
        ]
        return self.get(lot), accounts

    def disable(self, lot: str, *, queue: bool = True) -> store.StoredAccountLot:
        """Disable the lot and queue the disabling of every account it made, in chunks
        (idempotent: a second call queues the same tasks, which run once; without ``queue``
        they run here, as the CLI does). No chunk makes accounts once the lot is disabled.
        1 UpdateItem, 1 Query per page, 1 SendMessage per chunk, 1 GetItem."""
        lot_id(lot)
        try:
            self.repository.mark_disabled(lot, self.clock())
        except errors.NotFoundError:
            raise LotNotFoundError(lot) from None
        members = self.repository.members(lot)
        for index, start in enumerate(range(0, len(members), self.chunk)):
            part = members[start : start + self.chunk]
            if queue:
                key = f"account-lot:{lot}:disable:{index}"
                self.enqueue(
                    encode_task(DisableLotAccounts(key, lot, index, part), TASK_ACCOUNT), 0
                )
            else:
                self.disable_chunk(lot, index, part)
        return self.get(lot)

    def disable_chunk(self, lot: str, chunk: int, account_ids: list[str]) -> int:
        """Disable these accounts of the lot (the ``DisableLotAccounts`` runner): how many
        were counted as disabled now."""
        return self.repository.disable_accounts(lot, chunk, list(account_ids))

    def run_make(self, effect: MakeLotAccounts, account_id: str) -> Mapping[str, Any]:
        """The runner of ``MakeLotAccounts`` tasks."""
        return {
            "lot": effect.lot_id,
            "chunk": effect.chunk,
            "made": self.make(effect.lot_id, effect.chunk),
        }

    def run_disable(self, effect: DisableLotAccounts, account_id: str) -> Mapping[str, Any]:
        """The runner of ``DisableLotAccounts`` tasks."""
        counted = self.disable_chunk(effect.lot_id, effect.chunk, effect.account_ids)
        return {"lot": effect.lot_id, "chunk": effect.chunk, "disabled": counted}
