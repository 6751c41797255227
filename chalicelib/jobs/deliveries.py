"""Webhook delivery through the ``webhook-delivery`` queue: fan-out, attempts, retries.

Two kinds of message share the queue. ``fanout`` (sent after an event commits) opens one
delivery per enabled endpoint that wants the event and schedules its first attempt. ``deliver``
makes one attempt: POST, record it (fenced on the delivery's attempt count, so a duplicate or
stale message does nothing), and on failure schedule the next one with backoff and jitter.

SQS delays a message at most 15 minutes, so a later retry carries ``not_before`` and is
re-enqueued until then. A failed POST is not a failed message: the queue's own redelivery and
DLQ are only for the worker's own failures (DynamoDB or SQS unavailable).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib import logs
from chalicelib.errors import NotFound
from chalicelib.flows.delivery import Attempt, FanOut, schedule
from chalicelib.jobs import webhook_http
from chalicelib.jobs.batch import Delivery as SqsDelivery
from chalicelib.store import events
from chalicelib.store import webhook_endpoints as endpoints
from chalicelib.store.base import utcnow

log = logs.get_logger("atelier.jobs.deliveries")


def handle_message(body: dict[str, Any], delivery: SqsDelivery) -> None:
    logs.bind(brand_id=body.get("brand_id"), event_id=body.get("event_id"))
    if body.get("kind") == "fanout":
        fan_out(FanOut.model_validate(body))
    else:
        attempt(Attempt.model_validate(body), redelivered=delivery.receive_count > 1)


def fan_out(message: FanOut) -> None:
    """Open a delivery per endpoint owed the event and queue its first attempt.

    Safe to repeat (a redelivered message, the outbox sweeper racing a late original): a
    delivery is opened once, and its first attempt is queued again only while none was
    recorded; after that the attempts schedule each other, so a repeat cannot retry early.
    """
    try:
        event = events.get_event(message.brand_id, message.event_id)
    except NotFound:
        # Events commit before any send, so this one was never written (a pre-webhooks change).
        log.warning("fan-out of an event that does not exist; dropped")
        return
    for endpoint in endpoints.list_for(message.brand_id):
        if not endpoint.wants(event.type):
            continue
        opened = events.open_delivery(message.brand_id, event.event_id, endpoint.endpoint_id)
        if opened.status == "pending" and opened.attempt_count == 0:
            schedule(
                message.brand_id,
                event.event_id,
                endpoint.endpoint_id,
                opened.attempt_count,
                correlation_id=message.correlation_id,
            )


def attempt(message: Attempt, *, redelivered: bool = False) -> None:
    """One attempt, if this message is still the one the delivery waits for.

    ``redelivered``: SQS delivers this message again because its worker failed; if it failed
    after recording the attempt, the retry may never have been queued, so queue it now.
    """
    b, e, p = message.brand_id, message.event_id, message.endpoint_id
    cid = message.correlation_id
    if message.not_before > time.time():  # not due (a wait longer than SQS can delay): hop again
        schedule(b, e, p, message.attempt, message.not_before, cid)
        return
    current = events.find_delivery(b, e, p)
    if current is None or current.status != "pending":
        return
    if current.attempt_count != message.attempt:
        recorded = current.attempt_count == message.attempt + 1
        if redelivered and recorded and current.next_attempt_at:
            schedule(b, e, p, current.attempt_count, current.next_attempt_at.timestamp(), cid)
        return
    endpoint = endpoints.find(b, p)
    if endpoint is None or not endpoint.enabled:
        reason = "endpoint deleted" if endpoint is None else "endpoint disabled"
        events.give_up(b, e, p, message.attempt, reason)
        return
    _post_and_record(message, endpoint, current)


def _post_and_record(
    message: Attempt, endpoint: endpoints.Endpoint, current: events.Delivery
) -> None:
    event = events.get_event(message.brand_id, message.event_id)
    started = utcnow()
    body = event.body.encode("utf-8")
    headers = webhook_http.headers_for(
        event.event_id, event.type, endpoint.signing_secrets(started), body, int(time.time())
    )
    outcome = webhook_http.post(endpoint.url, body, headers, webhook_http.retry_policy().timeout_s)
    entry = {
        "attempt": message.attempt + 1,
        "at": started.isoformat(),
        "status_code": outcome.status_code,
        "latency_ms": outcome.latency_ms,
        "error": outcome.error,
    }
    log.info("webhook attempt", extra={"endpoint_id": endpoint.endpoint_id, **entry})
    _settle(message, current, entry, outcome, started)


def _settle(
    message: Attempt,
    current: events.Delivery,
    entry: dict[str, Any],
    outcome: webhook_http.Outcome,
    started: datetime,
) -> None:
    """Record the attempt; then done, the next attempt scheduled, or failed for good."""
    b, e, p = message.brand_id, message.event_id, message.endpoint_id

    def record(status: str, next_at: datetime | None, error: str | None = None) -> bool:
        return events.record_attempt(
            b,
            e,
            p,
            expected_count=message.attempt,
            attempt=entry,
            status=status,
            next_attempt_at=next_at,
            error=error,
        )

    if outcome.ok:
        if record("succeeded", None):
            _quietly(endpoints.record_success, b, p)
        return
    spent = message.attempt + 1 - current.round_base  # attempts in this round, this one included
    wait = webhook_http.retry_policy().next_wait(spent)
    if wait >= 0:
        next_at = utcnow() + timedelta(seconds=wait)
        if record("pending", next_at):
            schedule(b, e, p, message.attempt + 1, next_at.timestamp(), message.correlation_id)
            _quietly(endpoints.record_failure, b, p, started)
        return
    error = f"gave up after {spent} attempts; last: {outcome.error or outcome.status_code}"
    if record("failed", None, error):
        failing = _quietly(endpoints.record_failure, b, p, started)
        if failing is not None:
            _disable_if_failing_throughout(failing, current, started, error)


def _disable_if_failing_throughout(
    endpoint: endpoints.Endpoint, spent: events.Delivery, last: datetime, error: str
) -> None:
    """Disable an endpoint that has not answered 2xx once since this delivery's round began.

    A delivery gives up only after its whole retry budget (about 24 hours), so this is an
    endpoint that failed continuously for that long, not one that failed a few times.
    """
    round_attempts = [a for a in spent.attempts if int(a["attempt"]) > spent.round_base]
    began = datetime.fromisoformat(round_attempts[0]["at"]) if round_attempts else last
    if endpoint.failing_since is None or endpoint.failing_since > began:
        return
    since = endpoint.failing_since.astimezone(UTC).isoformat()
    reason = (
        f"Disabled after failing continuously since {since} "
        f"({endpoint.failed_attempts} failed attempts in a row; {error})."
    )
    _quietly(endpoints.disable, endpoint.brand_id, endpoint.endpoint_id, reason)
    log.warning("webhook endpoint disabled", extra={"endpoint_id": endpoint.endpoint_id})


def _quietly(fn: Any, *args: Any) -> Any:
    """Endpoint bookkeeping for an endpoint deleted meanwhile is moot, not an error."""
    try:
        return fn(*args)
    except NotFound:
        return None
