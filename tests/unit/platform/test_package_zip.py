"""The package's post-processing on a small zip: GIVEN a package like Chalice's, WHEN it is
post-processed, THEN the stripped data is gone (of the Google client, only what never loads),
every module has unchecked-hash bytecode that Python uses without looking at the source, the
result does not depend on when it was built, and the wrong interpreter version or runtime is
refused with a clear error."""

from __future__ import annotations

import marshal
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from infra.package import PackagingError, post_process, runtime_version, stripped

HERE = sys.version_info[:2]
FILES = {
    "app.py": "from pkg.mod import VALUE\n",
    "pkg/__init__.py": "",
    "pkg/mod.py": "VALUE = 1\n",
    "pkg/data.json": "{}",
    "broken/py2.py": "print 'hello'\n",
    "phonenumbers/__init__.py": "",
    "phonenumbers/geodata/__init__.py": "GEOCODE_DATA = {}\n",
    "phonenumbers/carrierdata/data0.py": "CARRIER_DATA = {}\n",
    "phonenumbers/tzdata/data0.py": "TIMEZONE_DATA = {}\n",
    "aws_lambda_powertools/event_handler/openapi/swagger_ui/html.py": "HTML = ''\n",
    "aws_lambda_powertools/event_handler/openapi/swagger_ui/swagger-ui-bundle.min.js": "x",
}


def chalice_like_zip(path: Path, files: dict[str, str] = FILES) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


def test_post_processing_strips_the_unused_data_and_compiles_every_module(
    tmp_path: Path,
) -> None:
    # GIVEN a package with modules, data, a file that does not compile and strippable data
    zip_path = chalice_like_zip(tmp_path / "deployment.zip")
    # WHEN post-processed for this interpreter's version
    done = post_process(zip_path, HERE)
    names = set(zipfile.ZipFile(zip_path).namelist())
    tag = sys.implementation.cache_tag
    # THEN the stripped data is gone (the swagger module stays, its assets go)
    assert {"phonenumbers/geodata/__init__.py", "phonenumbers/carrierdata/data0.py"} <= names
    assert "phonenumbers/tzdata/data0.py" in names
    assert "aws_lambda_powertools/event_handler/openapi/swagger_ui/html.py" in names
    assert not [n for n in names if n.endswith(".js")]
    assert done.stripped_files == 1
    # AND every module that compiles has its pyc beside it; the one that does not is listed
    assert {f"__pycache__/app.{tag}.pyc", f"pkg/__pycache__/mod.{tag}.pyc"} <= names
    assert f"pkg/__pycache__/__init__.{tag}.pyc" in names
    assert done.not_compiled == ["broken/py2.py"]
    assert "broken/py2.py" in names and "pkg/data.json" in names


@pytest.mark.parametrize(
    ("name", "dropped"),
    [
        ("google/cloud/dialogflow_v2beta1/__init__.py", True),
        ("google/cloud/dialogflow_v2beta1/services/sessions/client.py", True),
        ("google/cloud/dialogflow/__init__.py", True),
        ("google/cloud/dialogflow/gapic_version.py", True),
        ("google/api/http.proto", True),
        ("google/api/http_pb2.pyi", True),
        # what the engine loads stays: the v2 client, the compiled descriptors, gRPC's roots
        ("google/cloud/dialogflow_v2/__init__.py", False),
        ("google/cloud/dialogflow_v2/services/sessions/client.py", False),
        ("google/cloud/dialogflow_v2/gapic_metadata.json", False),
        ("google/api/http_pb2.py", False),
        ("google/protobuf/struct_pb2.py", False),
        ("google/_upb/_message.abi3.so", False),
        ("grpc/_cython/_credentials/roots.pem", False),
        ("google_cloud_dialogflow-2.54.0.dist-info/METADATA", False),
        # the stubs of other libraries are not Google's to strip
        ("cryptography/hazmat/bindings/_rust/__init__.pyi", False),
    ],
)
def test_the_dialogflow_clients_unused_parts_are_stripped(name: str, dropped: bool) -> None:
    # GIVEN an archive path of the Google client WHEN asked THEN only what never loads is dropped
    assert stripped(name) is dropped


