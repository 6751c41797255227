"""Helpers shared by several test modules (from tests.e2e.test_order_flow)."""

from __future__ import annotations

import uuid
from typing import Any

import requests

from tests.e2e.conftest import Stack


def _post(stack: Stack, path: str, key: str, payload: dict[str, Any]) -> dict[str, Any]:
    r = requests.post(
        stack.api_url + path,
        json=payload,
        timeout=30,
        headers={"Authorization": f"Bearer {key}", "Idempotency-Key": uuid.uuid4().hex},
    )
    assert r.status_code in (200, 201, 202), r.text
    return dict(r.json())


def designed_snapshot(stack: Stack, text: str) -> str:
    pk = stack.demo["publishable_key"]
    spec = _post(
        stack,
        "/v1/specs",
        pk,
        {"product_id": stack.demo["product_id"], "inputs": {"name": {"text": text}}},
    )
    return str(_post(stack, "/v1/snapshots", pk, {"spec_hash": spec["spec_hash"]})["snapshot_id"])
