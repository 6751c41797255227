"""Shopify webhooks: signed raw bodies, orders created and paid once however often delivered."""

from __future__ import annotations

from typing import Any

import pytest
from chalice.test import Client

from chalicelib.store.models import OrderModel, PackModel, RenderModel
from tests.integration.conftest import bearer, body, new_brand
from tests.support.orders import move
from tests.support.products import create
from tests.support.renders import ZONE, snapshot
from tests.support.shopify import SECRET, SHOP, deliver, good_line, line, payload, sign, spec_hash


@pytest.fixture
def shop(client: Client) -> dict[str, Any]:
    from chalicelib.store.webhooks import set_shopify_secret

    owner = new_brand("Shopify shop")
    owner["product_id"] = body(
        create(client, owner["secret_key"], width_mm=120, height_mm=40, zones=[ZONE])
    )["product_id"]
    set_shopify_secret(owner["brand_id"], SECRET)
    return owner














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
    item = good_line(client, shop, "Paid")
    created = body(deliver(client, shop["brand_id"], payload(5005, item)))
    assert created["status"] == "created"
    paid_body = payload(5005, item, financial_status="paid")
    paid = deliver(client, shop["brand_id"], paid_body, topic="orders/paid")
    assert paid.status_code == 200, paid.body
    assert body(paid)["order_id"] == created["order_id"]
    assert body(paid)["status"] == "paid" and body(paid)["created"] is False


def test_orders_paid_alone_creates_then_pays(client: Client, shop: dict[str, Any]) -> None:
    out = body(
        deliver(
            client,
            shop["brand_id"],
            payload(5006, good_line(client, shop, "Direct"), financial_status="paid"),
            topic="orders/paid",
        )
    )
    assert out["created"] is True and out["status"] == "paid"


def test_paid_by_api_and_webhooks_makes_one_final_render_and_pack_per_item(
    client: Client, shop: dict[str, Any]
) -> None:
    lines = good_line(client, shop, "One A"), good_line(client, shop, "One B")
    order_id = body(deliver(client, shop["brand_id"], payload(5007, *lines)))["order_id"]
    raw = payload(5007, *lines, financial_status="paid")
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


# --- only the body is signed: headers decide nothing that matters --------------------------------


def finals_of(brand_id: str) -> int:
    return sum(1 for r in RenderModel.query(brand_id) if r.kind == "final")


def test_a_signed_create_body_relabelled_orders_paid_pays_nothing(
    client: Client, shop: dict[str, Any]
) -> None:
    raw = payload(6001, good_line(client, shop, "Relabel"))  # financial_status: pending
    created = body(deliver(client, shop["brand_id"], raw))
    replay = deliver(client, shop["brand_id"], raw, topic="orders/paid")
    assert replay.status_code == 200, replay.body
    assert body(replay)["order_id"] == created["order_id"] and body(replay)["status"] == "created"
    order = body(
        client.http.get(f"/v1/orders/{created['order_id']}", headers=bearer(shop["secret_key"]))
    )
    assert order["status"] == "created" and finals_of(shop["brand_id"]) == 0


def test_an_orders_create_whose_body_says_paid_is_a_paid_order(
    client: Client, shop: dict[str, Any]
) -> None:
    raw = payload(6002, good_line(client, shop, "Checkout"), financial_status="paid")
    out = body(deliver(client, shop["brand_id"], raw, topic="orders/create"))
    assert out["created"] is True and out["status"] == "paid"
    assert finals_of(shop["brand_id"]) == 1


def test_a_replay_under_another_shop_domain_is_403_and_creates_nothing(
    client: Client, shop: dict[str, Any]
) -> None:
    from chalicelib.store.webhooks import get_shopify_settings

    raw = payload(6003, good_line(client, shop, "Pinned"), financial_status="paid")
    assert deliver(client, shop["brand_id"], raw).status_code == 200
    assert get_shopify_settings(shop["brand_id"]).shops == (SHOP,)  # pinned to the first
    other = deliver(client, shop["brand_id"], raw, shop_domain="evil-twin.myshopify.com")
    assert other.status_code == 403, other.body
    assert body(other)["error"]["code"] == "webhook.shop_not_allowed"
    assert order_count(shop["brand_id"]) == 1 and finals_of(shop["brand_id"]) == 1
    upper = deliver(client, shop["brand_id"], raw, shop_domain=SHOP.upper())
    assert upper.status_code == 200 and body(upper)["created"] is False


def test_shops_set_by_ops_refuse_every_other_domain_from_the_first_delivery(
    client: Client, shop: dict[str, Any]
) -> None:
    from chalicelib.store.webhooks import set_shopify_secret

    set_shopify_secret(shop["brand_id"], SECRET, ["other-shop.myshopify.com", SHOP])
    raw = payload(6004, good_line(client, shop, "Ops"))
    r = deliver(client, shop["brand_id"], raw, shop_domain="first-come.myshopify.com")
    assert r.status_code == 403 and order_count(shop["brand_id"]) == 0
    assert (
        deliver(client, shop["brand_id"], raw, shop_domain="other-shop.myshopify.com").status_code
        == 200
    )


