"""Retention: expire abandoned drafts, their preview renders and unlinked uploads.

Run daily by the scheduled Lambda in ``app.py`` and by ``python -m chalicelib.cli retention run``.
What goes, per brand:

- **draft snapshots** (never locked) unchanged for ``draft_days``, unless an order item names them;
- **their renders**: records, and the content-addressed S3 objects under
  ``<brand>/renders/<cache_key>/`` unless a kept render or a kept snapshot still points there
  (every render of the same spec and options shares one set of objects);
- **uploads** older than ``upload_days`` that nothing kept uses: pending or failed uploads of any
  kind, and ready images named by no kept snapshot, no recent spec and no product version. Ready
  fonts are the brand's catalogue (products list them) and are never expired.

Never touched: locked snapshots (an order locks them; locking is one-way), anything an order item
names (snapshot, final render), packs (only locked snapshots have them), specs, products.

Safe to rerun: each snapshot is deleted with a condition (still unlocked, unchanged since read),
which is the decision; its objects go next and its render records last, so a run that stops
half-way leaves only orphan renders, which a later run finds (their snapshot is gone) and finishes.
S3 deletes of missing keys succeed, so a second run deletes nothing more and fails on nothing.
Work is bounded per invocation (``max_deletes``, the Lambda's remaining time); brands are visited
in scan order from a checkpoint, so a run that stops early resumes where it stopped.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.exceptions import DeleteError, DoesNotExist
from pynamodb.models import Model

from chalicelib import logs
from chalicelib.jobs import retention_refs as refs
from chalicelib.store.base import utcnow
from chalicelib.store.migration import MigrationCheckpointModel
from chalicelib.store.models import AssetModel, BrandModel, RenderModel, SnapshotModel

log = logs.get_logger("atelier.retention")

CHECKPOINT_ID = "retention"
DEFAULT_DRAFT_DAYS = 30
DEFAULT_UPLOAD_DAYS = 7
DEFAULT_PAGE_SIZE = 200
DEFAULT_MAX_DELETES = 20_000
SAFETY_MS = 30_000  # stop this long before the Lambda's timeout


@dataclass(frozen=True)
class Policy:
    """One run's parameters; ``now`` is injectable so ops and tests can age records."""

    now: datetime
    draft_days: int = DEFAULT_DRAFT_DAYS
    upload_days: int = DEFAULT_UPLOAD_DAYS
    dry_run: bool = False
    page_size: int = DEFAULT_PAGE_SIZE
    max_deletes: int = DEFAULT_MAX_DELETES
    brand_id: str | None = None  # one brand only (no checkpoint)

    @property
    def draft_cutoff(self) -> datetime:
        return self.now - timedelta(days=self.draft_days)

    @property
    def upload_cutoff(self) -> datetime:
        return self.now - timedelta(days=self.upload_days)


def policy_from_env(now: datetime | None = None, **overrides: Any) -> Policy:
    """The stage's policy: ``ATELIER_RETENTION_DRAFT_DAYS`` / ``..._UPLOAD_DAYS``, read now."""
    days = {
        "draft_days": _positive_env("ATELIER_RETENTION_DRAFT_DAYS", DEFAULT_DRAFT_DAYS),
        "upload_days": _positive_env("ATELIER_RETENTION_UPLOAD_DAYS", DEFAULT_UPLOAD_DAYS),
    }
    given = {k: v for k, v in overrides.items() if v is not None}
    return Policy(now=now or utcnow(), **{**days, **given})


