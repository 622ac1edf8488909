"""Run a built deployment package the way Lambda's Python runtime does, on this machine.

Owns the cold run of a package: unpack ``deployment.zip``, start a fresh interpreter
(``python -I -S -B``: no site-packages, no environment paths, no bytecode writes, as on Lambda's
read-only code directory) whose ``sys.path`` is only the unpacked package and the standard
library, give it the environment Lambda gives a function (the stage's variables plus
``LAMBDA_TASK_ROOT``, ``AWS_LAMBDA_FUNCTION_NAME``, ``AWS_EXECUTION_ENV``, ... and
``_X_AMZN_TRACE_ID`` per invocation), import the handler's module, and invoke the handler with
each event and a Lambda context, as the runtime does. The child reports how long the import and
each invocation took, what each returned, its ``sys.path``, and every module it loaded from
anywhere but the package or the standard library (there must be none).

The same file is the child's entry point. It imports the standard library only, in both roles;
the child loads :mod:`infra.local.lambda_events` (standard library only) by path for the Lambda
context, after the handler's import is timed. Events are built by the caller
(:func:`infra.local.lambda_events.api_gateway_event`).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import subprocess
import sys
import sysconfig
import time
import traceback
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
LAMBDA_EVENTS = HERE.parent / "local" / "lambda_events.py"
DEFAULT_HANDLER = "app.app"


class LambdaHostError(RuntimeError):
    """The package could not be run: the child failed before it could report."""


@dataclass(frozen=True)
class Invocation:
    """What one invocation returned and how long it took."""

    result: Any
    milliseconds: float

    @property
    def status(self) -> int:
        return int(self.result["statusCode"])

    @property
    def body(self) -> str:
        return str(self.result.get("body") or "")

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class ColdRun:
    """One cold container: the handler's import, then the invocations in order."""

    import_ms: float
    invocations: list[Invocation]
    sys_path: list[str]
    foreign_modules: dict[str, str]
    stdout: str = ""
    stderr: str = ""
    modules_loaded: int = 0
    error: str | None = None
    import_errors: dict[str, str] = field(default_factory=dict)

    @property
    def first_answer_ms(self) -> float:
        """The handler's import plus the first invocation: what the first caller waits for."""
        return self.import_ms + (self.invocations[0].milliseconds if self.invocations else 0.0)


def standard_library_paths() -> list[str]:
    """This interpreter's standard library: pure modules, platform modules, extension modules."""
    stdlib = sysconfig.get_path("stdlib")
    platstdlib = sysconfig.get_path("platstdlib")
    paths = [stdlib, platstdlib, os.path.join(platstdlib, "lib-dynload")]
    return [p for i, p in enumerate(paths) if p not in paths[:i] and os.path.isdir(p)]


def unpack(zip_path: Path, destination: Path) -> Path:
    """Unzip a deployment package into ``destination`` (as Lambda does into ``/var/task``)."""
    destination.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(destination)
    return destination


