"""Where the demo pendant's preview carries engraving, found against the bare product.

The demo pendant is brushed metal, and an etch on metal is LIGHTER than the metal, so counting
dark pixels says nothing. Instead the preview is compared with the preview of the same product
with the name left empty (a copy of the demo product whose name is optional, previewed through
the same API): every pixel that differs clearly from the bare pendant is a mark, whatever its
direction, and the marks must sit in the name zone.
"""

from __future__ import annotations

import copy
import io
import time
import uuid
from typing import TYPE_CHECKING, Any

import requests
from PIL import Image, ImageChops

from local.stack import DEMO_PRODUCT

if TYPE_CHECKING:
    from tests.e2e.conftest import Stack

# The demo pendant is 40 x 36 mm; its name zone is x 7.5-32.5, y 11-20 mm (a margin around it).
PENDANT_MM = (40.0, 36.0)
NAME_BOX_MM = (5.0, 9.0, 35.0, 23.0)
MARK_LEVEL = 24  # a mark differs from the bare metal by more than this (of 255) in luminance

_BARE: dict[str, Image.Image] = {}


def _call(stack: Stack, key: str, path: str, payload: dict[str, Any]) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": uuid.uuid4().hex}
    r = requests.post(stack.api_url + path, json=payload, headers=headers, timeout=30)
    assert r.status_code in (200, 201, 202), r.text
    return dict(r.json())


def bare_pendant_preview(stack: Stack) -> Image.Image:
    """The demo pendant's preview with no name (once per stack), in luminance."""
    if stack.api_url in _BARE:
        return _BARE[stack.api_url]
    doc = copy.deepcopy(DEMO_PRODUCT) | {"sku": f"BARE-{uuid.uuid4().hex[:8]}"}
    for zone in doc["zones"]:
        zone["required"] = False
    sk, pk = stack.demo["secret_key"], stack.demo["publishable_key"]
    product_id = _call(stack, sk, "/v1/products", doc)["product_id"]
    spec = _call(stack, pk, "/v1/specs", {"product_id": product_id, "inputs": {}})
    snap = _call(stack, pk, "/v1/snapshots", {"spec_hash": spec["spec_hash"]})
    render_id = _call(stack, pk, "/v1/renders/preview", {"snapshot_id": snap["snapshot_id"]})[
        "render_id"
    ]
    auth = {"Authorization": f"Bearer {pk}"}
    deadline = time.monotonic() + 60
    status = ""
    while time.monotonic() < deadline:
        answer = requests.get(f"{stack.api_url}/v1/renders/{render_id}", headers=auth, timeout=10)
        status = str(answer.json()["status"])
        if status in ("succeeded", "failed"):
            break
        time.sleep(0.1)
    assert status == "succeeded", status
    result = f"{stack.api_url}/v1/renders/{render_id}/result"
    url = requests.get(result, headers=auth, timeout=10).json()["url"]
    _BARE[stack.api_url] = load(url)
    return _BARE[stack.api_url]


def load(url: str) -> Image.Image:
    return Image.open(io.BytesIO(requests.get(url, timeout=10).content)).convert("L")


def marks_in_name_zone(image: Image.Image, bare: Image.Image) -> tuple[int, float]:
    """Pixels that differ clearly from the bare pendant, and the share of them in the name zone."""
    assert image.size == bare.size, (image.size, bare.size)
    width, height = image.size
    px_per_mm = width / PENDANT_MM[0]
    assert abs(height - PENDANT_MM[1] * px_per_mm) < 2, image.size
    differ = ImageChops.difference(image, bare).point(lambda v: 255 if v > MARK_LEVEL else 0)
    box = tuple(int(v * px_per_mm) for v in NAME_BOX_MM)
    marks = differ.histogram()[255]
    inside = differ.crop(box).histogram()[255]
    return marks, inside / max(marks, 1)
