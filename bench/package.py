"""``make bench``: the built package's cold start and size.

Cold start: in fresh processes whose ``sys.path`` is the unpacked package plus the standard
library, with the dev stage's settings and Lambda's environment (:mod:`infra.lambda_host`),
the time of ``import app`` plus the first answer webhook against moto on loopback (median of
``BENCH_COLD_RUNS`` processes, 5 by default), printed with the target and the ratio to it; the
same without the package's bytecode for comparison. Size: zipped and unzipped, with and without
bytecode, and before and after adding the Dialogflow client (the package less the entries of
:data:`DIALOGFLOW_CLIENT`'s distributions, summed from the zip's directory), with the room left
under Lambda's unzipped limit. Reuses ``build/dev`` when it is newer than every file that goes
into it, else builds it (``infra.package``). Prints figures; asserts nothing. Imports ``infra``
and the standard library; ``chalicelib`` only through :mod:`infra.local.stage_backend`.
"""

from __future__ import annotations

import os
import re
import secrets
import statistics
import tempfile
import time
import zipfile
from pathlib import Path

from infra.lambda_host import ColdRun, cold_run, lambda_environment, unpack
from infra.local.stage_backend import Backend, stage_backend, xray_daemon
from infra.package import UNZIPPED_LIMIT, ZIP_NAME, package

ROOT = Path(__file__).resolve().parents[1]
STAGE = "dev"
TARGET_MS = 400.0
RUNS = int(os.environ.get("BENCH_COLD_RUNS", "5"))
INPUTS = ("app.py", "requirements.txt", ".chalice/config.json", "chalicelib", "infra")
DIALOGFLOW_CLIENT = (
    "google-cloud-dialogflow",
    "grpcio",
    "grpcio-status",
    "google-api-core",
    "googleapis-common-protos",
    "google-auth",
    "protobuf",
    "proto-plus",
    "pyasn1",
    "pyasn1-modules",
    "opentelemetry-api",
)
"""The distributions the Dialogflow client alone brings into the package: requirements.txt's
``google-cloud-dialogflow`` and ``grpcio`` and what only they require (requests, cryptography,
certifi and the rest were shipped before; a test checks the list against the installed
metadata)."""


def _newest_input() -> float:
    newest = 0.0
    for name in INPUTS:
        path = ROOT / name
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        newest = max([newest, *(p.stat().st_mtime for p in files if "__pycache__" not in p.parts)])
    return newest


def built_package() -> tuple[Path, str]:
    """``build/dev``, built now unless it is newer than its inputs."""
    out = ROOT / "build" / STAGE
    zip_path, template = out / ZIP_NAME, out / "sam.json"
    built = [path.stat().st_mtime for path in (zip_path, template) if path.exists()]
    if len(built) == 2 and min(built) > _newest_input():
        return zip_path, "reused (newer than its sources)"
    started = time.perf_counter()
    package(STAGE, out, ROOT)
    return zip_path, f"built in {time.perf_counter() - started:.0f} s"


def without_bytecode(zip_path: Path, destination: Path) -> Path:
    """A copy of the package without its ``__pycache__`` entries (what Chalice alone ships)."""
    with zipfile.ZipFile(zip_path) as source, zipfile.ZipFile(destination, "w") as target:
        for info in source.infolist():
            if "/__pycache__/" not in f"/{info.filename}":
                target.writestr(info, source.read(info), compress_type=zipfile.ZIP_DEFLATED)
    return destination


def sizes(zip_path: Path) -> tuple[float, float, int]:
    """Zipped MB, unzipped MB and the number of pyc files."""
    with zipfile.ZipFile(zip_path) as archive:
        infos = archive.infolist()
    unzipped = sum(info.file_size for info in infos)
    pycs = sum(1 for info in infos if info.filename.endswith(".pyc"))
    return zip_path.stat().st_size / 1e6, unzipped / 1e6, pycs


def _normalized(distribution: str) -> str:
    """A distribution's name as PEP 503 compares them (``proto_plus`` -> ``proto-plus``)."""
    return re.sub(r"[-_.]+", "-", distribution).lower()


def _distribution(dist_info: str) -> str:
    """``google_cloud_dialogflow-2.54.0.dist-info`` -> ``google-cloud-dialogflow``."""
    return _normalized(dist_info.removesuffix(".dist-info").rsplit("-", 1)[0])


def _source_of(name: str) -> str:
    """The module a ``__pycache__`` entry was compiled from (``a/__pycache__/b.cpython-311.pyc``
    -> ``a/b.py``); other names unchanged."""
    folder, _, file = name.rpartition("/")
    in_cache = folder == "__pycache__" or folder.endswith("/__pycache__")
    if not in_cache or not file.endswith(".pyc"):
        return name
    parent = folder[: -len("__pycache__")]
    return f"{parent}{file.split('.')[0]}.py"


