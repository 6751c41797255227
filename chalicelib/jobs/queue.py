"""Sending job messages: queue URLs resolved once per process, bodies as JSON."""

from __future__ import annotations

from functools import lru_cache

from pydantic import BaseModel

from chalicelib import aws
from chalicelib.settings import get_settings


@lru_cache(maxsize=16)
def _queue_url(name: str, endpoint: str | None) -> str:
    return str(aws.sqs().get_queue_url(QueueName=name)["QueueUrl"])


def send(logical_queue: str, message: BaseModel, *, delay_s: int = 0) -> None:
    """Enqueue after the job record is committed; consumers are idempotent on the job id.

    ``delay_s`` (0-900, SQS's limit) keeps the message invisible that long (webhook retries).
    """
    settings = get_settings()
    name = settings.physical_name("queue", logical_queue)
    aws.sqs().send_message(
        QueueUrl=_queue_url(name, settings.endpoint_url),
        MessageBody=message.model_dump_json(),
        DelaySeconds=max(0, min(delay_s, 900)),
    )
