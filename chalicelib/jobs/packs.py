"""Export-pack jobs: the message, the producer and the worker's decision logic.

Idempotent on ``pack_id``: a finished pack is never rebuilt, a running one is left to its lease
holder, and a pack whose worker died after uploading is rebuilt into the same bytes (the pack is
deterministic), so a redelivery never leaves a second, different zip.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from chalicelib import logs
from chalicelib.api.event_payloads import pack_finished
from chalicelib.jobs import deliveries, queue, runner
from chalicelib.jobs.batch import Delivery
from chalicelib.store import packs
from chalicelib.store.models import PackModel

log = logs.get_logger("atelier.jobs.packs")
QUEUE = "export-manufacturing"


class PackMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pack_id: str
    brand_id: str
    correlation_id: str = ""


def pack_key(brand_id: str, pack_id: str) -> str:
    return f"{brand_id}/packs/{pack_id}.zip"


def enqueue(pack: packs.Pack, correlation_id: str) -> None:
    queue.send(
        QUEUE,
        PackMessage(pack_id=pack.pack_id, brand_id=pack.brand_id, correlation_id=correlation_id),
    )


def handle_message(body: dict[str, Any], delivery: Delivery) -> None:
    message = PackMessage.model_validate(body)
    logs.bind(brand_id=message.brand_id, pack_id=message.pack_id)
    runner.run(
        lambda: packs.find(message.brand_id, message.pack_id),
        status=lambda m: str(m.status),
        start=packs.start,
        work=_build,
        fail=fail,
        release=packs.release,
        delivery=delivery,
        kind="pack",
        finished=lambda model: deliveries.dispatch(pack_finished(model)),
    )


def fail(model: PackModel, code: str, message: str, *, retryable: bool = False) -> None:
    """Fail the pack and tell webhooks (pack.failed)."""
    written = packs.fail(model, code, message, describe=pack_finished, retryable=retryable)
    deliveries.dispatch(written)


def _build(model: PackModel) -> None:
    from chalicelib.jobs.pack_worker import build_and_upload

    written = packs.succeed(model, **build_and_upload(model), describe=pack_finished)
    deliveries.dispatch(written or [], model.correlation_id or "")
