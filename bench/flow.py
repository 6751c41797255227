"""The shopper widget's path over real HTTP: validate → spec → snapshot → preview → succeeded.

Used by the latency figures (one flow at a time) and by the bounded load (many at once). A flow
never raises for an HTTP answer: any unexpected status, transport error or timeout becomes the
flow's ``error``, so a load run counts failures instead of stopping at the first.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import requests

TIMEOUT_S = 60.0
MAX_THROTTLED = 5


class FlowError(Exception):
    """One step answered something else than the widget expects."""

    def __init__(self, step: str, detail: str) -> None:
        super().__init__(f"{step}: {detail}")
        self.step = step


@dataclass
class Client:
    """One brand's publishable key against one API, as the widget in a shop page holds it."""

    api_url: str
    key: str
    origin: str | None = None
    throttled: int = 0  # 429 answers honoured (waited Retry-After, sent again with the same key)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def headers(self, idempotent: bool = False) -> dict[str, str]:
        out = {"Authorization": f"Bearer {self.key}"}
        if self.origin:
            out["Origin"] = self.origin
        if idempotent:
            out["Idempotency-Key"] = uuid.uuid4().hex
        return out

    def call(
        self,
        step: str,
        method: str,
        path: str,
        payload: Any = None,
        expect: tuple[int, ...] = (200,),
    ) -> dict[str, Any]:
        """One request; a 429 is waited out (``Retry-After``) and retried, as the widget does."""
        headers = self.headers(idempotent=method == "POST")
        for _ in range(MAX_THROTTLED):
            try:
                response = requests.request(
                    method, self.api_url + path, json=payload, headers=headers, timeout=TIMEOUT_S
                )
            except requests.RequestException as exc:
                raise FlowError(step, f"{type(exc).__name__}: {exc}") from exc
            if response.status_code != 429:
                break
            with self._lock:
                self.throttled += 1
            time.sleep(float(response.headers.get("Retry-After", "1")) * random.uniform(0.5, 1.0))
        if response.status_code not in expect:
            raise FlowError(step, f"HTTP {response.status_code} {response.text[:300]}")
        return dict(response.json()) if response.content else {}


@dataclass
class Flow:
    """What one widget flow did and how long each step took (milliseconds)."""

    text: str
    ms: dict[str, float] = field(default_factory=dict)
    spec_hash: str = ""
    snapshot_id: str = ""
    render_id: str = ""
    polls: int = 0
    error: str | None = None

    @property
    def total_ms(self) -> float:
        return sum(self.ms.values())


def inputs(text: str) -> dict[str, Any]:
    return {"name": {"text": text}}


def run_flow(
    client: Client,
    product_id: str,
    text: str,
    *,
    poll_s: float = 0.02,
    max_poll_s: float = 0.02,
    deadline_s: float = 120.0,
) -> Flow:
    """The whole flow; polling starts every ``poll_s`` and backs off to ``max_poll_s``."""
    flow = Flow(text)
    started = time.monotonic()

    def step(name: str, method: str, path: str, payload: Any, expect: tuple[int, ...]) -> Any:
        began = time.perf_counter()
        answer = client.call(name, method, path, payload, expect)
        flow.ms[name] = flow.ms.get(name, 0.0) + (time.perf_counter() - began) * 1000
        return answer

    try:
        body = {"product_id": product_id, "inputs": inputs(text)}
        checked = step("validate", "POST", "/v1/personalization/validate", body, (200,))
        if not checked.get("valid"):
            raise FlowError("validate", f"inputs not valid: {checked.get('errors')}")
        flow.spec_hash = step("spec", "POST", "/v1/specs", body, (200, 201))["spec_hash"]
        snapshot = step("snapshot", "POST", "/v1/snapshots", {"spec_hash": flow.spec_hash}, (201,))
        flow.snapshot_id = snapshot["snapshot_id"]
        preview = {"snapshot_id": flow.snapshot_id}
        flow.render_id = step("preview", "POST", "/v1/renders/preview", preview, (202,))[
            "render_id"
        ]
        _wait_succeeded(client, flow, started + deadline_s, poll_s, max_poll_s)
    except FlowError as exc:
        flow.error = str(exc)
    return flow


def _wait_succeeded(
    client: Client, flow: Flow, deadline: float, poll_s: float, cap_s: float
) -> None:
    began = time.perf_counter()
    wait = poll_s
    while True:
        time.sleep(wait)
        flow.polls += 1
        status = client.call("poll", "GET", f"/v1/renders/{flow.render_id}")
        if status["status"] == "succeeded":
            break
        if status["status"] == "failed":
            raise FlowError("poll", f"render failed: {status.get('error')}")
        if time.monotonic() > deadline:
            raise FlowError("poll", f"render still {status['status']} at the deadline")
        wait = min(cap_s, wait * 1.5)
    flow.ms["rendered"] = (time.perf_counter() - began) * 1000
