"""Where the running local stack is: the environment ``make run`` writes to ``.local/env.json``
(the AWS endpoint, the app's and the simulator's URLs, the simulator's CA), which ``--local``
puts in this process's environment for any command, ``ringflow sim ...`` included.

Imports only the standard library, so that the simulator's CLI can use it; never the app.
"""

from __future__ import annotations

import json
import os
from pathlib import Path


class LocalStackError(RuntimeError):
    """The local stack's environment file cannot be read; ``str()`` says what to do."""


def env_file() -> Path:
    """``$RINGFLOW_LOCAL_DIR/env.json`` (default ``.local/env.json``)."""
    return Path(os.environ.get("RINGFLOW_LOCAL_DIR", ".local")) / "env.json"


def use_local_stack() -> None:
    """Put the running local stack's environment in this process's; ``LocalStackError`` if
    there is none."""
    path = env_file()
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise LocalStackError(f"cannot read {path} ({error}); is `make run` running?") from None
    if not isinstance(values, dict):
        raise LocalStackError(f"{path} is not a JSON object; restart `make run`")
    os.environ.update({str(key): str(value) for key, value in values.items()})
