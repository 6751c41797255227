"""Render job records. Every transition is a conditional write, so duplicate deliveries and
crashed workers can neither render twice nor leave a job stuck."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.errors import NotFound
from chalicelib.store.base import utcnow
from chalicelib.store.models import RenderModel

LEASE_SECONDS = 150  # longer than the slowest worker's timeout (final: 120 s)


@dataclass(frozen=True)
class Render:
    render_id: str
    brand_id: str
    snapshot_id: str
    spec_hash: str
    kind: str
    options: dict[str, Any]
    status: str
    attempts: int
    progress: int
    cache_key: str
    reused: bool
    outputs: list[dict[str, Any]]
    error: dict[str, Any] | None
    timings: dict[str, Any]
    correlation_id: str
    created_at: datetime
    updated_at: datetime


def as_render(m: RenderModel) -> Render:
    return Render(
        render_id=m.render_id,
        brand_id=m.brand_id,
        snapshot_id=m.snapshot_id,
        spec_hash=m.spec_hash,
        kind=m.kind,
        options=dict(m.options or {}),
        status=m.status,
        attempts=int(m.attempts or 0),
        progress=int(m.progress or 0),
        cache_key=m.cache_key,
        reused=bool(m.reused),
        outputs=list(m.outputs or []),
        error=m.error,
        timings=dict(m.timings or {}),
        correlation_id=m.correlation_id or "",
        created_at=m.created_at,
        updated_at=m.updated_at,
    )


def new_render(
    brand_id: str,
    *,
    snapshot_id: str,
    spec_hash: str,
    kind: str,
    options: dict[str, Any],
    cache_key: str,
    correlation_id: str,
) -> RenderModel:
    now = utcnow()
    return RenderModel(
        brand_id=brand_id,
        render_id=f"rnd_{secrets.token_hex(10)}",
        snapshot_id=snapshot_id,
        spec_hash=spec_hash,
        kind=kind,
        options=options,
        status="queued",
        attempts=0,
        progress=0,
        lease_until=0,
        cache_key=cache_key,
        reused=False,
        outputs=[],
        timings={"queued_at": now.isoformat()},
        correlation_id=correlation_id,
        created_at=now,
        updated_at=now,
    )


def put_new(tx: TransactWrite, model: RenderModel) -> None:
    tx.save(model, condition=RenderModel.render_id.does_not_exist())


def find(brand_id: str, render_id: str) -> RenderModel | None:
    try:
        return RenderModel.get(brand_id, render_id, consistent_read=True)
    except DoesNotExist:
        return None


def get_render(brand_id: str, render_id: str) -> Render:
    model = find(brand_id, render_id)
    if model is None:
        raise NotFound("No such render.", code="render.not_found")
    return as_render(model)


def _condition_failed(exc: UpdateError) -> bool:
    return exc.cause_response_code == "ConditionalCheckFailedException"


def start(model: RenderModel) -> bool:
    """Take the job: queued, or running with an expired lease (its worker died). False: not ours."""
    now = time.time()
    timings = {**(model.timings or {}), "started_at": utcnow().isoformat()}
    try:
        model.update(
            actions=[
                RenderModel.status.set("running"),
                RenderModel.attempts.add(1),
                RenderModel.lease_until.set(now + LEASE_SECONDS),
                RenderModel.progress.set(5),
                RenderModel.timings.set(timings),
                RenderModel.updated_at.set(utcnow()),
            ],
            condition=(RenderModel.status == "queued")
            | ((RenderModel.status == "running") & (RenderModel.lease_until < now)),
        )
    except UpdateError as exc:
        if _condition_failed(exc):
            return False
        raise
    return True


def set_progress(model: RenderModel, percent: int) -> None:
    model.update(
        actions=[RenderModel.progress.set(percent), RenderModel.updated_at.set(utcnow())],
        condition=RenderModel.status == "running",
    )


def _finish_timings(model: RenderModel) -> dict[str, Any]:
    timings = dict(model.timings or {})
    finished = utcnow()
    timings["finished_at"] = finished.isoformat()
    started = timings.get("started_at")
    if started:
        began = datetime.fromisoformat(started)
        timings["duration_ms"] = round((finished - began).total_seconds() * 1000, 1)
    return timings


def succeed(model: RenderModel, outputs: list[dict[str, Any]], *, reused: bool) -> None:
    model.update(
        actions=[
            RenderModel.status.set("succeeded"),
            RenderModel.outputs.set(outputs),
            RenderModel.reused.set(reused),
            RenderModel.progress.set(100),
            RenderModel.error.remove(),
            RenderModel.timings.set(_finish_timings(model)),
            RenderModel.updated_at.set(utcnow()),
        ],
        condition=RenderModel.status == "running",
    )


def fail(model: RenderModel, code: str, message: str) -> None:
    """Record a final failure with its reason (never overwrites a success)."""
    model.update(
        actions=[
            RenderModel.status.set("failed"),
            RenderModel.error.set({"code": code, "message": message[:500]}),
            RenderModel.timings.set(_finish_timings(model)),
            RenderModel.updated_at.set(utcnow()),
        ],
        condition=RenderModel.status != "succeeded",
    )
