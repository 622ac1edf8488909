"""The Vonage client without a network: its configuration from settings, the recording hosts
it accepts, and that importing it loads no SDK (the client against a fake Vonage over TLS is
tested in tests/integration/vonage/test_client.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from chalicelib.settings import Settings
from chalicelib.telephony.vonage.client import VonageConfig


def test_config_from_settings() -> None:
    settings = Settings(
        vonage_private_key="-----BEGIN PRIVATE KEY-----\n...",
        vonage_ca_bundle="/tmp/ca.pem",
        public_base_url="https://ringflow.example.com/api",
    )
    config = VonageConfig.from_settings(settings)
    assert config.api_host == "api.nexmo.com" and config.rest_host == "rest.nexmo.com"
    assert config.timeout == 5.0 and config.ca_bundle == "/tmp/ca.pem"
    assert config.base_url == "https://ringflow.example.com/api"


def test_download_recording_accepts_vonage_hosts() -> None:
    from chalicelib.telephony.vonage.client import _check_recording_url

    for url in (
        "https://api.nexmo.com/v1/files/x",
        "https://api-us.nexmo.com/v1/files/x",
        "https://api-eu-3.vonage.com:443/v1/files/x",
        "https://API.NEXMO.COM/v1/files/x",
    ):
        _check_recording_url(url, "api.nexmo.com")


def test_importing_the_client_loads_no_sdk() -> None:
    # GIVEN a fresh interpreter
    # WHEN the client module is imported
    code = (
        "import sys, chalicelib.telephony.vonage.client; "
        "heavy = ('vonage_voice', 'vonage_sms', 'vonage_http_client', 'vonage_jwt', 'requests', "
        "'pydantic'); print(json.dumps(sorted(m for m in heavy if m in sys.modules)))"
    )
    repo = Path(__file__).resolve().parents[3]
    out = subprocess.run(
        [sys.executable, "-c", "import json; " + code],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    # THEN none of the SDK, requests or pydantic was loaded
    assert json.loads(out.stdout) == []
