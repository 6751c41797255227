"""Orders: the explicit state machine, and the production job ids derived from an order item.

Job ids are a pure function of (order, item, kind), so "paid" can be delivered any number of
times (API, webhook, retry after a crash) and always names the same final render and pack:
conditional writes make the first delivery create them and every later one find them.
"""

from __future__ import annotations

import hashlib
from typing import Literal

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
