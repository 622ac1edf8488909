"""Checking NCCO against the vonage-voice SDK's models: shared by the renderer's unit tests and
the simulated calls, which check every NCCO the app really answered."""

from __future__ import annotations

import copy
from typing import Any

from vonage_voice.models import ncco as sdk

SDK_MODELS: dict[str, type[Any]] = {
    "talk": sdk.Talk,
    "stream": sdk.Stream,
    "input": sdk.Input,
    "connect": sdk.Connect,
    "conversation": sdk.Conversation,
    "record": sdk.Record,
    "notify": sdk.Notify,
    "wait": sdk.Wait,
}


def sdk_round_trip(action: dict[str, Any]) -> None:
    """Assert the SDK's model accepts ``action`` and knows every key of it."""
    expected = copy.deepcopy(action)
    data = copy.deepcopy(action)
    if isinstance(data.get("ringbackTone"), str):
        # Vonage documents a string; the SDK types it as a list (FACTS §2.4): wrap a copy.
        data["ringbackTone"] = [data["ringbackTone"]]
        expected["ringbackTone"] = [expected["ringbackTone"]]
    if action["action"] == "input" and data.get("mode") == "asynchronous":
        # the SDK's Input has no ``mode`` (FACTS §6): check the rest, and that it is DTMF only
        assert data["type"] == ["dtmf"] and "dtmf" not in data and "speech" not in data
        del data["mode"], expected["mode"]
    if "from" in data:  # the SDK validates by field name and serialises ``from_`` as ``from``
        data["from_"] = data.pop("from")
    model = SDK_MODELS[action["action"]].model_validate(data)
    dumped = model.model_dump(mode="json", by_alias=True, exclude_unset=True)
    assert dumped == expected
