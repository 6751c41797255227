"""Bounded load: N simultaneous widget flows against the local stack, then an audit of the records.

Run: ``.venv/bin/python -m bench.load [--count 200]`` (starts its own local stack on free
loopback ports) or through ``make bench``. Every flow is validate → spec → snapshot → preview →
poll until succeeded, each in its own thread of this process, released together by a barrier.
Bounded: the count is fixed, every request has a timeout and every flow a deadline.

The load runs as a brand of its own, made with the ops CLI: its publishable key's rate limits
(default 300 creates and 120 renders a minute, ``chalicelib/ratelimit.py``) are raised with
``cli brands rate-limit`` and its preview quota with ``cli brands quota``, so what is measured is
the stack, not the abuse protection. Two flows share each design, so concurrent identical specs
are part of the load.

Afterwards the brand's DynamoDB records are read back: exactly N snapshots (the ones the flows
got), one spec per distinct hash, exactly one render record per snapshot, all succeeded.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import requests

from bench.flow import Client, Flow, run_flow
from bench.report import Row, percentile
from local.harness import Stack, start_stack, stop_stack
from local.stack import DEMO_PRODUCT

ROUTE_CLASSES = ("read", "validate", "create", "render")
REQUESTS_PER_FLOW = 60  # rate-limit headroom: 4 calls and polls, with room to spare
FLOW_DEADLINE_S = 150.0


@dataclass(frozen=True)
class Target:
    """The load brand on one stack."""

    stack: Stack
    brand_id: str
    publishable_key: str
    product_id: str
    stage: str = "dev"

    def table(self, logical: str) -> str:
        return f"atelier-{self.stage}-{logical}"


@dataclass
class LoadResult:
    count: int
    wall_s: float
    flows: list[Flow]
    problems: list[str]  # lost or duplicated records found by the audit
    throttled: int  # 429s the clients waited out and retried

    @property
    def errors(self) -> list[str]:
        return [f.error for f in self.flows if f.error]

    def p(self, pct: float) -> float:
        done = [f.total_ms for f in self.flows if not f.error]
        return percentile(done, pct) if done else float("nan")


def _cli(stack: Stack, *args: str) -> dict[str, Any]:
    done = stack.cli(*args)
    if done.returncode != 0:
        raise RuntimeError(f"cli {' '.join(args)} failed: {done.stderr}")
    return dict(json.loads(done.stdout))


def prepare(stack: Stack, count: int, name: str = "Load") -> Target:
    """A brand whose publishable key will not be throttled by ``count`` flows, and a product."""
    brand = _cli(stack, "brands", "create", "--name", name, "--origin", stack.api_url)
    capacity = str(count * REQUESTS_PER_FLOW)
    for route_class in ROUTE_CLASSES:  # one after the other: each call rewrites the map
        _cli(stack, "brands", "rate-limit", "--brand", brand["brand_id"], "--kind", "publishable",
             "--class", route_class, "--capacity", capacity, "--per", "60")  # fmt: skip
    _cli(stack, "brands", "quota", "--brand", brand["brand_id"], "--kind", "preview",
         "--per-day", str(count * 10))  # fmt: skip
    made = requests.post(
        stack.api_url + "/v1/products",
        data=json.dumps(DEMO_PRODUCT),
        headers={
            "Authorization": f"Bearer {brand['secret_key']}",
            "Content-Type": "application/json",
            "Idempotency-Key": uuid.uuid4().hex,
        },
        timeout=60,
    )
    made.raise_for_status()
    return Target(stack, brand["brand_id"], brand["publishable_key"], made.json()["product_id"])


def run(target: Target, count: int) -> LoadResult:
    """``count`` flows at once from a thread pool of ``count``; then the audit."""
    client = Client(target.stack.api_url, target.publishable_key, origin=target.stack.api_url)
    start = threading.Barrier(count, timeout=60)

    def one(i: int) -> Flow:
        start.wait()
        text = f"Load {i % max(1, count // 2)}"  # two flows per design
        return run_flow(
            client, target.product_id, text, poll_s=0.25, max_poll_s=1.0,
            deadline_s=FLOW_DEADLINE_S,
        )  # fmt: skip

    began = time.monotonic()
    with ThreadPoolExecutor(count, thread_name_prefix="flow") as pool:
        flows = list(pool.map(one, range(count)))
    wall = time.monotonic() - began
    return LoadResult(count, wall, flows, audit(target, flows), client.throttled)


def _items(target: Target, logical: str) -> list[dict[str, Any]]:
    client = boto3.client(
        "dynamodb",
        endpoint_url=target.stack.aws_url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    pages = client.get_paginator("query").paginate(
        TableName=target.table(logical),
        KeyConditionExpression="brand_id = :b",
        ExpressionAttributeValues={":b": {"S": target.brand_id}},
        ConsistentRead=True,
    )
    return [item for page in pages for item in page["Items"]]


def audit(target: Target, flows: list[Flow]) -> list[str]:
    """Lost or duplicated records, as sentences (empty when everything is exactly once)."""
    problems: list[str] = []
    snapshots = [i["snapshot_id"]["S"] for i in _items(target, "snapshots")]
    wanted = {f.snapshot_id for f in flows if f.snapshot_id}
    if len(snapshots) != len(flows) or set(snapshots) != wanted:
        problems.append(f"{len(snapshots)} snapshots stored for {len(flows)} flows")
    spec_hashes = [i["spec_hash"]["S"] for i in _items(target, "specs")]
    if len(spec_hashes) != len(set(spec_hashes)):
        problems.append("a spec hash is stored more than once")
    if set(spec_hashes) != {f.spec_hash for f in flows if f.spec_hash}:
        problems.append("stored specs differ from the hashes the flows were given")
    renders = _items(target, "renders")
    per_snapshot = Counter(i["snapshot_id"]["S"] for i in renders)
    if len(renders) != len(flows) or set(per_snapshot) != wanted:
        problems.append(f"{len(renders)} render records for {len(flows)} previews")
    if any(n != 1 for n in per_snapshot.values()):
        problems.append("a snapshot has more than one render record")
    if {i["render_id"]["S"] for i in renders} != {f.render_id for f in flows if f.render_id}:
        problems.append("stored renders differ from the render ids the flows were given")
    unfinished = [i["render_id"]["S"] for i in renders if i["status"]["S"] != "succeeded"]
    if unfinished:
        problems.append(f"{len(unfinished)} renders not succeeded")
    return problems


def rows(result: LoadResult) -> list[Row]:
    n = result.count
    return [
        Row(f"load: {n} simultaneous flows p50", result.p(50), None, "ms"),
        Row(f"load: {n} simultaneous flows p95", result.p(95), None, "ms"),
        Row(f"load: {n} flows, wall time", result.wall_s, None, "s"),
        Row(f"load: errors (of {n} flows)", len(result.errors), 0, "flows", "zero expected"),
        Row("load: 429s waited out and retried", result.throttled, None, "requests"),
        Row("load: lost/duplicated records", len(result.problems), 0, "findings", "zero expected"),
    ]


def describe(result: LoadResult) -> str:
    lines = [
        f"bounded load: {result.count} simultaneous widget flows in {result.wall_s:.1f} s; "
        f"p50 {result.p(50):.0f} ms, p95 {result.p(95):.0f} ms; {len(result.errors)} errors; "
        f"audit: {'; '.join(result.problems) or 'every record exactly once'}",
        f"  (load brand: publishable rate limits raised to {result.count * REQUESTS_PER_FLOW}"
        f"/min per route class with 'cli brands rate-limit', preview quota "
        f"{result.count * 10}/day with 'cli brands quota'); {result.throttled} 429s waited out",
        "  per step p50/p95 ms: "
        + ", ".join(
            f"{name} {percentile(v, 50):.0f}/{percentile(v, 95):.0f}"
            for name, v in _steps(result.flows).items()
        ),
    ]
    lines += [f"  error: {e}" for e in sorted(Counter(result.errors))[:10]]
    return "\n".join(lines)


def _steps(flows: list[Flow]) -> dict[str, list[float]]:
    steps: dict[str, list[float]] = {}
    for flow in flows:
        for name, ms in flow.ms.items():
            steps.setdefault(name, []).append(ms)
    return steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args(argv)
    stack = start_stack(Path(tempfile.mkdtemp(prefix="atelier-load-")))
    try:
        result = run(prepare(stack, args.count), args.count)
    finally:
        stop_stack(stack.process)
    print(describe(result))
    return 0 if not result.errors and not result.problems else 1


if __name__ == "__main__":
    sys.exit(main())