@pytest.mark.parametrize(
    ("name", "dropped"),
    [
        # all of phonenumbers ships: click-to-call's direction reads the geocoder's and the
        # carrier's data, campaigns a contact's local time (0002)
        ("phonenumbers/geodata/data0.py", False),
        ("phonenumbers/geodata/__init__.py", False),
        ("phonenumbers/carrierdata/data0.py", False),
        ("phonenumbers/tzdata/__init__.py", False),
        ("phonenumbers/tzdata/data0.py", False),
        ("phonenumbers/timezone.py", False),
        ("phonenumbers/data/__init__.py", False),
    ],
)
def test_phonenumbers_ships_whole(name: str, dropped: bool) -> None:
    # GIVEN an archive path of phonenumbers WHEN asked THEN it is kept
    assert stripped(name) is dropped


def test_python_uses_the_bytecode_without_checking_the_source(tmp_path: Path) -> None:
    # GIVEN a post-processed package, unpacked, whose module source then changes (new
    # contents, new mtime: what a check against the source would notice)
    zip_path = chalice_like_zip(tmp_path / "deployment.zip")
    post_process(zip_path, HERE)
    task = tmp_path / "task"
    zipfile.ZipFile(zip_path).extractall(task)
    (task / "pkg" / "mod.py").write_text("VALUE = 2\n")
    os.utime(task / "pkg" / "mod.py", (1, 1))
    # WHEN a fresh interpreter imports it (no bytecode writes, like Lambda's read-only /var/task)
    probe = f"import sys; sys.path.insert(0, {str(task)!r}); import app; print(app.VALUE)"
    out = subprocess.run(
        [sys.executable, "-I", "-B", "-c", probe], capture_output=True, text=True, check=True
    )
    # THEN it ran the shipped bytecode: the unchecked-hash pyc was used as it is
    assert out.stdout.strip() == "1"


def test_the_result_depends_only_on_the_contents(tmp_path: Path) -> None:
    # GIVEN the same package built twice, a while apart
    first = chalice_like_zip(tmp_path / "one.zip")
    post_process(first, HERE)
    second = chalice_like_zip(tmp_path / "two.zip")
    os.utime(second, (1, 1))
    # WHEN both are post-processed THEN they hold the same entries, in the same order, with the
    # same dates and the same contents. (Bytecode is compared as code: marshal writes a shared
    # object as a reference or not by its reference count, which differs between two compiles in
    # one process; ``make package`` compiles in a fresh process each time, and two real builds
    # were byte for byte the same.)
    post_process(second, HERE)
    one, two = zipfile.ZipFile(first), zipfile.ZipFile(second)
    assert [(i.filename, i.date_time) for i in one.infolist()] == [
        (i.filename, i.date_time) for i in two.infolist()
    ]
    for name in one.namelist():
        a, b = one.read(name), two.read(name)
        if name.endswith(".pyc"):
            assert a[:16] == b[:16] and marshal.loads(a[16:]) == marshal.loads(b[16:]), name
        else:
            assert a == b, name
    infos = zipfile.ZipFile(first).infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)


def test_another_python_version_is_refused(tmp_path: Path) -> None:
    # GIVEN a package for a runtime one minor version away from this interpreter
    zip_path = chalice_like_zip(tmp_path / "deployment.zip")
    before = zip_path.read_bytes()
    other = (HERE[0], HERE[1] + 1)
    # WHEN post-processed THEN it is refused, saying which versions, and left as it was
    with pytest.raises(PackagingError, match=rf"Python {other[0]}\.{other[1]}.*bytecode"):
        post_process(zip_path, other)
    assert zip_path.read_bytes() == before


def test_the_runtime_is_read_from_the_template() -> None:
    # GIVEN templates as Chalice writes them
    def function(runtime: str | None) -> dict[str, object]:
        properties = {"Runtime": runtime} if runtime else {}
        return {"Type": "AWS::Serverless::Function", "Properties": properties}

    one = {"Resources": {"A": function("python3.11"), "B": function("python3.11")}}
    globals_only = {
        "Globals": {"Function": {"Runtime": "python3.12"}},
        "Resources": {"A": function(None)},
    }
    mixed = {"Resources": {"A": function("python3.11"), "B": function("python3.12")}}
    # THEN one runtime for all functions is read, and mixed or foreign ones are refused
    assert runtime_version(one) == (3, 11)
    assert runtime_version(globals_only) == (3, 12)
    with pytest.raises(PackagingError, match="one Python runtime"):
        runtime_version(mixed)
    with pytest.raises(PackagingError, match="not a Python runtime"):
        runtime_version({"Resources": {"A": function("nodejs20.x")}})
