"""Orders and their items. An order and all its items are written in one transaction."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.domain.order import can_move, item_id, item_key
from chalicelib.errors import Conflict, NotFound
from chalicelib.store import events
from chalicelib.store.base import utcnow
from chalicelib.store.events import NewEvent
from chalicelib.store.models import OrderItemModel, OrderModel
from chalicelib.store.pages import decode_cursor, encode_cursor

MAX_ITEMS = 99  # one TransactWriteItems holds 100 writes: the order and its items


@dataclass(frozen=True)
class Item:
    item_id: str
    line: int
    product_id: str
    snapshot_id: str
    spec_hash: str
    quantity: int
    unit_price_minor: int
    render_id: str | None
    pack_id: str | None
    list_price_minor: int | None = None
    discount: dict[str, Any] | None = None  # {"amount_minor", "reason"}
    price_mismatch: bool = False


@dataclass(frozen=True)
class Order:
    order_id: str
    brand_id: str
    external_ref: str
    source: str
    currency: str
    customer: dict[str, Any]
    status: str
    total_minor: int
    history: list[dict[str, Any]]
    items: list[Item]
    created_at: datetime
    updated_at: datetime
    legacy: dict[str, Any] | None = None  # the single product/snapshot of pre-item orders
    external_id: str | None = None  # Shopify's numeric order id


@dataclass(frozen=True)
class NewItem:
    product_id: str
    snapshot_id: str
    spec_hash: str
    quantity: int
    unit_price_minor: int
    list_price_minor: int | None = None
    discount: dict[str, Any] | None = None
    price_mismatch: bool = False


def _item(m: OrderItemModel) -> Item:
    line = int(m.item_key.rsplit("#", 1)[1])
    discount = None
    if m.discount_minor is not None:
        discount = {"amount_minor": int(m.discount_minor), "reason": m.discount_reason or ""}
    return Item(
        m.item_id,
        line,
        m.product_id,
        m.snapshot_id,
        m.spec_hash,
        int(m.quantity),
        int(m.unit_price_minor),
        m.render_id,
        m.pack_id,
        int(m.list_price_minor) if m.list_price_minor is not None else None,
        discount,
        bool(m.price_mismatch),
    )


def _order(m: OrderModel, items: list[Item]) -> Order:
    legacy = None
    if m.legacy_snapshot_id or m.legacy_product_id:
        legacy = {
            "product_id": m.legacy_product_id,
            "snapshot_id": m.legacy_snapshot_id,
            "quantity": int(m.legacy_quantity) if m.legacy_quantity is not None else None,
        }
    return Order(
        m.order_id,
        m.brand_id,
        m.external_ref,
        m.source,
        m.currency,
        dict(m.customer or {}),
        m.status,
        int(m.total_minor or 0),
        list(m.history or []),
        items,
        m.created_at,
        m.updated_at,
        legacy,
        m.external_id,
    )


def new_order(
    brand_id: str,
    *,
    currency: str,
    customer: dict[str, Any],
    external_ref: str,
    source: str,
    items: list[NewItem],
    order_id: str | None = None,
    external_id: str | None = None,
    shop_domain: str | None = None,
) -> tuple[OrderModel, list[OrderItemModel]]:
    """The order and item records (not yet written); ``order_id`` may be derived by the caller."""
    oid = order_id or f"ord_{secrets.token_hex(8)}"
    now = utcnow()
    order = OrderModel(
        brand_id=brand_id,
        order_id=oid,
        external_ref=external_ref,
        source=source,
        external_id=external_id,
        shop_domain=shop_domain,
        currency=currency,
        customer=customer,
        status="created",
        item_count=len(items),
        total_minor=sum(i.quantity * i.unit_price_minor for i in items),
        history=[{"status": "created", "at": now.isoformat(), "source": source}],
        created_at=now,
        updated_at=now,
    )
    records = [
        OrderItemModel(
            brand_id=brand_id,
            item_key=item_key(oid, n),
            item_id=item_id(oid, n),
            order_id=oid,
            product_id=i.product_id,
            snapshot_id=i.snapshot_id,
            spec_hash=i.spec_hash,
            quantity=i.quantity,
            unit_price_minor=i.unit_price_minor,
            list_price_minor=i.list_price_minor,
            discount_minor=i.discount["amount_minor"] if i.discount else None,
            discount_reason=i.discount["reason"] if i.discount else None,
            price_mismatch=True if i.price_mismatch else None,
            created_at=now,
        )
        for n, i in enumerate(items, start=1)
    ]
    return order, records


def put_new(tx: TransactWrite, order: OrderModel, items: list[OrderItemModel]) -> None:
    tx.save(order, condition=OrderModel.order_id.does_not_exist())
    for record in items:
        tx.save(record, condition=OrderItemModel.item_key.does_not_exist())


def as_order(order: OrderModel, items: list[OrderItemModel]) -> Order:
    return _order(order, [_item(m) for m in items])


def _load(brand_id: str, order_id: str) -> OrderModel:
    try:
        return OrderModel.get(brand_id, order_id, consistent_read=True)
    except DoesNotExist as exc:
        raise NotFound("No such order.", code="order.not_found") from exc


def items_of(brand_id: str, order_id: str) -> list[Item]:
    query = OrderItemModel.query(
        brand_id, OrderItemModel.item_key.startswith(f"{order_id}#"), consistent_read=True
    )
    return [_item(m) for m in query]


def find_order(brand_id: str, order_id: str) -> Order | None:
    try:
        return get_order(brand_id, order_id)
    except NotFound:
        return None


def get_order(brand_id: str, order_id: str) -> Order:
    return _order(_load(brand_id, order_id), items_of(brand_id, order_id))


def list_orders(
    brand_id: str, *, status: str | None, limit: int, cursor: str | None
) -> tuple[list[Order], str | None]:
    after = decode_cursor(cursor)
    query = OrderModel.query(
        brand_id,
        limit=limit,
        page_size=limit,
        last_evaluated_key={"brand_id": {"S": brand_id}, "order_id": {"S": after}}
        if after
        else None,
        filter_condition=(OrderModel.status == status) if status else None,
    )
    found = [_order(m, items_of(brand_id, m.order_id)) for m in query]
    return found, encode_cursor(query.last_evaluated_key, "order_id")


def move(
    brand_id: str,
    order_id: str,
    target: str,
    source: str,
    describe: Callable[[Order, str], list[NewEvent]] | None = None,
) -> tuple[Order, list[NewEvent]]:
    """Apply a transition; the order and the events written with it (none when unchanged).

    ``describe(order, previous_status)`` names the transition's events; they commit in the
    same transaction as the new status, so a transition is never seen without its events.
    """
    model = _load(brand_id, order_id)
    current = model.status
    if current == target:
        return _order(model, items_of(brand_id, order_id)), []
    if not can_move(current, target):
        raise Conflict(
            f"An order cannot go from {current} to {target}.",
            code="order.invalid_transition",
            details={"from": current, "to": target},
        )
    now = utcnow()
    history = [*(model.history or []), {"status": target, "at": now.isoformat(), "source": source}]
    actions = [
        OrderModel.status.set(target),
        OrderModel.history.set(history),
        OrderModel.updated_at.set(now),
    ]
    model.status, model.history, model.updated_at = target, history, now
    order = _order(model, items_of(brand_id, order_id))
    new = describe(order, current) if describe is not None else []
    try:
        written = events.commit_with_events(model, actions, OrderModel.status == current, new)
    except (UpdateError, TransactWriteError) as exc:
        if not events.update_failed(exc):
            raise
        return move(brand_id, order_id, target, source, describe)  # moved meanwhile: re-decide
    return order, written


def set_production_ids(
    brand_id: str, order_id: str, line: int, render_id: str, pack_id: str
) -> None:
    OrderItemModel(brand_id=brand_id, item_key=item_key(order_id, line)).update(
        actions=[OrderItemModel.render_id.set(render_id), OrderItemModel.pack_id.set(pack_id)]
    )
