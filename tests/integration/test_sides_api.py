"""Sides over HTTP: rules as 422 at product write, sides in the product and the widget config."""

from __future__ import annotations

import json
import math
import uuid
from typing import Any

from chalice.test import Client

from chalicelib.domain.dieline import DieLine, die_polygon
from tests.integration.conftest import bearer, body
from tests.support.products import create
from tests.support.sides import pendant_doc


def _post(client: Client, key: str, doc: dict[str, Any]) -> Any:
    return client.http.post(
        "/v1/products",
        headers={**bearer(key), "Idempotency-Key": uuid.uuid4().hex},
        body=json.dumps(doc),
    )


def test_zone_on_unknown_side_is_422_and_nothing_is_written(
    client: Client, brand: dict[str, Any]
) -> None:
    sk = brand["secret_key"]
    doc = pendant_doc()
    doc["zones"][1]["side"] = "lid"
    r = _post(client, sk, doc)
    assert r.status_code == 422
    details = body(r)["error"]["details"]
    assert [(d["field"], d["code"]) for d in details] == [("zones[1].side", "zone.unknown_side")]
    listed = body(client.http.get("/v1/products", headers=bearer(sk)))["data"]
    assert listed == []


def test_duplicate_side_ids_and_unknown_mockup_are_422(
    client: Client, brand: dict[str, Any]
) -> None:
    doc = pendant_doc()
    doc["sides"][1]["mockup_asset_id"] = "ast_missing"
    doc["sides"].append({**doc["sides"][0], "name": "Again"})
    r = _post(client, brand["secret_key"], doc)
    assert r.status_code == 422
    found = {(d["field"], d["code"]) for d in body(r)["error"]["details"]}
    assert found == {
        ("sides[2].id", "side.duplicate_id"),
        ("sides[1].mockup_asset_id", "product.unknown_asset"),
    }


def test_two_sided_product_reads_back_and_widget_config_lists_every_side(
    client: Client, brand: dict[str, Any]
) -> None:
    r = _post(client, brand["secret_key"], pendant_doc())
    assert r.status_code == 201, r.body
    product = body(r)
    assert [s["id"] for s in product["sides"]] == ["front", "back"]
    assert product["sides"][1]["flip"] == "horizontal"
    assert [z["side"] for z in product["zones"]] == ["front", "back"]
    config = body(
        client.http.get(
            f"/v1/widget/config/{product['product_id']}",
            headers=bearer(brand["publishable_key"]),
        )
    )
    assert [(s["id"], s["width_mm"]) for s in config["sides"]] == [("front", 30.0), ("back", 30.0)]
    assert config["sides"][0]["die_line"]["shape"] == "heart"
    assert {z["id"]: z["side"] for z in config["zones"]} == {"name": "front", "date": "back"}
    # the widget's overlay: each side's die line as an SVG path, the very contour the pack cuts
    with_die = {s["id"] for s in config["sides"] if s.get("die_line")}
    assert set(config["die_line_paths"]) == with_die and "front" in with_die
    heart = DieLine.model_validate(config["sides"][0]["die_line"], strict=False)
    redrawn = DieLine(shape="path", path=config["die_line_paths"]["front"])
    cut, drawn = die_polygon(heart), die_polygon(redrawn)
    assert len(cut) == len(drawn)
    assert max(math.dist(a, b) for a, b in zip(cut, drawn, strict=True)) < 1e-3


def test_single_side_product_answers_as_before_with_one_implicit_side(
    client: Client, brand: dict[str, Any]
) -> None:
    r = create(client, brand["secret_key"])
    product = body(r)
    assert "sides" not in product and "side" not in product["zones"][0]
    config = body(
        client.http.get(
            f"/v1/widget/config/{product['product_id']}",
            headers=bearer(brand["publishable_key"]),
        )
    )
    assert [(s["id"], s["width_mm"], s["height_mm"]) for s in config["sides"]] == [
        ("front", 80.0, 40.0)
    ]
    assert config["zones"][0]["side"] == "front"
    assert config["die_line_paths"] == {}  # no die line, no overlay
