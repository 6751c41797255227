"""Orders (secret key): create with items tied to snapshots, follow them, move their status.

Becoming ``paid`` starts production (locks snapshots, one final render and one pack per item);
repeating ``paid`` re-runs that step harmlessly, which also finishes work a crash interrupted.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from chalice.app import Blueprint
from pydantic import BaseModel, Field, StringConstraints

from chalicelib.api.http import Ctx, QueryModel, Reply, RequestModel, route
from chalicelib.domain.order import OrderStatus, PriceRefused, api_item_price, shopify_order_id
from chalicelib.errors import AtelierError, ValidationFailed
from chalicelib.flows.orders import move_order
from chalicelib.flows.pricing import list_price
from chalicelib.flows.views import OrderOut
from chalicelib.store import orders, snapshots
from chalicelib.store.webhooks import get_shopify_settings as shopify_settings

bp = Blueprint(__name__)
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{2,63}$")]


class CustomerIn(RequestModel):
    email: Email
    name: str | None = Field(default=None, max_length=200)


class DiscountIn(RequestModel):
    amount_minor: int = Field(ge=0, le=10**12, description="off the list price, per unit")
    reason: str = Field(min_length=1, max_length=200)


class ItemIn(RequestModel):
    product_id: str = Field(min_length=1, max_length=64)
    snapshot_id: str = Field(min_length=1, max_length=64)
    quantity: int = Field(ge=1, le=10_000)
    unit_price_minor: int | None = Field(
        default=None,
        ge=0,
        le=10**12,
        description="required for unpriced products; for priced ones it must equal the list "
        "price less the discount (or be omitted)",
    )
    discount: DiscountIn | None = None


class OrderIn(RequestModel):
    external_ref: str | None = Field(default=None, max_length=128)
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
    customer: CustomerIn
    items: list[ItemIn] = Field(min_length=1, max_length=orders.MAX_ITEMS)


def order_items(brand_id: str, items: list[ItemIn], currency: str) -> list[orders.NewItem]:
    """Each snapshot must be this brand's and of the item's product, and each price the list
    price of its design when the product has one (422 lists every problem)."""
    problems: list[dict[str, Any]] = []
    resolved: list[orders.NewItem] = []
    for n, item in enumerate(items):
        try:
            snap = snapshots.get_snapshot(brand_id, item.snapshot_id)
        except AtelierError:
            problems.append(
                {
                    "field": f"items.{n}.snapshot_id",
                    "code": "order.unknown_snapshot",
                    "message": "No such snapshot for this brand.",
                }
            )
            continue
        if snap.product_id != item.product_id:
            problems.append(
                {
                    "field": f"items.{n}.snapshot_id",
                    "code": "order.snapshot_mismatch",
                    "message": "The snapshot was made for another product.",
                    "params": {"snapshot_product_id": snap.product_id},
                }
            )
            continue
        discount = item.discount.model_dump() if item.discount else None
        try:
            price = api_item_price(
                list_price(brand_id, snap.spec), currency, item.unit_price_minor, discount
            )
        except PriceRefused as exc:
            problems.append(
                {
                    "field": f"items.{n}.unit_price_minor",
                    "code": exc.code,
                    "message": exc.message,
                    "params": exc.details,
                }
            )
            continue
        resolved.append(
            orders.NewItem(
                item.product_id,
                item.snapshot_id,
                snap.spec_hash,
                item.quantity,
                price.unit_price_minor,
                price.list_price_minor,
                price.discount,
            )
        )
    if problems:
        raise ValidationFailed(
            "Some items cannot be ordered.", code="order.invalid_items", details=problems
        )
    return resolved


@route(
    bp,
    "/v1/orders",
    "POST",
    access="secret",
    status=201,
    body=OrderIn,
    response=OrderOut,
    idempotent=True,
    summary="Create an order whose items are snapshots",
)
def create_order(ctx: Ctx, body: OrderIn) -> Reply:
    items = order_items(ctx.brand_id, body.items, body.currency)
    order, records = orders.new_order(
        ctx.brand_id,
        currency=body.currency,
        customer=body.customer.model_dump(),
        external_ref=body.external_ref or "",
        source="api",
        items=items,
    )
    out = OrderOut.of(orders.as_order(order, records))
    with ctx.atomic(out, 201) as transaction:
        orders.put_new(transaction, order, records)
    return Reply(out, 201)


@route(
    bp,
    "/v1/orders/{order_id}",
    "GET",
    access="secret",
    response=OrderOut,
    summary="An order with its items",
)
def get_order(ctx: Ctx, order_id: str) -> OrderOut:
    return OrderOut.of(orders.get_order(ctx.brand_id, order_id))


class OrderQuery(QueryModel):
    status: OrderStatus | None = None
    external_id: str | None = Field(
        default=None,
        pattern=r"^[0-9A-Za-z_-]{1,64}$",
        description="Shopify's order id: the order a Shopify webhook made for it (any shop)",
    )
    cursor: str | None = Field(default=None, max_length=512)
    limit: int = Field(default=20, ge=1, le=100)


class OrderList(BaseModel):
    data: list[OrderOut]
    next_cursor: str | None


@route(
    bp,
    "/v1/orders",
    "GET",
    access="secret",
    query=OrderQuery,
    response=OrderList,
    summary="List orders, optionally by status, with an opaque cursor",
)
def list_orders(ctx: Ctx, query: OrderQuery) -> OrderList:
    if query.external_id is not None:
        return OrderList(data=_by_external_id(ctx.brand_id, query), next_cursor=None)
    found, cursor = orders.list_orders(
        ctx.brand_id, status=query.status, limit=query.limit, cursor=query.cursor
    )
    return OrderList(data=[OrderOut.of(o) for o in found], next_cursor=cursor)


def _by_external_id(brand_id: str, query: OrderQuery) -> list[OrderOut]:
    """Shopify order ids map to order ids through the brand's shops (derived, no index)."""
    shops = shopify_settings(brand_id).shops
    candidates = (shopify_order_id(brand_id, shop, str(query.external_id)) for shop in shops)
    found = [o for o in (orders.find_order(brand_id, oid) for oid in candidates) if o]
    return [OrderOut.of(o) for o in found if query.status in (None, o.status)]


class StatusIn(RequestModel):
    status: Literal["paid", "in_production", "shipped", "delivered", "cancelled", "refunded"]


@route(
    bp,
    "/v1/orders/{order_id}/status",
    "POST",
    access="secret",
    body=StatusIn,
    response=OrderOut,
    summary="Move an order through its state machine (409 if not allowed)",
)
def set_status(ctx: Ctx, order_id: str, body: StatusIn) -> OrderOut:
    return OrderOut.of(move_order(ctx.brand_id, order_id, body.status, "api", ctx.request_id))
