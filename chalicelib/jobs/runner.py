"""One delivery of a job message, the same way for every kind of job (renders, packs).

What a failure means is decided in :mod:`chalicelib.jobs.failures`: a passing one (AWS
throttling or an outage, a record not visible yet) puts the job back to ``queued`` with the
reason (``error.retryable: true``) and postpones the message by a growing backoff, so SQS
redelivers it in seconds to minutes rather than after the half-hour visibility timeout; its
last delivery fails the job (``<kind>.gave_up``) and lets the message go to the DLQ. Anything
else fails the job at once with its code: an ``AtelierError``'s own, or
``<kind>.internal_error`` for an unexpected exception, which is logged with its traceback.
Finished jobs and jobs leased to a live worker are left alone.

This is also the one place job metrics are emitted (EMF, see :mod:`chalicelib.metrics`): one
metric set per delivery with the work's duration, whether it failed, whether it was a retry
(``ApproximateReceiveCount`` > 1) and how long the message waited (now − ``SentTimestamp``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

from chalicelib import logs, metrics, queue
from chalicelib.errors import AtelierError
from chalicelib.jobs.batch import Delivery
from chalicelib.jobs.failures import RecordNotVisible, backoff_s, classify, is_retryable

log = logs.get_logger("atelier.jobs")
Job = TypeVar("Job")
JobIn = TypeVar("JobIn", contravariant=True)


class Fail(Protocol[JobIn]):
    """Record a job's final failure (and announce it)."""

    def __call__(
        self, job: JobIn, code: str, message: str, /, *, retryable: bool = False
    ) -> None: ...


def run(
    find: Callable[[], Job | None],
    *,
    status: Callable[[Job], str],
    start: Callable[[Job], bool],
    work: Callable[[Job], None],
    fail: Fail[Job],
    release: Callable[[Job, str, str], object],
    delivery: Delivery,
    kind: str,
    finished: Callable[[Job], None] | None = None,
) -> None:
    """``find`` reads the job's record; ``release`` gives it back to the queue after a passing
    failure. ``finished`` runs for a redelivery of a finished job: a worker that died between
    its final commit and what follows it (e.g. dispatching webhooks) gets that done now."""
    with _measured(delivery, kind) as outcome:
        with _postponed_if_passing(delivery):
            job = find()
            if job is None:  # the record is written before the send: a replica lagging
                raise RecordNotVisible(f"{kind} record not visible yet")
            if status(job) in ("succeeded", "failed"):
                log.info(f"duplicate delivery of a finished {kind}; nothing to do")
                if finished is not None:
                    finished(job)
                return
            if not start(job):
                log.info(f"{kind} is running elsewhere under a live lease; leaving it")
                return
        started = time.perf_counter()
        try:
            work(job)
        except Exception as exc:
            outcome["failed"] = True
            if _settle(job, exc, fail=fail, release=release, delivery=delivery, kind=kind):
                raise
        finally:
            outcome["duration_ms"] = (time.perf_counter() - started) * 1000


def _settle(
    job: Job,
    exc: Exception,
    *,
    fail: Fail[Job],
    release: Callable[[Job, str, str], object],
    delivery: Delivery,
    kind: str,
) -> bool:
    """Record what ``exc`` means for the job; True when the message must go back to SQS."""
    failure = classify(exc, kind)
    attempt = delivery.receive_count
    extra = {"code": failure.code, "retryable": failure.retryable, "attempt": attempt}
    if failure.retryable and not delivery.is_last:
        log.warning(f"{kind} failed for a passing reason; it will be retried", extra=extra)
        release(job, failure.code, failure.message)
        _postpone(delivery)
        return True
    if failure.retryable:
        reason = f"gave up after {attempt} attempts: {failure.code}: {failure.message}"
        log.error(f"{kind} gave up", extra=extra)
        fail(job, f"{kind}.gave_up", reason, retryable=True)
        return True  # on to the DLQ, where operators look
    if isinstance(exc, AtelierError):
        log.warning(f"{kind} failed", extra=extra)
    else:
        log.exception(f"{kind} failed on an unexpected error; failed at once", extra=extra)
    fail(job, failure.code, failure.message, retryable=False)
    return False


@contextmanager
def _postponed_if_passing(delivery: Delivery) -> Iterator[None]:
    """Before the job is ours (reading or taking it): a passing failure is retried with
    backoff; anything else returns the message to the queue as it is (there is no job to fail)."""
    try:
        yield
    except Exception as exc:
        if is_retryable(exc):
            _postpone(delivery)
        raise


def _postpone(delivery: Delivery) -> None:
    if not delivery.receipt_handle or not delivery.queue:
        return
    delay = backoff_s(delivery.receive_count)
    try:
        queue.retry_after(delivery.queue, delivery.receipt_handle, delay)
    except Exception:  # the queue's visibility timeout still brings it back, only later
        log.warning("could not postpone the failed delivery", exc_info=True)


@contextmanager
def _measured(delivery: Delivery, kind: str) -> Iterator[dict[str, Any]]:
    """Emit this delivery's metric set however it ends (done, failed, raised)."""
    outcome: dict[str, Any] = {"failed": False, "duration_ms": None}
    try:
        yield outcome
    except Exception:
        outcome["failed"] = True
        raise
    finally:
        _emit(delivery, kind, outcome)


def _emit(delivery: Delivery, kind: str, outcome: dict[str, Any]) -> None:
    from chalicelib.settings import get_settings

    values: dict[str, tuple[float, metrics.Unit]] = {
        "Failures": (1 if outcome["failed"] else 0, "Count"),
        "Retries": (1 if delivery.is_retry else 0, "Count"),
    }
    if outcome["duration_ms"] is not None:
        values["Duration"] = (round(outcome["duration_ms"], 1), "Milliseconds")
    if delivery.sent_at_ms is not None:
        age = max(0, int(time.time() * 1000) - delivery.sent_at_ms)
        values["QueueAge"] = (age, "Milliseconds")
    dimensions = {"Stage": get_settings().stage, "Queue": delivery.queue or "unknown", "Kind": kind}
    context = logs.current()
    properties = {
        k: context[k]
        for k in ("correlation_id", "brand_id", "job_id", "render_id", "pack_id")
        if context.get(k)
    }
    properties["receive_count"] = delivery.receive_count
    try:
        metrics.emit(values, dimensions, properties=properties)
    except (ValueError, OSError):
        log.exception("could not emit job metrics")  # never fail a job over its metrics
