"""Package Ringflow for one stage: ``python -m infra.package --stage dev --out build/dev``.

Writes the merge template of :mod:`infra.resources`, runs ``chalice package --stage STAGE
--pkg-format cloudformation --merge-template ... OUT`` (which writes ``OUT/sam.json`` and
``OUT/deployment.zip``), applies :func:`infra.resources.finalize` to ``sam.json``, then
post-processes ``deployment.zip`` (:func:`post_process`): it drops data the code provably never
reads (:data:`STRIPPED`, docs/decisions/0002) and adds unchecked-hash bytecode for every module,
compiled by this interpreter, which must be the Lambda runtime's Python version
(docs/decisions/0001); the zip is rewritten with sorted entries and fixed timestamps. Chalice
runs with the environment LOCAL-STACK.md calls for: a region, dummy credentials and the EC2
metadata endpoint disabled (packaging calls no AWS API; this keeps botocore from walking the
credential chain). pip needs the package registry, or a wheelhouse through ``PIP_NO_INDEX=1
PIP_FIND_LINKS=...``; Chalice caches built dependencies in ``.chalice/deployments``.
Imports the standard library and :mod:`infra.resources` only.
"""

from __future__ import annotations

import argparse
import json
import os
import py_compile
import re
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.resources import PROJECT_DIR, finalize, merge_template

DEFAULT_REGION = "eu-west-1"
TEMPLATE_NAME = "sam.json"


ZIP_NAME = "deployment.zip"
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
"""Every entry's timestamp: the zip's bytes depend on its contents only."""
FILE_MODE = 0o100644 << 16
UNZIPPED_LIMIT = 262_144_000
"""Lambda's limit on a function's code unzipped, layers included (250 MiB; "Unzipped size must be
smaller than 262144000 bytes"). The 50 MB zipped limit holds only for a direct upload; deploy.sh
uploads the package to S3 through ``aws cloudformation package`` (docs/decisions/0030)."""

STRIPPED: dict[str, tuple[str, ...]] = {
    # phonenumbers' data all ships: its geocoder and carrier data (~20.5 MB unzipped) give a
    # click-to-call visitor's "direction", its time-zone data a campaign contact's local time
    # (docs/decisions/0002).
    # The Swagger UI assets of powertools' event handler (~1.7 MB), which chalicelib never
    # imports (a test checks); the modules stay, only the bundled JavaScript and CSS go.
    "aws_lambda_powertools/event_handler/openapi/swagger_ui/": (".js", ".css"),
    # holidays' translations of holiday names (~4.7 MB): the hours widget asks only whether a
    # date is a holiday, never its name in another language; without them holidays falls back
    # to its default names.
    "holidays/locale/": (".mo", ".po"),
    # Google's Dialogflow client (docs/decisions/0030). The v2beta1 API (~15.1 MiB): the engine
    # imports google.cloud.dialogflow_v2 only, and no module of the client, api_core or protobuf
    # imports v2beta1 (a test checks both).
    "google/cloud/dialogflow_v2beta1/": (),
    # The client's alias package google.cloud.dialogflow (~0.05 MiB): it only re-exports
    # dialogflow_v2's names and nothing imports it (a test checks).
    "google/cloud/dialogflow/": (),
    # Type stubs and .proto sources of the Google packages (~0.7 MiB): the import system never
    # loads a .pyi, and the generated *_pb2 modules carry their descriptors compiled in; only
    # protoc reads a .proto, and it does not ship.
    "google/": (".pyi", ".proto"),
}
"""Archive path prefixes dropped from the package; a non-empty tuple limits a prefix to those
file suffixes."""


class PackagingError(RuntimeError):
    """``chalice package`` failed, or its output cannot be post-processed; the message says
    why."""


@dataclass(frozen=True)
class PostProcessed:
    """What :func:`post_process` did to a package."""

    stripped_files: int
    stripped_bytes: int
    compiled: int
    not_compiled: list[str] = field(default_factory=list)


def runtime_version(template: dict[str, Any]) -> tuple[int, int]:
    """The Python version of the template's functions (``python3.11`` -> ``(3, 11)``)."""
    runtimes = set()
    default = template.get("Globals", {}).get("Function", {}).get("Runtime")
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") == "AWS::Serverless::Function":
            runtimes.add(resource.get("Properties", {}).get("Runtime", default))
    if len(runtimes) != 1 or None in runtimes:
        raise PackagingError(f"expected one Python runtime for every function, found {runtimes}")
    (runtime,) = runtimes
    match = re.fullmatch(r"python(\d+)\.(\d+)", str(runtime))
    if match is None:
        raise PackagingError(f"the functions' runtime {runtime!r} is not a Python runtime")
    return int(match[1]), int(match[2])


def stripped(name: str) -> bool:
    """True when the archive path ``name`` is dropped from the package (:data:`STRIPPED`)."""
    for prefix, suffixes in STRIPPED.items():
        if name.startswith(prefix) and (not suffixes or name.endswith(suffixes)):
            return True
    return False


