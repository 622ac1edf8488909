"""What goes wrong in ``ringflow`` is one line on stderr and a non-zero exit, never a traceback:
no AWS credentials (use --local or configure them), a flow file too large to store, one that is
not JSON, not UTF-8 text, or not there."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from platformkit import ROOT, Platform, running_platform

from chalicelib.accounts.admin import MAX_FLOW_DOCUMENT_BYTES
from chalicelib.cli.main import main


@pytest.fixture
def platform(monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    with running_platform(monkeypatch) as platform:
        yield platform


def test_without_aws_credentials_a_command_says_use_local_or_configure_them(
    tmp_path: Path,
) -> None:
    # GIVEN an environment with no AWS credentials anywhere (and no instance metadata)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "RINGFLOW_"))}
    env.update(
        HOME=str(tmp_path),
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
        AWS_EC2_METADATA_DISABLED="true",
        AWS_DEFAULT_REGION="eu-west-1",
    )
    # WHEN a command that reads DynamoDB runs
    done = subprocess.run(
        [sys.executable, "-m", "chalicelib.cli.main", "calls", "list", "--account", "acme"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # THEN it says, in one line, to use --local or configure credentials
    assert done.returncode == 1
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert "--local" in line and "configure AWS credentials" in line


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"id": "big", "x": "' + b"a" * MAX_FLOW_DOCUMENT_BYTES + b'"}', "at most 350000"),
        (b"this is not JSON", "the flow is not valid: not JSON: Expecting value"),
        (b"\xcc\xff{}", "not UTF-8 text"),
    ],
    ids=["oversized", "not-json", "not-utf8"],
)
def test_flow_load_of_a_bad_file_is_one_line(
    platform: Platform,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    content: bytes,
    message: str,
) -> None:
    path = tmp_path / "flow.json"
    path.write_bytes(content)
    code = main(["flow", "load", str(path), "--account", "acme"])
    captured = capsys.readouterr()
    assert code == 1 and captured.out == ""
    [line] = captured.err.splitlines()
    assert line.startswith("refused: ") and message in line


def test_flow_load_of_a_missing_file_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["flow", "load", "no-such-flow.json", "--account", "acme"]) == 1
    assert capsys.readouterr().err == (
        "refused: no-such-flow.json: cannot read it: No such file or directory\n"
    )


def test_flow_validate_reports_a_file_it_cannot_use_and_goes_on(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xcc\xff")
    good = ROOT / "flows" / "pull-message.json"
    assert main(["flow", "validate", str(binary), str(tmp_path / "gone.json"), str(good)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"{binary}: invalid: the flow document is not UTF-8 text")
    assert (
        lines[1] == f"{tmp_path / 'gone.json'}: invalid: cannot read it: No such file or directory"
    )
    assert lines[2].startswith(f"{good}: ok")
