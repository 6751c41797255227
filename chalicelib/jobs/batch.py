"""Partial batch failures for SQS-triggered Lambdas.

A worker handles each record on its own; a record that raises is reported in
``batchItemFailures`` so only it returns to the queue (and, after ``maxReceiveCount`` receives, to
the DLQ) while the others are deleted. The deploy must enable ``ReportBatchItemFailures`` on the
event source mapping, or Lambda ignores this answer (aws/chalice#2029); the local poller honours it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib import logs

log = logs.get_logger("atelier.jobs")


class Record(Protocol):
    """What a worker needs of an SQS record (Chalice's ``SQSRecord`` satisfies it)."""

    body: str

    def to_dict(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Delivery:
    """Which delivery of a message this is: the last one must record why the job gave up."""

    message_id: str
    receive_count: int

    @property
    def is_last(self) -> bool:
        from chalicelib.resources import MAX_RECEIVE_COUNT

        return self.receive_count >= MAX_RECEIVE_COUNT


def process_batch(
    records: Iterable[Record], handle: Callable[[dict[str, Any], Delivery], None], *, queue: str
) -> dict[str, list[dict[str, str]]]:
    """Run ``handle`` on each record's JSON body; report the ones that failed."""
    failures: list[dict[str, str]] = []
    for record in records:
        raw = record.to_dict()
        message_id = str(raw.get("messageId", ""))
        receive_count = int(raw.get("attributes", {}).get("ApproximateReceiveCount") or 1)
        with logs.scope(queue=queue, message_id=message_id, receive_count=receive_count):
            try:
                body = json.loads(record.body)
                if not isinstance(body, dict):
                    raise ValueError("message body is not a JSON object")
                if "correlation_id" in body:
                    logs.bind(request_id=body["correlation_id"])
                handle(body, Delivery(message_id, receive_count))
            except Exception:
                log.exception("message failed; it returns to the queue")
                failures.append({"itemIdentifier": message_id})
    return {"batchItemFailures": failures}
