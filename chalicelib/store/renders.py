"""Render job records. Every transition is a conditional write, so duplicate deliveries and
crashed workers can neither render twice nor leave a job stuck."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist
from pynamodb.transactions import TransactWrite

from chalicelib.errors import NotFound
from chalicelib.store import jobstate
from chalicelib.store.base import utcnow
from chalicelib.store.events import NewEvent
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
    profile: dict[str, Any] | None = None  # see RenderModel.profile


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
        profile=None if m.profile is None else dict(m.profile),
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
    render_id: str | None = None,
    profile: dict[str, Any] | None = None,
) -> RenderModel:
    """A queued render (not yet written); ``render_id`` may be derived by the caller."""
    now = utcnow()
    return RenderModel(
        brand_id=brand_id,
        render_id=render_id or f"rnd_{secrets.token_hex(10)}",
        snapshot_id=snapshot_id,
        spec_hash=spec_hash,
        kind=kind,
        options=options,
        status="queued",
        attempts=0,
        progress=0,
        lease_until=0,
        cache_key=cache_key,
        profile=profile,
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


def start(model: RenderModel) -> bool:
    return jobstate.start(model, LEASE_SECONDS)


def set_progress(model: RenderModel, percent: int) -> None:
    jobstate.set_progress(model, percent)


def succeed(
    model: RenderModel,
    outputs: list[dict[str, Any]],
    *,
    reused: bool,
    describe: jobstate.Describe | None = None,
) -> list[NewEvent]:
    return jobstate.succeed(model, {"outputs": outputs, "reused": reused}, describe)


def fail(
    model: RenderModel,
    code: str,
    message: str,
    describe: jobstate.Describe | None = None,
    *,
    retryable: bool = False,
) -> list[NewEvent]:
    return jobstate.fail(model, code, message, describe, retryable=retryable)


def release(model: RenderModel, code: str, message: str) -> bool:
    return jobstate.release(model, code, message)
