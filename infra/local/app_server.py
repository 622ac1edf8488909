"""The app over HTTP for the local run: Chalice's own local server (``chalice.local``: API
Gateway's routing, authorizers and event shape, exactly what ``chalice local`` serves) started
from here instead of the ``chalice local`` command, so that it listens with a backlog
(``LISTEN_BACKLOG``) that takes the webhooks of hundreds of simultaneous calls; the command's
server keeps the standard library's backlog of 5, which resets bursts.

``python -m infra.local.app_server --host 127.0.0.1 --port 8000 --stage local`` loads the
project's ``app.py`` the way the command does (``CLIFactory``, the stage's environment variables
from ``.chalice/config.json``, the same route checks), serves until SIGTERM or Ctrl-C, and never
autoreloads. What API Gateway answers itself (an unknown route) is answered as the deployed API
does (``infra.local.gateway``). Imports the standard library and chalice; the app only through
chalice's loader.
Never imported by ``chalicelib``.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
LISTEN_BACKLOG = 1024


def build_server(host: str, port: int, stage: str = "local", project_dir: Path = ROOT) -> Any:
    """Chalice's ``LocalDevServer`` for ``project_dir``'s app on ``host:port`` (listening, not
    yet serving), its HTTP server class raised to ``LISTEN_BACKLOG``."""
    from chalice.cli.factory import CLIFactory
    from chalice.deploy.validate import validate_routes
    from chalice.local import (
        ChaliceRequestHandler,
        CustomLocalChalice,
        LocalChalice,
        LocalDevServer,
        LocalGatewayException,
        ThreadedHTTPServer,
    )

    from infra.local.gateway import gateway_answer

    class BackloggedServer(ThreadedHTTPServer):
        request_queue_size = LISTEN_BACKLOG

    class GatewayHandler(ChaliceRequestHandler):
        """Answers what API Gateway answers itself as the deployed API does (an unknown route
        is a 404 problem that never repeats the caller's Authorization header)."""

        def _send_error_response(self, error: LocalGatewayException) -> None:
            status, headers, body = gateway_answer(error.CODE, error.body)
            self._send_http_response(status, headers, body)

    factory = CLIFactory(str(project_dir), False, environ=os.environ)
    config = factory.create_config_obj(chalice_stage_name=stage)
    app = config.chalice_app
    validate_routes(app.routes)
    # What chalice.local.create_local_server does before it builds the server: the app object
    # gets a thread-local current_request, since requests are served on many threads.
    CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
    app.__class__ = CustomLocalChalice
    return LocalDevServer(
        app, config, host, port, handler_cls=GatewayHandler, server_cls=BackloggedServer
    )


def main(argv: list[str] | None = None) -> int:
    """Serve the app until SIGTERM or Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m infra.local.app_server", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--stage", default="local")
    args = parser.parse_args(argv)
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    server = build_server(args.host, args.port, args.stage)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    serving = threading.Thread(target=server.serve_forever, name="app-http", daemon=True)
    serving.start()
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    server.shutdown()
    server.server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