def test_a_missing_shop_domain_is_400(client: Client, shop: dict[str, Any]) -> None:
    r = deliver(
        client, shop["brand_id"], payload(6005, good_line(client, shop, "No")), shop_domain=""
    )
    assert r.status_code == 400 and body(r)["error"]["code"] == "webhook.missing_shop"


def test_bad_shop_domains_from_ops_are_422(shop: dict[str, Any]) -> None:
    from chalicelib.errors import ValidationFailed
    from chalicelib.store.webhooks import set_shopify_secret

    with pytest.raises(ValidationFailed) as raised:
        set_shopify_secret(shop["brand_id"], SECRET, ["https://x.myshopify.com/admin"])
    assert raised.value.code == "brand.invalid_shopify_shop"


def legacy_order(shop: dict[str, Any], shopify_id: int, snapshot_id: str) -> str:
    """An order as the webhook wrote it before shops were recorded (no external_id, no shop)."""
    from chalicelib.domain.order import shopify_order_id
    from chalicelib.store import orders
    from chalicelib.store.base import transaction
    from chalicelib.store.snapshots import get_snapshot

    snap = get_snapshot(shop["brand_id"], snapshot_id)
    order_id = shopify_order_id(shop["brand_id"], SHOP, shopify_id)
    item = orders.NewItem(snap.product_id, snapshot_id, snap.spec_hash, 1, 2450)
    order, records = orders.new_order(
        shop["brand_id"],
        currency="EUR",
        customer={"email": "ana@example.com", "name": None},
        external_ref="#900",
        source="shopify",
        items=[item],
        order_id=order_id,
    )
    with transaction() as tx:
        orders.put_new(tx, order, records)
    return order_id


def test_orders_from_before_the_fix_keep_matching_and_prove_the_pin(
    client: Client, shop: dict[str, Any]
) -> None:
    from chalicelib.store.webhooks import get_shopify_settings, record_shop_pins

    sid = snapshot(client, shop, "Legacy")
    old_id = legacy_order(shop, 7001, sid)
    report = record_shop_pins(shop["brand_id"])
    assert report["proof_required"] == [{"brand_id": shop["brand_id"], "shops": []}]
    assert record_shop_pins(shop["brand_id"])["proof_required"] == []  # idempotent
    # A new order from a domain nobody proved is refused while the brand has no pin...
    fresh = payload(7002, good_line(client, shop, "Fresh"), financial_status="paid")
    attacker = deliver(client, shop["brand_id"], fresh, shop_domain="evil.myshopify.com")
    assert attacker.status_code == 403 and get_shopify_settings(shop["brand_id"]).shops == ()
    # ...and the later "paid" for the old order finds it (same derived id) and pins its shop.
    paid = deliver(
        client,
        shop["brand_id"],
        payload(7001, line(sid, spec_hash(shop, sid)), financial_status="paid"),
    )
    assert paid.status_code == 200, paid.body
    assert body(paid)["order_id"] == old_id and body(paid)["created"] is False
    assert body(paid)["status"] == "paid" and order_count(shop["brand_id"]) == 1
    assert get_shopify_settings(shop["brand_id"]).shops == (SHOP,)
    assert deliver(client, shop["brand_id"], fresh).status_code == 200


def test_the_migration_pins_the_shop_recorded_on_orders(
    client: Client, shop: dict[str, Any]
) -> None:
    from chalicelib.store.webhooks import BrandSecretModel, get_shopify_settings, record_shop_pins

    assert (
        deliver(client, shop["brand_id"], payload(7101, good_line(client, shop, "A"))).status_code
        == 200
    )
    BrandSecretModel(brand_id=shop["brand_id"]).update(
        actions=[BrandSecretModel.shopify_shops.remove()]  # as if pinned before pins existed
    )
    report = record_shop_pins(shop["brand_id"])
    assert report["pinned"] == [{"brand_id": shop["brand_id"], "shops": [SHOP]}]
    assert get_shopify_settings(shop["brand_id"]).shops == (SHOP,)


def test_shopify_order_id_is_kept_and_found_with_external_id(
    client: Client, shop: dict[str, Any]
) -> None:
    raw = payload(820982911946154508, good_line(client, shop, "Ext"))
    made = body(deliver(client, shop["brand_id"], raw))
    auth = bearer(shop["secret_key"])
    got = body(client.http.get(f"/v1/orders/{made['order_id']}", headers=auth))
    assert got["external_id"] == "820982911946154508" and got["external_ref"] == "#1001"
    found = body(client.http.get("/v1/orders?external_id=820982911946154508", headers=auth))
    assert [o["order_id"] for o in found["data"]] == [made["order_id"]]
    assert body(client.http.get("/v1/orders?external_id=1", headers=auth))["data"] == []
    other = new_brand("Not the shop")
    assert (
        body(
            client.http.get(
                "/v1/orders?external_id=820982911946154508", headers=bearer(other["secret_key"])
            )
        )["data"]
        == []
    )
    bad = client.http.get("/v1/orders?external_id=a%20b", headers=auth)
    assert bad.status_code == 422
