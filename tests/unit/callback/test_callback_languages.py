"""A callback flow or access number naming a language the callback's catalogue lacks is refused
when it is loaded; one it has loads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chalicelib.callback.access import AccessNumber, InvalidAccessNumberError, TriggerKind
from chalicelib.flows.errors import FlowValidationError
from chalicelib.flows.model import parse_flow
from chalicelib.products import installed

FLOW = Path(__file__).resolve().parents[3] / "flows" / "callback.json"


@pytest.fixture(autouse=True)
def products() -> None:
    for product in installed():
        product.register()


def test_a_callback_flow_in_a_language_the_catalogue_lacks_is_refused() -> None:
    document = json.loads(FLOW.read_text())
    document["language"] = "ja-JP"  # the carrier speaks it; the callback's catalogue does not
    with pytest.raises(FlowValidationError) as refused:
        parse_flow(document)
    assert any("callback speaks no 'ja-JP'" in p for p in refused.value.problems)
    document["language"] = "vi-VN"
    assert parse_flow(document).language == "vi-VN"


def test_a_language_menu_option_the_catalogue_lacks_is_refused() -> None:
    document = json.loads(FLOW.read_text())
    document["nodes"]["language"]["options"]["6"] = "de-DE"
    with pytest.raises(FlowValidationError, match="de-DE"):
        parse_flow(document)


def test_an_access_number_in_a_language_the_catalogue_lacks_is_refused() -> None:
    with pytest.raises(InvalidAccessNumberError) as refused:
        AccessNumber("447700900500", TriggerKind.ANI, tenant="acme", language="it-IT")
    assert "callback speaks no 'it-IT'" in str(refused.value.problems)
    assert AccessNumber("447700900500", TriggerKind.ANI, tenant="acme", language="fr-FR")
