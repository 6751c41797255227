"""End-to-end preview latency on the local stack: POST /v1/renders/preview → succeeded.

Starts the local stack (what ``make run`` runs), then for N designs walks the widget's path
(spec → snapshot → preview) and polls the render until it succeeds. Prints p50/p95 of the
preview alone and of the whole flow; writes ``bench/results/preview_latency.json``.
Run: ``.venv/bin/python -m bench.preview_latency [N]``.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import requests

from local.harness import Stack, start_stack, stop_stack

RESULTS = Path(__file__).resolve().parent / "results"


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def one_flow(stack: Stack, text: str) -> tuple[float, float]:
    headers = {"Authorization": f"Bearer {stack.demo['publishable_key']}"}

    def post(path: str, payload: dict[str, Any]) -> dict[str, Any]:
        r = requests.post(
            stack.api_url + path,
            json=payload,
            timeout=30,
            headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
        )
        r.raise_for_status()
        return dict(r.json())

    began = time.perf_counter()
    spec = post(
        "/v1/specs", {"product_id": stack.demo["product_id"], "inputs": {"name": {"text": text}}}
    )
    snap = post("/v1/snapshots", {"spec_hash": spec["spec_hash"]})
    asked = time.perf_counter()
    render = post("/v1/renders/preview", {"snapshot_id": snap["snapshot_id"]})
    while True:
        status = requests.get(
            f"{stack.api_url}/v1/renders/{render['render_id']}", headers=headers, timeout=30
        ).json()
        if status["status"] == "succeeded":
            break
        if status["status"] == "failed":
            raise RuntimeError(status["error"])
        time.sleep(0.02)
    done = time.perf_counter()
    return (done - asked) * 1000, (done - began) * 1000


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    stack = start_stack(Path(tempfile.mkdtemp(prefix="atelier-bench-")))
    try:
        one_flow(stack, "warm-up")
        runs = [one_flow(stack, f"Name {i}") for i in range(count)]
    finally:
        stop_stack(stack.process)
    preview = [r[0] for r in runs]
    flow = [r[1] for r in runs]
    figures = {
        "runs": count,
        "preview_ms": {
            "p50": round(statistics.median(preview), 1),
            "p95": round(percentile(preview, 95), 1),
        },
        "flow_ms": {
            "p50": round(statistics.median(flow), 1),
            "p95": round(percentile(flow, 95), 1),
        },
    }
    print(f"local stack, {count} sequential designs (spec → snapshot → preview → succeeded)")
    print(
        f"  preview POST → succeeded  p50 {figures['preview_ms']['p50']:7.1f} ms"
        f"   p95 {figures['preview_ms']['p95']:7.1f} ms"
    )
    print(
        f"  whole widget flow         p50 {figures['flow_ms']['p50']:7.1f} ms"
        f"   p95 {figures['flow_ms']['p95']:7.1f} ms"
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "preview_latency.json").write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
