"""Framing through the API: a crop past the photo's edge is a 422 naming the zone; a good one
is recorded in the spec with the crop's effective DPI."""

from __future__ import annotations

import json
from typing import Any

from chalice.test import Client

from tests.integration.conftest import body, new_brand
from tests.support.assets import complete, upload
from tests.support.products import create
from tests.support.renders import idem
from tests.support.scene import photo_png


def _spec(client: Client, owner: dict[str, Any], product_id: str, photo: dict[str, Any]) -> Any:
    return client.http.post(
        "/v1/specs",
        headers=idem(owner["publishable_key"]),
        body=json.dumps({"product_id": product_id, "inputs": {"photo": photo}}),
    )


def test_framing_is_validated_and_recorded(client: Client) -> None:
    owner = new_brand("Framing")
    zone = {"id": "photo", "name": "Photo", "kind": "image", "x_mm": 5, "y_mm": 5}
    zone |= {"width_mm": 40, "height_mm": 30, "min_dpi": 0}
    product_id = body(create(client, owner["secret_key"], zones=[zone]))["product_id"]
    asset = upload(client, owner["publishable_key"], photo_png(120, 90))
    assert complete(client, owner["publishable_key"], asset).status_code == 200

    outside = {"crop": {"x": 0.5, "y": 0.5, "width": 0.6, "height": 0.5}}
    r = _spec(client, owner, product_id, {"asset_id": asset, "framing": outside})
    assert r.status_code == 422, r.body
    error = body(r)["error"]
    assert error["code"] == "spec.invalid_inputs"
    assert [(e["zone_id"], e["code"]) for e in error["details"]["errors"]] == [
        ("photo", "image.crop_outside")
    ]
    malformed = {"crop": {"x": 0.5, "y": 0.5, "width": 2, "height": 0.5}}
    r = _spec(client, owner, product_id, {"asset_id": asset, "framing": malformed})
    assert r.status_code == 422 and body(r)["error"]["code"] != "internal"

    whole = body(_spec(client, owner, product_id, {"asset_id": asset}))
    framing = {"crop": {"x": 0.25, "y": 0.25, "width": 0.5, "height": 0.5}, "angle_deg": 3.5}
    framed = _spec(client, owner, product_id, {"asset_id": asset, "framing": framing})
    assert framed.status_code == 201, framed.body
    recorded = body(framed)["spec"]["zones"]["photo"]
    assert recorded["framing"] == {**framing, "quarter_turns": 0}
    assert recorded["effective_dpi"] == whole["spec"]["zones"]["photo"]["effective_dpi"] / 2
    assert "framing" not in whole["spec"]["zones"]["photo"]
