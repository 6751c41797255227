"""Helpers shared by several test modules (from tests.integration.test_shopify)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from typing import Any

from chalice.test import Client

from tests.support.renders import snapshot

SECRET = "shpss_test_secret_1234"


SHOP = "maison-lune.myshopify.com"


def spec_hash(shop: dict[str, Any], snapshot_id: str) -> str:
    from chalicelib.store.snapshots import get_snapshot

    return get_snapshot(shop["brand_id"], snapshot_id).spec_hash


def line(snapshot_id: str | None = None, spec_hash: str | None = None) -> dict[str, Any]:
    props = [{"name": "Engraving", "value": "Ana"}]
    if snapshot_id is not None:
        props.append({"name": "_atelier_snapshot_id", "value": snapshot_id})
    if spec_hash is not None:
        props.append({"name": "_atelier_spec_hash", "value": spec_hash})
    return {"quantity": 2, "price": "24.50", "properties": props, "title": "Pendant"}


def payload(shopify_id: int, *lines: dict[str, Any], financial_status: str = "pending") -> bytes:
    order = {
        "id": shopify_id,
        "financial_status": financial_status,
        "name": "#1001",
        "currency": "EUR",
        "email": "ana@example.com",
        "customer": {"email": "ana@example.com", "first_name": "Ana", "last_name": "Lune"},
        "line_items": list(lines),
    }
    return json.dumps(order).encode()


def sign(raw: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()


def deliver(
    client: Client,
    brand_id: str,
    raw: bytes,
    *,
    topic: str = "orders/create",
    webhook_id: str | None = None,
    signature: str | None = "sign",
    shop_domain: str = SHOP,
) -> Any:
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Shop-Domain": shop_domain,
        "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
    }
    if signature is not None:
        headers["X-Shopify-Hmac-Sha256"] = sign(raw) if signature == "sign" else signature
    return client.http.post(f"/v1/webhooks/shopify/{brand_id}", headers=headers, body=raw)


def good_line(client: Client, shop: dict[str, Any], text: str) -> dict[str, Any]:
    sid = snapshot(client, shop, text)
    return line(sid, spec_hash(shop, sid))
