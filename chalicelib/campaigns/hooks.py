"""What another product hears of, and says about, the campaigns: a hook registered for a
campaign id prefix (``register_contact_hook("c2c-", hook)``) is told each time one of those
campaigns' contacts reaches a final status (completed, busy, no answer, failed, declined,
machine, skipped, outside its window, cancelled), and again if the task that concluded it runs
again: a hook must be idempotent, and cheap (it runs inside the campaign's task; queue a task
of the product's own for real work). A dial budget (``register_dial_budget``) says, at each
dispatch, how many of a campaign's contacts may be dialled now (the dialer: as many as its free
agents and pace allow), or None for a campaign it does not pace. Imports the campaign model
only.
"""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.campaigns.model import Campaign, Contact

ContactHook = Callable[[Contact], None]

_hooks: dict[str, ContactHook] = {}


def register_contact_hook(prefix: str, hook: ContactHook) -> None:
    """Tell ``hook`` of the final contacts of every campaign whose id starts with ``prefix``
    (idempotent; a prefix has one hook)."""
    if not prefix:
        raise ValueError("a contact hook needs a campaign id prefix")
    _hooks[prefix] = hook


def contact_concluded(contact: Contact) -> None:
    """Tell the hooks of the contact's campaign that it reached a final status."""
    for prefix, hook in tuple(_hooks.items()):
        if contact.campaign_id.startswith(prefix):
            hook(contact)


InProgress = Callable[[], int]
"""How many of the campaign's flow's calls are in progress now (read only when asked)."""
DialBudget = Callable[[Campaign, InProgress], "int | None"]

_budgets: list[DialBudget] = []


def register_dial_budget(budget: DialBudget) -> None:
    """Have ``budget`` say how many contacts a campaign may dial now (idempotent)."""
    if budget not in _budgets:
        _budgets.append(budget)


def dial_budget(campaign: Campaign, in_progress: InProgress) -> int | None:
    """The first budget a registered hook gives the campaign, or None (no product paces it)."""
    for budget in tuple(_budgets):
        given = budget(campaign, in_progress)
        if given is not None:
            return max(0, given)
    return None
