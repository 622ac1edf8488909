"""The architecture's import rules, read from the source with ``ast`` (every import, also the
lazy ones inside functions): GIVEN the code that ships, THEN only ``store/`` imports pynamodb,
only ``telephony/vonage/`` imports the vonage SDK, ``flows/`` (the pure engine) imports no shell,
store, web, carrier, simulator or network module, the simulator imports none of the app's
modules, in ``web/`` no route module imports another (nor a shared module any), the
product-neutral core imports no product package, and the error hierarchy imports nothing of the
platform."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHALICELIB = ROOT / "chalicelib"
VONAGE_SDK = ("vonage", "vonage_voice", "vonage_sms", "vonage_http_client", "vonage_jwt")


def imported(path: Path) -> set[str]:
    """Every absolute module name ``path`` imports, at any depth of its code."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def modules(under: str = "") -> list[Path]:
    return sorted((CHALICELIB / under).rglob("*.py"))


def within(path: Path, folder: str) -> bool:
    return path.is_relative_to(CHALICELIB / folder)


def breaches(paths: list[Path], forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in paths:
        bad = sorted(
            name
            for name in imported(path)
            if any(name == prefix or name.startswith(prefix + ".") for prefix in forbidden)
        )
        if bad:
            found[str(path.relative_to(ROOT))] = bad
    return found


def test_the_rules_see_lazy_imports_too(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from pynamodb.models import Model\n    import vonage\n")
    assert {"pynamodb.models", "vonage"} <= imported(sample)


def test_only_the_store_imports_pynamodb() -> None:
    outside = [path for path in modules() if not within(path, "store")]
    assert breaches(outside, ("pynamodb",)) == {}


def test_only_the_vonage_adapter_imports_the_vonage_sdk() -> None:
    outside = [path for path in modules() if not within(path, "telephony/vonage")]
    assert breaches(outside, VONAGE_SDK) == {}


@pytest.mark.parametrize(
    "forbidden",
    [
        "chalicelib.calls",
        "chalicelib.store",
        "chalicelib.web",
        "chalicelib.wiring",
        "chalicelib.telephony.vonage",
        "chalicelib.simulator",
        "chalicelib.accounts",
        "pynamodb",
        "boto3",
        "botocore",
        "urllib3",
        "requests",
        "socket",
        "http.client",
    ],
)
def test_the_flow_engine_imports_no_shell_store_web_carrier_or_simulator(forbidden: str) -> None:
    assert breaches(modules("flows"), (forbidden,)) == {}


def test_the_simulator_imports_none_of_the_apps_modules() -> None:
    app_side = (
        "app",
        "chalicelib.web",
        "chalicelib.wiring",
        "chalicelib.calls",
        "chalicelib.store",
        "chalicelib.accounts",
        "chalicelib.flows",
    )
    assert breaches(modules("simulator"), app_side) == {}


CORE = ("flows", "calls", "telephony", "accounts", "messaging", "mail", "ops", "store", "web")
"""The product-neutral core: products ride on it and it names none of them."""
CORE_PACKAGES = {f"chalicelib.{name}" for name in (*CORE, "simulator", "cli")} | {
    "chalicelib.errors",
    "chalicelib.settings",
    "chalicelib.wiring",
    "chalicelib.products",
}


def test_the_core_imports_no_product_package() -> None:
    # a product's package is any chalicelib package that is not the core: the core never
    # imports one (products are found through chalicelib.products at composition)
    for path in [p for name in CORE for p in modules(name)]:
        outside = sorted(
            name
            for name in imported(path)
            if name.startswith("chalicelib.")
            and not any(name == core or name.startswith(core + ".") for core in CORE_PACKAGES)
        )
        assert outside == [], f"{path.relative_to(ROOT)} imports {outside}"


def test_the_error_hierarchy_imports_nothing_of_the_platform() -> None:
    assert not {n for n in imported(CHALICELIB / "errors.py") if n.startswith("chalicelib")}


WEB_ROUTES = ("api", "operator", "voice", "sms")
"""The web modules owning a blueprint; the others (rest, schemas, openapi, problems) are shared."""


def test_the_web_layer_imports_neither_pynamodb_nor_the_store() -> None:
    assert breaches(modules("web"), ("pynamodb", "chalicelib.store")) == {}


def test_no_web_route_module_imports_another_and_the_shared_ones_import_none() -> None:
    for path in modules("web"):
        others = tuple(f"chalicelib.web.{name}" for name in WEB_ROUTES if name != path.stem)
        assert breaches([path], others) == {}


def test_a_parsed_mail_needs_nothing_but_the_standard_library() -> None:
    # the mail parser is pure: the campaigns' upload and the callback's commands share it
    stdlib = {"__future__", "contextlib", "dataclasses", "email", "html", "re", "typing"}
    for module in ("message.py", "mime.py"):
        names = imported(CHALICELIB / "mail" / module)
        outside = {n for n in names if n.split(".")[0] not in stdlib}
        assert {n for n in outside if not n.startswith("chalicelib.mail.")} == set(), module
