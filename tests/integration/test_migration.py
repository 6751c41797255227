"""Order → OrderItem migration in-process (moto): idempotent, resumable, invalid orders reported."""

from __future__ import annotations

import json
from typing import Any

import pytest
from chalice.test import Client

from chalicelib import cli
from chalicelib.domain.order import item_key
from chalicelib.store import migration
from chalicelib.store.migration import MigrationCheckpointModel
from chalicelib.store.models import OrderItemModel, OrderModel
from tests.integration.conftest import bearer, body, new_brand
from tests.support.products import create
from tests.support.renders import ZONE, snapshot

ARTBOARD: dict[str, Any] = {"width_mm": 120, "height_mm": 40, "zones": [ZONE]}


class Killed(Exception):
    """Raised from the progress callback to stop a run the way a kill at a page boundary would."""


@pytest.fixture
def shop(client: Client) -> dict[str, Any]:
    owner = new_brand("Legacy shop")
    owner["product_id"] = body(create(client, owner["secret_key"], **ARTBOARD))["product_id"]
    owner["snapshot_id"] = snapshot(client, owner, "Ana")
    return owner


def seed(shop: dict[str, Any], count: int, **over: Any) -> list[str]:
    return migration.seed_legacy_orders(
        shop["brand_id"],
        over.pop("product_id", shop["product_id"]),
        over.pop("snapshot_id", shop["snapshot_id"]),
        count,
        **over,
    )


def items(brand_id: str) -> list[OrderItemModel]:
    return list(OrderItemModel.query(brand_id, consistent_read=True))


def test_legacy_orders_get_their_item_and_a_rerun_creates_none(shop: dict[str, Any]) -> None:
    ids = seed(shop, 30)
    first = migration.migrate_order_items(brand_id=shop["brand_id"], page_size=7).as_json()
    assert (first["processed"], first["migrated"], first["already_migrated"]) == (30, 30, 0)
    assert first["invalid"] == [] and first["resumed_from_checkpoint"] is False

    created = {i.order_id: i for i in items(shop["brand_id"])}
    assert set(created) == set(ids)
    order = OrderModel.get(shop["brand_id"], ids[0])
    item = created[ids[0]]
    assert item.item_key == item_key(ids[0], 1) and item.item_id == f"{ids[0]}-1"
    assert item.snapshot_id == shop["snapshot_id"] and item.product_id == shop["product_id"]
    assert item.quantity == order.legacy_quantity
    assert item.unit_price_minor == order.total_minor // order.legacy_quantity
    assert order.item_count == 1 and order.legacy_snapshot_id == shop["snapshot_id"]

    again = migration.migrate_order_items(brand_id=shop["brand_id"], page_size=7).as_json()
    assert (again["migrated"], again["already_migrated"], again["processed"]) == (0, 30, 30)
    assert len(items(shop["brand_id"])) == 30


def test_invalid_orders_are_reported_with_a_reason_and_never_written(
    client: Client, shop: dict[str, Any]
) -> None:
    other_product = body(create(client, shop["secret_key"], sku="OTHER", **ARTBOARD))
    foreign = snapshot(client, {**shop, "product_id": other_product["product_id"]}, "Bo")
    valid = seed(shop, 1)
    unknown = seed(shop, 1, snapshot_id="snp_missing")
    mismatched = seed(shop, 1, snapshot_id=foreign)
    zero = seed(shop, 1, invalid_every=1)

    report = migration.migrate_order_items(brand_id=shop["brand_id"]).as_json()
    reasons = {i["order_id"]: i["reason"] for i in report["invalid"]}
    assert reasons == {
        unknown[0]: "snapshot.not_found",
        mismatched[0]: "snapshot.product_mismatch",
        zero[0]: "quantity.invalid",
    }
    assert report["invalid_count"] == 3 and report["migrated"] == 1
    assert [i.order_id for i in items(shop["brand_id"])] == valid
    assert OrderModel.get(shop["brand_id"], zero[0]).item_count == 0


def test_dry_run_writes_nothing(shop: dict[str, Any]) -> None:
    seed(shop, 5)
    report = migration.migrate_order_items(brand_id=shop["brand_id"], dry_run=True).as_json()
    assert report["dry_run"] is True and report["migrated"] == 5
    assert items(shop["brand_id"]) == []
    assert MigrationCheckpointModel.count(migration.migration_id(shop["brand_id"])) == 0


