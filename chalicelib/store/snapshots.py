"""Snapshots: frozen copies of a spec; a one-way lock guards spec and inputs.

Every mutation of a snapshot's design is a conditional write on ``locked = false``, so a lock
that lands between a read and a write still wins: the write fails with 409 ``snapshot.locked``.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DeleteError, DoesNotExist, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.domain.canonical import canonicalize
from chalicelib.errors import Conflict, NotFound
from chalicelib.store import events
from chalicelib.store.base import utcnow
from chalicelib.store.events import NewEvent
from chalicelib.store.models import SnapshotModel
from chalicelib.store.specs import Spec


@dataclass(frozen=True)
class Snapshot:
    snapshot_id: str
    brand_id: str
    spec_hash: str
    spec: dict[str, Any]
    product_id: str
    status: str
    locked: bool
    locked_at: datetime | None
    created_at: datetime
    assets: dict[str, Any] = field(default_factory=dict)
    proof: dict[str, Any] | None = None  # the shopper's confirmation of the proof, if asked


def _snapshot(m: SnapshotModel) -> Snapshot:
    return Snapshot(
        snapshot_id=m.snapshot_id,
        brand_id=m.brand_id,
        spec_hash=m.spec_hash,
        spec=json.loads(m.canonical),
        product_id=m.product_id,
        status=m.status,
        locked=bool(m.locked),
        locked_at=m.locked_at,
        created_at=m.created_at,
        assets=dict(m.assets or {}),
        proof=dict(m.proof) if m.proof else None,
    )


def _locked() -> Conflict:
    return Conflict(
        "This snapshot is locked; its design can no longer change.", code="snapshot.locked"
    )


def new_snapshot(spec: Spec) -> Snapshot:
    return Snapshot(
        snapshot_id=f"snp_{secrets.token_hex(10)}",
        brand_id=spec.brand_id,
        spec_hash=spec.spec_hash,
        spec=spec.spec,
        product_id=spec.product_id,
        status="draft",
        locked=False,
        locked_at=None,
        created_at=utcnow(),
    )


def put_new(transaction: TransactWrite, snap: Snapshot) -> None:
    model = SnapshotModel(
        brand_id=snap.brand_id,
        snapshot_id=snap.snapshot_id,
        spec_hash=snap.spec_hash,
        canonical=canonicalize(snap.spec).decode("utf-8"),
        product_id=snap.product_id,
        status=snap.status,
        locked=False,
        assets={},
        created_at=snap.created_at,
        updated_at=snap.created_at,
    )
    transaction.save(model, condition=SnapshotModel.snapshot_id.does_not_exist())


def _load(brand_id: str, snapshot_id: str) -> SnapshotModel:
    try:
        return SnapshotModel.get(brand_id, snapshot_id, consistent_read=True)
    except DoesNotExist as exc:
        raise NotFound("No such snapshot.", code="snapshot.not_found") from exc


def get_snapshot(brand_id: str, snapshot_id: str) -> Snapshot:
    return _snapshot(_load(brand_id, snapshot_id))


def _failed_condition(exc: UpdateError | DeleteError) -> bool:
    return exc.cause_response_code == "ConditionalCheckFailedException"


def replace_spec(brand_id: str, snapshot_id: str, spec: Spec) -> Snapshot:
    """Point a draft snapshot at another spec of the same brand (e.g. the shopper edited)."""
    model = _load(brand_id, snapshot_id)
    try:
        model.update(
            actions=[
                SnapshotModel.spec_hash.set(spec.spec_hash),
                SnapshotModel.canonical.set(canonicalize(spec.spec).decode("utf-8")),
                SnapshotModel.product_id.set(spec.product_id),
                SnapshotModel.updated_at.set(utcnow()),
            ],
            condition=SnapshotModel.locked == False,  # noqa: E712  (a DynamoDB condition)
        )
    except UpdateError as exc:
        if _failed_condition(exc):
            raise _locked() from exc
        raise
    return _snapshot(model)


def delete_snapshot(brand_id: str, snapshot_id: str) -> None:
    model = _load(brand_id, snapshot_id)
    try:
        model.delete(condition=SnapshotModel.locked == False)  # noqa: E712
    except DeleteError as exc:
        if _failed_condition(exc):
            raise _locked() from exc
        raise


def lock_snapshot(
    brand_id: str,
    snapshot_id: str,
    describe: Callable[[Snapshot], list[NewEvent]] | None = None,
) -> tuple[Snapshot, list[NewEvent]]:
    """One-way; locking a locked snapshot returns it unchanged (and writes no event).

    ``describe`` names the events of the lock (snapshot.locked), committed with it.
    """
    model = _load(brand_id, snapshot_id)
    if model.locked:
        return _snapshot(model), []
    now = utcnow()
    actions = [
        SnapshotModel.locked.set(True),
        SnapshotModel.status.set("locked"),
        SnapshotModel.locked_at.set(now),
        SnapshotModel.updated_at.set(now),
    ]
    model.locked, model.status, model.locked_at, model.updated_at = True, "locked", now, now
    new = describe(_snapshot(model)) if describe is not None else []
    try:
        unlocked = SnapshotModel.locked == False  # noqa: E712  (a DynamoDB condition)
        written = events.commit_with_events(model, actions, unlocked, new)
    except (UpdateError, TransactWriteError) as exc:
        if not events.update_failed(exc):
            raise
        return _snapshot(_load(brand_id, snapshot_id)), []  # locked first elsewhere: same outcome
    return _snapshot(model), written


def record_proof(brand_id: str, snapshot_id: str, proof: dict[str, Any]) -> Snapshot:
    """Store the shopper's proof confirmation on a draft snapshot (409 once locked).

    Confirming the same preview again changes nothing (the first time stays the record), so a
    retried request is harmless; confirming another preview of the design replaces it.
    """
    model = _load(brand_id, snapshot_id)
    if model.locked:
        raise _locked()
    if model.proof and model.proof.get("preview_sha256") == proof["preview_sha256"]:
        return _snapshot(model)
    try:
        model.update(
            actions=[SnapshotModel.proof.set(proof), SnapshotModel.updated_at.set(utcnow())],
            condition=SnapshotModel.locked == False,  # noqa: E712  (a DynamoDB condition)
        )
    except UpdateError as exc:
        if _failed_condition(exc):
            raise _locked() from exc
        raise
    return _snapshot(model)


def add_assets(brand_id: str, snapshot_id: str, assets: dict[str, Any]) -> Snapshot:
    """Workers record derived files (previews, finals, packs); allowed on locked snapshots.

    ``assets`` is one JSON value, so concurrent workers merge optimistically: the write is
    conditional on the ``updated_at`` read, and a lost race re-reads and merges again.
    """
    for _ in range(10):
        model = _load(brand_id, snapshot_id)
        try:
            model.update(
                actions=[
                    SnapshotModel.assets.set({**(model.assets or {}), **assets}),
                    SnapshotModel.updated_at.set(utcnow()),
                ],
                condition=SnapshotModel.updated_at == model.updated_at,
            )
        except UpdateError as exc:
            if _failed_condition(exc):
                continue
            raise
        return _snapshot(model)
    raise Conflict("The snapshot is being updated too often; retry.", code="snapshot.busy")
