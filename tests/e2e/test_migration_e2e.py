"""The order-items migration through the ops CLI against the local stack: 10,000 legacy orders,
a rerun that creates nothing, and a run killed midway that finishes without duplicates."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import uuid
from typing import Any

import boto3
import pytest
import requests

from tests.conftest import ROOT
from tests.e2e.conftest import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.slow]  # minutes: `make test-slow` (CI)
LEGACY_ORDERS = 10_000
KILLED_ORDERS = 3_000


def _cli(stack: Stack, *args: str) -> dict[str, Any]:
    done = stack.cli(*args, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return dict(json.loads(done.stdout))


def _post(stack: Stack, key: str, path: str, payload: dict[str, Any]) -> dict[str, Any]:
    headers = {
        "Authorization": f"Bearer {key}",
        "Origin": stack.api_url,
        "Idempotency-Key": uuid.uuid4().hex,
    }
    r = requests.post(stack.api_url + path, json=payload, headers=headers, timeout=30)
    assert r.status_code in (200, 201), r.text
    return dict(r.json())


def _snapshot(stack: Stack, publishable_key: str, product_id: str) -> str:
    inputs = {"name": {"text": "Léa"}}
    spec = _post(stack, publishable_key, "/v1/specs", {"product_id": product_id, "inputs": inputs})
    snap = _post(stack, publishable_key, "/v1/snapshots", {"spec_hash": spec["spec_hash"]})
    return str(snap["snapshot_id"])


def _items(stack: Stack, brand_id: str) -> list[dict[str, Any]]:
    """Every order item of a brand, read straight from the table."""
    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=stack.aws_url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    pages = dynamodb.get_paginator("query").paginate(
        TableName="atelier-dev-order-items",
        KeyConditionExpression="brand_id = :b",
        ExpressionAttributeValues={":b": {"S": brand_id}},
        ProjectionExpression="item_key, order_id",
    )
    return [item for page in pages for item in page["Items"]]


def _assert_one_item_per_order(items: list[dict[str, Any]], orders: int) -> None:
    assert len(items) == orders
    assert len({i["order_id"]["S"] for i in items}) == orders
    assert all(i["item_key"]["S"].endswith("#0001") for i in items)


def test_ten_thousand_legacy_orders_migrate_once(stack: Stack) -> None:
    demo = stack.demo
    snap = _snapshot(stack, demo["publishable_key"], demo["product_id"])
    seed = ["--brand", demo["brand_id"], "--product", demo["product_id"], "--snapshot", snap]
    assert _cli(stack, "migrate", "seed-legacy", *seed, "--count", str(LEGACY_ORDERS))[
        "seeded"
    ] == (LEGACY_ORDERS)

    first = _cli(stack, "migrate", "order-items")
    assert (first["migrated"], first["invalid_count"]) == (LEGACY_ORDERS, 0), first
    _assert_one_item_per_order(_items(stack, demo["brand_id"]), LEGACY_ORDERS)

    again = _cli(stack, "migrate", "order-items")
    assert (again["migrated"], again["already_migrated"]) == (0, LEGACY_ORDERS)
    assert again["resumed_from_checkpoint"] is False
    assert len(_items(stack, demo["brand_id"])) == LEGACY_ORDERS


def _second_brand(stack: Stack) -> tuple[str, list[str]]:
    """A brand with its own copy of the demo product and a snapshot: the seed arguments."""
    brand = _cli(stack, "brands", "create", "--name", "Legacy", "--origin", stack.api_url)
    demo_product = stack.get(f"/v1/products/{stack.demo['product_id']}", stack.demo["secret_key"])
    fields = ("name", "sku", "status", "width_mm", "height_mm", "zones", "sides", "options")
    document = {k: demo_product.json()[k] for k in (*fields, "currency", "base_price_minor")}
    product = _post(stack, brand["secret_key"], "/v1/products", document)["product_id"]
    snap = _snapshot(stack, brand["publishable_key"], product)
    return brand["brand_id"], [
        "--brand",
        brand["brand_id"],
        "--product",
        product,
        "--snapshot",
        snap,
    ]


def test_a_run_killed_midway_resumes_without_duplicates(stack: Stack) -> None:
    brand_id, seed = _second_brand(stack)
    _cli(stack, "migrate", "seed-legacy", *seed, "--count", str(KILLED_ORDERS))
    run = ["migrate", "order-items", "--brand", brand_id, "--page-size", "250"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "chalicelib.cli", *run],
        cwd=ROOT,
        env=stack.aws_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    first_page = proc.stderr.readline()  # printed once the first page's checkpoint is saved
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert "250/~3000 orders" in first_page, first_page
    assert len(_items(stack, brand_id)) < KILLED_ORDERS

    resumed = _cli(stack, *run)
    assert resumed["resumed_from_checkpoint"] is True
    assert resumed["processed"] == KILLED_ORDERS
    assert resumed["migrated"] + resumed["already_migrated"] == KILLED_ORDERS
    _assert_one_item_per_order(_items(stack, brand_id), KILLED_ORDERS)
