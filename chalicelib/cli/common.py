"""What every ``ringflow`` command module shares: the container of the stage the environment
names (built on first use, so ``--local`` can point the environment first) and JSON output.
Imports the wiring lazily only.
"""

from __future__ import annotations

import json
from typing import Any


def container() -> Any:
    """The composition root of the stage the environment names."""
    from chalicelib.wiring import container as built

    return built()


def print_json(data: Any) -> None:
    """``data`` as indented JSON on stdout."""
    print(json.dumps(data, indent=2, default=str))
