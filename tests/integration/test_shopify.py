"""Shopify webhooks: signed raw bodies, orders created and paid once however often delivered."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.store.models import OrderModel, PackModel, RenderModel
from tests.integration.conftest import bearer, body, new_brand
from tests.integration.test_orders import move
from tests.integration.test_products import create
from tests.integration.test_renders import ZONE, snapshot

SECRET = "shpss_test_secret_1234"
SHOP = "maison-lune.myshopify.com"


@pytest.fixture
def shop(client: Client) -> dict[str, Any]:
    from chalicelib.store.webhooks import set_shopify_secret

    owner = new_brand("Shopify shop")
    owner["product_id"] = body(
        create(client, owner["secret_key"], width_mm=120, height_mm=40, zones=[ZONE])
    )["product_id"]
    set_shopify_secret(owner["brand_id"], SECRET)
    return owner


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


def payload(shopify_id: int, *lines: dict[str, Any]) -> bytes:
    order = {
        "id": shopify_id,
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
) -> Any:
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
    }
    if signature is not None:
        headers["X-Shopify-Hmac-Sha256"] = sign(raw) if signature == "sign" else signature
    return client.http.post(f"/v1/webhooks/shopify/{brand_id}", headers=headers, body=raw)


def good_line(client: Client, shop: dict[str, Any], text: str) -> dict[str, Any]:
    sid = snapshot(client, shop, text)
    return line(sid, spec_hash(shop, sid))


def order_count(brand_id: str) -> int:
    return sum(1 for _ in OrderModel.query(brand_id))


def test_signed_orders_create_makes_the_order_with_its_items(
    client: Client, shop: dict[str, Any]
) -> None:
    first = good_line(client, shop, "Ana")
    r = deliver(client, shop["brand_id"], payload(5001, first, line()))
    assert r.status_code == 200, r.body
    out = body(r)
    assert out["received"] is True and out["created"] is True and out["status"] == "created"
    assert out["ignored_items"] == [1] and out["rejected_items"] == []
    order = body(
        client.http.get(f"/v1/orders/{out['order_id']}", headers=bearer(shop["secret_key"]))
    )
    assert order["source"] == "shopify" and order["external_ref"] == "#1001"
    assert order["customer"] == {"email": "ana@example.com", "name": "Ana Lune"}
    assert order["total_minor"] == 2 * 2450
    [item] = order["items"]
    sid = first["properties"][1]["value"]
    assert (item["snapshot_id"], item["product_id"]) == (sid, shop["product_id"])
    assert (item["quantity"], item["unit_price_minor"]) == (2, 2450)


def test_bad_or_missing_signatures_and_unknown_brands_are_401(
    client: Client, shop: dict[str, Any]
) -> None:
    raw = payload(5002, good_line(client, shop, "Sig"))
    altered = raw.replace(b"5002", b"5003")
    assert len(altered) == len(raw) and sum(a != b for a, b in zip(raw, altered, strict=True)) == 1
    unsigned_brand = new_brand("No Shopify")
    attempts = [
        deliver(client, shop["brand_id"], altered, signature=sign(raw)),
        deliver(client, shop["brand_id"], raw, signature=sign(raw, "another-secret")),
        deliver(client, shop["brand_id"], raw, signature=None),
        deliver(client, shop["brand_id"], raw, signature=""),
        deliver(client, "br_doesnotexist0000", raw),
        deliver(client, unsigned_brand["brand_id"], raw),
    ]
    for r in attempts:
        assert r.status_code == 401, r.body
        assert body(r)["error"]["code"] == "webhook.invalid_signature"
    assert order_count(shop["brand_id"]) == 0


def test_signature_is_checked_before_json_is_parsed(client: Client, shop: dict[str, Any]) -> None:
    broken = b'{"id": 1, "currency": '
    assert deliver(client, shop["brand_id"], broken, signature=sign(b"{}")).status_code == 401
    r = deliver(client, shop["brand_id"], broken)
    assert r.status_code == 400 and body(r)["error"]["code"] == "request.malformed_json"


def test_oversized_body_is_413(client: Client, shop: dict[str, Any]) -> None:
    raw = b'{"pad": "' + b"x" * (1024 * 1024) + b'"}'
    assert deliver(client, shop["brand_id"], raw).status_code == 413


def test_redelivery_answers_200_and_creates_nothing(client: Client, shop: dict[str, Any]) -> None:
    raw = payload(5004, good_line(client, shop, "Again"))
    first = body(deliver(client, shop["brand_id"], raw, webhook_id="wh-5004"))
    again = deliver(client, shop["brand_id"], raw, webhook_id="wh-5004")
    assert again.status_code == 200
    assert body(again) == {**first, "duplicate": True}
    other_id = body(deliver(client, shop["brand_id"], raw, webhook_id="wh-5004-bis"))
    assert other_id["order_id"] == first["order_id"] and other_id["created"] is False
    assert order_count(shop["brand_id"]) == 1


def test_orders_paid_after_create_marks_it_paid(client: Client, shop: dict[str, Any]) -> None:
    raw = payload(5005, good_line(client, shop, "Paid"))
    created = body(deliver(client, shop["brand_id"], raw))
    paid = deliver(client, shop["brand_id"], raw, topic="orders/paid")
    assert paid.status_code == 200, paid.body
    assert body(paid)["order_id"] == created["order_id"]
    assert body(paid)["status"] == "paid" and body(paid)["created"] is False


def test_orders_paid_alone_creates_then_pays(client: Client, shop: dict[str, Any]) -> None:
    out = body(
        deliver(
            client,
            shop["brand_id"],
            payload(5006, good_line(client, shop, "Direct")),
            topic="orders/paid",
        )
    )
    assert out["created"] is True and out["status"] == "paid"


def test_paid_by_api_and_webhooks_makes_one_final_render_and_pack_per_item(
    client: Client, shop: dict[str, Any]
) -> None:
    raw = payload(5007, good_line(client, shop, "One A"), good_line(client, shop, "One B"))
    order_id = body(deliver(client, shop["brand_id"], raw))["order_id"]
    assert move(client, shop, order_id, "paid").status_code == 200
    assert (
        deliver(client, shop["brand_id"], raw, topic="orders/paid", webhook_id="p1").status_code
        == 200
    )
    assert (
        deliver(client, shop["brand_id"], raw, topic="orders/paid", webhook_id="p1").status_code
        == 200
    )
    assert (
        deliver(client, shop["brand_id"], raw, topic="orders/paid", webhook_id="p2").status_code
        == 200
    )
    finals = [r for r in RenderModel.query(shop["brand_id"]) if r.kind == "final"]
    packs = list(PackModel.query(shop["brand_id"]))
    assert len(finals) == 2 and len(packs) == 2
    order = body(client.http.get(f"/v1/orders/{order_id}", headers=bearer(shop["secret_key"])))
    assert order["status"] == "paid"
    assert {i["render_id"] for i in order["items"]} == {r.render_id for r in finals}


def test_spec_hash_mismatch_is_rejected_and_reported(client: Client, shop: dict[str, Any]) -> None:
    sid = snapshot(client, shop, "Mismatch")
    wrong = line(sid, "0" * 64)
    r = deliver(client, shop["brand_id"], payload(5008, good_line(client, shop, "Fine"), wrong))
    assert r.status_code == 200, r.body
    out = body(r)
    assert [(x["index"], x["reason"]) for x in out["rejected_items"]] == [
        (1, "shopify.spec_hash_mismatch")
    ]
    order = body(
        client.http.get(f"/v1/orders/{out['order_id']}", headers=bearer(shop["secret_key"]))
    )
    assert len(order["items"]) == 1


def test_every_personalized_item_rejected_is_422_and_creates_nothing(
    client: Client, shop: dict[str, Any]
) -> None:
    sid = snapshot(client, shop, "Nope")
    raw = payload(5009, line(sid, "0" * 64), line("snp_missing", "1" * 64), line(sid), line())
    r = deliver(client, shop["brand_id"], raw)
    assert r.status_code == 422
    error = body(r)["error"]
    assert error["code"] == "shopify.no_valid_items"
    assert [(d["index"], d["reason"]) for d in error["details"]] == [
        (0, "shopify.spec_hash_mismatch"),
        (1, "shopify.unknown_snapshot"),
        (2, "shopify.incomplete_properties"),
    ]
    assert order_count(shop["brand_id"]) == 0


def test_other_topics_are_acknowledged_and_ignored(client: Client, shop: dict[str, Any]) -> None:
    r = deliver(client, shop["brand_id"], b'{"id": 1}', topic="products/update")
    assert r.status_code == 200 and body(r)["ignored"] == "topic"
    assert order_count(shop["brand_id"]) == 0


@pytest.mark.parametrize(
    ("price", "currency", "minor"),
    [("24.50", "EUR", 2450), ("24.5", "USD", 2450), ("1500", "JPY", 1500), ("1.234", "KWD", 1234)],
)
def test_prices_become_minor_units_by_currency(price: str, currency: str, minor: int) -> None:
    from chalicelib.api.webhooks import minor_units

    assert minor_units(price, currency) == minor
