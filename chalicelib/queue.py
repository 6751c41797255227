"""Sending job messages: queue URLs resolved once per process, bodies as JSON.

Every message also carries string message attributes — ``correlation_id`` (the HTTP request that
caused the job), ``brand_id`` and ``job_id`` — which the consumer binds to its log context before
it parses the body (:mod:`chalicelib.jobs.batch`); so one order can be followed from the request
id of its webhook through the final render to the pack, in the logs and in the metrics.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import BaseModel

from chalicelib import aws, logs
from chalicelib.settings import get_settings

JOB_ID_FIELDS = ("render_id", "pack_id", "job_id")


@lru_cache(maxsize=16)
def _queue_url(name: str, endpoint: str | None) -> str:
    return str(aws.sqs().get_queue_url(QueueName=name)["QueueUrl"])


def attributes_for(message: BaseModel) -> dict[str, dict[str, str]]:
    """SQS ``MessageAttributes``: the message's own ids, else the current log context's.

    SQS refuses empty attribute values, so unknown ones are left out rather than sent blank.
    """
    context = logs.current()
    values: dict[str, Any] = {
        "correlation_id": getattr(message, "correlation_id", "")
        or context.get("correlation_id")
        or context.get("request_id"),
        "brand_id": getattr(message, "brand_id", "") or context.get("brand_id"),
        "job_id": next((getattr(message, f) for f in JOB_ID_FIELDS if hasattr(message, f)), ""),
    }
    return {
        name: {"DataType": "String", "StringValue": str(value)}
        for name, value in values.items()
        if value
    }


def send(logical_queue: str, message: BaseModel, *, delay_s: int = 0) -> None:
    """Enqueue after the job record is committed; consumers are idempotent on the job id.

    ``delay_s`` (0-900, SQS's limit) keeps the message invisible that long (webhook retries).
    """
    settings = get_settings()
    name = settings.physical_name("queue", logical_queue)
    aws.sqs().send_message(
        QueueUrl=_queue_url(name, settings.endpoint_url),
        MessageBody=message.model_dump_json(),
        MessageAttributes=attributes_for(message),
        DelaySeconds=max(0, min(delay_s, 900)),
    )


def retry_after(logical_queue: str, receipt_handle: str, delay_s: int) -> None:
    """Keep a delivery that failed for a passing reason invisible ``delay_s`` more seconds.

    The worker then reports it in ``batchItemFailures`` and SQS redelivers it after the delay
    instead of the queue's visibility timeout (six times the worker's timeout: half an hour).
    """
    settings = get_settings()
    name = settings.physical_name("queue", logical_queue)
    aws.sqs().change_message_visibility(
        QueueUrl=_queue_url(name, settings.endpoint_url),
        ReceiptHandle=receipt_handle,
        VisibilityTimeout=max(0, min(delay_s, 43200)),
    )
