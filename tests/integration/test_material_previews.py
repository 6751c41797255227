"""Material-true previews end to end: a product that names its material, a shopper's spec and
snapshot through the API, the preview rendered by the worker from the queue and read back from
storage; the same design on the same product without a material is today's flat preview."""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np
import requests
from chalice.test import Client

from tests.integration.conftest import bearer, body, new_brand
from tests.support.products import create
from tests.support.renders import drain, idem

ZONE = {"id": "name", "name": "Name", "kind": "text", "process": "engrave", "x_mm": 4,
        "y_mm": 10, "width_mm": 52, "height_mm": 20, "max_chars": 10, "max_lines": 1,
        "max_size_mm": 16, "colors": ["#000000"], "charset": ["latin"]}  # fmt: skip


def _preview(client: Client, owner: dict[str, Any], **product: Any) -> np.ndarray:
    from PIL import Image

    made = create(client, owner["secret_key"], width_mm=60, height_mm=40, zones=[ZONE], **product)
    assert made.status_code == 201, made.body
    spec = client.http.post(
        "/v1/specs",
        headers=idem(owner["publishable_key"]),
        body=json.dumps(
            {"product_id": body(made)["product_id"], "inputs": {"name": {"text": "OAK"}}}
        ),
    )
    assert spec.status_code in (200, 201), spec.body
    snap = client.http.post(
        "/v1/snapshots",
        headers=idem(owner["publishable_key"]),
        body=json.dumps({"spec_hash": body(spec)["spec_hash"]}),
    )
    sid = str(body(snap)["snapshot_id"])
    r = client.http.post(
        "/v1/renders/preview",
        headers=idem(owner["publishable_key"]),
        body=json.dumps({"snapshot_id": sid, "options": {"format": "png"}}),
    )
    assert r.status_code == 202, r.body
    rid = body(r)["render_id"]
    drain()
    result = client.http.get(f"/v1/renders/{rid}/result", headers=bearer(owner["publishable_key"]))
    assert result.status_code == 200, result.body
    data = requests.get(body(result)["url"], timeout=10).content
    rgb = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=float)
    return rgb @ np.array([0.2126, 0.7152, 0.0722])


def test_a_wood_product_previews_a_burn_and_the_same_product_without_material_flat_ink(
    client: Client,
) -> None:
    owner = new_brand("Material previews")
    flat = _preview(client, owner)
    oak = _preview(client, owner, material="wood_light")
    assert flat.shape == oak.shape
    letters = flat < 60  # today's preview: black ink on white says where the letters are
    assert letters.sum() > 2000
    assert np.percentile(flat[letters], 50) < 10 and np.median(flat[~letters]) > 250
    burn, wood = oak[letters].mean(), oak[~letters].mean()
    assert 25 < burn < 0.6 * wood  # darker than the wood around it, not black
    assert oak[~letters].std() > 3  # the wood has grain; a flat fill would not
