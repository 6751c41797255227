"""Helpers shared by several test modules (from tests.integration.test_specs)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from chalice.test import Client

from tests.integration.conftest import bearer

COLOR_ZONE = {
    "id": "cord",
    "name": "Cord",
    "kind": "color",
    "x_mm": 0,
    "y_mm": 0,
    "width_mm": 5,
    "height_mm": 5,
    "colors": ["#FF0000", "#0000FF"],
}


def headers(key: str, idem: str | None = None) -> dict[str, str]:
    h = bearer(key)
    h["Idempotency-Key"] = idem or uuid.uuid4().hex
    return h


def post_spec(client: Client, shop: dict[str, Any], raw: str, idem: str | None = None) -> Any:
    return client.http.post("/v1/specs", headers=headers(shop["publishable_key"], idem), body=raw)


def spec_body(shop: dict[str, Any], text: str = "Zoé", **extra: Any) -> str:
    return json.dumps(
        {
            "product_id": shop["product_id"],
            "inputs": {"name": {"text": text}, "cord": {"color": "#0000ff"}},
            **extra,
        }
    )
