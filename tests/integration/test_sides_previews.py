"""Previews of a product with sides over HTTP: one side, every side on a contact sheet, an
unknown side refused before anything is queued."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
import requests
from chalice.test import Client
from PIL import Image

from tests.integration.conftest import bearer, body, new_brand
from tests.support.renders import drain, idem, request_preview, status
from tests.support.sides import pendant_doc


@pytest.fixture
def shop(client: Client) -> dict[str, Any]:
    owner = new_brand("Side previews")
    r = client.http.post(
        "/v1/products", headers=idem(owner["secret_key"]), body=json.dumps(pendant_doc())
    )
    assert r.status_code == 201, r.body
    spec = client.http.post(
        "/v1/specs",
        headers=idem(owner["publishable_key"]),
        body=json.dumps(
            {
                "product_id": body(r)["product_id"],
                "inputs": {"name": {"text": "Ana"}, "date": {"text": "Ben 2026"}},
            }
        ),
    )
    snap = client.http.post(
        "/v1/snapshots",
        headers=idem(owner["publishable_key"]),
        body=json.dumps({"spec_hash": body(spec)["spec_hash"]}),
    )
    owner["snapshot_id"] = body(snap)["snapshot_id"]
    return owner


def _image(client: Client, shop: dict[str, Any], render_id: str) -> Image.Image:
    assert drain() == 1
    done = status(client, shop["publishable_key"], render_id)
    assert done["status"] == "succeeded", done
    result = body(
        client.http.get(f"/v1/renders/{render_id}/result", headers=bearer(shop["publishable_key"]))
    )
    return Image.open(io.BytesIO(requests.get(result["url"], timeout=10).content)).convert("L")


def _dark(image: Image.Image) -> int:
    return sum(image.histogram()[:128])


def test_one_side_or_every_side_on_a_contact_sheet(client: Client, shop: dict[str, Any]) -> None:
    sid = shop["snapshot_id"]
    front = _image(client, shop, request_preview(client, shop, sid, long_side_px=300, format="png"))
    back = _image(
        client,
        shop,
        request_preview(client, shop, sid, long_side_px=300, format="png", side="back"),
    )
    assert front.size == back.size == (300, 300)
    assert front.tobytes() != back.tobytes()  # "Ana" on the front, "Ben 2026" on the back
    sheet = _image(
        client, shop, request_preview(client, shop, sid, long_side_px=300, format="png", side="all")
    )
    gap = 12
    assert sheet.width == 2 * 300 + 3 * gap and sheet.height > 300 + 2 * gap
    assert sheet.crop((gap, gap, gap + 300, gap + 300)).tobytes() == front.tobytes()
    right = sheet.crop((2 * gap + 300, gap, 2 * gap + 600, gap + 300))
    assert right.tobytes() == back.tobytes()
    labels = sheet.crop((0, gap + 300, sheet.width, sheet.height))
    assert _dark(labels) > 40  # "Front" and "Back" under the sides


def test_an_unknown_side_is_422_and_nothing_is_queued(client: Client, shop: dict[str, Any]) -> None:
    r = client.http.post(
        "/v1/renders/preview",
        headers=idem(shop["publishable_key"]),
        body=json.dumps({"snapshot_id": shop["snapshot_id"], "options": {"side": "lid"}}),
    )
    assert r.status_code == 422
    error = body(r)["error"]
    assert error["code"] == "render.unknown_side"
    assert error["details"] == {"side": "lid", "sides": ["front", "back"]}
    assert drain() == 0
    final_all = client.http.post(
        "/v1/renders/final",
        headers=idem(shop["secret_key"]),
        body=json.dumps({"snapshot_id": shop["snapshot_id"], "options": {"side": "all"}}),
    )
    assert final_all.status_code == 422


def test_a_final_draws_the_side_asked_for(client: Client, shop: dict[str, Any]) -> None:
    pictures = []
    for side in ("front", "back"):
        r = client.http.post(
            "/v1/renders/final",
            headers=idem(shop["secret_key"]),
            body=json.dumps(
                {"snapshot_id": shop["snapshot_id"], "options": {"dpi": 300, "side": side}}
            ),
        )
        assert r.status_code == 202, r.body
        assert drain("render-final") == 1
        rid = body(r)["render_id"]
        assert status(client, shop["secret_key"], rid)["status"] == "succeeded"
        result = body(
            client.http.get(f"/v1/renders/{rid}/result", headers=bearer(shop["secret_key"]))
        )
        png = Image.open(io.BytesIO(requests.get(result["url"], timeout=10).content))
        assert png.size == (354, 354)  # 30 mm at 300 DPI
        pictures.append(png.convert("RGBA").tobytes())
    assert pictures[0] != pictures[1]
