"""Checkout to workshop over real HTTP: order → paid → workers → bundle → a DXF that opens."""

from __future__ import annotations

import io
import time
import uuid
import zipfile
from typing import Any

import pytest
import requests

from tests.e2e.conftest import Stack
from tests.support.order_flow import _post, designed_snapshot

pytestmark = pytest.mark.e2e






def wait_for_bundle(stack: Stack, order_id: str, timeout_s: float = 60) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {stack.demo['secret_key']}"}
    deadline = time.monotonic() + timeout_s
    while True:
        bundle = requests.get(
            f"{stack.api_url}/v1/manufacturing/bundles/{order_id}", headers=headers, timeout=30
        ).json()
        states = {i["pack_status"] for i in bundle["items"]}
        if states == {"succeeded"} or "failed" in states or time.monotonic() > deadline:
            return dict(bundle)
        time.sleep(0.25)


def check_zip_with_dxf(url: str) -> None:
    import ezdxf

    archive = zipfile.ZipFile(io.BytesIO(requests.get(url, timeout=30).content))
    dxf_name = next(n for n in archive.namelist() if n.endswith(".dxf"))
    doc = ezdxf.read(io.StringIO(archive.read(dxf_name).decode("utf-8")))
    assert doc.header["$INSUNITS"] == 4
    assert len(doc.modelspace()) > 0
    auditor = doc.audit()
    assert not auditor.has_errors


def test_paid_order_reaches_the_workshop(stack: Stack) -> None:
    sk = stack.demo["secret_key"]
    items = [
        {
            "product_id": stack.demo["product_id"],
            "snapshot_id": designed_snapshot(stack, t),
            "quantity": 1,
            "unit_price_minor": 3900,
        }
        for t in ("Chloé", "Jules")
    ]
    order = _post(
        stack,
        "/v1/orders",
        sk,
        {"currency": "EUR", "customer": {"email": "chloe@example.com"}, "items": items},
    )
    paid = requests.post(
        f"{stack.api_url}/v1/orders/{order['order_id']}/status",
        timeout=30,
        headers={"Authorization": f"Bearer {sk}"},
        json={"status": "paid"},
    )
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    bundle = wait_for_bundle(stack, order["order_id"])
    assert [i["pack_status"] for i in bundle["items"]] == ["succeeded", "succeeded"], bundle
    for item in bundle["items"]:
        check_zip_with_dxf(item["url"])


def test_shopify_webhook_in_zip_out(stack: Stack) -> None:
    import base64
    import hashlib
    import hmac
    import json

    secret = "shpss_" + uuid.uuid4().hex
    done = stack.cli(
        "brands", "shopify-secret", "--brand", stack.demo["brand_id"], "--secret", secret
    )
    assert done.returncode == 0, done.stderr
    sid = designed_snapshot(stack, "Maëlle")
    spec_hash = requests.get(
        f"{stack.api_url}/v1/snapshots/{sid}",
        timeout=30,
        headers={"Authorization": f"Bearer {stack.demo['secret_key']}"},
    ).json()["spec_hash"]
    payload = json.dumps(
        {
            "id": 820982911946154500,
            "name": "#1042",
            "currency": "EUR",
            "email": "maelle@example.com",
            "financial_status": "paid",
            "line_items": [
                {
                    "quantity": 1,
                    "price": "39.00",
                    "properties": [
                        {"name": "_atelier_snapshot_id", "value": sid},
                        {"name": "_atelier_spec_hash", "value": spec_hash},
                        {"name": "Personalization", "value": "Name: Maëlle"},
                    ],
                }
            ],
        }
    ).encode()
    signature = base64.b64encode(hmac.new(secret.encode(), payload, hashlib.sha256).digest())
    headers = {
        "X-Shopify-Topic": "orders/paid",
        "X-Shopify-Hmac-Sha256": signature.decode(),
        "X-Shopify-Shop-Domain": "maison-lune.myshopify.com",
        "X-Shopify-Webhook-Id": uuid.uuid4().hex,
        "Content-Type": "application/json",
    }
    url = f"{stack.api_url}/v1/webhooks/shopify/{stack.demo['brand_id']}"
    first = requests.post(url, data=payload, headers=headers, timeout=30)
    assert first.status_code == 200, first.text
    again = requests.post(url, data=payload, headers=headers, timeout=30)
    assert again.status_code == 200 and again.json()["order_id"] == first.json()["order_id"]
    tampered = requests.post(url, data=payload[:-2] + b" }", headers=headers, timeout=30)
    assert tampered.status_code == 401
    bundle = wait_for_bundle(stack, first.json()["order_id"])
    assert [i["pack_status"] for i in bundle["items"]] == ["succeeded"], bundle
    check_zip_with_dxf(bundle["items"][0]["url"])
