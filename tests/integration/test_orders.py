"""Orders: items tied to the brand's snapshots, the state machine, paid → production once."""

from __future__ import annotations

from typing import Any

import pytest
from chalice.test import Client

from chalicelib.store.models import PackModel, RenderModel
from tests.integration.conftest import bearer, body, new_brand
from tests.support.orders import idem, move, order_body, place
from tests.support.products import create
from tests.support.renders import ZONE, snapshot


@pytest.fixture
def shop(client: Client) -> dict[str, Any]:
    owner = new_brand("Order shop")
    owner["product_id"] = body(
        create(client, owner["secret_key"], width_mm=120, height_mm=40, zones=[ZONE])
    )["product_id"]
    return owner








def test_order_with_items_and_totals(client: Client, shop: dict[str, Any]) -> None:
    a, b = snapshot(client, shop, "Ana"), snapshot(client, shop, "Ben")
    order = place(client, shop, a, b)
    assert order["status"] == "created" and order["total_minor"] == 2 * 2 * 2450
    assert [i["snapshot_id"] for i in order["items"]] == [a, b]
    assert [i["item_id"] for i in order["items"]] == [
        f"{order['order_id']}-1",
        f"{order['order_id']}-2",
    ]
    got = body(
        client.http.get(f"/v1/orders/{order['order_id']}", headers=bearer(shop["secret_key"]))
    )
    assert got == order


def test_foreign_or_mismatched_snapshots_are_422(client: Client, shop: dict[str, Any]) -> None:
    other = new_brand("Other order shop")
    other["product_id"] = body(
        create(client, other["secret_key"], width_mm=120, height_mm=40, zones=[ZONE])
    )["product_id"]
    foreign = snapshot(client, other, "Theirs")
    r = client.http.post(
        "/v1/orders", headers=idem(shop["secret_key"]), body=order_body(shop, foreign)
    )
    assert r.status_code == 422
    assert body(r)["error"]["details"][0]["code"] == "order.unknown_snapshot"
    second_product = body(
        create(client, shop["secret_key"], width_mm=120, height_mm=40, zones=[ZONE])
    )["product_id"]
    mine = snapshot(client, shop, "Mine")
    r = client.http.post(
        "/v1/orders",
        headers=idem(shop["secret_key"]),
        body=order_body(shop, mine, product_id=second_product),
    )
    assert r.status_code == 422
    assert body(r)["error"]["details"][0]["code"] == "order.snapshot_mismatch"


def test_state_machine(client: Client, shop: dict[str, Any]) -> None:
    order = place(client, shop, snapshot(client, shop, "States"))
    oid = order["order_id"]
    bad = move(client, shop, oid, "shipped")
    assert bad.status_code == 409 and body(bad)["error"]["code"] == "order.invalid_transition"
    for status in ("paid", "in_production", "shipped", "delivered", "refunded"):
        r = move(client, shop, oid, status)
        assert r.status_code == 200, (status, r.body)
        assert body(r)["status"] == status
    assert move(client, shop, oid, "cancelled").status_code == 409
    history = [
        h["status"]
        for h in body(client.http.get(f"/v1/orders/{oid}", headers=bearer(shop["secret_key"])))[
            "history"
        ]
    ]
    assert history == ["created", "paid", "in_production", "shipped", "delivered", "refunded"]
    cancellable = place(client, shop, snapshot(client, shop, "Cancel"))
    assert body(move(client, shop, cancellable["order_id"], "cancelled"))["status"] == "cancelled"


def test_paid_twice_starts_production_once(client: Client, shop: dict[str, Any]) -> None:
    sid_a, sid_b = snapshot(client, shop, "Once A"), snapshot(client, shop, "Once B")
    order = place(client, shop, sid_a, sid_b)
    first = body(move(client, shop, order["order_id"], "paid"))
    second = move(client, shop, order["order_id"], "paid")
    assert second.status_code == 200
    assert body(second)["items"] == first["items"]
    for item in first["items"]:
        assert item["render_id"].startswith("rnd_") and item["pack_id"].startswith("pck_")
        render = RenderModel.get(shop["brand_id"], item["render_id"])
        assert render.kind == "final" and render.options == {"dpi": 300, "bleed_mm": 0.0}
        pack = PackModel.get(shop["brand_id"], item["pack_id"])
        assert pack.profile_id == "laser-default" and pack.quantity == 2
    renders_made = sum(1 for _ in RenderModel.query(shop["brand_id"]))
    packs_made = sum(1 for _ in PackModel.query(shop["brand_id"]))
    assert renders_made == 2 and packs_made == 2
    for sid in (sid_a, sid_b):
        snap = body(client.http.get(f"/v1/snapshots/{sid}", headers=bearer(shop["secret_key"])))
        assert snap["locked"] is True


def test_list_orders_by_status_and_tenant(client: Client, shop: dict[str, Any]) -> None:
    paid = place(client, shop, snapshot(client, shop, "L1"))
    place(client, shop, snapshot(client, shop, "L2"))
    move(client, shop, paid["order_id"], "paid")
    listed = body(client.http.get("/v1/orders?status=paid", headers=bearer(shop["secret_key"])))
    assert [o["order_id"] for o in listed["data"]] == [paid["order_id"]]
    other = new_brand("Nosy")
    assert (
        client.http.get(
            f"/v1/orders/{paid['order_id']}", headers=bearer(other["secret_key"])
        ).status_code
        == 404
    )
    assert move(client, other, paid["order_id"], "shipped").status_code == 404
    assert (
        client.http.get(
            f"/v1/manufacturing/bundles/{paid['order_id']}", headers=bearer(other["secret_key"])
        ).status_code
        == 404
    )


def test_bundle_lists_every_item_before_packs_are_built(
    client: Client, shop: dict[str, Any]
) -> None:
    order = place(client, shop, snapshot(client, shop, "B1"), snapshot(client, shop, "B2"))
    before = body(
        client.http.get(
            f"/v1/manufacturing/bundles/{order['order_id']}", headers=bearer(shop["secret_key"])
        )
    )
    assert [i["pack_status"] for i in before["items"]] == ["not_started", "not_started"]
    move(client, shop, order["order_id"], "paid")
    after = body(
        client.http.get(
            f"/v1/manufacturing/bundles/{order['order_id']}?expires_in=3600",
            headers=bearer(shop["secret_key"]),
        )
    )
    assert after["expires_in"] == 3600
    assert [i["pack_status"] for i in after["items"]] == ["queued", "queued"]
    assert all(i["url"] is None for i in after["items"])
    too_long = client.http.get(
        f"/v1/manufacturing/bundles/{order['order_id']}?expires_in=999999",
        headers=bearer(shop["secret_key"]),
    )
    assert too_long.status_code == 422
