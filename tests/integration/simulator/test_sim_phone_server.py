"""The dev phone's listener over real loopback HTTP, on a network paced at real time on lanes
(as ``make run`` serves it): GIVEN a phone claimed through the JSON routes, WHEN it dials, hears
the welcome and presses a key as a person would, THEN the leg's input wakes for the key and the
call goes on to its goodbye; the page is served with its policy; a non-loopback host is
refused."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from simkit import APP_BASE, FakeApp, network_for

from chalicelib.simulator.network import Network
from chalicelib.simulator.phone.server import PhoneServer

pytestmark = pytest.mark.http
TAB = "tab-http-0001"
PHONE = "447700900001"


@pytest.fixture
def served() -> Iterator[tuple[PhoneServer, FakeApp, Network]]:
    app = FakeApp(
        {
            "/answer": [
                {"action": "talk", "text": "Hi."},
                {
                    "action": "input",
                    "type": ["dtmf"],
                    "dtmf": {"maxDigits": 1, "timeOut": 10},
                    "eventUrl": [f"{APP_BASE}/input"],
                },
            ],
            "/input": [{"action": "talk", "text": "Bye."}],
        }
    )
    network = network_for(app)
    lanes = network.run_concurrently(2, speed=1.0)
    server = PhoneServer(network).start()
    try:
        yield server, app, network
    finally:
        server.stop()
        lanes.stop()


def _until(predicate: Any, seconds: float = 15.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("the phone's state never got there")


def test_a_key_pressed_over_http_wakes_the_input_in_real_time(
    served: tuple[PhoneServer, FakeApp, Network],
) -> None:
    server, app, _ = served
    url = server.url.rstrip("/")
    claimed = requests.post(f"{url}/api/phones", json={"number": PHONE, "tab": TAB}, timeout=5)
    assert claimed.status_code == 200, claimed.text
    dialled = requests.post(
        f"{url}/api/phones/{PHONE}/dial", json={"tab": TAB, "to": "447700900100"}, timeout=5
    )
    assert dialled.status_code == 200, dialled.text

    def state() -> dict[str, Any]:
        answer = requests.get(f"{url}/api/phones/{PHONE}", params={"tab": TAB}, timeout=5)
        return dict(answer.json()["call"] or {})

    def kinds(kind: str) -> list[str]:
        return [e["text"] for e in state().get("transcript", []) if e["kind"] == kind]

    _until(lambda: "waits for dtmf" in kinds("input-request"))
    pressed = requests.post(
        f"{url}/api/phones/{PHONE}/press", json={"tab": TAB, "digits": "7"}, timeout=5
    )
    assert pressed.status_code == 202, pressed.text
    _until(lambda: "Bye." in kinds("say"))
    assert [r.json["dtmf"]["digits"] for r in app.at("/input")] == ["7"]
    assert _until(lambda: state()["ended"])


def test_the_page_is_served_with_its_policy(served: tuple[PhoneServer, FakeApp, Network]) -> None:
    server, _, _ = served
    page = requests.get(server.url, timeout=5)
    assert page.status_code == 200 and "Ringflow dev phone" in page.text
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    bad = requests.post(
        f"{server.url}api/phones", data="{", timeout=5, headers={"Content-Type": "application/json"}
    )
    assert bad.status_code == 400


def test_the_dev_phone_listens_on_loopback_only() -> None:
    with pytest.raises(ValueError, match="loopback"):
        PhoneServer(network_for(FakeApp()), host="0.0.0.0")
