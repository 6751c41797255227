"""Sending events to webhook endpoints: the queue's messages and the calls that queue them.

Producers (a state change in the API or a worker) call :func:`dispatch` after their events
commit; the ``webhook-delivery`` worker (:mod:`chalicelib.jobs.deliveries`) opens deliveries and
makes attempts, scheduling the next ones with :func:`schedule`; the API's redeliver calls
:func:`redeliver`. Messages are the contract between the two sides, so they live here.
"""

from __future__ import annotations

import math
import time
from typing import Literal

from pydantic import BaseModel, ConfigDict

from chalicelib import logs, queue
from chalicelib.store import events
from chalicelib.store import webhook_endpoints as endpoints
from chalicelib.store.events import NewEvent

log = logs.get_logger("atelier.flows.delivery")
QUEUE = "webhook-delivery"
MAX_DELAY_S = 900


class FanOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["fanout"] = "fanout"
    brand_id: str
    event_id: str
    correlation_id: str = ""


class Attempt(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["deliver"] = "deliver"
    brand_id: str
    event_id: str
    endpoint_id: str
    attempt: int  # attempts already recorded: this message may record attempt + 1
    not_before: float = 0.0  # epoch seconds
    correlation_id: str = ""


def dispatch(new: list[NewEvent], correlation_id: str = "") -> None:
    """After the events committed: queue a fan-out for those some enabled endpoint wants.

    Never raises: the state change already happened, and an undelivered event can still be
    seen in ``GET /v1/events`` and redelivered.
    """
    for event in new:
        message = FanOut(
            brand_id=event.brand_id, event_id=event.event_id, correlation_id=correlation_id
        )
        try:
            if any(e.wants(event.type) for e in endpoints.list_for(event.brand_id)):
                queue.send(QUEUE, message)
        except Exception:
            log.exception("event not dispatched", extra={"event_id": event.event_id})


def schedule(
    brand_id: str,
    event_id: str,
    endpoint_id: str,
    attempt_no: int,
    not_before: float = 0.0,
    correlation_id: str = "",
) -> None:
    """Queue attempt ``attempt_no + 1``, hidden for up to 15 minutes of its wait."""
    wait = max(0, math.ceil(not_before - time.time()))
    message = Attempt(
        brand_id=brand_id,
        event_id=event_id,
        endpoint_id=endpoint_id,
        attempt=attempt_no,
        not_before=not_before,
        correlation_id=correlation_id,
    )
    queue.send(QUEUE, message, delay_s=min(wait, MAX_DELAY_S))


def redeliver(brand_id: str, event_id: str) -> tuple[list[str], list[str]]:
    """A new round of attempts to every enabled endpoint that wants the event.

    Returns (endpoint ids queued, endpoint ids skipped because they are disabled).
    """
    event = events.get_event(brand_id, event_id)
    queued: list[str] = []
    skipped: list[str] = []
    for endpoint in endpoints.list_for(brand_id):
        if event.type not in endpoint.event_types:
            continue
        if not endpoint.enabled:
            skipped.append(endpoint.endpoint_id)
            continue
        reopened = events.reopen(brand_id, event_id, endpoint.endpoint_id)
        schedule(brand_id, event_id, endpoint.endpoint_id, reopened.attempt_count)
        queued.append(endpoint.endpoint_id)
    return queued, skipped
