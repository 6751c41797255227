"""The read side of retention: what one brand has, and what references what.

Reads are paged (``policy.page_size`` items per DynamoDB call, projected to the attributes
needed) and the S3 side lists and deletes in batches of at most 1000 keys. The decisions are in
:mod:`chalicelib.jobs.retention`; this module only answers "what is there, who uses it".
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from pynamodb.models import Model

from chalicelib import aws
from chalicelib.store.models import (
    AssetModel,
    OrderItemModel,
    OrderModel,
    ProductModel,
    ProductVersionModel,
    RenderModel,
    SnapshotModel,
    SpecModel,
)

if TYPE_CHECKING:
    from chalicelib.jobs.retention import Policy, Summary

S3_BATCH = 1000  # DeleteObjects takes at most 1000 keys
M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class SnapshotRow:
    brand_id: str
    snapshot_id: str
    locked: bool
    updated_at: datetime
    prefixes: frozenset[str]  # render output prefixes its ``assets`` name
    asset_refs: frozenset[str]  # uploads its spec uses (images, brand fonts)


@dataclass(frozen=True)
class RenderRow:
    brand_id: str
    render_id: str
    snapshot_id: str
    cache_key: str
    updated_at: datetime


@dataclass(frozen=True)
class AssetRow:
    brand_id: str
    asset_id: str
    status: str
    upload_key: str
    stored_key: str | None


def paged(
    model: type[M], brand_id: str, attrs: list[str], summary: Summary, size: int, **kw: Any
) -> Iterator[M]:
    """Every record of one brand's partition, ``size`` per request, counting the requests."""
    start: dict[str, Any] | None = None
    while True:
        query = model.query(
            brand_id,
            limit=size,
            page_size=size,
            last_evaluated_key=start,
            attributes_to_get=["brand_id", *attrs],
            consistent_read=True,
            **kw,
        )
        yield from query
        summary.pages += 1
        start = query.last_evaluated_key
        if not start:
            return


def render_prefix(brand_id: str, cache_key: str) -> str:
    return f"{brand_id}/renders/{cache_key}"


def spec_asset_refs(spec: dict[str, Any]) -> set[str]:
    """Upload ids a spec draws: images of image zones, uploaded fonts of text zones."""
    found: set[str] = set()
    for zone in (spec.get("zones") or {}).values():
        if zone.get("kind") == "image" and zone.get("asset_id"):
            found.add(str(zone["asset_id"]))
        font = zone.get("font") if zone.get("kind") == "text" else None
        if isinstance(font, dict) and str(font.get("id", "")).startswith("ast_"):
            found.add(str(font["id"]))
    return found


def _file_prefixes(brand_id: str, assets: dict[str, Any]) -> frozenset[str]:
    """Render output prefixes named in a snapshot's ``assets`` (previews, finals)."""
    own = f"{brand_id}/renders/"
    keys = [
        str(f.get("key", ""))
        for entry in assets.values()
        if isinstance(entry, dict)
        for f in entry.get("files") or []
        if isinstance(f, dict)
    ]
    return frozenset(
        k.rsplit("/", 1)[0] for k in keys if k.startswith(own) and "/" in k[len(own) :]
    )


class BrandView:
    """One brand's snapshots and renders, split into expired and kept as decisions are made."""

    def __init__(self, brand_id: str) -> None:
        self.brand_id = brand_id
        self.snapshots: dict[str, SnapshotRow] = {}
        self.renders: dict[str, RenderRow] = {}
        self.ordered_snapshots: set[str] = set()
        self.ordered_renders: set[str] = set()
        self.expired: list[SnapshotRow] = []
        self._expired_ids: set[str] = set()
        self._kept_prefixes: set[str] = set()

    def decide(self, draft_cutoff: datetime) -> None:
        """Expired: unlocked, unchanged since the cutoff, named by no order item."""
        for snap in self.snapshots.values():
            if (
                not snap.locked
                and snap.updated_at < draft_cutoff
                and snap.snapshot_id not in self.ordered_snapshots
            ):
                self.expired.append(snap)
        self.expired.sort(key=lambda s: s.snapshot_id)
        self._expired_ids = {s.snapshot_id for s in self.expired}
        for snap in self.snapshots.values():
            if snap.snapshot_id not in self._expired_ids:
                self._kept_prefixes |= snap.prefixes
        for render in self.renders.values():
            if render.render_id in self.ordered_renders or (
                render.snapshot_id in self.snapshots and render.snapshot_id not in self._expired_ids
            ):
                self._kept_prefixes.add(render_prefix(self.brand_id, render.cache_key))

    def keep(self, snap: SnapshotRow) -> None:
        """It changed under us (locked, edited): it and its renders' files stay."""
        self._expired_ids.discard(snap.snapshot_id)
        self._kept_prefixes |= snap.prefixes
        for render in self.renders_of(snap.snapshot_id):
            self._kept_prefixes.add(render_prefix(self.brand_id, render.cache_key))

    def kept_prefixes(self) -> set[str]:
        return self._kept_prefixes

    def renders_of(self, snapshot_id: str) -> list[RenderRow]:
        return [
            r
            for r in self.renders.values()
            if r.snapshot_id == snapshot_id and r.render_id not in self.ordered_renders
        ]

    def orphan_renders(self, cutoff: datetime) -> list[RenderRow]:
        """Renders of a snapshot that no longer exists (a run stopped half-way, an API delete)."""
        return [
            r
            for r in self.renders.values()
            if r.snapshot_id not in self.snapshots
            and r.render_id not in self.ordered_renders
            and r.updated_at < cutoff
        ]

    def forget(self, renders: list[RenderRow]) -> None:
        for render in renders:
            self.renders.pop(render.render_id, None)

    def referenced_assets(self) -> set[str]:
        """Uploads used by a snapshot that stays (locked, ordered, or still fresh)."""
        return {
            ref
            for snap in self.snapshots.values()
            if snap.snapshot_id not in self._expired_ids
            for ref in snap.asset_refs
        }


