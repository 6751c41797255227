"""Events (what changed, as the API showed it then) and their deliveries, one per endpoint.

An event is written by the same transaction as the state change it describes (an order's new
status, a job's final state, a snapshot's lock), conditional on its derived id not existing, so
a retried change can never record it twice. Its ``body`` is the exact JSON text every delivery
and redelivery sends: a receiver sees the same bytes however often it is sent.

A delivery's ``attempt_count`` is the fence of the retry loop: an attempt is recorded only if
the count is still the one its SQS message was scheduled for, so duplicate or stale messages
do nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pynamodb.attributes import (
    JSONAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.indexes import AllProjection, LocalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.errors import NotFound
from chalicelib.store.base import LazyTableMeta, save_once, transaction, utcnow
from chalicelib.store.pages import decode_cursor, encode_cursor

RETENTION = timedelta(days=30)
MAX_ATTEMPTS_KEPT = 50


# pynamodb's Index.__init_subclass__ is untyped (see the store.models override in pyproject).
class EventsByCreated(LocalSecondaryIndex["EventModel"]):  # type: ignore[no-untyped-call]
    """Newest first: ``created_key`` is ``<created_at ISO>#<event_id>``."""

    class Meta:
        index_name = "by_created"
        projection = AllProjection()

    brand_id = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class EventModel(Model):
    class Meta(metaclass=LazyTableMeta):
        logical_name = "events"

    brand_id = UnicodeAttribute(hash_key=True)
    event_id = UnicodeAttribute(range_key=True)
    type = UnicodeAttribute()
    created_key = UnicodeAttribute()
    body = UnicodeAttribute()  # the JSON text POSTed to endpoints
    created_at = UTCDateTimeAttribute(default_for_new=utcnow)
    expires_at = TTLAttribute()

    by_created = EventsByCreated()


class DeliveryModel(Model):
    class Meta(metaclass=LazyTableMeta):
        logical_name = "webhook-deliveries"

    brand_id = UnicodeAttribute(hash_key=True)
    delivery_key = UnicodeAttribute(range_key=True)  # "<event_id>#<endpoint_id>"
    event_id = UnicodeAttribute()
    endpoint_id = UnicodeAttribute()
    status = UnicodeAttribute()  # "pending" | "succeeded" | "failed"
    attempt_count = NumberAttribute(default=0)
    round_base = NumberAttribute(default=0)  # attempt_count when the last (re)delivery began
    attempts = JSONAttribute(default=list)  # [{attempt, at, status_code, latency_ms, error}]
    next_attempt_at = UTCDateTimeAttribute(null=True)
    error = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute(default_for_new=utcnow)
    updated_at = UTCDateTimeAttribute(default_for_new=utcnow)
    expires_at = TTLAttribute()


