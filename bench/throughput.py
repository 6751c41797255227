"""Worker throughput: previews per second with one and with two poller workers.

Run: ``.venv/bin/python -m bench.throughput [--renders N] [--rounds R]`` (prints JSON rows).

A bare local AWS (the moto server the stack uses) in a child process; in this process the API
(Chalice's test client, the real routes) queues N preview renders of distinct designs with the
demo product, and only then the SQS poller starts with 1 (or 2) threads per queue, as Lambda
would run 1 (or 2) batches at once; each round takes both counts in turn, and the figure is the
median over rounds. A worker takes up to 10 messages a batch (the queue's batch size) and renders
them in turn, so two workers can only share ``N`` ≥ 20 previews. The clock runs from the
poller's start to the last render succeeding, so it holds receive, render, upload and status
writes, and nothing of the API.
The workers are threads of one process: what they gain together is bounded by the GIL (cairo
and Pillow release it, the SVG parsing does not), and by the cores other processes leave.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bench.report import Row
from local.harness import free_port
from local.stack import ROOT, LocalConfig, wait_http

WORKERS = (1, 2)


@contextmanager
def local_aws() -> Iterator[None]:
    """A moto server on a free port, with this process's AWS settings pointed at it."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "local.aws_server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/moto-api/", 30)
        os.environ.update(LocalConfig(api_port=0, moto_port=port, state_dir=ROOT).aws_environment())
        from chalicelib import resources

        resources.provision()
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def queue_previews(client: Any, count: int, tag: str) -> tuple[str, list[str]]:
    """A new brand with the demo product; ``count`` previews of distinct designs, queued."""
    from chalicelib.cli import create_brand_with_keys
    from local.stack import seed_demo_product

    brand = create_brand_with_keys(f"Throughput {tag}", [])
    product_id = seed_demo_product(brand["brand_id"])

    def post(path: str, payload: dict[str, Any]) -> dict[str, Any]:
        headers = {
            "Authorization": f"Bearer {brand['secret_key']}",
            "Content-Type": "application/json",
            "Idempotency-Key": uuid.uuid4().hex,
        }
        answer = client.http.post(path, headers=headers, body=json.dumps(payload))
        if answer.status_code >= 300:
            raise RuntimeError(f"{path}: {answer.status_code} {answer.body[:300]!r}")
        return dict(json.loads(answer.body))

    render_ids = []
    for i in range(count):
        inputs = {"name": {"text": f"{tag} {i}"}}
        spec = post("/v1/specs", {"product_id": product_id, "inputs": inputs})
        snap = post("/v1/snapshots", {"spec_hash": spec["spec_hash"]})
        render_ids.append(
            post("/v1/renders/preview", {"snapshot_id": snap["snapshot_id"]})["render_id"]
        )
    return brand["brand_id"], render_ids


def drain(app: Any, brand_id: str, render_ids: list[str], workers: int) -> float:
    """Seconds from the poller's start until every render has succeeded."""
    from chalicelib.store.models import RenderModel
    from local.poller import Poller

    poller = Poller(app, wait_s=1, concurrency=workers)
    started = time.perf_counter()
    poller.start()
    try:
        deadline = started + 300
        while time.perf_counter() < deadline:
            done = [r for r in RenderModel.query(brand_id, consistent_read=True)]
            if any(r.status == "failed" for r in done):
                raise RuntimeError("a render failed")
            if sum(r.status == "succeeded" for r in done) == len(render_ids):
                return time.perf_counter() - started
            time.sleep(0.05)
        raise TimeoutError("renders not done within 300 s")
    finally:
        poller.stop()


def measure(count: int, rounds: int) -> dict[int, float]:
    """Median previews per second for each worker count, the counts taken in turn each round."""
    from chalice.test import Client

    from app import app

    rates: dict[int, list[float]] = {workers: [] for workers in WORKERS}
    with local_aws(), Client(app, stage_name="dev", project_dir=str(ROOT)) as client:
        brand, ids = queue_previews(client, 3, "warm-up")
        drain(app, brand, ids, 1)  # imports, fonts, cairo: paid once, before any clock
        for round_ in range(rounds):
            for workers in WORKERS:
                brand, ids = queue_previews(client, count, f"R{round_}W{workers}")
                rates[workers].append(count / drain(app, brand, ids, workers))
    return {workers: statistics.median(values) for workers, values in rates.items()}


def rows(rates: dict[int, float], count: int, rounds: int) -> list[Row]:
    one = rates[1]
    label = f"{count} previews" if rounds == 1 else f"median of {rounds} rounds of {count} previews"
    return [
        Row(f"worker throughput, {w} worker{'s' if w > 1 else ''} ({label})", rate,
            one if w > 1 else None, "previews/s", "1 worker" if w > 1 else "")
        for w, rate in rates.items()
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--renders", type=int, default=40, help="previews per round")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args(argv)
    rates = measure(args.renders, args.rounds)
    print(json.dumps([r.as_json() for r in rows(rates, args.renders, args.rounds)]))


if __name__ == "__main__":
    main()
