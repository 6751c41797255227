"""The life of an asynchronous job record (renders, packs): queued → running → succeeded | failed.

Every transition is a conditional write. A worker takes a job only if it is queued, or running
under an expired lease (its worker died); a duplicate delivery of a live or finished job does
nothing. Models using this carry ``status``, ``attempts``, ``lease_until``, ``progress``,
``error``, ``timings`` and ``updated_at``.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from chalicelib.store.base import utcnow


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


def succeed(model: Model, actions: list[Action]) -> None:
    """Record success with the job's own results (``actions``), only while it is running."""
    cls: Any = type(model)
    model.update(
        actions=[
            *actions,
            cls.status.set("succeeded"),
            cls.progress.set(100),
            cls.error.remove(),
            cls.timings.set(_finished_timings(model)),
            cls.updated_at.set(utcnow()),
        ],
        condition=cls.status == "running",
    )


def fail(model: Model, code: str, message: str) -> None:
    """Record a final failure with its reason; never overwrites a success."""
    cls: Any = type(model)
    model.update(
        actions=[
            cls.status.set("failed"),
            cls.error.set({"code": code, "message": message[:500]}),
            cls.timings.set(_finished_timings(model)),
            cls.updated_at.set(utcnow()),
        ],
        condition=cls.status != "succeeded",
    )
