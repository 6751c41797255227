"""The outbox sweeper: fan out recent events whose dispatch was lost.

An event commits in the same transaction as its state change, and only afterwards does
:func:`chalicelib.jobs.deliveries.dispatch` queue its fan-out. A process that dies (or an SQS
send that fails) in between leaves an event no endpoint ever hears of. Every few minutes the
scheduled ``webhook_outbox`` Lambda (and ``python -m chalicelib.cli webhooks sweep``) looks at
each brand with an enabled endpoint, reads its events created between ``now - lookback`` and
``now - grace`` (the grace leaves in-flight dispatches alone), and queues the same ``FanOut``
message for every event that an endpoint wants but that has no delivery record for it.

A fan-out that races a late original is harmless: ``open_delivery`` is conditional, so the
second one finds the delivery already open, and queues nothing once an attempt was recorded
(before that, a second first attempt is fenced by the attempt count). Endpoints created after
an event are not owed it, so they do not count.
Work is bounded (``max_events`` examined, the Lambda's remaining time); brands are visited from
an offset that moves with ``now``, so a busy brand cannot starve the others. One brand's
failure is logged and the sweep goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib import logs, queue
from chalicelib.flows.delivery import QUEUE, FanOut
from chalicelib.store import events
from chalicelib.store import webhook_endpoints as endpoints
from chalicelib.store.base import utcnow

log = logs.get_logger("atelier.jobs.outbox")

LOOKBACK = timedelta(hours=1)
GRACE = timedelta(minutes=2)
MAX_EVENTS = 2_000
PAGE_SIZE = 100
SAFETY_MS = 15_000  # stop this long before the Lambda's timeout
ROTATION_S = 300  # the brand offset moves once per scheduled run


@dataclass(frozen=True)
class Sweep:
    """One run's parameters; ``now`` is injectable so ops and tests can age events."""

    now: datetime
    lookback: timedelta = LOOKBACK
    grace: timedelta = GRACE
    max_events: int = MAX_EVENTS
    brand_id: str | None = None  # one brand only

    @property
    def start(self) -> datetime:
        return self.now - self.lookback

    @property
    def end(self) -> datetime:
        return self.now - self.grace


@dataclass
class Summary:
    """Counts of one run; logged as one JSON line and returned to the caller."""

    now: str
    brands: int = 0  # brands with an enabled endpoint that were swept
    events: int = 0  # events some endpoint wants, checked for their deliveries
    fanouts: int = 0  # events whose fan-out was queued again
    failed_brands: list[str] = field(default_factory=list)
    complete: bool = True

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def sweep(
    now: datetime | None = None,
    *,
    brand_id: str | None = None,
    max_events: int = MAX_EVENTS,
    remaining_ms: Callable[[], int] | None = None,
) -> Summary:
    """One pass over every brand with an enabled endpoint (or ``brand_id``); returns the counts."""
    run = Sweep(now=(now or utcnow()).astimezone(UTC), max_events=max_events, brand_id=brand_id)
    summary = Summary(now=run.now.isoformat())
    with logs.scope(job="webhook_outbox"):
        subscribed = endpoints.enabled_subscriptions()
        for brand in _brand_order(subscribed, run):
            if summary.events >= run.max_events or _out_of_time(remaining_ms):
                summary.complete = False
                break
            summary.brands += 1
            try:
                if not _sweep_brand(brand, subscribed[brand], run, summary):
                    summary.complete = False
                    break
            except Exception:
                log.exception("outbox sweep of a brand failed", extra={"brand_id": brand})
                summary.failed_brands.append(brand)
        log.info("webhook outbox swept", extra={"summary": summary.as_json()})
    return summary


def run_scheduled(context: Any) -> dict[str, Any]:
    """The scheduled Lambda's entry: now, stopping before the timeout."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return sweep(remaining_ms=remaining).as_json()


def _brand_order(subscribed: dict[str, list[endpoints.Subscription]], run: Sweep) -> list[str]:
    if run.brand_id is not None:
        return [run.brand_id] if run.brand_id in subscribed else []
    ordered = sorted(subscribed)
    if not ordered:
        return []
    offset = int(run.now.timestamp()) // ROTATION_S % len(ordered)
    return ordered[offset:] + ordered[:offset]


def _out_of_time(remaining_ms: Callable[[], int] | None) -> bool:
    return remaining_ms is not None and remaining_ms() < SAFETY_MS


def _sweep_brand(
    brand_id: str, subscriptions: list[endpoints.Subscription], run: Sweep, summary: Summary
) -> bool:
    """Queue the lost fan-outs of one brand; False when the event budget ran out first."""
    for event in events.created_between(brand_id, run.start, run.end, page_size=PAGE_SIZE):
        if summary.events >= run.max_events:
            return False
        owed = {s.endpoint_id for s in subscriptions if s.wants(event.type, event.created_at)}
        if not owed:
            continue
        summary.events += 1
        opened = {d.endpoint_id for d in events.deliveries_of(brand_id, event.event_id)}
        if owed - opened:
            queue.send(QUEUE, FanOut(brand_id=brand_id, event_id=event.event_id))
            summary.fanouts += 1
            log.info(
                "lost fan-out queued again",
                extra={"brand_id": brand_id, "event_id": event.event_id},
            )
    return True
