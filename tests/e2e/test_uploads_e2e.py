"""Bounded uploads against the local S3: the POST policy is enforced by S3 itself, not by us.

The API only signs; the bytes go from the client straight to S3, which must refuse a file larger
(or of another type, or for another key) than the signed policy allows — nothing lands.
"""

from __future__ import annotations

import io
import uuid
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config
from PIL import Image

from tests.e2e.conftest import Stack

pytestmark = pytest.mark.e2e


def png(size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 90, 200)).save(out, format="PNG")
    return out.getvalue()


def call(stack: Stack, method: str, path: str, key: str, payload: Any = None) -> Any:
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": uuid.uuid4().hex}
    if key.startswith("pk_"):
        headers["Origin"] = stack.api_url
    return requests.request(method, stack.api_url + path, json=payload, headers=headers, timeout=30)


def s3_keys(stack: Stack) -> list[str]:
    env = stack.aws_environment()
    s3 = boto3.client(
        "s3",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name=env["AWS_DEFAULT_REGION"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        config=Config(s3={"addressing_style": "path"}),
    )
    listed = s3.list_objects_v2(Bucket="atelier-dev-assets")
    return [str(o["Key"]) for o in listed.get("Contents", [])]


@pytest.fixture(scope="module")
def photo_product(stack: Stack) -> str:
    zone = {
        "id": "photo",
        "name": "Photo",
        "kind": "image",
        "process": "print",
        "x_mm": 5,
        "y_mm": 5,
        "width_mm": 30,
        "height_mm": 30,
        "formats": ["png"],
        "max_bytes": 4000,
    }
    doc = {
        "name": "Photo tile",
        "sku": "TILE-1",
        "status": "active",
        "width_mm": 40,
        "height_mm": 40,
        "zones": [zone],
    }
    r = call(stack, "POST", "/v1/products", stack.demo["secret_key"], doc)
    assert r.status_code == 201, r.text
    return str(r.json()["product_id"])


def start(stack: Stack, product_id: str, size: int) -> dict[str, Any]:
    payload = {
        "kind": "image",
        "content_type": "image/png",
        "size_bytes": size,
        "product_id": product_id,
        "zone_id": "photo",
    }
    r = call(stack, "POST", "/v1/assets", stack.demo["publishable_key"], payload)
    assert r.status_code == 201, r.text
    return dict(r.json())


def send(upload: dict[str, Any], data: bytes, **fields: str) -> requests.Response:
    form = {**upload["fields"], **fields}
    return requests.post(upload["url"], data=form, files={"file": ("p.png", data)}, timeout=30)


def test_an_upload_larger_than_signed_is_refused_by_s3_and_nothing_lands(
    stack: Stack, photo_product: str
) -> None:
    data = png()
    assert len(data) < 4000
    created = start(stack, photo_product, len(data))
    asset_id = created["asset"]["asset_id"]
    bigger = data + b"\0" * 10
    refused = send(created["upload"], bigger)
    assert refused.status_code == 400 and "<Code>EntityTooLarge</Code>" in refused.text
    wrong_type = send(created["upload"], data, **{"Content-Type": "text/html"})
    assert wrong_type.status_code == 403 and "AccessDenied" in wrong_type.text
    elsewhere = send(created["upload"], data, key=f"{stack.demo['brand_id']}/assets/evil.png")
    assert elsewhere.status_code == 403
    assert not [k for k in s3_keys(stack) if asset_id in k or k.endswith("evil.png")]
    early = call(stack, "POST", f"/v1/assets/{asset_id}/complete", stack.demo["publishable_key"])
    assert early.status_code == 409 and early.json()["error"]["code"] == "asset.not_uploaded"

    accepted = send(created["upload"], data)
    assert accepted.status_code == 204, accepted.text
    done = call(stack, "POST", f"/v1/assets/{asset_id}/complete", stack.demo["publishable_key"])
    assert done.status_code == 200 and done.json()["status"] == "ready"


def test_a_declaration_above_the_zone_limit_gets_no_policy_at_all(
    stack: Stack, photo_product: str
) -> None:
    payload = {
        "kind": "image",
        "content_type": "image/png",
        "size_bytes": 4001,
        "product_id": photo_product,
        "zone_id": "photo",
    }
    r = call(stack, "POST", "/v1/assets", stack.demo["publishable_key"], payload)
    assert r.status_code == 422 and r.json()["error"]["code"] == "asset.too_large"
