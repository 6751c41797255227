"""Order → OrderItem migration: orders from before items existed get their line 1 as an item.

An earlier version stored one product, snapshot and quantity on the order itself
(``OrderModel.legacy_*``). This module creates the matching ``OrderItemModel`` and sets the
order's ``item_count`` to 1, leaving the legacy fields as they are so old readers keep working.

Why it is shaped this way:

- **Idempotent**: the item is put on ``item_key does_not_exist`` and the order bumped on
  ``item_count == 0``, so a rerun (or two overlapping runs) never writes anything twice.
- **Resumable**: after each scanned page the scan's ``LastEvaluatedKey`` and the running counts go
  to a small checkpoint record; a killed run restarts from the last completed page, and the part
  of a page it had already written is found again as "already migrated".
- **Fast on the local stack**: moto copies every table for each ``TransactWriteItems``, so a
  transaction per order would be quadratic. Reads are batched per page (``BatchGetItem`` of the
  existing items and the snapshots, with a per-run snapshot cache), and the two conditional
  writes per order run on a few threads so the client's work overlaps the server's.
- **Invalid orders are never half-written**: validation happens before any write, and each one
  is reported with a stable reason code.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.models import Model

from chalicelib.domain.order import item_id, item_key
from chalicelib.store.base import LazyTableMeta, utcnow
from chalicelib.store.models import OrderItemModel, OrderModel, SnapshotModel

MIGRATION = "order-items"
PAGE_SIZE = 500  # orders per scanned page, and so per checkpoint and progress update
WORKERS = 8
INVALID_SAMPLE = 100  # the report lists at most this many invalid orders, and counts them all
_CONDITION_FAILED = "ConditionalCheckFailedException"


class MigrationCheckpointModel(Model):
    """Where a data migration stands: resumes a killed run from its last completed page."""

    class Meta(metaclass=LazyTableMeta):
        logical_name = "migrations"

    migration_id = UnicodeAttribute(hash_key=True)  # "order-items" or "order-items#<brand>"
    last_key = JSONAttribute(null=True)  # the scan's LastEvaluatedKey after the last saved page
    counts = JSONAttribute(default=dict)
    finished = BooleanAttribute(default=False)
    updated_at = UTCDateTimeAttribute(default_for_new=utcnow)


@dataclass
class Counts:
    """Running totals; stored in the checkpoint so a resumed run reports the whole migration."""

    processed: int = 0
    migrated: int = 0
    already_migrated: int = 0
    not_legacy: int = 0
    invalid_count: int = 0
    invalid: list[dict[str, str]] = field(default_factory=list)

    def add_invalid(self, order_id: str, reason: str) -> None:
        self.invalid_count += 1
        if len(self.invalid) < INVALID_SAMPLE:
            self.invalid.append({"order_id": order_id, "reason": reason})

    def as_json(self) -> dict[str, Any]:
        return {**self.__dict__, "invalid": list(self.invalid)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Counts:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass(frozen=True)
class Report:
    counts: Counts
    resumed_from_checkpoint: bool
    dry_run: bool

    def as_json(self) -> dict[str, Any]:
        return {
            **self.counts.as_json(),
            "resumed_from_checkpoint": self.resumed_from_checkpoint,
            "dry_run": self.dry_run,
        }


ProgressFn = Callable[[Counts], None]
# (brand_id, snapshot_id) → (product_id, spec_hash), or None when there is no such snapshot.
SnapshotCache = dict[tuple[str, str], tuple[str, str] | None]


def migration_id(brand_id: str | None) -> str:
    return f"{MIGRATION}#{brand_id}" if brand_id else MIGRATION


def migrate_order_items(
    *,
    brand_id: str | None = None,
    dry_run: bool = False,
    page_size: int = PAGE_SIZE,
    on_page: ProgressFn | None = None,
    workers: int = WORKERS,
) -> Report:
    """Create line 1 of every legacy order (one brand, or all), resuming an unfinished run.

    A dry run reads only: it ignores and keeps any checkpoint and reports what would happen.
    ``on_page`` runs after each page's checkpoint is saved, so an exception there behaves like
    a kill at a page boundary.
    """
    mid = migration_id(brand_id)
    checkpoint = None if dry_run else _load_checkpoint(mid)
    resumed = checkpoint is not None and not checkpoint.finished
    counts = Counts.from_json(dict(checkpoint.counts or {})) if checkpoint and resumed else Counts()
    start = checkpoint.last_key if checkpoint and resumed else None
    cache: SnapshotCache = {}
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for orders, last_key in _pages(brand_id, page_size, start):
            _migrate_page(orders, counts, cache, pool if not dry_run else None)
            if not dry_run:
                _save_checkpoint(mid, last_key, counts)
            if on_page:
                on_page(counts)
    return Report(counts, resumed, dry_run)


def estimate_total(brand_id: str | None) -> int:
    """How many orders a run will scan, for the progress bar (approximate for all brands:
    DynamoDB refreshes ``ItemCount`` every few hours, and a full count would read everything)."""
    if brand_id:
        return OrderModel.count(brand_id)
    return int(OrderModel.describe_table().get("ItemCount", 0))


def _load_checkpoint(mid: str) -> MigrationCheckpointModel | None:
    try:
        return MigrationCheckpointModel.get(mid, consistent_read=True)
    except DoesNotExist:
        return None


def _save_checkpoint(mid: str, last_key: dict[str, Any] | None, counts: Counts) -> None:
    MigrationCheckpointModel(
        migration_id=mid,
        last_key=last_key,
        counts=counts.as_json(),
        finished=last_key is None,
        updated_at=utcnow(),
    ).save()


def _pages(
    brand_id: str | None, page_size: int, start: dict[str, Any] | None
) -> Iterator[tuple[list[OrderModel], dict[str, Any] | None]]:
    """Orders page by page with the key to resume after each page (None after the last)."""
    if brand_id:
        result = OrderModel.query(
            brand_id, consistent_read=True, page_size=page_size, last_evaluated_key=start
        )
    else:
        result = OrderModel.scan(
            consistent_read=True, page_size=page_size, last_evaluated_key=start
        )
    pages = result.page_iter
    for page in pages:
        orders = [OrderModel.from_raw_data(raw) for raw in page.get("Items", [])]
        yield orders, pages.last_evaluated_key


def _is_legacy(order: OrderModel) -> bool:
    return any(
        v is not None
        for v in (order.legacy_product_id, order.legacy_snapshot_id, order.legacy_quantity)
    )


def _migrate_page(
    orders: list[OrderModel],
    counts: Counts,
    cache: SnapshotCache,
    pool: ThreadPoolExecutor | None,
) -> None:
    """Classify one page, then (unless ``pool`` is None: dry run) write what is needed."""
    legacy = [o for o in orders if _is_legacy(o)]
    counts.processed += len(orders)
    counts.not_legacy += len(orders) - len(legacy)
    done = _orders_with_item(legacy)
    todo = [o for o in legacy if o.order_id not in done]
    _load_snapshots(todo, cache)
    items: list[tuple[OrderModel, OrderItemModel]] = []
    for order in todo:
        reason = _invalid_reason(order, cache)
        if reason:
            counts.add_invalid(order.order_id, reason)
        else:
            items.append((order, _item_for(order, cache)))
    stale = [o for o in legacy if o.order_id in done and not o.item_count]
    counts.already_migrated += len(legacy) - len(todo)
    if pool is None:
        counts.migrated += len(items)
        return
    outcomes = list(pool.map(lambda pair: _write(*pair), items))
    counts.migrated += outcomes.count(True)
    counts.already_migrated += outcomes.count(False)
    list(pool.map(_bump_item_count, stale))  # item written, then killed before the order update


def _orders_with_item(orders: list[OrderModel]) -> set[str]:
    """Orders of this page whose line 1 already exists (one BatchGetItem per 100 orders)."""
    if not orders:
        return set()
    keys = [(o.brand_id, item_key(o.order_id, 1)) for o in orders]
    found = OrderItemModel.batch_get(
        keys, consistent_read=True, attributes_to_get=["brand_id", "item_key", "order_id"]
    )
    return {f.order_id for f in found}


def _load_snapshots(orders: list[OrderModel], cache: SnapshotCache) -> None:
    """Fetch the snapshots this page names that the run has not seen yet (missing → None)."""
    wanted = {
        (o.brand_id, o.legacy_snapshot_id)
        for o in orders
        if o.legacy_snapshot_id and (o.brand_id, o.legacy_snapshot_id) not in cache
    }
    if not wanted:
        return
    for key in wanted:
        cache[key] = None
    found = SnapshotModel.batch_get(
        wanted, attributes_to_get=["brand_id", "snapshot_id", "product_id", "spec_hash"]
    )
    for snap in found:
        cache[(snap.brand_id, snap.snapshot_id)] = (snap.product_id, snap.spec_hash)


def _invalid_reason(order: OrderModel, cache: SnapshotCache) -> str | None:
    if not (order.legacy_product_id and order.legacy_snapshot_id) or order.legacy_quantity is None:
        return "legacy.incomplete"
    if order.legacy_quantity < 1 or order.legacy_quantity != int(order.legacy_quantity):
        return "quantity.invalid"
    snap = cache.get((order.brand_id, order.legacy_snapshot_id))
    if snap is None:
        return "snapshot.not_found"
    if snap[0] != order.legacy_product_id:
        return "snapshot.product_mismatch"
    return None


def _item_for(order: OrderModel, cache: SnapshotCache) -> OrderItemModel:
    """Line 1 of a validated legacy order; the unit price is recovered from the order total."""
    assert order.legacy_snapshot_id and order.legacy_product_id and order.legacy_quantity
    snap = cache[(order.brand_id, order.legacy_snapshot_id)]
    assert snap is not None
    quantity = int(order.legacy_quantity)
    return OrderItemModel(
        brand_id=order.brand_id,
        item_key=item_key(order.order_id, 1),
        item_id=item_id(order.order_id, 1),
        order_id=order.order_id,
        product_id=order.legacy_product_id,
        snapshot_id=order.legacy_snapshot_id,
        spec_hash=snap[1],
        quantity=quantity,
        unit_price_minor=int(order.total_minor or 0) // quantity,
        created_at=order.created_at,
    )


def _write(order: OrderModel, item: OrderItemModel) -> bool:
    """Put the item unless it exists, then bump the order; True when this call created it."""
    try:
        item.save(condition=OrderItemModel.item_key.does_not_exist())
        created = True
    except PutError as exc:
        if exc.cause_response_code != _CONDITION_FAILED:
            raise
        created = False
    _bump_item_count(order)
    return created


def _bump_item_count(order: OrderModel) -> None:
    """``item_count`` 0 → 1; the order must still exist, and a non-zero count is left alone."""
    condition = OrderModel.order_id.exists() & (
        OrderModel.item_count.does_not_exist() | (OrderModel.item_count == 0)
    )
    try:
        # The table connection, not ``Model.update``: that one asks for ALL_NEW, which the local
        # stack pays for on every one of the 10,000s of orders and nothing here reads.
        OrderModel._get_connection().update_item(
            order.brand_id,
            range_key=order.order_id,
            actions=[OrderModel.item_count.set(1)],
            condition=condition,
        )
    except UpdateError as exc:
        if exc.cause_response_code != _CONDITION_FAILED:
            raise


def seed_legacy_orders(
    brand_id: str, product_id: str, snapshot_id: str, count: int, *, invalid_every: int = 0
) -> list[str]:
    """Write ``count`` orders the way the earlier version did (tests and benchmarks only).

    Every ``invalid_every``-th order has quantity 0, so runs also exercise the invalid path.
    One BatchWriteItem per 25 orders keeps seeding 10,000 orders to seconds.
    """
    now = utcnow()
    ids: list[str] = []
    with OrderModel.batch_write() as batch:
        for n in range(1, count + 1):
            quantity = 0 if invalid_every and n % invalid_every == 0 else 1 + n % 3
            oid = f"ord_{secrets.token_hex(8)}"
            ids.append(oid)
            batch.save(
                OrderModel(
                    brand_id=brand_id,
                    order_id=oid,
                    currency="EUR",
                    customer={"email": f"legacy-{n}@example.com"},
                    status="paid",
                    item_count=0,
                    total_minor=quantity * 1500,
                    history=[{"status": "paid", "at": now.isoformat(), "source": "legacy"}],
                    legacy_product_id=product_id,
                    legacy_snapshot_id=snapshot_id,
                    legacy_quantity=quantity,
                    created_at=now,
                    updated_at=now,
                )
            )
    return ids
