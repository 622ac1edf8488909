"""The deployment package, run the way Lambda runs it.

GIVEN the dev package built as ``make package`` builds it (the session's one build) and
unpacked, and the dev stage's tables on moto (loopback) holding an account, a flow with its
listener on and a number, WHEN a fresh interpreter whose ``sys.path`` is only the package and the
standard library imports ``app`` with the dev stage's settings (tracing and signature checks on,
Lambda's environment, a fake X-Ray daemon on loopback) and invokes ``app.app(event, context)``
with a signed answer webhook and a REST request, THEN both get real answers, the trace reaches the
daemon, nothing is logged at warning level or above, and every library the code imports is in the
package. Also: every module has unchecked-hash bytecode, the stripped data is gone and unread (the
Dialogflow client's unused API version and alias too) while phonenumbers' time-zone data ships,
and the package is within Lambda's unzipped limit.
"""

from __future__ import annotations

import ast
import json
import secrets
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.lambda_host import ColdRun, cold_run, lambda_environment, unpack
from infra.local.stage_backend import FLOW, Backend, XrayDaemon, stage_backend, xray_daemon
from infra.package import STRIPPED, UNZIPPED_LIMIT, ZIP_NAME, stripped

REPO = Path(__file__).resolve().parents[2]
DEV_TOOLS = ("chalicelib/simulator/", "chalicelib/cli/")
"""Parts of chalicelib that run on operators' machines and in tests, never in Lambda."""
IMPORTED_FOR_THE_CODE = ("aws_xray_sdk",)
"""What libraries import on the code's behalf: the powertools Tracer needs aws-xray-sdk."""


def trace_id() -> str:
    """An ``_X_AMZN_TRACE_ID`` as Lambda sets it for a sampled invocation."""
    root = f"1-{int(time.time()):08x}-{secrets.token_hex(12)}"
    return f"Root={root};Parent={secrets.token_hex(8)};Sampled=1"


def shipped_sources() -> list[Path]:
    """app.py and the modules of chalicelib that ship to Lambda (the dev tools left out)."""
    return [
        path
        for path in [REPO / "app.py", *sorted((REPO / "chalicelib").rglob("*.py"))]
        if not path.relative_to(REPO).as_posix().startswith(DEV_TOOLS)
    ]


