"""One delivery of a job message, the same way for every kind of job (renders, packs).

Deterministic failures (an ``AtelierError``: bad font, draft snapshot) fail the job at once with
their code; anything else is transient and goes back to the queue, and the last delivery before
the DLQ records why the job gave up. Finished jobs and jobs leased to a live worker are left alone.

This is also the one place job metrics are emitted (EMF, see :mod:`chalicelib.metrics`): one
metric set per delivery with the work's duration, whether it failed, whether it was a retry
(``ApproximateReceiveCount`` > 1) and how long the message waited (now − ``SentTimestamp``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from chalicelib import logs, metrics
from chalicelib.errors import AtelierError
from chalicelib.jobs.batch import Delivery

log = logs.get_logger("atelier.jobs")
Job = TypeVar("Job")


def run(
    job: Job | None,
    *,
    status: Callable[[Job], str],
    start: Callable[[Job], bool],
    work: Callable[[Job], None],
    fail: Callable[[Job, str, str], None],
    delivery: Delivery,
    kind: str,
    finished: Callable[[Job], None] | None = None,
) -> None:
    """``finished`` runs for a redelivery of a finished job: a worker that died between its
    final commit and what follows it (e.g. dispatching webhooks) gets that done now."""
    with _measured(delivery, kind) as outcome:
        if job is None:
            raise LookupError(f"{kind} record not visible yet")  # written before the send; retry
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
        except AtelierError as exc:
            log.warning(f"{kind} failed", extra={"code": exc.code})
            fail(job, exc.code, exc.message)
            outcome["failed"] = True
        except Exception as exc:
            if delivery.is_last:
                attempts = delivery.receive_count
                reason = f"gave up after {attempts} attempts: {type(exc).__name__}: {exc}"
                fail(job, f"{kind}.gave_up", reason)
            raise
        finally:
            outcome["duration_ms"] = (time.perf_counter() - started) * 1000


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
