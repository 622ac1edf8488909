"""The bench's size of the package before and after adding the Dialogflow client
(``bench.package``): GIVEN a small zip like the post-processed package, WHEN the entries of some
distributions are left out, THEN they are the files their RECORDs list plus the bytecode compiled
from them, and the sizes summed from the zip's directory are the sizes a zip without them has;
and ``DIALOGFLOW_CLIENT`` names exactly what requirements.txt's Google client alone requires."""

from __future__ import annotations

import importlib.metadata
import re
import zipfile
from pathlib import Path

from packaging.requirements import Requirement

from bench.package import DIALOGFLOW_CLIENT, distribution_entries, sizes_without

REPO = Path(__file__).resolve().parents[3]
CLIENT_REQUIREMENTS = {"google-cloud-dialogflow", "grpcio"}
"""The lines requirements.txt gained with the Dialogflow engine (docs/decisions/0029)."""

FILES = {
    "app.py": "import proto\n",
    "__pycache__/app.cpython-311.pyc": "pyc",
    "proto/__init__.py": "VALUE = 1\n" * 50,
    "proto/__pycache__/__init__.cpython-311.pyc": "pyc" * 20,
    "proto_plus-1.29.0.dist-info/METADATA": "Name: proto-plus\n",
    "proto_plus-1.29.0.dist-info/RECORD": (
        "proto/__init__.py,sha256=x,10\n"
        "proto_plus-1.29.0.dist-info/METADATA,,\n"
        "proto_plus-1.29.0.dist-info/RECORD,,\n"
    ),
    "requests/__init__.py": "VALUE = 2\n",
    "requests/__pycache__/__init__.cpython-311.pyc": "pyc",
    "requests-2.32.0.dist-info/RECORD": "requests/__init__.py,sha256=y,10\n",
}


def small_package(path: Path, files: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), files[name])
    return path


def test_a_distributions_entries_are_its_record_and_its_bytecode(tmp_path: Path) -> None:
    # GIVEN a package holding proto-plus and requests
    zip_path = small_package(tmp_path / "deployment.zip", FILES)
    # WHEN proto-plus's entries are asked for (by any spelling of its name)
    with zipfile.ZipFile(zip_path) as archive:
        entries = distribution_entries(archive, ("Proto_Plus",))
    # THEN they are its module, the bytecode beside it and its dist-info; nothing of the others
    assert entries == {
        "proto/__init__.py",
        "proto/__pycache__/__init__.cpython-311.pyc",
        "proto_plus-1.29.0.dist-info/METADATA",
        "proto_plus-1.29.0.dist-info/RECORD",
    }


def test_the_sizes_without_some_entries_are_a_zip_without_them(tmp_path: Path) -> None:
    # GIVEN the package, and the same package written without proto-plus
    zip_path = small_package(tmp_path / "deployment.zip", FILES)
    with zipfile.ZipFile(zip_path) as archive:
        client = distribution_entries(archive, ("proto-plus",))
    rest = {name: text for name, text in FILES.items() if name not in client}
    smaller = small_package(tmp_path / "smaller.zip", rest)
    # WHEN the sizes are summed from the zip's directory
    zipped, unzipped = sizes_without(zip_path, client)
    # THEN they are the smaller zip's, to the byte; and with nothing left out, the zip's own
    assert zipped * 1e6 == smaller.stat().st_size
    assert round(unzipped * 1e6) == sum(len(text.encode()) for text in rest.values())
    assert sizes_without(zip_path, set())[0] * 1e6 == zip_path.stat().st_size


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _closure(names: set[str]) -> set[str]:
    """The installed distributions ``names`` require, themselves included (extras followed)."""
    found: set[str] = set()
    pending = [(name, frozenset[str]()) for name in names]
    seen: set[tuple[str, frozenset[str]]] = set()
    while pending:
        name, extras = pending.pop()
        if (_normalized(name), extras) in seen:
            continue
        seen.add((_normalized(name), extras))
        found.add(_normalized(name))
        for line in importlib.metadata.requires(name) or []:
            requirement = Requirement(line)
            marker = requirement.marker
            if marker and not any(marker.evaluate({"extra": e}) for e in extras or {""}):
                continue
            pending.append((requirement.name, frozenset(requirement.extras)))
    return found


def test_the_client_list_is_what_only_the_google_client_requires() -> None:
    # GIVEN requirements.txt and the installed distributions' metadata (the venv installs them)
    lines = (REPO / "requirements.txt").read_text().splitlines()
    shipped = {
        _normalized(Requirement(line).name)
        for line in lines
        if line.strip() and not line.startswith("#")
    }
    assert shipped >= CLIENT_REQUIREMENTS
    # WHEN what the client requires is set against what the rest requires
    alone = _closure(CLIENT_REQUIREMENTS) - _closure(shipped - CLIENT_REQUIREMENTS)
    # THEN the bench's list is exactly that: its "before" is the package without the client
    assert {_normalized(name) for name in DIALOGFLOW_CLIENT} == alone
