"""Arc text and monograms over HTTP (issue 17): bad paths are 422 naming the field, a monogram
validates, is stored as a spec and offers its fonts to the widget."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from chalice.test import Client

from tests.integration.conftest import bearer, body, new_brand
from tests.support.products import ZONE, create

MONOGRAM = {
    "id": "mono",
    "name": "Monogram",
    "kind": "monogram",
    "x_mm": 5,
    "y_mm": 5,
    "width_mm": 30,
    "height_mm": 30,
    "fonts": ["caladea-regular"],
    "frame": "circle",
}
ARC = {"cx_mm": 30, "cy_mm": 40, "radius_mm": 30, "span_deg": 120}


@pytest.fixture
def shop() -> dict[str, Any]:
    return new_brand("Curves", ["https://shop.example"])


@pytest.mark.parametrize(
    ("zone", "field", "code"),
    [
        ({**ZONE, "path": {**ARC, "radius_mm": 0}}, "zones.0.text.path.radius_mm", None),
        ({**ZONE, "max_lines": 2, "path": ARC}, "zones[0].path", "zone.path_multi_line"),
        (
            {**ZONE, "path": {**ARC, "radius_mm": 1, "span_deg": 10}},
            "zones[0].path.span_deg",
            "zone.path_too_short",
        ),
    ],
)
def test_a_bad_path_is_422_naming_the_field(
    client: Client, shop: dict[str, Any], zone: dict[str, Any], field: str, code: str | None
) -> None:
    r = create(client, shop["secret_key"], zones=[zone])
    assert r.status_code == 422, r.body
    errors = json.dumps(body(r))
    assert field in errors
    if code is not None:
        assert code in errors


def test_a_monogram_validates_is_stored_and_offers_its_font(
    client: Client, shop: dict[str, Any]
) -> None:
    created = create(client, shop["secret_key"], zones=[MONOGRAM])
    assert created.status_code == 201, created.body
    pid = body(created)["product_id"]
    headers = bearer(shop["publishable_key"], Origin="https://shop.example")
    payload = {"product_id": pid, "inputs": {"mono": {"text": "jam"}}}
    r = client.http.post("/v1/personalization/validate", headers=headers, body=json.dumps(payload))
    assert r.status_code == 200, r.body
    out = body(r)
    assert out["valid"] is True
    assert out["layout"]["mono"]["letters"] == ["J", "M", "A"]
    spec = client.http.post(
        "/v1/specs",
        headers={**bearer(shop["secret_key"]), "Idempotency-Key": uuid.uuid4().hex},
        body=json.dumps(payload),
    )
    assert spec.status_code == 201, spec.body
    config = body(client.http.get(f"/v1/widget/config/{pid}", headers=headers))
    assert [f["font_id"] for f in config["fonts"]] == ["caladea-regular"]
    bad = {"product_id": pid, "inputs": {"mono": {"text": "J4"}}}
    r = client.http.post("/v1/personalization/validate", headers=headers, body=json.dumps(bad))
    codes = {e["code"] for e in body(r)["errors"]}
    assert {"monogram.not_letters", "monogram.wrong_count"} <= codes
