"""Helpers shared by several test modules (from tests.integration.test_products)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from chalice.test import Client

from tests.integration.conftest import bearer

ZONE = {
    "id": "name",
    "name": "Name",
    "kind": "text",
    "x_mm": 10,
    "y_mm": 10,
    "width_mm": 60,
    "height_mm": 15,
    "max_chars": 12,
    "min_size_mm": 3,
    "max_size_mm": 12,
    "fonts": ["lato-regular", "caladea-regular"],
    "colors": ["#000000"],
}


def product_doc(**over: Any) -> dict[str, Any]:
    doc = {
        "name": "Pendant",
        "sku": "PEND-01",
        "status": "active",
        "width_mm": 80,
        "height_mm": 40,
        "zones": [ZONE],
    }
    doc.update(over)
    return doc


def create(client: Client, key: str, **over: Any) -> Any:
    return client.http.post(
        "/v1/products",
        headers={**bearer(key), "Idempotency-Key": uuid.uuid4().hex},
        body=json.dumps(product_doc(**over)),
    )
