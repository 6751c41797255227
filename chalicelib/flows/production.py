"""Paid → production: lock every item's snapshot, then one final render and one pack per item.

Safe to run any number of times for the same order (API and webhook both saying "paid", a
retry after a crash): job ids are derived from the order item, records are created with
conditional puts, and messages are (re)sent only for jobs still queued; workers are idempotent
on the job id, so a duplicate message never means duplicate work, and a crash never loses any.
"""

from __future__ import annotations

from chalicelib import logs
from chalicelib.domain.order import production_id
from chalicelib.domain.render_options import RENDERER_VERSION, FinalOptions
from chalicelib.flows import delivery
from chalicelib.flows import packs as pack_jobs
from chalicelib.flows import renders as render_jobs
from chalicelib.flows.events import snapshot_locked
from chalicelib.store import orders, packs, products, profiles, renders, snapshots
from chalicelib.store.base import save_once
from chalicelib.store.models import PackModel, RenderModel

log = logs.get_logger("atelier.flows.production")


def lock_and_announce(brand_id: str, snapshot_id: str, correlation_id: str) -> snapshots.Snapshot:
    """Lock a snapshot (one-way) and tell webhooks (snapshot.locked).

    Locking again re-dispatches the same event (deliveries dedupe on its derived id): that
    repairs a crash between the lock's commit and its first dispatch.
    """
    snapshot, locked = snapshots.lock_snapshot(brand_id, snapshot_id, describe=snapshot_locked)
    delivery.dispatch(locked or snapshot_locked(snapshot), correlation_id)
    return snapshot


def start_production(order: orders.Order, correlation_id: str) -> None:
    """Lock every item's snapshot, then create and queue its final render and its pack."""
    for item in order.items:
        snapshot = lock_and_announce(order.brand_id, item.snapshot_id, correlation_id)
        spec = snapshot.spec
        product = products.get_version(
            order.brand_id, spec["product_id"], int(spec["product_version"])
        )
        profile = profiles.get_profile(
            order.brand_id, product.manufacturing_profile_id or "laser-default"
        )
        final = FinalOptions(dpi=profile.doc.print_dpi, bleed_mm=profile.doc.bleed_mm)
        options = final.model_dump(mode="json")
        # The pack's profile draws the final's engraved photos too (and names its cache key).
        used = render_jobs.profile_in_use(order.brand_id, product, spec, profile.profile_id)
        engraving = render_jobs.engraving_in_key(used, product)
        render_id = production_id("rnd", order.brand_id, item.item_id, "final")
        pack_id = production_id("pck", order.brand_id, item.item_id, "pack")
        render = renders.new_render(
            order.brand_id,
            snapshot_id=snapshot.snapshot_id,
            spec_hash=snapshot.spec_hash,
            kind="final",
            options=options,
            cache_key=render_jobs.cache_key(
                snapshot.spec_hash, "final", options, RENDERER_VERSION, engraving
            ),
            correlation_id=correlation_id,
            render_id=render_id,
            profile=used,
        )
        pack = packs.new_pack(
            order.brand_id,
            snapshot_id=snapshot.snapshot_id,
            spec_hash=snapshot.spec_hash,
            profile_id=profile.profile_id,
            profile=profile.doc.model_dump(mode="json"),
            formats=list(packs.FORMATS),
            correlation_id=correlation_id,
            order_ref=order.external_ref or order.order_id,
            item_ref=str(item.line),
            quantity=item.quantity,
            pack_id=pack_id,
        )
        save_once(render, RenderModel.render_id.does_not_exist())
        save_once(pack, PackModel.pack_id.does_not_exist())
        orders.set_production_ids(order.brand_id, order.order_id, item.line, render_id, pack_id)
        if renders.get_render(order.brand_id, render_id).status == "queued":
            render_jobs.enqueue(renders.get_render(order.brand_id, render_id))
        if packs.get_pack(order.brand_id, pack_id).status == "queued":
            pack_jobs.enqueue(packs.get_pack(order.brand_id, pack_id), correlation_id)
    log.info("production started", extra={"order_id": order.order_id, "items": len(order.items)})
