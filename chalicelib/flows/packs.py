"""Packs from the producer's side: the queue message, the zip's key, enqueue and fail.

The API (an explicit export) and production (an order turning paid) both queue packs through
here; the worker (:mod:`chalicelib.jobs.packs`) consumes the same message model.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from chalicelib import queue
from chalicelib.flows import delivery
from chalicelib.flows.events import pack_finished
from chalicelib.store import packs
from chalicelib.store.models import PackModel

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


def fail(model: PackModel, code: str, message: str, *, retryable: bool = False) -> None:
    """Fail the pack and tell webhooks (pack.failed); ``retryable``: the cause was passing."""
    written = packs.fail(model, code, message, describe=pack_finished, retryable=retryable)
    delivery.dispatch(written)
