"""Fixtures of the browser tests: the app served over real HTTP on loopback as ``make run``
serves it (``infra.local.app_server``, Chalice's local server, against moto in server mode,
``infra.local.moto``), with the tables provisioned as the local run does (``infra.local.stack``)
and test data put in through the services, once per session; and Debian's chromium driven by
Playwright (``/usr/bin/chromium``; ``make venv`` installs it). A missing chromium fails the
tests: a browser test that skips tests nothing.

Each test that changes an account uses an account of its own (``Site.accounts``), so the tests
pass in any order."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from portalkit import ACCOUNTS, CALL_SERVICE, PASSWORD, TAKEN_NUMBER, Site

from infra.local.moto import MotoProcess, free_port

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
DECK = (
    "prefix,destination,price_per_minute,connection_fee,first_increment,next_increment\n"
    "44,United Kingdom,0.10,0,60,60\n"
)


def _environment(moto_url: str, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_EC2_METADATA_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "RINGFLOW_STAGE": "local",
        "RINGFLOW_TABLE_PREFIX": "ringflow-local-",
        "RINGFLOW_AWS_ENDPOINT_URL": moto_url,
        "RINGFLOW_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "RINGFLOW_PORTAL_CALLBACK_SERVICE": CALL_SERVICE,
    }


def _history(account_id: str, day: int, key: str, name: str) -> Any:
    from chalicelib.store.callback_history import HistoryRow

    return HistoryRow(
        account_id=account_id,
        key=key,
        ended_at=datetime(2026, 11, day, 10, 0, tzinfo=UTC),
        call_id=f"call-{key}",
        user_number="447700900001",
        destination="447700900300",
        destination_name=name,
        seconds=95,
        charge=Decimal("0.32"),
        currency="EUR",
    )


def _seed(env: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """The accounts (one per test that changes one) and two vouchers, through the services;
    the store is bound back to what it was bound to before (other suites bind their own)."""
    from chalicelib.settings import from_environment
    from chalicelib.store import binding
    from chalicelib.wiring import Container
    from infra.local.stack import provision

    before = binding._bound
    try:
        container = Container(from_environment(env))
        provision(container.settings)
        billing = container.services("billing")
        billing.tariffs.load("retail", DECK)
        accounts = {name: f"3000000{i}" for i, name in enumerate(ACCOUNTS, start=1)}
        for account_id in accounts.values():
            billing.accounts.create(
                account_id,
                PASSWORD,
                currency="EUR",
                language="en-GB",
                tariff="retail",
                balance=Decimal("10.00"),
            )
        billing.accounts.register_caller(accounts["home"], TAKEN_NUMBER)
        history = container.services("callback").engine.history
        for name in ("home", "history"):
            history.add(_history(accounts[name], 1, f"{name}-a", "United Kingdom"))
            history.add(_history(accounts[name], 2, f"{name}-b", "=HYPERLINK(evil)"))
        history.add(_history(accounts["phone"], 1, "phone-a", "United Kingdom"))
        history.add(_history(accounts["phone"], 2, "phone-b", "United Kingdom Mobile"))
        _call_service(container, accounts["call"])
        expires = datetime.now(UTC) + timedelta(days=30)
        vouchers = billing.vouchers.generate("browser", 2, Decimal("5"), "EUR", expires)
        return accounts, [voucher.code for voucher in vouchers]
    finally:
        if before is not None:
            binding.bind(before)


def _call_service(container: Any, account_id: str) -> None:
    """A tenant with the callback flow, an access number and the web callback service the
    pages' "Call now" uses; the account's registered number."""
    from chalicelib.callback.access import AccessNumber, TriggerKind
    from chalicelib.callback.web import WebMode, WebService

    admin = container.admin
    admin.create_account("browser", "Browser", "en-GB")
    admin.load_flow("browser", (ROOT / "flows" / "callback.json").read_text())
    admin.set_listener("browser", "callback", True)
    admin.provision_number("browser", "447700900550")
    access = AccessNumber("447700900550", TriggerKind.ANI, tenant="browser", language="en-GB")
    container.services("callback").access_numbers.put(access)
    desk = WebService(CALL_SERVICE, "browser", "447700900550", (WebMode.EXTENDED,))
    container.services("callback").web.put(desk)
    container.services("billing").accounts.register_caller(account_id, "447700900551")


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """moto, the tables and the data, and the app over HTTP on free loopback ports."""
    state = tmp_path_factory.mktemp("portal-stack")
    moto = MotoProcess(log_path=state / "moto.log")
    moto_url = moto.start()
    app: subprocess.Popen[bytes] | None = None
    try:
        port = free_port()
        env = _environment(moto_url, port)
        accounts, vouchers = _seed(env)
        with (state / "app.log").open("ab") as log:
            app = subprocess.Popen(
                [sys.executable, "-m", "infra.local.app_server", "--port", str(port)],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            if app.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((state / "app.log").read_text()[-3000:])
            time.sleep(0.2)
        yield Site(url, accounts, vouchers, env)
    finally:
        if app is not None:
            app.terminate()
            try:
                app.wait(10)
            except subprocess.TimeoutExpired:
                app.kill()
                app.wait(5)
        moto.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's chromium, headless, through Playwright; stopped after each test module, as
    Playwright's sync API holds a running event loop on the main thread while it runs (the
    suites after this one start their own loops)."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: `make venv` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies) and page; confirm dialogs are accepted."""
    context = browser.new_context(accept_downloads=True)
    tab = context.new_page()
    tab.on("dialog", lambda dialog: dialog.accept())
    try:
        yield tab
    finally:
        context.close()
