"""Web callback services in DynamoDB: the ``callback_web_services`` table, one item per service
(key ``service_id``, the name in its public URL), with ``WebCallbackRepository``.

The store does not know the callback product's types: a service is kept as its tenant and its
configuration as compact JSON text (``StoredWebService``), which the product reads and writes.
Items and pynamodb exceptions never leave this module; each method's docstring gives its
DynamoDB requests. Imports pynamodb, the store's base helpers and the standard library; must not
import a product package. Part of ``store``, the only package that may import pynamodb.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from pynamodb.attributes import UnicodeAttribute
from pynamodb.constants import ALL_OLD, ATTRIBUTES
from pynamodb.exceptions import DoesNotExist, PynamoDBException

from chalicelib.store.base import condition_failed, translated
from chalicelib.store.binding import bound_settings
from chalicelib.store.registry import StoreItem

MAX_PAGE = 100
"""The most services one list request returns."""


class WebServiceItem(StoreItem):
    """A web callback service's configuration (``callback_web_services``)."""

    LOGICAL_NAME: ClassVar[str] = "callback_web_services"

    class Meta:
        table_name = "callback_web_services"

    service_id = UnicodeAttribute(hash_key=True)
    tenant = UnicodeAttribute()
    config = UnicodeAttribute()


@dataclass(frozen=True)
class StoredWebService:
    """A web callback service as stored: its id, tenant and configuration (JSON text)."""

    service_id: str
    tenant: str
    config: str


@dataclass(frozen=True)
class WebServicePage:
    """One page of services (sorted by id) and where the next starts (None: the last)."""

    items: tuple[StoredWebService, ...]
    next: str | None


def _stored(item: WebServiceItem) -> StoredWebService:
    return StoredWebService(item.service_id, item.tenant, item.config)


class WebCallbackRepository:
    """Web callback services' configurations."""

    def __init__(self) -> None:
        bound_settings()

    @translated
    def put(self, service: StoredWebService) -> bool:
        """Create or replace the service; True if it was new. 1 PutItem (its old image tells
        whether one was replaced)."""
        item = WebServiceItem(service.service_id, tenant=service.tenant, config=service.config)
        args, kwargs = item._get_save_args()
        kwargs["return_values"] = ALL_OLD
        old = item._get_connection().put_item(*args, **kwargs)
        return not old.get(ATTRIBUTES)

    @translated
    def find(self, service_id: str) -> StoredWebService | None:
        """The service, or None. 1 GetItem."""
        try:
            return _stored(WebServiceItem.get(service_id))
        except DoesNotExist:
            return None

    @translated
    def delete(self, service_id: str) -> bool:
        """Delete the service; True if there was one. 1 DeleteItem."""
        try:
            WebServiceItem(service_id).delete(condition=WebServiceItem.service_id.exists())
        except PynamoDBException as error:
            if condition_failed(error):
                return False
            raise
        return True

    @translated
    def list(self, limit: int = MAX_PAGE, after: str | None = None) -> WebServicePage:
        """Up to ``limit`` services after ``after`` (the previous page's ``next``): 1 Scan
        page (an operator's listing, never a request's path)."""
        if not 1 <= limit <= MAX_PAGE:
            raise ValueError(f"limit must be 1 to {MAX_PAGE}, got {limit}")
        start = None if after is None else {"service_id": {"S": after}}
        found = WebServiceItem.scan(limit=limit, last_evaluated_key=start)
        items = sorted((_stored(item) for item in found), key=lambda s: s.service_id)
        last = found.last_evaluated_key
        return WebServicePage(tuple(items), None if not last else str(last["service_id"]["S"]))
