"""A tiny webhook receiver for ``make run``: verifies Atelier signatures and prints each event.

    python -m local.receiver --port 9000 --secret whsec_...

Point an endpoint at ``http://127.0.0.1:9000/`` (http and loopback are allowed on local/dev).
It answers 2xx to a valid signature and 400 to anything else, dedupes on the event id as a real
receiver should, and can be told to fail its first answers (``--fail 2``) to watch retries.
Tests use :class:`Receiver` directly, in a thread.
"""

from __future__ import annotations

import argparse
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from chalicelib.webhook_signature import verify


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    verified: bool
    answered: int

    @property
    def event(self) -> dict[str, Any]:
        return dict(json.loads(self.body))


@dataclass
class Receiver:
    """Records every POST; answers ``script`` in order first (e.g. [500, 500]), then 200."""

    port: int
    secret: str
    script: list[int] = field(default_factory=list)
    echo: Callable[[str], None] | None = None
    verbose: bool = False
    received: list[Received] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def answer(self, headers: dict[str, str], body: bytes) -> int:
        ok = verify(body, headers.get("Atelier-Signature", ""), self.secret)
        with self.lock:
            status = (self.script.pop(0) if self.script else 200) if ok else 400
            self.received.append(Received(headers, body, ok, status))
            event_id = headers.get("Atelier-Event-Id", "")
            duplicate = event_id in self.seen
            if ok and 200 <= status < 300:
                self.seen.add(event_id)
        if self.echo is not None:
            self.echo(describe(body, ok, status, duplicate, self.verbose))
        return status

    def delivered(self) -> list[dict[str, Any]]:
        """Events answered 2xx with a valid signature, first delivery of each only."""
        out, seen = [], set()
        with self.lock:
            for r in self.received:
                if r.verified and 200 <= r.answered < 300 and r.event["id"] not in seen:
                    seen.add(r.event["id"])
                    out.append(r.event)
        return out

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status = receiver.answer(dict(self.headers.items()), body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return  # one line per event is printed by ``answer``

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def describe(body: bytes, verified: bool, status: int, duplicate: bool, verbose: bool) -> str:
    """One line per delivery: verdict, answer, event id and type, the resource's id."""
    if not verified:
        return f"✗ signature invalid → {status}"
    event = json.loads(body)
    obj = event.get("data", {}).get("object", {})
    resource = next((v for k, v in obj.items() if k.endswith("_id")), "")
    dup = " (duplicate: already handled)" if duplicate else ""
    line = f"✓ {status} {event['id']} {event['type']} {resource}{dup}"
    return line + ("\n" + json.dumps(event, indent=2, ensure_ascii=False) if verbose else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--secret", required=True, help="the endpoint's whsec_… secret")
    parser.add_argument("--fail", type=int, default=0, help="answer 500 to the first N posts")
    parser.add_argument("--verbose", action="store_true", help="also print each event's JSON")
    args = parser.parse_args(argv)

    def echo(line: str) -> None:
        print(line, flush=True)

    receiver = Receiver(
        args.port, args.secret, script=[500] * args.fail, echo=echo, verbose=args.verbose
    ).start()
    print(f"receiving on {receiver.url} (Ctrl-C stops)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        receiver.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