def test_an_interrupted_run_resumes_from_its_checkpoint(shop: dict[str, Any]) -> None:
    seed(shop, 20)

    def kill_after_first_page(counts: migration.Counts) -> None:
        raise Killed

    with pytest.raises(Killed):
        migration.migrate_order_items(
            brand_id=shop["brand_id"], page_size=6, on_page=kill_after_first_page
        )
    saved = MigrationCheckpointModel.get(migration.migration_id(shop["brand_id"]))
    assert saved.finished is False and saved.counts["processed"] == 6 and saved.last_key

    resumed = migration.migrate_order_items(brand_id=shop["brand_id"], page_size=6).as_json()
    assert resumed["resumed_from_checkpoint"] is True
    assert (resumed["processed"], resumed["migrated"], resumed["already_migrated"]) == (20, 20, 0)
    created = items(shop["brand_id"])
    assert len(created) == len({i.order_id for i in created}) == 20
    assert MigrationCheckpointModel.get(migration.migration_id(shop["brand_id"])).finished

    fresh = migration.migrate_order_items(brand_id=shop["brand_id"], page_size=6).as_json()
    assert fresh["resumed_from_checkpoint"] is False and fresh["already_migrated"] == 20


def test_an_order_whose_item_was_written_before_a_kill_is_completed(shop: dict[str, Any]) -> None:
    [oid] = seed(shop, 1)
    migration.migrate_order_items(brand_id=shop["brand_id"])
    OrderModel(brand_id=shop["brand_id"], order_id=oid).update(
        actions=[OrderModel.item_count.set(0)]
    )  # as if killed between the item's put and the order's update
    report = migration.migrate_order_items(brand_id=shop["brand_id"]).as_json()
    assert report["already_migrated"] == 1 and report["migrated"] == 0
    assert OrderModel.get(shop["brand_id"], oid).item_count == 1


def test_without_a_brand_every_brand_is_scanned(client: Client, shop: dict[str, Any]) -> None:
    second = new_brand("Second legacy shop")
    second["product_id"] = body(create(client, second["secret_key"], **ARTBOARD))["product_id"]
    second["snapshot_id"] = snapshot(client, second, "Cy")
    seed(shop, 4)
    seed(second, 3)
    report = migration.migrate_order_items(page_size=5).as_json()
    assert report["migrated"] >= 7
    assert (len(items(shop["brand_id"])), len(items(second["brand_id"]))) == (4, 3)
    assert migration.migrate_order_items().as_json()["migrated"] == 0


def test_a_migrated_order_is_served_with_its_item_and_keeps_legacy_fields(
    client: Client, shop: dict[str, Any]
) -> None:
    [oid] = seed(shop, 1)
    migration.migrate_order_items(brand_id=shop["brand_id"])
    got = client.http.get(f"/v1/orders/{oid}", headers=bearer(shop["secret_key"]))
    assert got.status_code == 200, got.body
    [line] = body(got)["items"]
    assert (line["line"], line["snapshot_id"]) == (1, shop["snapshot_id"])
    stored = OrderModel.get(shop["brand_id"], oid)
    assert (stored.legacy_product_id, stored.legacy_snapshot_id) == (
        shop["product_id"],
        shop["snapshot_id"],
    )
    assert stored.legacy_quantity == line["quantity"]
    assert body(got)["legacy"] == {
        "product_id": shop["product_id"],
        "snapshot_id": shop["snapshot_id"],
        "quantity": line["quantity"],
    }


def test_cli_prints_the_report_and_a_progress_bar(
    shop: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    brand = shop["brand_id"]
    args = ["--brand", brand, "--product", shop["product_id"], "--snapshot", shop["snapshot_id"]]
    assert cli.main(["migrate", "seed-legacy", *args, "--count", "12", "--invalid-every", "4"]) == 0
    assert json.loads(capsys.readouterr().out) == {"brand_id": brand, "seeded": 12}
    assert cli.main(["migrate", "order-items", "--brand", brand, "--page-size", "5"]) == 0
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert (report["migrated"], report["invalid_count"], report["dry_run"]) == (9, 3, False)
    bars = err.splitlines()
    assert len(bars) == 3 and bars[-1].startswith("[" + "#" * 30 + "] 100% 12/~12 orders")
    with pytest.raises(SystemExit) as usage:
        cli.main(["migrate", "order-items", "--page-size", "0"])
    assert usage.value.code == 2
