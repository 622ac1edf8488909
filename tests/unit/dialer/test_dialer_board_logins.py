"""Who may open the supervisors' live board: GIVEN accounts with API keys (an in-memory stand-in
for the accounts' store), THEN a key opens only the enabled account it was issued for, a garbage
key or an unknown account opens nothing, and an id no account can have is refused before any
key is checked."""

from __future__ import annotations

import pytest

from chalicelib.accounts.keys import new_api_key
from chalicelib.accounts.model import Account
from chalicelib.dialer.board.pages import key_opens, login_id
from chalicelib.errors import NotFoundError, ValidationError


class Accounts:
    """Accounts by id (``NotFoundError`` for another), counting reads."""

    def __init__(self, *accounts: Account) -> None:
        self.accounts = {a.account_id: a for a in accounts}
        self.reads = 0

    def get(self, account_id: str, consistent: bool = False) -> Account:
        self.reads += 1
        try:
            return self.accounts[account_id]
        except KeyError:
            raise NotFoundError(account_id) from None


def test_a_key_opens_only_its_own_enabled_account() -> None:
    acme_key, acme_hash = new_api_key("acme")
    other_key, other_hash = new_api_key("other")
    accounts = Accounts(
        Account("acme", "Acme", api_key_hashes=(acme_hash,)),
        Account("other", "Other", api_key_hashes=(other_hash,), enabled=False),
    )
    assert key_opens(accounts, "acme", acme_key)
    assert not key_opens(accounts, "acme", other_key)
    assert not key_opens(accounts, "other", other_key)  # disabled
    assert not key_opens(accounts, "acme", acme_key[:-2] + "zz")
    assert not key_opens(accounts, "nobody", new_api_key("nobody")[0])
    # a key that is no key, or names another account, costs no read
    before = accounts.reads
    assert not key_opens(accounts, "acme", "password")
    assert not key_opens(accounts, "acme", other_key)
    assert accounts.reads == before


@pytest.mark.parametrize("typed", ["", "ACME", "acme!", "-acme", "a" * 64])
def test_an_id_no_account_can_have_is_refused(typed: str) -> None:
    with pytest.raises(ValidationError):
        login_id(typed)


def test_an_account_id_is_taken_as_typed() -> None:
    assert login_id("acme-2") == "acme-2"
