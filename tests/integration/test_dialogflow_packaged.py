"""The Dialogflow engine as it ships: GIVEN the dev package built as ``make package`` builds it
(the session's one build) and unpacked, WHEN a fresh interpreter whose ``sys.path`` is only the
package and the standard library (as on Lambda) builds a ``DialogflowEngine`` and detects an
utterance against the loopback agent of infra/local/dialogflow_api.py, THEN the packaged grpcio
wheel,
protobuf and Google client answer the intent, and every module they loaded came from the package.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from infra.lambda_host import unpack
from infra.local.dialogflow_api import Reply, dialogflow_agent, service_account_json
from infra.package import ZIP_NAME

pytestmark = pytest.mark.http

CHILD = """
import json, sys
sys.path.insert(0, sys.argv[1])  # -I -S: the rest is the standard library
from chalicelib.speech.dialogflow import DialogflowEngine
engine = DialogflowEngine("eva-agent", sys.stdin.read(), endpoint=sys.argv[2])
found = engine.detect("call-1", "I choose option one", "en-US", timeout=10)
engine.close()
origins = {
    name: getattr(module, "__file__", None) or ""
    for name, module in sys.modules.items()
    if name.split(".")[0] in ("google", "grpc", "proto")
}
print(json.dumps({"intent": found.intent, "parameters": dict(found.parameters),
                  "origins": origins, "path": sys.path}))
"""


@pytest.fixture(scope="module")
def unpacked_package(dev_package: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return unpack(dev_package / ZIP_NAME, tmp_path_factory.mktemp("lambda") / "task")


def test_the_packaged_engine_asks_the_agent(unpacked_package: Path) -> None:
    with dialogflow_agent(
        {"I choose option one": Reply("option1", parameters={"OPTIONS": "Option 1"})}
    ) as agent:
        child = subprocess.run(
            [sys.executable, "-I", "-S", "-B", "-c", CHILD, str(unpacked_package), agent.address],
            input=service_account_json(),
            cwd=unpacked_package,
            env={"PATH": "/usr/bin:/bin", "LANG": "en_US.UTF-8"},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert child.returncode == 0, child.stderr
    report = json.loads(child.stdout.splitlines()[-1])
    assert report["intent"] == "option1" and report["parameters"] == {"OPTIONS": "Option 1"}
    # AND grpc, protobuf and the Google client were the package's
    assert {"grpc", "google.protobuf", "google.cloud.dialogflow_v2"} <= set(report["origins"])
    foreign = {
        name: origin
        for name, origin in report["origins"].items()
        if origin and not origin.startswith(str(unpacked_package))
    }
    assert foreign == {}
    assert not [entry for entry in report["path"] if "site-packages" in entry]
