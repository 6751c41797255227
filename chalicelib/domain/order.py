"""Orders: the explicit state machine, the production job ids derived from an order item, and
how an item's price is decided against the product's list price.

Job ids are a pure function of (order, item, kind), so "paid" can be delivered any number of
times (API, webhook, retry after a crash) and always names the same final render and pack:
conditional writes make the first delivery create them and every later one find them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Literal

from chalicelib.domain.options import Price
from chalicelib.errors import AtelierError

OrderStatus = Literal[
    "created", "paid", "in_production", "shipped", "delivered", "cancelled", "refunded"
]
TRANSITIONS: dict[str, frozenset[str]] = {
    "created": frozenset({"paid", "cancelled"}),
    "paid": frozenset({"in_production", "cancelled", "refunded"}),
    "in_production": frozenset({"shipped", "refunded"}),
    "shipped": frozenset({"delivered", "refunded"}),
    "delivered": frozenset({"refunded"}),
    "cancelled": frozenset(),
    "refunded": frozenset(),
}
# Statuses at which production has been started (paid or later, but not cancelled).
PRODUCING = frozenset({"paid", "in_production", "shipped", "delivered"})


def can_move(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def item_key(order_id: str, line: int) -> str:
    return f"{order_id}#{line:04d}"


def item_id(order_id: str, line: int) -> str:
    return f"{order_id}-{line}"


def production_id(prefix: str, brand_id: str, item: str, kind: str) -> str:
    """``rnd_…`` / ``pck_…`` for the final render / pack of one order item."""
    digest = hashlib.sha256(f"{brand_id}|{item}|{kind}".encode()).hexdigest()
    return f"{prefix}_{digest[:20]}"


def shopify_order_id(brand_id: str, shop_domain: str, shopify_id: int | str) -> str:
    """Deterministic, so a second delivery of the same Shopify order names the same order;
    and ``GET /v1/orders?external_id=`` finds it from the brand's shops without an index."""
    digest = hashlib.sha256(f"{brand_id}|{shop_domain}|{shopify_id}".encode()).hexdigest()
    return f"ord_{digest[:16]}"


@dataclass(frozen=True)
class ItemPrice:
    """What an order item records of its price: the unit price charged, the server's list price
    (None for an unpriced product), an explicit discount, and whether the two disagree."""

    unit_price_minor: int
    list_price_minor: int | None = None
    discount: dict[str, Any] | None = None  # {"amount_minor", "reason"}
    price_mismatch: bool = False


class PriceRefused(AtelierError):
    status = 422
    code = "order.price_mismatch"


def api_item_price(
    price: Price | None,
    order_currency: str,
    unit_price_minor: int | None,
    discount: dict[str, Any] | None,
) -> ItemPrice:
    """The price of an item ordered through the API. A priced product charges its list price
    less an explicit discount; a bare unit price that differs is refused (the client does not
    set prices). An unpriced product takes the caller's unit price, as before prices existed."""
    if price is None:
        if unit_price_minor is None:
            raise PriceRefused(
                "This product has no list price: give unit_price_minor.",
                code="order.unit_price_required",
            )
        return ItemPrice(unit_price_minor, discount=discount)
    if price.currency != order_currency:
        raise PriceRefused(
            f"The product is priced in {price.currency}, the order is in {order_currency}.",
            code="order.currency_mismatch",
            details={"product_currency": price.currency, "order_currency": order_currency},
        )
    off = int(discount["amount_minor"]) if discount else 0
    expected = price.total_minor - off
    if expected < 0:
        raise PriceRefused(
            "The discount is larger than the list price.",
            code="order.discount_too_large",
            details={"list_price_minor": price.total_minor, "discount_minor": off},
        )
    if unit_price_minor is not None and unit_price_minor != expected:
        raise PriceRefused(
            "The unit price differs from the list price; give the difference as a discount "
            "with its reason.",
            details={
                "list_price_minor": price.total_minor,
                "discount_minor": off,
                "expected_unit_price_minor": expected,
                "unit_price_minor": unit_price_minor,
            },
        )
    return ItemPrice(expected, price.total_minor, discount)


def shop_item_price(price: Price | None, order_currency: str, shop_unit_minor: int) -> ItemPrice:
    """The price of an item the shop sold: the shop's price is what the shopper paid, so it is
    recorded as is; a difference from the list price (or another currency) is flagged for the
    brand to look at, never refused (the order exists in the shop already)."""
    if price is None:
        return ItemPrice(shop_unit_minor)
    mismatch = price.currency != order_currency or price.total_minor != shop_unit_minor
    return ItemPrice(shop_unit_minor, price.total_minor, None, mismatch)