def _pyc_name(source: str) -> str:
    folder, _, module = source.rpartition("/")
    tag = sys.implementation.cache_tag
    cached = f"__pycache__/{module[: -len('.py')]}.{tag}.pyc"
    return f"{folder}/{cached}" if folder else cached


def post_process(zip_path: Path, runtime: tuple[int, int]) -> PostProcessed:
    """Rewrite ``zip_path`` without the :data:`STRIPPED` files and with bytecode for every
    ``.py`` in it, for Python ``runtime``.

    The bytecode is compiled by this interpreter, so it must be that version (a ``.pyc``'s magic
    number is per minor version; another version's files would be ignored, or refused). The
    pycs are unchecked-hash pycs (PEP 552): valid whatever the files' mtimes after Lambda unzips
    them, never compared with their source. A file that does not compile (none today) is shipped
    as source only and listed in the result. Entries are written sorted, with fixed timestamps.
    """
    here = sys.version_info[:2]
    if here != runtime:
        raise PackagingError(
            f"the functions run Python {runtime[0]}.{runtime[1]} but this is Python "
            f"{here[0]}.{here[1]}: bytecode is per minor version, so package with a Python "
            f"{runtime[0]}.{runtime[1]} interpreter"
        )
    entries: dict[str, tuple[zipfile.ZipInfo, bytes]] = {}
    stripped_files = stripped_bytes = 0
    with zipfile.ZipFile(zip_path) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            if stripped(info.filename):
                stripped_files += 1
                stripped_bytes += info.file_size
                continue
            entries[info.filename] = (info, archive.read(info))
    not_compiled: list[str] = []
    compiled: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="ringflow-pyc-") as scratch:
        root = Path(scratch)
        for name, (_, data) in entries.items():
            if not name.endswith(".py"):
                continue
            source = root / "src" / name
            source.parent.mkdir(parents=True, exist_ok=True)
            source.write_bytes(data)
            target = root / "pyc" / _pyc_name(name)
            try:
                py_compile.compile(
                    str(source),
                    cfile=str(target),
                    dfile=name,
                    doraise=True,
                    invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
                )
            except py_compile.PyCompileError:
                not_compiled.append(name)
                continue
            compiled[_pyc_name(name)] = target.read_bytes()
    rewritten = zip_path.with_name(zip_path.name + ".tmp")
    with zipfile.ZipFile(rewritten, "w", zipfile.ZIP_DEFLATED) as archive:
        files = {name: (info.external_attr, data) for name, (info, data) in entries.items()}
        files |= {name: (FILE_MODE, data) for name, data in compiled.items()}
        for name in sorted(files):
            attributes, data = files[name]
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.external_attr = attributes or FILE_MODE
            info.create_system = 3
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    rewritten.replace(zip_path)
    return PostProcessed(stripped_files, stripped_bytes, len(compiled), sorted(not_compiled))


def chalice_environment(region: str | None = None) -> dict[str, str]:
    """The environment ``chalice package`` runs in: this one, made safe for packaging."""
    env = {key: value for key, value in os.environ.items() if key not in {"AWS_PROFILE"}}
    env.pop("AWS_SESSION_TOKEN", None)
    env["AWS_DEFAULT_REGION"] = region or os.environ.get("AWS_DEFAULT_REGION", DEFAULT_REGION)
    env["AWS_ACCESS_KEY_ID"] = "packaging"
    env["AWS_SECRET_ACCESS_KEY"] = "packaging"
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    return env


def _chalice() -> str:
    beside = Path(sys.executable).with_name("chalice")
    return str(beside) if beside.exists() else "chalice"


def package(
    stage: str,
    out: Path,
    project_dir: Path = PROJECT_DIR,
    region: str | None = None,
) -> Path:
    """Package ``project_dir`` for ``stage`` into ``out``; return the finished template's path."""
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    merge_path = out.parent / f"{out.name}.merge.json"
    merge_path.write_text(json.dumps(merge_template(stage, project_dir), indent=2) + "\n")
    command = [
        _chalice(),
        "package",
        "--stage",
        stage,
        "--pkg-format",
        "cloudformation",
        "--template-format",
        "json",
        "--merge-template",
        str(merge_path),
        str(out),
    ]
    result = subprocess.run(
        command,
        cwd=project_dir,
        env=chalice_environment(region),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise PackagingError(
            f"chalice package failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    template_path = out / TEMPLATE_NAME
    template = json.loads(template_path.read_text())
    finalize(template, stage, project_dir)
    template_path.write_text(json.dumps(template, indent=2) + "\n")
    post_process(out / ZIP_NAME, runtime_version(template))
    return template_path


def main(argv: list[str] | None = None) -> int:
    """Command line: package one stage and print the template's path."""
    parser = argparse.ArgumentParser(description="Package Ringflow for CloudFormation.")
    parser.add_argument("--stage", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR)
    parser.add_argument("--region", default=None)
    args = parser.parse_args(argv)
    try:
        path = package(args.stage, args.out, args.project_dir.resolve(), args.region)
    except PackagingError as error:
        print(error, file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
