"""The rules of a named conversation (the ``conversation`` NCCO action, FACTS §2.6; DOCS-2021
NCCO reference): at most 50 participants; it starts when a participant with ``startOnEnter``
(the default) is in, and until then the others hear ``musicOnHoldUrl``; ``record`` records the
whole conversation from its start until its last participant leaves, and the recording webhook
goes to the action's ``eventUrl``; ``canSpeak``/``canHear`` name the legs a participant is heard
by and hears. The ``transfer`` action moves every leg of the current conversation (FACTS §2.9).

Pure decisions over the room's state; imports the standard library and ``model``; must not
import the network, the leg runtime or the app.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from chalicelib.simulator.model import Leg, Recording, Room

MAX_PARTICIPANTS = 50


def is_full(room: Room, leg: Leg) -> bool:
    """Whether ``leg`` cannot join: the conversation already has 50 participants."""
    return leg not in room.members and len(room.members) >= MAX_PARTICIPANTS


def starts_it(action: Mapping[str, Any]) -> bool:
    """Whether this participant starts the conversation (``startOnEnter``, default true)."""
    return action.get("startOnEnter", True) is not False


def hold_music(action: Mapping[str, Any]) -> str | None:
    """What a participant waiting for the moderator hears (None: silence)."""
    urls = action.get("musicOnHoldUrl")
    return str(urls[0]) if isinstance(urls, list) and urls else None


def new_recording(action: Mapping[str, Any], now: float) -> Recording:
    """The conversation's recording, started by a participant with ``record: true``."""
    urls = action.get("eventUrl")
    return Recording(
        file_id=str(uuid.uuid4()),
        recording_uuid=str(uuid.uuid4()),
        started_at=now,
        audio_format="mp3",
        event_url=str(urls[0]) if isinstance(urls, list) and urls else None,
        event_method=str(action.get("eventMethod", "POST")),
    )


def audience(action: Mapping[str, Any], name: str) -> list[str] | None:
    """``canSpeak``/``canHear``: the leg uuids listed (``[]`` is nobody), None for everyone."""
    value = action.get(name)
    return [str(item) for item in value] if isinstance(value, list) else None


def others_to_move(leg: Leg, legs: list[Leg]) -> list[Leg]:
    """The other live, answered legs in ``leg``'s conversation, which a ``transfer`` moves too."""
    return [
        other
        for other in legs
        if other is not leg
        and other.conversation_uuid == leg.conversation_uuid
        and not other.is_over
        and other.answered_at is not None
    ]
