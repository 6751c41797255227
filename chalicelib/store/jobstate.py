"""The life of an asynchronous job record (renders, packs): queued → running → succeeded | failed.

Every transition is a conditional write. A worker takes a job only if it is queued, or running
under an expired lease (its worker died); a duplicate delivery of a live or finished job does
nothing. Models using this carry ``status``, ``attempts``, ``lease_until``, ``progress``,
``error``, ``timings`` and ``updated_at``. A job's final state and its events (render.succeeded,
pack.failed, ...) commit in one transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from chalicelib.store import events
from chalicelib.store.base import utcnow
from chalicelib.store.events import NewEvent


def _condition_failed(exc: UpdateError) -> bool:
    return exc.cause_response_code == "ConditionalCheckFailedException"


def start(model: Model, lease_seconds: float) -> bool:
    """Take the job; False when it is finished or running elsewhere under a live lease."""
    cls: Any = type(model)
    now = time.time()
    timings = {**(getattr(model, "timings", None) or {}), "started_at": utcnow().isoformat()}
    try:
        model.update(
            actions=[
                cls.status.set("running"),
                cls.attempts.add(1),
                cls.lease_until.set(now + lease_seconds),
                cls.progress.set(5),
                cls.timings.set(timings),
                cls.updated_at.set(utcnow()),
            ],
            condition=(cls.status == "queued")
            | ((cls.status == "running") & (cls.lease_until < now)),
        )
    except UpdateError as exc:
        if _condition_failed(exc):
            return False
        raise
    return True


def set_progress(model: Model, percent: int) -> None:
    cls: Any = type(model)
    model.update(
        actions=[cls.progress.set(percent), cls.updated_at.set(utcnow())],
        condition=cls.status == "running",
    )


def _finished_timings(model: Model) -> dict[str, Any]:
    timings = dict(getattr(model, "timings", None) or {})
    finished = utcnow()
    timings["finished_at"] = finished.isoformat()
    started = timings.get("started_at")
    if started:
        elapsed = finished - datetime.fromisoformat(started)
        timings["duration_ms"] = round(elapsed.total_seconds() * 1000, 1)
    return timings


Describe = Callable[[Any], list[NewEvent]]


def succeed(
    model: Model, fields: dict[str, Any], describe: Describe | None = None
) -> list[NewEvent]:
    """Record success with the job's own results (``fields``), only while it is running.

    ``describe`` names the events of the finished job (built from the record as it will be);
    they are written in the same transaction and returned for dispatch.
    """
    cls: Any = type(model)
    values = {
        **fields,
        "status": "succeeded",
        "progress": 100,
        "timings": _finished_timings(model),
        "updated_at": utcnow(),
    }
    actions = [getattr(cls, name).set(value) for name, value in values.items()]
    return _finish(model, values, [*actions, cls.error.remove()], cls.status == "running", describe)


def fail(
    model: Model,
    code: str,
    message: str,
    describe: Describe | None = None,
    *,
    retryable: bool = False,
) -> list[NewEvent]:
    """Record a final failure with its reason; never overwrites a success.

    ``retryable`` tells the client whether the cause was passing (throttling, an outage: the
    same request later may succeed) or not (the input fails the same way every time).
    """
    cls: Any = type(model)
    values = {
        "status": "failed",
        "error": {"code": code, "message": message[:500], "retryable": retryable},
        "timings": _finished_timings(model),
        "updated_at": utcnow(),
    }
    actions = [getattr(cls, name).set(value) for name, value in values.items()]
    return _finish(model, values, actions, cls.status != "succeeded", describe)


def release(model: Model, code: str, message: str) -> bool:
    """Give a running job back to the queue after a passing failure: ``queued`` again, lease
    dropped so the redelivery may take it at once, and the reason kept in ``error`` (with
    ``retryable: true``) until it succeeds or fails for good. False if it is no longer running.
    """
    cls: Any = type(model)
    error = {"code": code, "message": message[:500], "retryable": True}
    try:
        model.update(
            actions=[
                cls.status.set("queued"),
                cls.lease_until.set(0),
                cls.error.set(error),
                cls.updated_at.set(utcnow()),
            ],
            condition=cls.status == "running",
        )
    except UpdateError as exc:
        if _condition_failed(exc):
            return False
        raise
    return True


def _finish(
    model: Model,
    values: dict[str, Any],
    actions: list[Action],
    condition: Condition,
    describe: Describe | None,
) -> list[NewEvent]:
    if "error" not in values:
        values = {**values, "error": None}
    for name, value in values.items():  # the record as the update leaves it, for the events
        setattr(model, name, value)
    new = describe(model) if describe is not None else []
    return events.commit_with_events(model, actions, condition, new)
