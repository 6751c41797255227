"""API latency and the widget flow over real HTTP on the local stack (what ``make run`` runs).

Run: ``.venv/bin/python -m bench.stack_bench [--runs N] [--flows N]`` (starts its own stack).

Latency: one request at a time, the four widget endpoints taken in turn (so a busy moment on
the machine hits all of them), against the floor: a public GET that touches no AWS service
(``/v1/schemas/design-spec.json``), i.e. the cost of the local gateway, a worker and the route
pipeline alone. The flow: validate → spec → snapshot → preview → polled until succeeded, one
design at a time, polling every 20 ms, with the demo brand's publishable key (within its
default rate limits).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.flow import Client, inputs, run_flow
from bench.report import Row, percentile, table
from local.harness import Stack, start_stack, stop_stack

FLOOR = "GET /v1/schemas/design-spec.json"


def _requests(client: Client, product_id: str) -> dict[str, Callable[[int], Any]]:
    spec_hash = client.call(
        "spec",
        "POST",
        "/v1/specs",
        {"product_id": product_id, "inputs": inputs("Snap")},
        (200, 201),
    )["spec_hash"]
    return {
        "validate": lambda i: client.call(
            "validate", "POST", "/v1/personalization/validate",
            {"product_id": product_id, "inputs": inputs(f"Check {i}")},
        ),
        "create spec": lambda i: client.call(
            "spec", "POST", "/v1/specs",
            {"product_id": product_id, "inputs": inputs(f"Spec {i}")}, (201,),
        ),
        "create snapshot": lambda i: client.call(
            "snapshot", "POST", "/v1/snapshots", {"spec_hash": spec_hash}, (201,)
        ),
        "widget config": lambda i: client.call(
            "config", "GET", f"/v1/widget/config/{product_id}"
        ),
        FLOOR: lambda i: client.call("floor", "GET", "/v1/schemas/design-spec.json"),
    }  # fmt: skip


def latency_rows(stack: Stack, runs: int) -> list[Row]:
    client = Client(stack.api_url, stack.demo["publishable_key"], origin=stack.api_url)
    calls = _requests(client, stack.demo["product_id"])
    times: dict[str, list[float]] = {name: [] for name in calls}
    for call in calls.values():
        call(-1)  # warm-up: every worker process has served a request before the clock
    for i in range(runs):
        for name, call in calls.items():
            began = time.perf_counter()
            call(i)
            times[name].append((time.perf_counter() - began) * 1000)
    floor_times = times.pop(FLOOR)
    floor = {pct: percentile(floor_times, pct) for pct in (50, 95)}
    return [
        Row(f"API {name} p{pct} ({runs} sequential)", percentile(values, pct), floor[pct], "ms",
            f"floor: {FLOOR} p{pct}")
        for name, values in times.items()
        for pct in (50, 95)
    ]  # fmt: skip


def flow_rows(stack: Stack, count: int) -> list[Row]:
    client = Client(stack.api_url, stack.demo["publishable_key"], origin=stack.api_url)
    product = stack.demo["product_id"]
    run_flow(client, product, "Warm-up")
    flows = [run_flow(client, product, f"Flow {i}") for i in range(count)]
    failed = [f.error for f in flows if f.error]
    if failed:
        raise RuntimeError(f"widget flows failed: {failed[:3]}")
    totals = [f.total_ms for f in flows]
    rendered = [f.ms["rendered"] + f.ms["preview"] for f in flows]
    flow = f"widget flow validate → preview succeeded ({count} sequential)"
    return [
        Row(f"{flow} p50", percentile(totals, 50), None, "ms"),
        Row(f"{flow} p95", percentile(totals, 95), None, "ms"),
        Row("  of which preview POST → succeeded p50", percentile(rendered, 50), None, "ms"),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--flows", type=int, default=20)
    args = parser.parse_args(argv)
    stack = start_stack(Path(tempfile.mkdtemp(prefix="atelier-bench-")))
    try:
        rows = latency_rows(stack, args.runs) + flow_rows(stack, args.flows)
    finally:
        stop_stack(stack.process)
    print(table(rows))


if __name__ == "__main__":
    main()
