"""What another product hears of the campaigns it enrols contacts in: a hook registered for a
campaign id prefix (``register_contact_hook("c2c-", hook)``) is told each time one of those
campaigns' contacts reaches a final status (completed, busy, no answer, failed, declined,
machine, skipped, outside its window, cancelled), and again if the task that concluded it runs
again: a hook must be idempotent, and cheap (it runs inside the campaign's task; queue a task
of the product's own for real work). Imports the campaign model only.
"""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.campaigns.model import Contact

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
