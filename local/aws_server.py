"""The local AWS: moto's server app over real HTTP, with DynamoDB calls serialized.

moto applies ``TransactWriteItems`` item by item and, on a failed condition, restores a copy of
the whole table taken before it started; with concurrent requests that rollback erases other
clients' committed writes (an idempotency claim, another spec). Real DynamoDB isolates
transactions, so the local stack serializes DynamoDB requests to get the same semantics. Other
services (SQS long polls above all) stay concurrent.

moto also accepts any browser-style POST upload whatever its signed policy says; S3 does not, so
POST uploads are checked against their policy first (:mod:`local.s3_post_policy`).

With ``--state-dir`` the data survives a restart (:mod:`local.aws_state`).
"""

from __future__ import annotations

import argparse
import io
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.formparser import parse_form_data
from werkzeug.serving import run_simple

from local import aws_state, s3_post_policy
from local.aws_state import LocalAwsState

WsgiApp = Callable[[dict[str, Any], Any], Iterable[bytes]]


class SerializedDynamoDB:
    """WSGI middleware: one DynamoDB request at a time, everything else in parallel.

    With a state directory it also serializes S3 writes and tells :class:`LocalAwsState` which
    services each request changed; a snapshot of DynamoDB or S3 takes the same lock, so it never
    sees half a transaction or half an upload.
    """

    def __init__(self, app: WsgiApp, state: LocalAwsState | None = None) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.s3_writes = threading.Lock()
        self.state = state
        if state is not None:
            state.locks.update(dynamodb=self.lock, s3=self.s3_writes)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        service, changes = aws_state.classify(environ)
        if service == "dynamodb":
            lock: threading.Lock | None = self.lock
        elif service == "s3" and changes and self.state is not None:
            lock = self.s3_writes
        else:
            lock = None
        if lock is None and not changes:
            return self.app(environ, start_response)
        try:
            if lock is None:
                return list(self.app(environ, start_response))
            with lock:
                return list(self.app(environ, start_response))
        finally:
            if self.state is not None:
                self.state.changed(changes)


class EnforcedPostPolicy:
    """WSGI middleware: a POST upload to ``/<bucket>`` must satisfy its policy, as on S3."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", "")).strip("/")
        is_upload = (
            environ.get("REQUEST_METHOD") == "POST"
            and path
            and "/" not in path
            and str(environ.get("CONTENT_TYPE", "")).startswith("multipart/form-data")
        )
        if not is_upload:
            return self.app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        probe = dict(environ, **{"wsgi.input": io.BytesIO(raw)})
        _, form, files = parse_form_data(probe)
        upload = files.get("file")
        size = len(upload.read()) if upload is not None else 0
        refusal = s3_post_policy.check(
            {k: str(v) for k, v in form.items()},
            size,
            bucket=path,
            secret_key=os.environ.get("AWS_SECRET_ACCESS_KEY", ""),
            now=datetime.now(UTC),
        )
        if refusal is not None:
            body = refusal.xml()
            start_response(
                f"{refusal.status} {refusal.code}",
                [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))],
            )
            return [body]
        environ["wsgi.input"] = io.BytesIO(raw)
        return self.app(environ, start_response)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5055)
    parser.add_argument(
        "--state-dir",
        type=Path,
        help="keep the data here across restarts (restored at start, saved as it changes)",
    )
    args = parser.parse_args()
    os.environ.setdefault("MOTO_PORT", str(args.port))
    state = None
    if args.state_dir is not None:
        state = LocalAwsState(args.state_dir)
        try:
            restored = state.restore()
        except aws_state.StateError as exc:
            print(f"atelier: {exc}", file=sys.stderr, flush=True)
            return 2
        print(f"local AWS: restored {', '.join(restored) or 'nothing'} from {args.state_dir}")
        state.start()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    app = DomainDispatcherApplication(create_backend_app)
    try:
        run_simple(
            args.host,
            args.port,
            EnforcedPostPolicy(SerializedDynamoDB(app, state)),
            threaded=True,
            request_handler=MotoRequestHandler,
        )
    finally:
        if state is not None:
            state.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
