"""Manufacturing pack job records (life cycle in ``store.jobstate``)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist
from pynamodb.transactions import TransactWrite

from chalicelib.domain.pack import PACK_FORMATS
from chalicelib.errors import NotFound
from chalicelib.store import jobstate
from chalicelib.store.base import utcnow
from chalicelib.store.events import NewEvent
from chalicelib.store.models import PackModel

LEASE_SECONDS = 360  # longer than the export worker's timeout (300 s)
FORMATS = PACK_FORMATS


@dataclass(frozen=True)
class Pack:
    pack_id: str
    brand_id: str
    snapshot_id: str
    spec_hash: str
    profile_id: str
    formats: list[str]
    status: str
    attempts: int
    progress: int
    zip_key: str | None
    sha256: str | None
    size: int | None
    files: list[dict[str, Any]]
    warnings: list[Any]
    error: dict[str, Any] | None
    timings: dict[str, Any]
    created_at: datetime


def as_pack(m: PackModel) -> Pack:
    return Pack(
        pack_id=m.pack_id,
        brand_id=m.brand_id,
        snapshot_id=m.snapshot_id,
        spec_hash=m.spec_hash,
        profile_id=m.profile_id,
        formats=[str(f) for f in m.formats or []],
        status=m.status,
        attempts=int(m.attempts or 0),
        progress=int(m.progress or 0),
        zip_key=m.zip_key,
        sha256=m.sha256,
        size=int(m.size) if m.size is not None else None,
        files=list(m.files or []),
        warnings=list(m.warnings or []),
        error=m.error,
        timings=dict(m.timings or {}),
        created_at=m.created_at,
    )


def new_pack(
    brand_id: str,
    *,
    snapshot_id: str,
    spec_hash: str,
    profile_id: str,
    profile: dict[str, Any],
    formats: list[str],
    correlation_id: str,
    order_ref: str = "",
    item_ref: str = "",
    quantity: int = 1,
    pack_id: str | None = None,
) -> PackModel:
    """A queued pack (not yet written); ``pack_id`` may be derived by the caller."""
    now = utcnow()
    return PackModel(
        brand_id=brand_id,
        pack_id=pack_id or f"pck_{secrets.token_hex(10)}",
        snapshot_id=snapshot_id,
        spec_hash=spec_hash,
        profile_id=profile_id,
        profile=profile,
        formats=formats,
        order_ref=order_ref,
        item_ref=item_ref,
        quantity=quantity,
        status="queued",
        attempts=0,
        progress=0,
        lease_until=0,
        files=[],
        warnings=[],
        timings={"queued_at": now.isoformat()},
        correlation_id=correlation_id,
        created_at=now,
        updated_at=now,
    )


def put_new(tx: TransactWrite, model: PackModel) -> None:
    tx.save(model, condition=PackModel.pack_id.does_not_exist())


def find(brand_id: str, pack_id: str) -> PackModel | None:
    try:
        return PackModel.get(brand_id, pack_id, consistent_read=True)
    except DoesNotExist:
        return None


def get_pack(brand_id: str, pack_id: str) -> Pack:
    model = find(brand_id, pack_id)
    if model is None:
        raise NotFound("No such pack.", code="pack.not_found")
    return as_pack(model)


def start(model: PackModel) -> bool:
    return jobstate.start(model, LEASE_SECONDS)


def set_progress(model: PackModel, percent: int) -> None:
    jobstate.set_progress(model, percent)


def succeed(
    model: PackModel,
    *,
    zip_key: str,
    sha256: str,
    size: int,
    files: list[dict[str, Any]],
    warnings: list[Any],
    describe: jobstate.Describe | None = None,
) -> list[NewEvent]:
    fields = {"zip_key": zip_key, "sha256": sha256, "size": size, "files": files}
    return jobstate.succeed(model, {**fields, "warnings": warnings}, describe)


def fail(
    model: PackModel,
    code: str,
    message: str,
    describe: jobstate.Describe | None = None,
    *,
    retryable: bool = False,
) -> list[NewEvent]:
    return jobstate.fail(model, code, message, describe, retryable=retryable)


def release(model: PackModel, code: str, message: str) -> bool:
    return jobstate.release(model, code, message)
