"""The API for the local stack: chalice's local gateway, served like Lambda serves it.

Each worker process handles one request at a time, as a Lambda container does, and several
workers share one listening socket, as concurrent containers share API Gateway. This matters:
``chalice local``'s threaded server runs requests concurrently in one process, and Chalice keeps
the current request on the app object, so concurrent requests can read each other's headers and
bodies, which never happens on Lambda. Request handling is chalice's own
(``chalice.local.ChaliceRequestHandler``: routing, stage environment, event shape).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import signal
import socket
import sys
from http.server import HTTPServer
from typing import Any

from chalice.cli.factory import CLIFactory
from chalice.local import ChaliceRequestHandler

from local.stack import ROOT

BACKLOG = 512


class OneRequestPerConnection(ChaliceRequestHandler):
    """chalice's handler, closing the connection after each answer.

    A worker serves one connection at a time; with HTTP/1.1 keep-alive an idle client would hold
    it (and, with every worker held, the whole API) until it hung up. API Gateway gives each
    invocation its own request, so nothing here needs a kept-alive connection.
    """

    protocol_version = "HTTP/1.0"
    timeout = 30  # a client that stops sending mid-request frees the worker

    def __getattr__(self, name: str) -> Any:
        """Any other method (TRACE, QUERY, ...) goes through chalice's router too and gets the
        gateway's 405, as on API Gateway, rather than http.server's bare 501."""
        if name.startswith("do_"):
            return self._generic_handle
        raise AttributeError(name)


def warm_up() -> None:
    """Create AWS clients and load the bundled fonts before the first request (no network).

    Lambda pays lazy creation once per container; here it would be paid by the first requests
    of every worker at once.
    """
    from chalicelib import aws, fonts, resources

    for model in resources.TABLES:
        model._get_connection().connection.client  # noqa: B018  (property creates the client)
    for service in ("s3", "sqs", "dynamodb"):
        aws.client(service)
    for info in fonts.list_fonts():
        fonts.get_font(info.font_id)


class QuietServer(HTTPServer):
    """A client that hung up before its answer (a probe that timed out) is not an error here."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], BrokenPipeError | ConnectionResetError):
            return
        super().handle_error(request, client_address)


def _serve(listener: socket.socket, handler: Any) -> None:
    server = QuietServer(listener.getsockname(), handler, bind_and_activate=False)
    server.socket = listener
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when workers stop
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    server.serve_forever()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--stage", default="dev")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("ATELIER_WORKERS", "4")))
    args = parser.parse_args()
    config = CLIFactory(project_dir=str(ROOT), environ=os.environ).create_config_obj(
        chalice_stage_name=args.stage
    )
    handler = functools.partial(
        OneRequestPerConnection, app_object=config.chalice_app, config=config
    )
    listener = socket.create_server((args.host, args.port), backlog=BACKLOG)
    children = []
    for _ in range(max(1, args.workers)):
        pid = os.fork()
        if pid == 0:  # worker: its own AWS clients and connections, created after the fork
            warm_up()
            _serve(listener, handler)
            os._exit(0)
        children.append(pid)
    print(f"Serving on http://{args.host}:{args.port} ({len(children)} workers)", flush=True)

    def stop(code: int) -> None:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        for pid in children:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        sys.exit(code)

    signal.signal(signal.SIGTERM, lambda *_: stop(0))
    signal.signal(signal.SIGINT, lambda *_: stop(0))
    os.wait()  # a worker died on its own: stop the rest so the stack notices
    stop(1)
    return 1


if __name__ == "__main__":
    sys.exit(main())
