"""Events (secret key): what was sent to webhook endpoints, how each delivery went, and replay.

An event is immutable: its ``data.object`` is the resource as it was when the change committed,
and a redelivery sends the very same body (with a fresh timestamp and signature).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from chalice.app import Blueprint
from pydantic import BaseModel, Field

from chalicelib.api.http import Ctx, QueryModel, Reply, route
from chalicelib.domain.webhooks import EventType
from chalicelib.flows import delivery as deliveries
from chalicelib.store import events

bp = Blueprint(__name__)


class EventQuery(QueryModel):
    type: EventType | None = None
    cursor: str | None = Field(default=None, max_length=512)
    limit: int = Field(default=20, ge=1, le=100)


class EventOut(BaseModel):
    id: str
    type: str
    created_at: datetime
    brand_id: str
    data: dict[str, Any]

    @classmethod
    def of(cls, e: events.Event) -> EventOut:
        return cls.model_validate(json.loads(e.body))


class AttemptOut(BaseModel):
    attempt: int
    at: datetime
    status_code: int | None
    latency_ms: float
    error: str | None


class DeliveryOut(BaseModel):
    endpoint_id: str
    status: str
    attempts: list[AttemptOut]
    next_attempt_at: datetime | None
    error: str | None

    @classmethod
    def of(cls, d: events.Delivery) -> DeliveryOut:
        return cls(
            endpoint_id=d.endpoint_id,
            status=d.status,
            attempts=[AttemptOut.model_validate(a) for a in d.attempts],
            next_attempt_at=d.next_attempt_at,
            error=d.error,
        )


class EventDetail(EventOut):
    deliveries: list[DeliveryOut]


class EventList(BaseModel):
    data: list[EventOut]
    next_cursor: str | None


class Redelivery(BaseModel):
    event_id: str
    queued: list[str] = Field(description="endpoints that get a new round of attempts")
    skipped: list[str] = Field(description="subscribed endpoints that are disabled")


@route(
    bp,
    "/v1/events",
    "GET",
    access="secret",
    query=EventQuery,
    response=EventList,
    summary="The brand's events, newest first, optionally of one type",
)
def list_events(ctx: Ctx, query: EventQuery) -> EventList:
    found, cursor = events.list_events(
        ctx.brand_id, event_type=query.type, limit=query.limit, cursor=query.cursor
    )
    return EventList(data=[EventOut.of(e) for e in found], next_cursor=cursor)


@route(
    bp,
    "/v1/events/{event_id}",
    "GET",
    access="secret",
    response=EventDetail,
    summary="One event with every delivery attempt (time, status code, latency, error)",
)
def get_event(ctx: Ctx, event_id: str) -> EventDetail:
    event = EventOut.of(events.get_event(ctx.brand_id, event_id))
    found = [DeliveryOut.of(d) for d in events.deliveries_of(ctx.brand_id, event_id)]
    return EventDetail(**event.model_dump(), deliveries=found)


@route(
    bp,
    "/v1/events/{event_id}/redeliver",
    "POST",
    access="secret",
    status=202,
    response=Redelivery,
    idempotent=True,
    summary="Send an event again to every enabled endpoint that wants it (queued, not inline)",
)
def redeliver(ctx: Ctx, event_id: str) -> Reply:
    queued, skipped = deliveries.redeliver(ctx.brand_id, event_id)
    return Reply(Redelivery(event_id=event_id, queued=queued, skipped=skipped), 202)
