"""The DTMF listener (``PUT``/``DELETE /v1/calls/{uuid}/input/dtmf``) on the simulator's REST API
over loopback TLS, called as FACTS §5 says the vonage SDK must call it (its http client; the SDK
has no method for it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from simkit import APP_BASE, APP_ID, FakeApp, network_for
from vonage_http_client import Auth, HttpClient, HttpClientOptions
from vonage_http_client.errors import HttpRequestError

from chalicelib.simulator.network import Network
from chalicelib.simulator.server import SimulatorServer
from infra.local.keys import application_key_pair

pytestmark = pytest.mark.http

CALLER = "447700900001"
LVN = "447700900100"
PRIVATE_KEY, PUBLIC_KEY = application_key_pair()
HOLD = {"action": "conversation", "name": "hold"}
ASYNC_INPUT = {
    "action": "input",
    "type": ["dtmf"],
    "mode": "asynchronous",
    "eventUrl": [f"{APP_BASE}/digits"],
}


@pytest.fixture
def app() -> FakeApp:
    return FakeApp({"/digits": None, "/listener": None})


@pytest.fixture
def network(app: FakeApp) -> Network:
    return network_for(app, public_key_pem=PUBLIC_KEY)


@pytest.fixture
def client(network: Network, monkeypatch: pytest.MonkeyPatch) -> Iterator[HttpClient]:
    with SimulatorServer(network, background=False) as running:
        assert running.ca_pem_path is not None
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", running.ca_pem_path)
        yield HttpClient(
            Auth(application_id=APP_ID, private_key=PRIVATE_KEY),
            HttpClientOptions(api_host=running.host_port, rest_host=running.host_port, timeout=5),
        )


def listen(client: HttpClient, uuid: str) -> None:
    client.put(
        client.api_host, f"/v1/calls/{uuid}/input/dtmf", {"event_url": [f"{APP_BASE}/listener"]}
    )


def test_the_listener_is_refused_on_a_call_without_an_asynchronous_input(
    client: HttpClient, network: Network, app: FakeApp
) -> None:
    """The page "Subscribe to real-time DTMF events": "only applicable to Input NCCO events with
    the mode set to asynchronous". Strict reading (not confirmed on a live account): 400."""
    # GIVEN a caller on hold, no asynchronous input
    app.routes["/answer"] = [HOLD]
    call = network.call(CALLER, LVN, [{"wait": 8}, {"press": "1"}, {"hangup": True}], run=False)
    network.run_for(5)
    # WHEN the app registers a listener THEN it is refused and the key reaches nobody
    with pytest.raises(HttpRequestError) as refused:
        listen(client, call.uuid)
    assert refused.value.response.status_code == 400
    network.run_until_idle()
    assert app.at("/listener") == []


def test_the_listener_gets_each_key_of_an_asynchronous_input_until_deleted(
    client: HttpClient, network: Network, app: FakeApp
) -> None:
    """SPEC-NEW ``/{uuid}/input/dtmf``: PUT and DELETE answer 200; the listener receives an input
    event with a single digit for each key."""
    app.routes["/answer"] = [ASYNC_INPUT, HOLD]
    script = [{"wait": 8}, {"press": "12"}, {"wait": 5}, {"press": "3"}, {"hangup": True}]
    call = network.call(CALLER, LVN, script, run=False)
    network.run_for(5)
    listen(client, call.uuid)
    assert client.last_response is not None and client.last_response.status_code == 200
    network.run_for(5)
    client.delete(client.api_host, f"/v1/calls/{call.uuid}/input/dtmf")
    assert client.last_response is not None and client.last_response.status_code == 200
    network.run_until_idle()
    assert [r.json["dtmf"]["digits"] for r in app.at("/listener")] == ["1", "2"]
    assert [r.json["dtmf"]["digits"] for r in app.at("/digits")] == ["3"]
