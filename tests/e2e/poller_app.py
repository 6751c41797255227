"""A test-only Chalice app whose SQS handler fails on demand, to drive the local poller."""

from __future__ import annotations

from collections import Counter
from typing import Any

from chalice.app import Chalice, SQSEvent

from chalicelib.jobs.batch import Delivery, process_batch

QUEUE = "atelier-e2e-poller-test"
app = Chalice(app_name="poller-test")
attempts: Counter[str] = Counter()
delivered: list[dict[str, Any]] = []


def _handle(body: dict[str, Any], delivery: Delivery) -> None:
    attempts[body["id"]] += 1
    if body.get("fail_times", 0) >= attempts[body["id"]] or body.get("always_fail"):
        raise RuntimeError(f"asked to fail ({body['id']}, attempt {attempts[body['id']]})")
    delivered.append(body)


@app.on_sqs_message(queue=QUEUE, batch_size=10)
def handle_test_message(event: SQSEvent) -> dict[str, Any]:
    return process_batch(event, _handle, queue=QUEUE)
