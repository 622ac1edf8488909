"""One botocore data loader for the whole process: every botocore session made here (the
container's boto3 clients, the store's pynamodb connection, the local stack's provisioning) reads
a service's model and endpoints once, not once per session (about 70 ms a client). Imports
botocore and boto3 lazily; nothing from the rest of the platform.
"""

from __future__ import annotations

import threading
from typing import Any

_loader: Any = None
_lock = threading.Lock()


def botocore_session() -> Any:
    """A new botocore session (its own credentials and config) sharing the process's loader."""
    global _loader  # noqa: PLW0603 - the one loader of the process
    from botocore.session import get_session

    session = get_session()
    with _lock:
        if _loader is None:
            _loader = session.get_component("data_loader")
        else:
            session.register_component("data_loader", _loader)
    return session


def boto3_session(region: str) -> Any:
    """A boto3 session in ``region`` on a botocore session sharing the process's loader."""
    import boto3

    return boto3.session.Session(botocore_session=botocore_session(), region_name=region)
