"""Helpers shared by several test modules (from tests.integration.test_orders)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from chalice.test import Client

from tests.integration.conftest import bearer, body


def idem(key: str) -> dict[str, str]:
    return {**bearer(key), "Idempotency-Key": uuid.uuid4().hex}


def order_body(shop: dict[str, Any], *snapshot_ids: str, product_id: str | None = None) -> str:
    return json.dumps(
        {
            "external_ref": "#1001",
            "currency": "EUR",
            "customer": {"email": "ana@example.com", "name": "Ana"},
            "items": [
                {
                    "product_id": product_id or shop["product_id"],
                    "snapshot_id": sid,
                    "quantity": 2,
                    "unit_price_minor": 2450,
                }
                for sid in snapshot_ids
            ],
        }
    )


def place(client: Client, shop: dict[str, Any], *snapshot_ids: str) -> dict[str, Any]:
    r = client.http.post(
        "/v1/orders", headers=idem(shop["secret_key"]), body=order_body(shop, *snapshot_ids)
    )
    assert r.status_code == 201, r.body
    return dict(body(r))


def move(client: Client, shop: dict[str, Any], order_id: str, status: str) -> Any:
    return client.http.post(
        f"/v1/orders/{order_id}/status",
        headers=bearer(shop["secret_key"]),
        body=json.dumps({"status": status}),
    )
