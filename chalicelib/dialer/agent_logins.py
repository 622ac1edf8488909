"""The dialer agents' passwords and who may log in to the agent's page: a password set for an
agent of the account (``set_password``: hashed with the platform's scrypt hash,
``billing.wallet.hash_password``, the one the click-to-call company's pages use), checked
(``authenticate``: an unknown or deleted agent, one without a password and one made again
under the id of a deleted one cost the same scrypt work as a wrong password and fail alike),
and forgotten when the agent is deleted (``forget``). A login names the account and the agent
in one text, ``<account>/<agent>`` (``login_name``, ``login_parts``): the lockout of
``web.logins`` counts failures per agent of an account.

The stores are behind ``PasswordStore`` and ``AgentReader``; the clock is a parameter. Imports
the billing's password hash, the dialer's rules and model, the store's record of a password
(``store.dialer_logins.AgentLogin``, a frozen dataclass) and the platform's errors; must not
import pynamodb, the store's repositories or the web layer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib.billing.wallet import PasswordHash, decoy_hash, hash_password
from chalicelib.dialer import agent_rules as rules
from chalicelib.dialer.model import ID_PATTERN, Agent
from chalicelib.errors import NotFoundError, ValidationError
from chalicelib.store.dialer_logins import AgentLogin

ACCOUNT_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
"""An account id as typed at the login (never one holding ``/``)."""
_AGENT = re.compile(ID_PATTERN)


def login_name(account_id: str, agent_id: str) -> str:
    """The one text a login (and its session) names an agent of an account by."""
    return f"{account_id}/{agent_id}"


def login_parts(name: str) -> tuple[str, str]:
    """(account id, agent id) of a login's name; ``ValidationError`` for a text no agent of
    an account can be named by."""
    account_id, slash, agent_id = name.partition("/")
    if not slash or not ACCOUNT_PATTERN.fullmatch(account_id) or not _AGENT.fullmatch(agent_id):
        raise ValidationError("not an account id and an agent id")
    return account_id, agent_id


class PasswordStore(Protocol):
    """Where agents' passwords are kept (``store.dialer_logins``)."""

    def put(self, login: AgentLogin) -> AgentLogin: ...

    def get(self, account_id: str, agent_id: str) -> AgentLogin | None: ...

    def delete(self, account_id: str, agent_id: str) -> None: ...


class AgentReader(Protocol):
    """The agents, as the service reads them (``dialer.agents.Agents``)."""

    def agent(self, account_id: str, agent_id: str) -> Agent: ...


@dataclass
class AgentLogins:
    """Agents' passwords and their check (see the module)."""

    passwords: PasswordStore
    agents: AgentReader
    clock: Callable[[], datetime]

    def set_password(self, account_id: str, agent_id: str, password: str) -> Agent:
        """Set (or replace) the password of an agent of the account (``NotFoundError`` for
        one it has not, ``ValidationError`` for a password of the wrong length). The agent."""
        text = rules.password(password)
        agent = self.agents.agent(account_id, agent_id)
        hashed = hash_password(text, longest=rules.PASSWORD_LENGTH[1]).encoded()
        login = AgentLogin(account_id, agent.agent_id, hashed, self.clock(), agent.created_at)
        self.passwords.put(login)
        return agent

    def has_password(self, account_id: str, agent_id: str) -> bool:
        """Whether the agent has a password set."""
        return self.passwords.get(account_id, agent_id) is not None

    def authenticate(self, name: str, password: str) -> bool:
        """Whether ``password`` opens the agent ``name`` (``<account>/<agent>``) names: an
        agent that exists, with a password set for it (not for an agent deleted before it).
        1 GetItem (the password) + 1 GetItem (the agent), one scrypt hash."""
        try:
            account_id, agent_id = login_parts(name)
        except ValidationError:
            return False
        login = self.passwords.get(account_id, agent_id)
        hashed = PasswordHash.parse(login.password_hash) if login else decoy_hash()
        longest = rules.PASSWORD_LENGTH[1]
        matches = hashed.verify(password, longest) if isinstance(password, str) else False
        if login is None or not matches:
            return False
        try:
            agent = self.agents.agent(account_id, agent_id)
        except NotFoundError:
            return False
        return agent.created_at == login.agent_created_at

    def forget(self, agent: Agent) -> None:
        """The agent was deleted: its password goes with it."""
        self.passwords.delete(agent.account_id, agent.agent_id)
