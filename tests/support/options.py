"""A priced pendant with options (chain Silver/Gold, a paid back-engraving toggle) for API tests."""

from __future__ import annotations

import json
import uuid
from typing import Any

from chalice.test import Client

from tests.integration.conftest import bearer, body

CHAIN = {
    "id": "chain",
    "name": "Chain",
    "kind": "swatch",
    "values": [
        {"id": "silver", "name": "Silver", "swatch_color": "#C0C0C0"},
        {"id": "gold", "name": "Gold", "swatch_color": "#D4AF37", "price_minor": 1500},
    ],
    "default": "silver",
}
BACK = {
    "id": "back",
    "name": "Back engraving",
    "kind": "toggle",
    "values": [{"id": "no", "name": "No"}, {"id": "yes", "name": "Yes"}],
}
FRONT_ZONE = {
    "id": "front",
    "name": "Front",
    "kind": "text",
    "x_mm": 4,
    "y_mm": 4,
    "width_mm": 24,
    "height_mm": 10,
    "max_chars": 12,
    "min_size_mm": 2,
    "max_size_mm": 8,
    "required": True,
}
BACK_ZONE = {
    **FRONT_ZONE,
    "id": "back-text",
    "name": "Back text",
    "y_mm": 16,
    "price_minor": 500,
    "visible_when": {"all": [{"option": "back", "equals": "yes"}]},
}


def pendant_doc(**over: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "name": "Heart pendant",
        "sku": "HEART-01",
        "status": "active",
        "width_mm": 32,
        "height_mm": 30,
        "currency": "EUR",
        "prices_include_tax": True,
        "base_price_minor": 2900,
        "options": [CHAIN, BACK],
        "zones": [FRONT_ZONE, BACK_ZONE],
    }
    doc.update(over)
    return doc


def create_pendant(client: Client, shop: dict[str, Any], **over: Any) -> str:
    r = client.http.post(
        "/v1/products",
        headers={**bearer(shop["secret_key"]), "Idempotency-Key": uuid.uuid4().hex},
        body=json.dumps(pendant_doc(**over)),
    )
    assert r.status_code == 201, r.body
    return str(body(r)["product_id"])


def design(
    client: Client,
    shop: dict[str, Any],
    inputs: dict[str, Any],
    options: dict[str, str] | None = None,
    product_id: str | None = None,
) -> Any:
    """POST /v1/specs for the shop's pendant; the raw response."""
    payload: dict[str, Any] = {"product_id": product_id or shop["product_id"], "inputs": inputs}
    if options is not None:
        payload["options"] = options
    return client.http.post(
        "/v1/specs",
        headers={**bearer(shop["publishable_key"]), "Idempotency-Key": uuid.uuid4().hex},
        body=json.dumps(payload),
    )


def snapshot_of(client: Client, shop: dict[str, Any], spec_hash: str) -> str:
    r = client.http.post(
        "/v1/snapshots",
        headers={**bearer(shop["publishable_key"]), "Idempotency-Key": uuid.uuid4().hex},
        body=json.dumps({"spec_hash": spec_hash}),
    )
    assert r.status_code == 201, r.body
    return str(body(r)["snapshot_id"])
