"""The dev phone's routes without sockets (``phone.api.PhoneApi`` over an in-process network):
GIVEN requests as the page's script sends them, THEN the page and its files come with a
Content-Security-Policy without inline script, the JSON routes claim numbers, dial, press and
read the phone's state, and bad requests (a foreign Host or Origin, a body that is not JSON, bad
fields, a number another tab holds) get a clear 4xx, never a crash."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from simkit import APP_BASE, FakeApp, network_for

from chalicelib.simulator.api import ApiRequest, ApiResponse
from chalicelib.simulator.network import Network
from chalicelib.simulator.phone.api import STATIC, PhoneApi
from chalicelib.simulator.phone.desk import PhoneDesk

PORT = 8091
HOST = {"host": f"127.0.0.1:{PORT}"}
TAB = "tab-api-0001"
PHONE = "447700900001"


def api_for(network: Network) -> PhoneApi:
    return PhoneApi(PhoneDesk(network), PORT)


def get(api: PhoneApi, path: str, query: str = "", **headers: str) -> ApiResponse:
    return api.handle(ApiRequest("GET", path, query, {**HOST, **headers}))


def post(api: PhoneApi, path: str, body: Any, **headers: str) -> ApiResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    head = {**HOST, "content-type": "application/json", **headers}
    return api.handle(ApiRequest("POST", path, "", head, raw))


def data(response: ApiResponse) -> Any:
    return json.loads(response.body)


@pytest.fixture
def network() -> Network:
    app = FakeApp(
        {
            "/answer": [
                {"action": "talk", "text": "Welcome."},
                {
                    "action": "input",
                    "type": ["dtmf"],
                    "dtmf": {"maxDigits": 1},
                    "eventUrl": [f"{APP_BASE}/input"],
                },
            ],
            "/input": [{"action": "talk", "text": "Bye."}],
        }
    )
    return network_for(app)


@pytest.mark.parametrize("path", ["/", "/phone.css", "/phone.js"])
def test_the_page_and_its_files_carry_a_policy_without_inline_script(
    network: Network, path: str
) -> None:
    response = get(api_for(network), path)
    assert response.status == 200 and response.body
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_page_has_no_inline_script_or_style() -> None:
    html = (STATIC / "index.html").read_text()
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/phone.js" defer>']
    assert "</script>" in html and '<script src="/phone.js" defer></script>' in html
    assert not re.search(r"\son[a-z]+=", html) and " style=" not in html
    assert "<style" not in html


def test_a_phone_claims_dials_presses_and_reads_its_call(network: Network) -> None:
    api = api_for(network)
    numbers = data(get(api, "/api/numbers"))
    assert numbers == {"account_numbers": ["447700900100"], "suggested": PHONE}
    claimed = post(api, "/api/phones", {"number": "+" + PHONE, "tab": TAB})
    assert claimed.status == 200 and data(claimed) == {"number": PHONE, "call": None, "inbox": []}
    assert post(api, f"/api/phones/{PHONE}/dial", {"tab": TAB, "to": "+447700900100"}).status == 200
    network.run_for(2)
    assert post(api, f"/api/phones/{PHONE}/press", {"tab": TAB, "digits": "3"}).status == 202
    network.run_for(3)
    call = data(get(api, f"/api/phones/{PHONE}", f"tab={TAB}"))["call"]
    said = [e["text"] for e in call["transcript"] if e["kind"] == "say"]
    assert said == ["Welcome.", "Bye."] and call["ended"] and call["status"] == "completed"
    assert [e["text"] for e in call["transcript"] if e["kind"] == "press"] == ["3"]


def test_a_second_tab_is_refused_the_number_and_the_account_s_numbers_are_refused(
    network: Network,
) -> None:
    api = api_for(network)
    assert post(api, "/api/phones", {"number": PHONE, "tab": TAB}).status == 200
    taken = post(api, "/api/phones", {"number": PHONE, "tab": "tab-api-0002"})
    assert taken.status == 409 and "another tab" in data(taken)["error"]
    owned = post(api, "/api/phones", {"number": "447700900100", "tab": "tab-api-0002"})
    assert owned.status == 400 and "account's numbers" in data(owned)["error"]
    assert get(api, f"/api/phones/{PHONE}", "tab=tab-api-0002").status == 409


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"host": "evil.example:8091"}, 421),
        ({"origin": "http://evil.example"}, 403),
        ({"content-type": "text/plain"}, 415),
    ],
)
def test_requests_from_elsewhere_are_refused(
    network: Network, headers: dict[str, str], status: int
) -> None:
    response = post(api_for(network), "/api/phones", {"number": PHONE, "tab": TAB}, **headers)
    assert response.status == status and data(response)["error"]


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1, 2]", b"", b"\xff\xfe", {"number": 12, "tab": TAB}, {"number": PHONE}],
)
def test_bad_bodies_get_a_400_with_the_reason(network: Network, body: Any) -> None:
    response = post(api_for(network), "/api/phones", body)
    assert response.status == 400 and data(response)["error"]


def test_unknown_paths_and_methods(network: Network) -> None:
    api = api_for(network)
    assert get(api, "/etc/passwd").status == 404
    assert get(api, "/../phone.py").status == 404
    assert get(api, f"/api/phones/{PHONE}/dial").status == 405
    assert api.handle(ApiRequest("DELETE", "/api/numbers", "", HOST)).status == 405


def test_acts_on_a_phone_without_a_call_are_conflicts(network: Network) -> None:
    api = api_for(network)
    post(api, "/api/phones", {"number": PHONE, "tab": TAB})
    for what, extra in [
        ("press", {"digits": "1"}),
        ("say", {"text": "hi"}),
        ("hangup", {}),
        ("pick", {"choice": "answer"}),
    ]:
        response = post(api, f"/api/phones/{PHONE}/{what}", {"tab": TAB, **extra})
        assert response.status == 409, what
    assert post(api, f"/api/phones/{PHONE}/press", {"tab": TAB, "digits": "x"}).status == 400
    released = post(api, f"/api/phones/{PHONE}/release", {"tab": TAB})
    assert released.status == 200 and not network.phones.is_phone(PHONE)