def lambda_environment(
    package_dir: Path,
    variables: dict[str, str],
    function_name: str = "ringflow-dev-APIHandler",
    region: str = "eu-west-1",
    memory_mb: int = 1024,
) -> dict[str, str]:
    """The environment Lambda gives the function (no ``PYTHONPATH``: the child sets its path)."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    return {
        "AWS_LAMBDA_FUNCTION_NAME": function_name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function_name}",
        "AWS_EXECUTION_ENV": f"AWS_Lambda_python{version}",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "LAMBDA_TASK_ROOT": str(package_dir),
        "_HANDLER": DEFAULT_HANDLER,
        "TZ": ":UTC",
        "LANG": "en_US.UTF-8",
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        # Lambda sets this; outside an invocation the X-Ray SDK then logs, never raises.
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        **variables,
    }


def cold_run(
    package_dir: Path,
    environment: dict[str, str],
    events: list[dict[str, Any]],
    *,
    trace_ids: list[str | None] | None = None,
    handler: str = DEFAULT_HANDLER,
    imports: list[str] | None = None,
    timeout: float = 120.0,
) -> ColdRun:
    """Start one cold container on ``package_dir`` and invoke the handler with ``events``.

    ``trace_ids`` gives each invocation's ``_X_AMZN_TRACE_ID`` (Lambda sets it per invocation
    when the function is traced). ``imports`` names modules the child imports after the
    invocations (say, what the code imports lazily); a failure is reported in
    ``import_errors``. Raises :class:`LambdaHostError` when the child could not report; an
    exception in the handler's import or an invocation is reported in ``error``.
    """
    package_dir = package_dir.resolve()
    request_path = package_dir.parent / f".{package_dir.name}.request.json"
    result_path = package_dir.parent / f".{package_dir.name}.result.json"
    request_path.write_text(
        json.dumps(
            {
                "handler": handler,
                "events": events,
                "trace_ids": trace_ids or [None] * len(events),
                "function_name": environment.get("AWS_LAMBDA_FUNCTION_NAME", "ringflow"),
                "imports": imports or [],
            }
        )
    )
    result_path.unlink(missing_ok=True)
    command = [sys.executable, "-I", "-S", "-B", str(HERE), str(package_dir)]
    command += [str(request_path), str(result_path)]
    completed = subprocess.run(
        command,
        env=environment,
        cwd=package_dir,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    try:
        report = json.loads(result_path.read_text())
    except (OSError, ValueError):
        raise LambdaHostError(
            f"the child exited with {completed.returncode} without a report:\n"
            f"{completed.stdout}\n{completed.stderr}"
        ) from None
    finally:
        request_path.unlink(missing_ok=True)
        result_path.unlink(missing_ok=True)
    return ColdRun(
        import_ms=report["import_ms"],
        invocations=[Invocation(i["result"], i["ms"]) for i in report["invocations"]],
        sys_path=report["sys_path"],
        foreign_modules=report["foreign_modules"],
        stdout=completed.stdout,
        stderr=completed.stderr,
        modules_loaded=report["modules_loaded"],
        error=report["error"],
        import_errors=report["import_errors"],
    )


# -- the child -------------------------------------------------------------------------------
def _foreign_modules(allowed: list[str]) -> dict[str, str]:
    """Loaded modules whose file lies outside every ``allowed`` directory."""
    roots = [os.path.realpath(p) + os.sep for p in allowed]
    own = {str(HERE), str(LAMBDA_EVENTS)}
    foreign = {}
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if not path:
            continue
        real = os.path.realpath(path)
        if not any(real.startswith(root) for root in roots) and real not in own:
            foreign[name] = real
    return foreign


def _child(package_dir: str, request_path: str, result_path: str) -> int:
    stdlib = standard_library_paths()
    sys.path[:] = [package_dir, *stdlib]
    request = json.loads(Path(request_path).read_text())
    report: dict[str, Any] = {
        "sys_path": list(sys.path),
        "import_ms": 0.0,
        "invocations": [],
        "error": None,
        "import_errors": {},
    }
    try:
        module_name, attribute = request["handler"].rsplit(".", 1)
        started = time.perf_counter()
        module = importlib.import_module(module_name)
        handler = getattr(module, attribute)
        report["import_ms"] = (time.perf_counter() - started) * 1000
        spec = importlib.util.spec_from_file_location("_lambda_events", LAMBDA_EVENTS)
        assert spec is not None and spec.loader is not None
        events_module = importlib.util.module_from_spec(spec)
        sys.modules["_lambda_events"] = events_module
        spec.loader.exec_module(events_module)
        function_name = request["function_name"]
        region = os.environ.get("AWS_REGION", "eu-west-1")
        for event, trace_id in zip(request["events"], request["trace_ids"], strict=True):
            if trace_id:
                os.environ["_X_AMZN_TRACE_ID"] = trace_id
            else:
                os.environ.pop("_X_AMZN_TRACE_ID", None)
            context = events_module.LambdaContext(
                function_name=function_name,
                invoked_function_arn=f"arn:aws:lambda:{region}:123456789012:function:"
                + function_name,
            )
            started = time.perf_counter()
            result = handler(event, context)
            elapsed = (time.perf_counter() - started) * 1000
            report["invocations"].append({"result": result, "ms": elapsed})
    except BaseException:
        report["error"] = traceback.format_exc()
    for name in request["imports"]:
        try:
            importlib.import_module(name)
        except Exception as error:
            report["import_errors"][name] = f"{type(error).__name__}: {error}"
    report["modules_loaded"] = len(sys.modules)
    report["foreign_modules"] = _foreign_modules([package_dir, *stdlib])
    Path(result_path).write_text(json.dumps(report, default=str))
    return 0 if report["error"] is None else 1


if __name__ == "__main__":
    raise SystemExit(_child(*sys.argv[1:4]))