def imported_modules(source: str) -> set[str]:
    """Every module ``source`` imports, lazily or not, by its dotted name; ``from a import b``
    counts as ``a`` and ``a.b`` (``b`` may be a module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def runtime_imports() -> list[str]:
    """Every third-party top-level module the shipped code imports, lazily or not (imports
    under ``if TYPE_CHECKING:`` and the dev tools' imports excluded)."""
    found: set[str] = set()

    class Imports(ast.NodeVisitor):
        def visit_If(self, node: ast.If) -> None:
            test = node.test
            name = getattr(test, "id", getattr(test, "attr", None))
            if name == "TYPE_CHECKING":
                for statement in node.orelse:
                    self.visit(statement)
                return
            self.generic_visit(node)

        def visit_Import(self, node: ast.Import) -> None:
            found.update(alias.name.split(".")[0] for alias in node.names)

        def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
            if node.level == 0 and node.module:
                found.add(node.module.split(".")[0])

    for path in [REPO / "app.py", *sorted((REPO / "chalicelib").rglob("*.py"))]:
        if not path.relative_to(REPO).as_posix().startswith(DEV_TOOLS):
            Imports().visit(ast.parse(path.read_text()))
    found.update(IMPORTED_FOR_THE_CODE)
    return sorted(
        name
        for name in found
        if name not in sys.stdlib_module_names and name not in {"__future__", "chalicelib"}
    )


@pytest.fixture(scope="module")
def unpacked(dev_package: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return unpack(dev_package / ZIP_NAME, tmp_path_factory.mktemp("lambda") / "task")


@pytest.fixture(scope="module")
def backend() -> Iterator[Backend]:
    with stage_backend("dev") as running:
        yield running


@pytest.fixture(scope="module")
def daemon() -> Iterator[XrayDaemon]:
    with xray_daemon() as running:
        yield running


@pytest.fixture(scope="module")
def cold(unpacked: Path, backend: Backend, daemon: XrayDaemon) -> ColdRun:
    environment = lambda_environment(unpacked, backend.function_variables(daemon))
    assert environment["RINGFLOW_TRACING"] == "true"
    assert environment["RINGFLOW_VERIFY_SIGNATURES"] == "true"
    run = cold_run(
        unpacked,
        environment,
        [backend.answer_event(), backend.account_event(), backend.page_event()],
        trace_ids=[trace_id(), trace_id(), trace_id()],
        imports=runtime_imports(),
    )
    assert run.error is None, run.error + run.stdout + run.stderr
    return run


def test_the_function_sees_only_the_package_and_the_standard_library(
    cold: ColdRun, unpacked: Path
) -> None:
    # GIVEN the cold container's report
    # THEN its path is the package, then the standard library; no site-packages at all
    assert cold.sys_path[0] == str(unpacked)
    assert not [entry for entry in cold.sys_path if "site-packages" in entry]
    assert not [entry for entry in cold.sys_path if entry.startswith(sys.prefix + "/")]
    # AND every module it loaded came from one of them
    assert cold.foreign_modules == {}
    assert cold.modules_loaded > 300


def test_a_signed_answer_webhook_gets_the_ncco_of_the_flow(cold: ColdRun) -> None:
    # GIVEN the first invocation: Vonage's signed answer webhook for the flow's number
    answer = cold.invocations[0]
    # THEN it is the flow's NCCO (its greeting, then the menu), not the fallback apology
    assert answer.status == 200
    ncco = answer.json()
    assert ncco[0] == {
        "action": "talk",
        "text": FLOW["nodes"]["welcome"]["text"],
        "language": "en-GB",
    }
    assert ncco[-1]["action"] == "input"
    assert ncco[-1]["eventUrl"][0].startswith("https://hooks.example.com/vonage/voice/input?")
    assert "sorry" not in answer.body.lower()


def test_a_rest_request_with_an_api_key_gets_the_account(cold: ColdRun) -> None:
    # GIVEN the second invocation: GET /v1/account with the account's API key
    response = cold.invocations[1]
    # THEN it is the account
    assert response.status == 200
    assert response.json()["account_id"] == "smoke"


def test_a_web_page_is_rendered_from_the_packaged_templates(cold: ColdRun) -> None:
    # GIVEN the third invocation: a browser's GET of the callback user's login page
    page = cold.invocations[2]
    # THEN it is the page (Jinja2 and the templates ship), with its session cookie and headers
    assert page.status == 200, page.body
    headers = {k.lower(): v for k, v in page.result.get("headers", {}).items()}
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "Secure" in headers["set-cookie"]  # a deployed stage is served over https
    assert 'name="csrf"' in page.body and "Log in" in page.body


def test_the_trace_reaches_the_xray_daemon_and_nothing_is_logged_as_a_problem(
    cold: ColdRun, daemon: XrayDaemon
) -> None:
    # GIVEN the cold container ran with tracing on and a fake X-Ray daemon on loopback
    # THEN nothing was logged at warning level or above, by the app or by the X-Ray SDK
    # (a Tracer that cannot be built says so here: "tracing is off: ...")
    problems = [
        line
        for line in cold.stdout.splitlines()
        if line and json.loads(line).get("level") in {"WARNING", "ERROR", "CRITICAL"}
    ]
    assert problems == []
    assert cold.stderr.strip() == ""
    # AND the webhook's subsegment arrived, annotated with its route, and DynamoDB's calls too
    deadline = time.monotonic() + 3
    while "voice webhook" not in daemon.subsegment_names() and time.monotonic() < deadline:
        time.sleep(0.05)
    webhooks = [d for d in daemon.documents if d.get("name") == "voice webhook"]
    assert len(webhooks) == 1, daemon.subsegment_names()
    assert webhooks[0]["annotations"]["route"] == "/vonage/voice/answer"
    assert "dynamodb" in daemon.subsegment_names()


def test_every_library_the_code_imports_is_in_the_package(cold: ColdRun) -> None:
    # GIVEN the third-party modules the shipped code imports, also those imported lazily
    wanted = runtime_imports()
    assert {"boto3", "pynamodb", "aws_xray_sdk", "vonage_voice", "urllib3"} <= set(wanted)
    # THEN each imports in the cold container (requirements.txt ships it)
    assert cold.import_errors == {}


def test_every_module_in_the_package_has_unchecked_hash_bytecode(dev_package: Path) -> None:
    # GIVEN the built zip
    with zipfile.ZipFile(dev_package / ZIP_NAME) as archive:
        names = set(archive.namelist())
        sources = sorted(name for name in names if name.endswith(".py"))
        tag = sys.implementation.cache_tag
        missing = []
        for source in sources:
            folder, _, module = source.rpartition("/")
            pyc = f"{folder}/__pycache__/{module[:-3]}.{tag}.pyc".lstrip("/")
            if pyc not in names:
                missing.append(source)
                continue
            header = archive.read(pyc)[:16]
            # THEN its header flags say "hash-based, not checked against the source" (PEP 552)
            assert int.from_bytes(header[4:8], "little") == 0b01, pyc
        timestamps = {info.date_time for info in archive.infolist()}
    # AND every module has one, and every entry has the same fixed timestamp
    assert len(sources) > 1000
    assert missing == []
    assert timestamps == {(1980, 1, 1, 0, 0, 0)}


def test_the_stripped_data_is_gone_and_the_code_never_reads_it(dev_package: Path) -> None:
    # GIVEN the built zip and the shipped code
    with zipfile.ZipFile(dev_package / ZIP_NAME) as archive:
        left = [name for name in archive.namelist() if stripped(name)]
        names = set(archive.namelist())
    code = "\n".join(
        path.read_text()
        for path in [REPO / "app.py", *(REPO / "chalicelib").rglob("*.py")]
        if not path.relative_to(REPO).as_posix().startswith(DEV_TOOLS)
    )
    # THEN nothing that STRIPPED names is left, while what the code uses still is: the
    # metadata, and the time-zone data that campaigns' calling windows read
    # (phonenumbers.timezone, docs/decisions/0002)
    assert left == []
    assert "phonenumbers/data/__init__.py" in names
    assert "phonenumbers/geocoder.py" in names
    assert {"phonenumbers/timezone.py", "phonenumbers/tzdata/__init__.py"} <= names
    assert "phonenumbers/tzdata/data0.py" in names
    assert not [prefix for prefix in STRIPPED if prefix.startswith("phonenumbers/tzdata")]
    assert "phonenumbers.timezone" in code
    # AND the geocoder's and carrier's data ship, since click-to-call's "direction" reads them
    # (docs/decisions/0002: without it phonenumbers silently answers "" for every number)
    assert not [prefix for prefix in STRIPPED if prefix.startswith("phonenumbers/")]
    assert "from phonenumbers import carrier, geocoder" in code
    assert "phonenumbers/geodata/data0.py" in names or any(
        name.startswith("phonenumbers/geodata/") for name in names
    )
    assert any(name.startswith("phonenumbers/carrierdata/") for name in names)
    assert "aws_lambda_powertools.event_handler" not in code


DIALOGFLOW_STRIPPED = ("google.cloud.dialogflow_v2beta1", "google.cloud.dialogflow")
"""The Dialogflow client's packages that STRIPPED drops (docs/decisions/0030)."""


def reaches_stripped(module: str) -> bool:
    """True when importing ``module`` would load a package of :data:`DIALOGFLOW_STRIPPED`."""
    return any(module == gone or module.startswith(f"{gone}.") for gone in DIALOGFLOW_STRIPPED)


def test_the_dialogflow_clients_stripped_packages_are_gone_and_nothing_imports_them(
    dev_package: Path,
) -> None:
    # GIVEN the built zip and the shipped code
    with zipfile.ZipFile(dev_package / ZIP_NAME) as archive:
        names = set(archive.namelist())
        modules = {
            name: archive.read(name).decode(errors="replace")
            for name in names
            if name.endswith(".py")
        }
    # THEN the v2beta1 API, the alias package and the Google stubs and protos are gone, and the
    # v2 client the engine uses is there
    assert not [name for name in names if name.startswith("google/cloud/dialogflow_v2beta1/")]
    assert not [name for name in names if name.startswith("google/cloud/dialogflow/")]
    assert not [n for n in names if n.startswith("google/") and n.endswith((".pyi", ".proto"))]
    assert "google/cloud/dialogflow_v2/services/sessions/client.py" in names
    assert {"google/api/http_pb2.py", "grpc/_cython/_credentials/roots.pem"} <= names
    # AND the shipped code imports neither, lazily or not: it imports dialogflow_v2 only (a
    # feature that needs v2beta1 must remove its STRIPPED entry, docs/decisions/0030)
    imported = set().union(*(imported_modules(path.read_text()) for path in shipped_sources()))
    assert "google.cloud.dialogflow_v2" in imported
    assert not [module for module in imported if reaches_stripped(module)]
    # AND no module left in the package imports them or names v2beta1 (the client, api_core,
    # protobuf and grpc included), so no code path can reach what is gone
    importers = sorted(
        name
        for name, text in modules.items()
        if "dialogflow" in text and any(map(reaches_stripped, imported_modules(text)))
    )
    assert importers == []
    assert not [name for name, text in modules.items() if "dialogflow_v2beta1" in text]


def test_the_package_is_within_lambdas_unzipped_limit(dev_package: Path) -> None:
    # GIVEN the built zip, every function's code (there are no layers)
    with zipfile.ZipFile(dev_package / ZIP_NAME) as archive:
        unzipped = sum(info.file_size for info in archive.infolist())
    zipped = (dev_package / ZIP_NAME).stat().st_size
    headroom = UNZIPPED_LIMIT - unzipped
    report = (
        f"the package is {unzipped / 1e6:.1f} MB unzipped ({zipped / 1e6:.1f} MB zipped): "
        f"{headroom / 1e6:.1f} MB under Lambda's limit of {UNZIPPED_LIMIT / 1e6:.1f} MB "
        f"({headroom / UNZIPPED_LIMIT:.0%} of it left)"
    )
    print(report)  # shown with -rP
    # THEN it is within the limit (the zipped size has no limit on our deploy path: the package
    # goes to S3, docs/decisions/0030); a product that passes it moves a library to a layer
    assert headroom > 0, report