def _positive_env(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    value = int(raw)
    if value < 1:
        raise ValueError(f"{name} must be at least 1 day, got {raw!r}")
    return value


@dataclass
class Summary:
    """Counts of one run; logged as one JSON line and returned to the caller."""

    dry_run: bool
    now: str
    brands: int = 0
    snapshots: int = 0
    renders: int = 0
    objects: int = 0
    uploads: int = 0
    skipped: int = 0  # changed (e.g. locked) between read and delete: kept
    pages: int = 0
    complete: bool = True

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def deletes(self) -> int:
        return self.snapshots + self.renders + self.objects + self.uploads


@dataclass(frozen=True)
class Budget:
    """Stops a run before the Lambda times out or after ``max_deletes`` deletions."""

    max_deletes: int
    summary: Summary
    remaining_ms: Callable[[], int] | None = None

    def exhausted(self) -> bool:
        if self.summary.deletes >= self.max_deletes:
            return True
        return self.remaining_ms is not None and self.remaining_ms() < SAFETY_MS


def run(policy: Policy, remaining_ms: Callable[[], int] | None = None) -> Summary:
    """One retention pass over every brand (or ``policy.brand_id``); returns the counts."""
    summary = Summary(dry_run=policy.dry_run, now=policy.now.isoformat())
    budget = Budget(policy.max_deletes, summary, remaining_ms)
    use_checkpoint = policy.brand_id is None and not policy.dry_run
    with logs.scope(job="retention", dry_run=policy.dry_run):
        for brand_id in _brands(policy, use_checkpoint):
            if budget.exhausted():
                summary.complete = False
                break
            summary.brands += 1
            if not expire_brand(brand_id, policy, summary, budget):
                summary.complete = False
                break
            if use_checkpoint:
                _save_checkpoint(brand_id)
        if use_checkpoint and summary.complete:
            _save_checkpoint(None)
        log.info("retention finished", extra={"summary": summary.as_json()})
    return summary


def run_scheduled(context: Any) -> dict[str, Any]:
    """The scheduled Lambda's entry: the stage's policy, stopping before the timeout."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return run(policy_from_env(), remaining).as_json()


def _brands(policy: Policy, use_checkpoint: bool) -> Iterator[str]:
    if policy.brand_id is not None:
        yield policy.brand_id
        return
    start = _load_checkpoint() if use_checkpoint else None
    for brand in BrandModel.scan(
        page_size=policy.page_size,
        last_evaluated_key={"brand_id": {"S": start}} if start else None,
        attributes_to_get=["brand_id"],
    ):
        yield str(brand.brand_id)


def _load_checkpoint() -> str | None:
    try:
        record = MigrationCheckpointModel.get(CHECKPOINT_ID, consistent_read=True)
    except DoesNotExist:
        return None
    return str((record.last_key or {}).get("brand_id") or "") or None


def _save_checkpoint(brand_id: str | None) -> None:
    """The last brand fully processed; None once a pass has visited every brand."""
    MigrationCheckpointModel(
        CHECKPOINT_ID,
        last_key={"brand_id": brand_id} if brand_id else None,
        finished=brand_id is None,
        updated_at=utcnow(),
    ).save()


# --- one brand ------------------------------------------------------------------------------


def expire_brand(brand_id: str, policy: Policy, summary: Summary, budget: Budget) -> bool:
    """Expire one brand's drafts, renders and uploads; False when the budget ran out first."""
    view = refs.read_brand(brand_id, policy, summary)
    for snap in view.expired:
        if budget.exhausted():
            return False
        if not _delete_snapshot(snap, policy):
            summary.skipped += 1
            view.keep(snap)
            continue
        summary.snapshots += 1
        renders = view.renders_of(snap.snapshot_id)
        _delete_outputs(view, renders, snap.prefixes, policy, summary)
    _delete_outputs(view, view.orphan_renders(policy.draft_cutoff), frozenset(), policy, summary)
    if budget.exhausted():
        return False
    _expire_uploads(brand_id, view, policy, summary)
    return True


def _delete_snapshot(snap: refs.SnapshotRow, policy: Policy) -> bool:
    """The decision: False when it was locked or changed since it was read (then it stays)."""
    if policy.dry_run:
        return True
    try:
        SnapshotModel(snap.brand_id, snap.snapshot_id).delete(
            condition=(SnapshotModel.locked == False)  # noqa: E712  (a DynamoDB condition)
            & (SnapshotModel.updated_at == snap.updated_at)
        )
    except DeleteError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return _already_gone(snap)
        raise
    return True


def _already_gone(snap: refs.SnapshotRow) -> bool:
    """A concurrent run (or the API) deleted it: done. It exists but changed: keep it."""
    try:
        SnapshotModel.get(snap.brand_id, snap.snapshot_id, consistent_read=True)
    except DoesNotExist:
        return True
    return False


def _delete_outputs(
    view: refs.BrandView,
    renders: list[refs.RenderRow],
    named: frozenset[str],
    policy: Policy,
    summary: Summary,
) -> None:
    """Objects no kept render or snapshot shares, then the records (see the module docstring).

    ``named``: output prefixes the deleted snapshot's ``assets`` listed, in case a render
    record is already gone.
    """
    own = {refs.render_prefix(view.brand_id, r.cache_key) for r in renders}
    prefixes = (own | named) - view.kept_prefixes()
    summary.objects += refs.delete_prefixes(sorted(prefixes), policy.dry_run)
    if not policy.dry_run:
        _batch_delete(RenderModel, [(r.brand_id, r.render_id) for r in renders])
    summary.renders += len(renders)
    view.forget(renders)


def _batch_delete(model: type[Model], keys: list[tuple[str, str]]) -> None:
    with model.batch_write() as batch:
        for hash_key, range_key in keys:
            batch.delete(model(hash_key, range_key))


def _expire_uploads(brand_id: str, view: refs.BrandView, policy: Policy, summary: Summary) -> None:
    candidates = refs.upload_candidates(brand_id, policy, summary)
    if not candidates:
        return
    used = view.referenced_assets() | refs.recent_spec_assets(brand_id, policy, summary)
    used |= refs.product_assets(brand_id, policy, summary)
    for asset in candidates:
        if asset.asset_id in used:
            continue
        keys = [k for k in (asset.upload_key, asset.stored_key) if k]
        refs.delete_keys(brand_id, keys, policy.dry_run)
        if policy.dry_run or _delete_asset(asset):
            summary.uploads += 1
        else:
            summary.skipped += 1


def _delete_asset(asset: refs.AssetRow) -> bool:
    try:
        AssetModel(asset.brand_id, asset.asset_id).delete(
            condition=AssetModel.status == asset.status
        )
    except DeleteError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def parse_now(text: str | None) -> datetime | None:
    """An ISO 8601 instant for ``--now``; naive means UTC."""
    if not text:
        return None
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