def distribution_entries(archive: zipfile.ZipFile, distributions: tuple[str, ...]) -> set[str]:
    """The entries of ``archive`` that belong to ``distributions``: the files their dist-info
    RECORDs list, the bytecode the post-processing compiled from those modules, and the
    dist-info folders themselves."""
    names = set(archive.namelist())
    wanted = {_normalized(d) for d in distributions}
    owned: set[str] = set()
    for name in names:
        folder, _, file = name.partition("/")
        if folder.endswith(".dist-info") and _distribution(folder) in wanted:
            owned.add(name)
            if file == "RECORD":
                record = archive.read(name).decode()
                owned.update(line.split(",")[0] for line in record.splitlines() if line)
    return {name for name in names if name in owned or _source_of(name) in owned}


def sizes_without(zip_path: Path, left_out: set[str]) -> tuple[float, float]:
    """Zipped and unzipped MB of ``zip_path`` without the entries ``left_out``, summed from the
    zip's directory: each kept entry's compressed data, its local header and its directory
    record, and the end record (exact for our zips: no ZIP64, no data descriptors)."""
    zipped = unzipped = 22
    with zipfile.ZipFile(zip_path) as archive:
        for info in archive.infolist():
            if info.filename in left_out:
                continue
            name = len(info.filename.encode())
            zipped += info.compress_size + 30 + 46 + 2 * name + 2 * len(info.extra)
            zipped += len(info.comment)
            unzipped += info.file_size
    return zipped / 1e6, (unzipped - 22) / 1e6


def client_cost(zip_path: Path) -> None:
    """Print the package before and after adding the Dialogflow client, and the room left."""
    with zipfile.ZipFile(zip_path) as archive:
        client = distribution_entries(archive, DIALOGFLOW_CLIENT)
    zipped, unzipped = sizes_without(zip_path, set())
    before_zipped, before_unzipped = sizes_without(zip_path, client)
    print(
        f"the Dialogflow client: {len(DIALOGFLOW_CLIENT)} distributions, {len(client)} files in"
        " the built package (after STRIPPED)"
    )
    print(
        f"  before adding it  zipped {before_zipped:6.1f} MB   unzipped {before_unzipped:6.1f} MB"
    )
    print(
        f"  with it           zipped {zipped:6.1f} MB   unzipped {unzipped:6.1f} MB"
        f"   (+{zipped - before_zipped:.1f} MB zipped, +{unzipped - before_unzipped:.1f} MB"
        " unzipped)"
    )
    left = UNZIPPED_LIMIT / 1e6 - unzipped
    print(
        f"  Lambda's unzipped limit {UNZIPPED_LIMIT / 1e6:.1f} MB (250 MiB): {left:.1f} MB left;"
        " the 50 MB zipped limit is a direct upload's (deploy.sh uploads through S3)"
    )


def _trace_id() -> str:
    return f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};Parent={secrets.token_hex(8)};"


def cold_starts(task: Path, backend: Backend, variables: dict[str, str]) -> list[ColdRun]:
    environment = lambda_environment(task, variables)
    runs = []
    for _ in range(RUNS):
        run = cold_run(
            task, environment, [backend.answer_event()], trace_ids=[_trace_id() + "Sampled=1"]
        )
        runs.append(run)
    return runs


def describe(runs: list[ColdRun]) -> tuple[float, str]:
    failed = [run for run in runs if run.error or run.invocations[0].status != 200]
    totals = [run.first_answer_ms for run in runs]
    median = statistics.median(totals)
    imports = statistics.median(run.import_ms for run in runs)
    answers = statistics.median(run.invocations[0].milliseconds for run in runs if run.invocations)
    text = (
        f"median {median:6.0f} ms (import {imports:4.0f} + first answer {answers:4.0f})"
        f"   min {min(totals):6.0f} ms"
    )
    if failed:
        text += f"   {len(failed)} FAILED: {(failed[0].error or failed[0].stdout)[-300:]}"
    return median, text


def run() -> None:
    """Print the built package's size and cold start."""
    zip_path, how = built_package()
    print(f"built package ({STAGE}): {zip_path.relative_to(ROOT)}, {how}")
    with tempfile.TemporaryDirectory(prefix="ringflow-bench-") as scratch:
        root = Path(scratch)
        bare = without_bytecode(zip_path, root / "bare.zip")
        for label, path in (("with bytecode", zip_path), ("without bytecode", bare)):
            zipped, unzipped, pycs = sizes(path)
            print(
                f"  {label:<17} zipped {zipped:6.1f} MB   unzipped {unzipped:6.1f} MB"
                f"   ({pycs} pyc)"
            )
        client_cost(zip_path)
        with_pyc = unpack(zip_path, root / "task")
        no_pyc = unpack(bare, root / "bare")
        print(
            f"cold start of the built package: import app + first answer webhook, dev settings"
            f" (tracing, signatures), Lambda's environment, moto on loopback; {RUNS} processes"
        )
        with stage_backend(STAGE, in_process=False) as backend, xray_daemon() as xray:
            variables = backend.function_variables(xray)
            median, text = describe(cold_starts(with_pyc, backend, variables))
            print(f"  with bytecode     {text}")
            print(f"  target <= {TARGET_MS:.0f} ms: {median / TARGET_MS:.2f}x the target")
            bare_median, text = describe(cold_starts(no_pyc, backend, variables))
            print(f"  without bytecode  {text}")
            print(f"  without / with bytecode: {bare_median / median:.2f}x")
