"""The do-not-call list for tests written before the campaigns product is installed: its table
(``store.do_not_call``) created and bound on the moto in use, and the campaigns routes served by
an app of the test's own, without leaving either behind for the suite's other tests (which
compare the list of tables with the installed products' and the documented routes with the
app's).

Importing ``chalicelib.store.do_not_call`` registers its table; importing
``chalicelib.campaigns.dnc_routes`` documents its routes in ``web.openapi.OPERATIONS``. When no
installed product has done so, this kit does it, then unregisters the table and takes the
routes out of the document at the end of each test; once the campaigns product installs them
both, it leaves them alone (and serves the routes from the platform's own app)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from chalicelib.settings import Settings

_OUR_OPERATIONS: list[Any] = []


def campaigns_installed() -> bool:
    """Whether the deployment installs a ``campaigns`` product."""
    from chalicelib.products import installed

    return any(product.name == "campaigns" for product in installed())


@contextmanager
def do_not_call_table(settings: Settings) -> Iterator[type[Any]]:
    """The ``do_not_call`` table on the moto in use (the store bound to ``settings``), created
    and bound; its model is unregistered afterwards unless a product registers it."""
    from chalicelib.store.binding import bind_model, shared_connection
    from chalicelib.store.do_not_call import DoNotCallItem
    from chalicelib.store.registry import registered, unregister
    from chalicelib.store.tables import table_definition

    ours = not campaigns_installed()
    if ours:
        unregister(DoNotCallItem)
    bind_model(DoNotCallItem, settings, shared_connection())
    name = settings.table(DoNotCallItem.LOGICAL_NAME)
    client = shared_connection().client
    if name not in client.list_tables()["TableNames"]:
        client.create_table(**table_definition(DoNotCallItem, name))
    try:
        yield DoNotCallItem
    finally:
        if ours:
            unregister(DoNotCallItem)
            assert DoNotCallItem not in registered()


@contextmanager
def documented_routes() -> Iterator[None]:
    """``campaigns.dnc_routes`` imported and its operations documented for the block only
    (unless the campaigns product is installed: then they stay, as the app serves them)."""
    from chalicelib.web.openapi import OPERATIONS

    before = list(OPERATIONS)
    import chalicelib.campaigns.dnc_routes  # noqa: F401 - registers the routes

    if not _OUR_OPERATIONS:
        _OUR_OPERATIONS.extend(op for op in OPERATIONS if op not in before)
    if campaigns_installed():
        yield
        return
    OPERATIONS.extend(op for op in _OUR_OPERATIONS if op not in OPERATIONS)
    try:
        yield
    finally:
        for op in _OUR_OPERATIONS:
            while op in OPERATIONS:
                OPERATIONS.remove(op)


@dataclass
class CampaignServices:
    """What the campaigns product's services give these tests: the do-not-call list."""

    do_not_call: Any


def campaigns_product(clock: Any = None) -> Any:
    """A ``campaigns`` product with the do-not-call list only, for a container of the test's
    own (the real one adds the rest)."""
    from chalicelib.campaigns.dnc import DoNotCall
    from chalicelib.products import Product

    def services(container: Any) -> CampaignServices:
        from chalicelib.store.do_not_call import DoNotCallRepository

        _ = container.store  # bound first
        return CampaignServices(DoNotCall(DoNotCallRepository(), clock or container.clock))

    return Product(name="campaigns", services=services)


_APP: list[Any] = []


def serving_app() -> Any:
    """A Chalice app serving the ``campaigns`` blueprint, with the platform's REST error
    handling (Chalice's own errors as problems). One per process: Chalice registers a
    blueprint's routes on one app only (a second registration loses their methods)."""
    if _APP:
        return _APP[0]
    from chalice.app import Chalice

    from chalicelib.campaigns.routes import campaigns
    from chalicelib.web.problems import as_problem

    app = Chalice(app_name="ringflow-dnc-test")
    app.register_blueprint(campaigns)

    @app.middleware("http")
    def rest_errors_are_problems(request: Any, get_response: Any) -> Any:
        return as_problem(request.path, get_response(request))

    _APP.append(app)
    return app
