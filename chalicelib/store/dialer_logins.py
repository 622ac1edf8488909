"""The dialer agents' passwords in DynamoDB: the ``dialer_agent_logins`` table, one item per
agent that has a password (key: account id, agent id), holding the password's scrypt hash (the
text ``billing.wallet.PasswordHash.encoded`` writes), when it was set, and the creation time of
the agent it was set for, so that a password never opens another agent made later under the
same id. With ``AgentLoginRepository``.

Kept apart from ``store.dialer_agents`` on purpose: the agent's item is written whole by every
change of its state (the dialer's claim among them), so a hash kept on it would ride in every
such write and in every ``Agent`` the service and views pass around, and a password's change
would take a version of the agent's. Items and pynamodb exceptions never leave this module;
each method's docstring gives its DynamoDB requests. Imports pynamodb, the store's base helpers
and the standard library; must not import a product package. Part of ``store``, the only
package that may import pynamodb.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import DoesNotExist

from chalicelib.store.attributes import UtcDateTimeAttribute
from chalicelib.store.base import translated
from chalicelib.store.binding import bound_settings
from chalicelib.store.registry import StoreItem


@dataclass(frozen=True)
class AgentLogin:
    """An agent's password as kept: its hash, when it was set, and the creation time of the
    agent it opens (None for an agent made before creation times were kept)."""

    account_id: str
    agent_id: str
    password_hash: str
    set_at: datetime
    agent_created_at: datetime | None = None


class AgentLoginItem(StoreItem):
    """One agent's password (``dialer_agent_logins``)."""

    LOGICAL_NAME: ClassVar[str] = "dialer_agent_logins"

    class Meta:
        table_name = "dialer_agent_logins"

    account_id = UnicodeAttribute(hash_key=True)
    agent_id = UnicodeAttribute(range_key=True)
    password_hash = UnicodeAttribute()
    set_at = UtcDateTimeAttribute()
    agent_created_at = UtcDateTimeAttribute(null=True)


class AgentLoginRepository:
    """Agents' passwords: set (the last write wins), read, forgotten."""

    def __init__(self) -> None:
        bound_settings()

    @translated
    def put(self, login: AgentLogin) -> AgentLogin:
        """Keep an agent's password hash (replacing the one it had). 1 PutItem."""
        AgentLoginItem(
            login.account_id,
            login.agent_id,
            password_hash=login.password_hash,
            set_at=login.set_at,
            agent_created_at=login.agent_created_at,
        ).save()
        return login

    @translated
    def get(self, account_id: str, agent_id: str) -> AgentLogin | None:
        """The agent's password, or None when it has none. 1 consistent GetItem."""
        try:
            item = AgentLoginItem.get(account_id, agent_id, consistent_read=True)
        except DoesNotExist:
            return None
        return AgentLogin(
            account_id=item.account_id,
            agent_id=item.agent_id,
            password_hash=item.password_hash,
            set_at=item.set_at,
            agent_created_at=item.agent_created_at,
        )

    @translated
    def delete(self, account_id: str, agent_id: str) -> None:
        """Forget the agent's password (none: nothing happens). 1 DeleteItem."""
        AgentLoginItem(account_id, agent_id).delete()
