"""Package Ringflow for one stage: ``python -m infra.package --stage dev --out build/dev``.

Writes the merge template of :mod:`infra.resources`, runs ``chalice package --stage STAGE
--pkg-format cloudformation --merge-template ... OUT`` (which writes ``OUT/sam.json`` and
``OUT/deployment.zip``), then applies :func:`infra.resources.finalize` to ``sam.json``. Chalice
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
import subprocess
import sys
from pathlib import Path

from infra.resources import PROJECT_DIR, finalize, merge_template

DEFAULT_REGION = "eu-west-1"
TEMPLATE_NAME = "sam.json"
ZIP_NAME = "deployment.zip"


class PackagingError(RuntimeError):
    """``chalice package`` failed; the message carries its output."""


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
