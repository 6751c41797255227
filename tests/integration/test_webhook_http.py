"""The webhook sender over real loopback HTTP: 3xx is not followed, slow receivers time out,
and outside local/dev the target is checked again right before the POST."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from chalicelib.jobs.webhook_http import post
from local.harness import free_port


class Target:
    """A server whose answers are set per path: (status, delay_s, extra headers)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.hits: list[str] = []
        self.answers: dict[str, tuple[int, float, dict[str, str]]] = {}
        target = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                target.hits.append(self.path)
                status, delay, headers = target.answers.get(self.path, (200, 0.0, {}))
                time.sleep(delay)
                self.send_response(status)
                for name, value in {**headers, "Content-Length": "0"}.items():
                    self.send_header(name, value)
                self.end_headers()

            do_GET = do_POST

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
def target() -> Iterator[Target]:
    running = Target()
    yield running
    running.server.shutdown()
    running.server.server_close()


def test_a_2xx_is_success_with_its_latency(target: Target) -> None:
    target.answers["/ok"] = (204, 0.0, {})
    outcome = post(target.url("/ok"), b"{}", {"Content-Type": "application/json"}, 5)
    assert outcome.ok and outcome.status_code == 204 and outcome.error is None
    assert outcome.latency_ms > 0


def test_a_redirect_is_a_failure_and_is_not_followed(target: Target) -> None:
    target.answers["/moved"] = (307, 0.0, {"Location": target.url("/elsewhere")})
    outcome = post(target.url("/moved"), b"{}", {}, 5)
    assert not outcome.ok and outcome.status_code == 307
    assert target.hits == ["/moved"]


def test_a_slow_receiver_times_out(target: Target) -> None:
    target.answers["/slow"] = (200, 1.5, {})
    outcome = post(target.url("/slow"), b"{}", {}, 0.5)
    assert not outcome.ok and outcome.status_code is None
    assert outcome.error is not None and "timed out" in outcome.error


def test_strict_policy_refuses_a_private_target_without_connecting(
    target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATELIER_WEBHOOK_URL_POLICY", "strict")
    outcome = post(target.url("/inside"), b"{}", {}, 5)
    assert outcome.status_code is None and outcome.error is not None
    assert "private" in outcome.error and target.hits == []
