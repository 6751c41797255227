"""Partial batch failures for SQS-triggered Lambdas, and the log context of each delivery.

A worker handles each record on its own; a record that raises is reported in
``batchItemFailures`` so only it returns to the queue (and, after ``maxReceiveCount`` receives, to
the DLQ) while the others are deleted. The deploy must enable ``ReportBatchItemFailures`` on the
event source mapping, or Lambda ignores this answer (aws/chalice#2029); the local poller honours it.

Each record's message attributes (``correlation_id``, ``brand_id``, ``job_id``, written by
:func:`chalicelib.queue.send`) are bound to the log context before the body is even parsed,
so every line a worker logs carries the id of the HTTP request that caused the job.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any, Protocol

from chalicelib import logs

log = logs.get_logger("atelier.jobs")


class Record(Protocol):
    """What a worker needs of an SQS record (Chalice's ``SQSRecord`` satisfies it)."""

    body: str

    def to_dict(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Delivery:
    """Which delivery of a message this is: the last one must record why the job gave up.

    ``sent_at_ms`` (SQS ``SentTimestamp``) gives the queue age; ``queue`` the metric dimension.
    """

    message_id: str
    receive_count: int
    queue: str = ""
    sent_at_ms: int | None = None
    correlation_id: str = ""
    receipt_handle: str = ""  # to postpone this delivery's next try (chalicelib.jobs.runner)

    @property
    def is_last(self) -> bool:
        from chalicelib.resources import MAX_RECEIVE_COUNT

        return self.receive_count >= MAX_RECEIVE_COUNT

    @property
    def is_retry(self) -> bool:
        return self.receive_count > 1


def message_attributes(raw: dict[str, Any]) -> dict[str, str]:
    """String message attributes of a Lambda-shaped record (``{"stringValue", "dataType"}``)."""
    found: dict[str, str] = {}
    for name, value in (raw.get("messageAttributes") or {}).items():
        if isinstance(value, dict) and isinstance(value.get("stringValue"), str):
            found[name] = value["stringValue"]
    return found


def delivery_of(raw: dict[str, Any], queue: str) -> Delivery:
    attributes = raw.get("attributes") or {}
    sent = attributes.get("SentTimestamp")
    return Delivery(
        message_id=str(raw.get("messageId", "")),
        receive_count=int(attributes.get("ApproximateReceiveCount") or 1),
        queue=queue,
        sent_at_ms=int(sent) if sent and str(sent).isdigit() else None,
        correlation_id=message_attributes(raw).get("correlation_id", ""),
        receipt_handle=str(raw.get("receiptHandle") or ""),
    )


def _bind(delivery: Delivery, attributes: dict[str, str]) -> None:
    fields = {k: v for k, v in attributes.items() if k in ("brand_id", "job_id")}
    if delivery.correlation_id:
        # request_id too: HTTP lines carry it, so one id finds both halves of the story.
        fields.update(correlation_id=delivery.correlation_id, request_id=delivery.correlation_id)
    logs.bind(**fields)


def _parse(text: str) -> dict[str, Any]:
    body = json.loads(text)
    if not isinstance(body, dict):
        raise ValueError("message body is not a JSON object")
    return body


def process_batch(
    records: Iterable[Record], handle: Callable[[dict[str, Any], Delivery], None], *, queue: str
) -> dict[str, list[dict[str, str]]]:
    """Run ``handle`` on each record's JSON body; report the ones that failed."""
    failures: list[dict[str, str]] = []
    for record in records:
        raw = record.to_dict()
        delivery, attributes = delivery_of(raw, queue), message_attributes(raw)
        with logs.scope(
            queue=queue, message_id=delivery.message_id, receive_count=delivery.receive_count
        ):
            _bind(delivery, attributes)
            try:
                body = _parse(record.body)
                if not delivery.correlation_id and body.get("correlation_id"):
                    # Sent before messages carried attributes: the body still names the request.
                    delivery = replace(delivery, correlation_id=str(body["correlation_id"]))
                    _bind(delivery, attributes)
                handle(body, delivery)
            except Exception:
                log.exception("message failed; it returns to the queue")
                failures.append({"itemIdentifier": delivery.message_id})
    return {"batchItemFailures": failures}
