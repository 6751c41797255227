"""One delivery of a job message, the same way for every kind of job (renders, packs).

Deterministic failures (an ``AtelierError``: bad font, draft snapshot) fail the job at once with
their code; anything else is transient and goes back to the queue, and the last delivery before
the DLQ records why the job gave up. Finished jobs and jobs leased to a live worker are left alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from chalicelib import logs
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
    try:
        work(job)
    except AtelierError as exc:
        log.warning(f"{kind} failed", extra={"code": exc.code})
        fail(job, exc.code, exc.message)
    except Exception as exc:
        if delivery.is_last:
            reason = f"gave up after {delivery.receive_count} attempts: {type(exc).__name__}: {exc}"
            fail(job, f"{kind}.gave_up", reason)
        raise
