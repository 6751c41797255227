"""Retention on the local stack: drafts and their previews go, an order and its files stay.

The ops CLI runs the same job as the daily scheduled Lambda, with ``--now`` in the future to age
every record made here; ``--brand`` keeps it away from the other tests' data.
"""

from __future__ import annotations

import io
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from PIL import Image

from local.stack import DEMO_PRODUCT
from tests.e2e.conftest import Stack

pytestmark = pytest.mark.e2e
# Below the name, inside the demo pendant's heart with its 2 mm margin.
PHOTO = {"id": "photo", "name": "Photo", "kind": "image", "x_mm": 16, "y_mm": 21}
PHOTO |= {"width_mm": 8, "height_mm": 5, "min_dpi": 0}


def call(stack: Stack, method: str, path: str, key: str, payload: Any = None) -> Any:
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": uuid.uuid4().hex}
    r = requests.request(method, stack.api_url + path, json=payload, headers=headers, timeout=30)
    assert r.status_code in (200, 201, 202), r.text
    return r.json()


def status_of(stack: Stack, path: str, key: str) -> int:
    return stack.get(path, key).status_code


def upload_png(stack: Stack, key: str, color: tuple[int, int, int]) -> str:
    out = io.BytesIO()
    Image.new("RGB", (40, 32), color).save(out, format="PNG")
    data = out.getvalue()
    made = call(
        stack,
        "POST",
        "/v1/assets",
        key,
        {
            "kind": "image",
            "content_type": "image/png",
            "filename": "p.png",
            "size_bytes": len(data),
        },
    )
    upload = made["upload"]
    sent = requests.post(
        upload["url"], data=upload["fields"], files={"file": ("p.png", data)}, timeout=30
    )
    assert sent.ok, sent.text
    asset_id = str(made["asset"]["asset_id"])
    call(stack, "POST", f"/v1/assets/{asset_id}/complete", key)
    return asset_id


def design(stack: Stack, shop: dict[str, Any], inputs: dict[str, Any]) -> str:
    pk = shop["publishable_key"]
    spec = call(
        stack, "POST", "/v1/specs", pk, {"product_id": shop["product_id"], "inputs": inputs}
    )
    return str(
        call(stack, "POST", "/v1/snapshots", pk, {"spec_hash": spec["spec_hash"]})["snapshot_id"]
    )


def preview_url(stack: Stack, shop: dict[str, Any], snapshot_id: str) -> tuple[str, str]:
    """(render id, download URL) of a finished preview of the snapshot."""
    pk = shop["publishable_key"]
    rid = call(stack, "POST", "/v1/renders/preview", pk, {"snapshot_id": snapshot_id})["render_id"]
    deadline = time.monotonic() + 60
    while stack.get(f"/v1/renders/{rid}", pk).json()["status"] != "succeeded":
        assert time.monotonic() < deadline, "preview not rendered in time"
        time.sleep(0.2)
    return rid, str(stack.get(f"/v1/renders/{rid}/result", pk).json()["url"])


def wait_for_bundle(stack: Stack, shop: dict[str, Any], order_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        bundle = stack.get(f"/v1/manufacturing/bundles/{order_id}", shop["secret_key"]).json()
        states = {i["pack_status"] for i in bundle["items"]}
        if states == {"succeeded"} or "failed" in states or time.monotonic() > deadline:
            return dict(bundle)
        time.sleep(0.25)


def run_retention(stack: Stack, shop: dict[str, Any], *extra: str) -> dict[str, Any]:
    later = (datetime.now(UTC) + timedelta(days=40)).isoformat()
    done = stack.cli("retention", "run", "--brand", shop["brand_id"], "--now", later, *extra)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


@pytest.fixture(scope="module")
def shop(stack: Stack) -> dict[str, Any]:
    made = stack.cli("brands", "create", "--name", "Retention e2e")
    assert made.returncode == 0, made.stderr
    owner: dict[str, Any] = json.loads(made.stdout)
    doc: dict[str, Any] = json.loads(json.dumps(DEMO_PRODUCT)) | {"sku": "RET-1"}
    doc["zones"].append(PHOTO)
    owner["product_id"] = call(stack, "POST", "/v1/products", owner["secret_key"], doc)[
        "product_id"
    ]
    return owner


def test_drafts_expire_and_orders_keep_their_files(stack: Stack, shop: dict[str, Any]) -> None:
    sk, pk = shop["secret_key"], shop["publishable_key"]
    drafts = [design(stack, shop, {"name": {"text": t}}) for t in ("Draft A", "Draft B")]
    previews = [preview_url(stack, shop, sid) for sid in drafts]
    assert all(requests.get(url, timeout=30).status_code == 200 for _, url in previews)
    linked, unlinked = upload_png(stack, pk, (10, 120, 200)), upload_png(stack, pk, (200, 0, 0))
    ordered = design(stack, shop, {"name": {"text": "Ordered"}, "photo": {"asset_id": linked}})
    item = {"product_id": shop["product_id"], "snapshot_id": ordered, "quantity": 1}
    order = call(
        stack,
        "POST",
        "/v1/orders",
        sk,
        {
            "currency": "EUR",
            "customer": {"email": "r@example.com"},
            "items": [item | {"unit_price_minor": 3900}],  # the demo's list price
        },
    )
    call(stack, "POST", f"/v1/orders/{order['order_id']}/status", sk, {"status": "paid"})
    bundle = wait_for_bundle(stack, shop, order["order_id"])
    assert [i["pack_status"] for i in bundle["items"]] == ["succeeded"], bundle

    dry = run_retention(stack, shop, "--dry-run")
    assert (dry["snapshots"], dry["renders"], dry["uploads"]) == (2, 2, 1)
    assert status_of(stack, f"/v1/snapshots/{drafts[0]}", pk) == 200

    summary = run_retention(stack, shop)
    assert (summary["snapshots"], summary["renders"], summary["uploads"]) == (2, 2, 1)
    assert summary["objects"] == 2 and summary["complete"] is True
    for sid, (rid, url) in zip(drafts, previews, strict=True):
        assert status_of(stack, f"/v1/snapshots/{sid}", pk) == 404
        assert status_of(stack, f"/v1/renders/{rid}", pk) == 404
        assert requests.get(url, timeout=30).status_code == 404  # the object itself is gone
    assert status_of(stack, f"/v1/assets/{unlinked}", pk) == 404
    assert status_of(stack, f"/v1/assets/{linked}", pk) == 200
    assert stack.get(f"/v1/snapshots/{ordered}", sk).json()["locked"] is True
    after = wait_for_bundle(stack, shop, order["order_id"])
    assert requests.get(after["items"][0]["url"], timeout=30).status_code == 200  # the pack
    final = stack.get(f"/v1/orders/{order['order_id']}", sk).json()["items"][0]["render_id"]
    files = stack.get(f"/v1/renders/{final}/result", sk).json()["files"]
    assert {requests.get(f["url"], timeout=30).status_code for f in files} == {200}

    again = run_retention(stack, shop)
    assert (again["snapshots"], again["renders"], again["objects"], again["uploads"]) == (
        0,
        0,
        0,
        0,
    )