@dataclass(frozen=True)
class NewEvent:
    """An event about to be written with its state change."""

    event_id: str
    brand_id: str
    type: str
    created_at: datetime
    data: dict[str, Any]

    def body(self) -> str:
        return json.dumps(
            {
                "id": self.event_id,
                "type": self.type,
                "created_at": self.created_at.isoformat(),
                "brand_id": self.brand_id,
                "data": self.data,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )


@dataclass(frozen=True)
class Event:
    event_id: str
    brand_id: str
    type: str
    created_at: datetime
    body: str


@dataclass(frozen=True)
class Delivery:
    event_id: str
    endpoint_id: str
    status: str
    attempt_count: int
    round_base: int
    attempts: list[dict[str, Any]]
    next_attempt_at: datetime | None
    error: str | None
    created_at: datetime
    updated_at: datetime


def _event(m: EventModel) -> Event:
    return Event(m.event_id, m.brand_id, m.type, m.created_at, m.body)


def _delivery(m: DeliveryModel) -> Delivery:
    return Delivery(
        event_id=m.event_id,
        endpoint_id=m.endpoint_id,
        status=m.status,
        attempt_count=int(m.attempt_count or 0),
        round_base=int(m.round_base or 0),
        attempts=list(m.attempts or []),
        next_attempt_at=m.next_attempt_at,
        error=m.error,
        created_at=m.created_at,
        updated_at=m.updated_at,
    )


# --- events -------------------------------------------------------------------------------------


def put_new(tx: TransactWrite, event: NewEvent) -> None:
    model = EventModel(
        brand_id=event.brand_id,
        event_id=event.event_id,
        type=event.type,
        created_key=f"{event.created_at.isoformat()}#{event.event_id}",
        body=event.body(),
        created_at=event.created_at,
        expires_at=event.created_at + RETENTION,
    )
    tx.save(model, condition=EventModel.event_id.does_not_exist())


def commit_with_events(
    model: Model, actions: Sequence[Action], condition: Condition | None, new: list[NewEvent]
) -> list[NewEvent]:
    """Apply ``actions`` to ``model`` and write ``new`` in one transaction.

    Returns the events actually written: one that already exists (the change is being
    re-applied) is dropped and the update committed without it. A failed ``condition`` raises
    :class:`UpdateError` or :class:`TransactWriteError` (see :func:`update_failed`).
    """
    if not new:
        model.update(actions=list(actions), condition=condition)
        return []
    try:
        with transaction() as tx:
            tx.update(model, actions=list(actions), condition=condition)
            for event in new:
                put_new(tx, event)
    except TransactWriteError as exc:
        # pynamodb sends puts before updates: reasons are [event 1 … event n, the update].
        reasons = exc.cancellation_reasons or []
        existing = {
            i for i, r in enumerate(reasons[:-1]) if r and r.code == "ConditionalCheckFailed"
        }
        if not existing or (reasons and reasons[-1] is not None):
            raise
        kept = [e for i, e in enumerate(new) if i not in existing]
        return commit_with_events(model, actions, condition, kept)
    return new


def update_failed(exc: Exception) -> bool:
    """Whether a :func:`commit_with_events` error says the state change's own condition failed."""
    if isinstance(exc, UpdateError):
        return exc.cause_response_code == "ConditionalCheckFailedException"
    if isinstance(exc, TransactWriteError):
        reasons = exc.cancellation_reasons or []
        return bool(reasons) and reasons[-1] is not None
    return False


def get_event(brand_id: str, event_id: str) -> Event:
    try:
        return _event(EventModel.get(brand_id, event_id, consistent_read=True))
    except DoesNotExist as exc:
        raise NotFound("No such event.", code="event.not_found") from exc


def list_events(
    brand_id: str, *, event_type: str | None, limit: int, cursor: str | None
) -> tuple[list[Event], str | None]:
    """Newest first. The cursor carries only ``created_key``; the brand comes from the caller."""
    after = decode_cursor(cursor)
    start = None
    if after:
        start = {
            "brand_id": {"S": brand_id},
            "created_key": {"S": after},
            "event_id": {"S": after.rsplit("#", 1)[-1]},
        }
    query = EventModel.by_created.query(
        brand_id,
        scan_index_forward=False,
        limit=limit,
        page_size=limit,
        last_evaluated_key=start,
        filter_condition=(EventModel.type == event_type) if event_type else None,
    )
    found = [_event(m) for m in query]
    return found, encode_cursor(query.last_evaluated_key, "created_key")


def created_between(
    brand_id: str, start: datetime, end: datetime, *, page_size: int
) -> Iterator[Event]:
    """The brand's events created in ``[start, end)``, oldest first, read page by page.

    ``created_key`` starts with the same ISO text ``put_new`` writes, so a key range is a time
    range; ``"#"`` sorts before every id character, so the end bound excludes events at ``end``.
    """
    query = EventModel.by_created.query(
        brand_id,
        EventsByCreated.created_key.between(start.isoformat(), f"{end.isoformat()}#"),
        page_size=page_size,
    )
    for m in query:
        yield _event(m)


# --- deliveries ---------------------------------------------------------------------------------


def _key(event_id: str, endpoint_id: str) -> str:
    return f"{event_id}#{endpoint_id}"


def find_delivery(brand_id: str, event_id: str, endpoint_id: str) -> Delivery | None:
    try:
        m = DeliveryModel.get(brand_id, _key(event_id, endpoint_id), consistent_read=True)
    except DoesNotExist:
        return None
    return _delivery(m)


def deliveries_of(brand_id: str, event_id: str) -> list[Delivery]:
    query = DeliveryModel.query(
        brand_id, DeliveryModel.delivery_key.startswith(f"{event_id}#"), consistent_read=True
    )
    return [_delivery(m) for m in query]


def open_delivery(brand_id: str, event_id: str, endpoint_id: str) -> Delivery:
    """The delivery of this event to this endpoint, created pending if it is new."""
    now = utcnow()
    model = DeliveryModel(
        brand_id=brand_id,
        delivery_key=_key(event_id, endpoint_id),
        event_id=event_id,
        endpoint_id=endpoint_id,
        status="pending",
        attempt_count=0,
        round_base=0,
        attempts=[],
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
        expires_at=now + RETENTION,
    )
    save_once(model, DeliveryModel.delivery_key.does_not_exist())
    found = find_delivery(brand_id, event_id, endpoint_id)
    assert found is not None  # just written, or written before
    return found


def reopen(brand_id: str, event_id: str, endpoint_id: str) -> Delivery:
    """Start a new round of attempts (redelivery): pending again, with a fresh retry budget."""
    current = open_delivery(brand_id, event_id, endpoint_id)
    model = DeliveryModel(brand_id=brand_id, delivery_key=_key(event_id, endpoint_id))
    now = utcnow()
    model.update(
        actions=[
            DeliveryModel.status.set("pending"),
            DeliveryModel.round_base.set(current.attempt_count),
            DeliveryModel.next_attempt_at.set(now),
            DeliveryModel.error.remove(),
            DeliveryModel.updated_at.set(now),
            DeliveryModel.expires_at.set(now + RETENTION),
        ]
    )
    return _delivery(model)


def record_attempt(
    brand_id: str,
    event_id: str,
    endpoint_id: str,
    *,
    expected_count: int,
    attempt: dict[str, Any],
    status: str,
    next_attempt_at: datetime | None,
    error: str | None = None,
) -> bool:
    """Append an attempt and move the delivery on; False if another message got there first."""
    model = _load_delivery(brand_id, event_id, endpoint_id)
    if model is None:
        return False
    attempts = [*(model.attempts or []), attempt][-MAX_ATTEMPTS_KEPT:]
    actions: list[Action] = [
        DeliveryModel.attempts.set(attempts),
        DeliveryModel.attempt_count.set(expected_count + 1),
        DeliveryModel.status.set(status),
        DeliveryModel.updated_at.set(utcnow()),
    ]
    actions.append(
        DeliveryModel.next_attempt_at.set(next_attempt_at)
        if next_attempt_at
        else DeliveryModel.next_attempt_at.remove()
    )
    actions.append(DeliveryModel.error.set(error) if error else DeliveryModel.error.remove())
    return _fenced(model, actions, expected_count)


def give_up(
    brand_id: str, event_id: str, endpoint_id: str, expected_count: int, error: str
) -> bool:
    """Fail a pending delivery without an attempt (its endpoint was disabled or deleted)."""
    model = _load_delivery(brand_id, event_id, endpoint_id)
    if model is None:
        return False
    actions: list[Action] = [
        DeliveryModel.status.set("failed"),
        DeliveryModel.error.set(error),
        DeliveryModel.next_attempt_at.remove(),
        DeliveryModel.updated_at.set(utcnow()),
    ]
    return _fenced(model, actions, expected_count)


def _load_delivery(brand_id: str, event_id: str, endpoint_id: str) -> DeliveryModel | None:
    try:
        return DeliveryModel.get(brand_id, _key(event_id, endpoint_id), consistent_read=True)
    except DoesNotExist:
        return None


def _fenced(model: DeliveryModel, actions: list[Action], expected_count: int) -> bool:
    try:
        model.update(
            actions=actions,
            condition=(DeliveryModel.status == "pending")
            & (DeliveryModel.attempt_count == expected_count),
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True
