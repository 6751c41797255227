"""The list price of a stored design: the product version it was made for, priced by the domain.

One place for specs, API orders and Shopify orders, so all three quote the same number.
"""

from __future__ import annotations

from typing import Any

from chalicelib.domain.options import Price, spec_price
from chalicelib.errors import NotFound
from chalicelib.store import products


def list_price(brand_id: str, spec: dict[str, Any]) -> Price | None:
    """None for an unpriced product (or a spec whose product version is gone)."""
    try:
        doc = products.get_version(brand_id, str(spec["product_id"]), int(spec["product_version"]))
    except NotFound:
        return None
    return spec_price(doc, spec)