def read_brand(brand_id: str, policy: Policy, summary: Summary) -> BrandView:
    view = BrandView(brand_id)
    size = policy.page_size
    for item in paged(
        OrderItemModel, brand_id, ["item_key", "snapshot_id", "render_id"], summary, size
    ):
        view.ordered_snapshots.add(str(item.snapshot_id))
        if item.render_id:
            view.ordered_renders.add(str(item.render_id))
    for order in paged(OrderModel, brand_id, ["order_id", "legacy_snapshot_id"], summary, size):
        if order.legacy_snapshot_id:
            view.ordered_snapshots.add(str(order.legacy_snapshot_id))
    snap_attrs = ["snapshot_id", "locked", "updated_at", "assets", "canonical"]
    for s in paged(SnapshotModel, brand_id, snap_attrs, summary, size):
        view.snapshots[s.snapshot_id] = SnapshotRow(
            brand_id,
            s.snapshot_id,
            bool(s.locked),
            s.updated_at,
            _file_prefixes(brand_id, dict(s.assets or {})),
            frozenset(spec_asset_refs(json.loads(s.canonical or "{}"))),
        )
    render_attrs = ["render_id", "snapshot_id", "cache_key", "updated_at"]
    for r in paged(RenderModel, brand_id, render_attrs, summary, size):
        view.renders[r.render_id] = RenderRow(
            brand_id, r.render_id, r.snapshot_id, r.cache_key, r.updated_at
        )
    view.decide(policy.draft_cutoff)
    return view


def upload_candidates(brand_id: str, policy: Policy, summary: Summary) -> list[AssetRow]:
    """Uploads past the cutoff that may go if unused: anything unfinished, and ready images."""
    attrs = ["asset_id", "kind", "status", "upload_key", "stored_key", "created_at", "completed_at"]
    found = []
    for a in paged(AssetModel, brand_id, attrs, summary, policy.page_size):
        settled = a.completed_at or a.created_at
        expirable = a.status != "ready" or a.kind == "image"
        if expirable and settled < policy.upload_cutoff:
            found.append(AssetRow(brand_id, a.asset_id, a.status, a.upload_key, a.stored_key))
    return found


def recent_spec_assets(brand_id: str, policy: Policy, summary: Summary) -> set[str]:
    """Uploads named by specs made since the cutoff: a shopper may be about to snapshot one."""
    refs: set[str] = set()
    recent = SpecModel.created_at >= policy.upload_cutoff
    attrs = ["spec_hash", "canonical", "created_at"]
    for spec in paged(
        SpecModel, brand_id, attrs, summary, policy.page_size, filter_condition=recent
    ):
        refs |= spec_asset_refs(json.loads(spec.canonical))
    return refs


def product_assets(brand_id: str, policy: Policy, summary: Summary) -> set[str]:
    """Images and 3D models every product version names (a render may draw any version)."""
    refs: set[str] = set()
    size = policy.page_size
    versions = paged(ProductVersionModel, brand_id, ["version_key", "document"], summary, size)
    current = paged(ProductModel, brand_id, ["product_id", "document"], summary, size)
    documents = [v.document for v in versions] + [p.document for p in current]
    for document in documents:
        refs |= product_document_refs(dict(document or {}))
    return refs


def product_document_refs(document: dict[str, Any]) -> set[str]:
    """Every upload a stored product document names: the base image, each side's mockup, the
    3D model a model render retextures, and per option value its swatch image and mockup. Read
    from the raw stored JSON (old versions included, whatever fields they had); a new place a
    product names an asset is added here."""
    model = document.get("model") or {}
    found: list[Any] = [document.get("base_image_asset_id"), model.get("asset_id")]
    found += [side.get("mockup_asset_id") for side in document.get("sides") or []]
    for option in document.get("options") or []:
        for value in option.get("values") or []:
            found += [value.get("swatch_asset_id"), value.get("mockup_asset_id")]
    return {str(ref) for ref in found if ref}


# --- S3 -------------------------------------------------------------------------------------


def delete_prefixes(prefixes: list[str], dry_run: bool) -> int:
    """Delete every object under each ``prefix/``; returns how many there were."""
    s3, bucket, count = aws.s3(), aws.assets_bucket(), 0
    for prefix in prefixes:
        keys: list[str] = []
        for page in s3.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=prefix + "/"
        ):
            keys += [str(o["Key"]) for o in page.get("Contents", [])]
        count += len(keys)
        if not dry_run:
            _delete_batches(keys)
    return count


def delete_keys(brand_id: str, keys: list[str], dry_run: bool) -> None:
    """Delete exact keys of this brand; a key that is already gone is not an error in S3."""
    own = [k for k in keys if k.startswith(f"{brand_id}/")]
    if not dry_run:
        _delete_batches(own)


def _delete_batches(keys: list[str]) -> None:
    s3, bucket = aws.s3(), aws.assets_bucket()
    for i in range(0, len(keys), S3_BATCH):
        chunk = keys[i : i + S3_BATCH]
        answer = s3.delete_objects(
            Bucket=bucket, Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True}
        )
        errors = [e for e in answer.get("Errors", []) if e.get("Code") != "NoSuchKey"]
        if errors:
            raise RuntimeError(f"S3 refused {len(errors)} deletes, first: {errors[0]}")
