"""``make run`` keeps its data across a restart (``ATELIER_STATE_DIR``), and ``FRESH=1`` forgets it.

One state directory, three starts of the stack's own entry point: the first creates a brand
(ops CLI), a product, a locked snapshot and a pack (``examples/personalize.py``); the second must
answer for all of them with the same demo keys, serve the very pack bytes from S3 and still run
jobs through its restored queues; the third, started fresh, must know none of them.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import ROOT
from tests.e2e.conftest import Stack, start_stack, stop_stack

pytestmark = pytest.mark.e2e

DEMO_IDENTITY = ("brand_id", "publishable_key", "secret_key", "product_id")


def _call(stack: Stack, method: str, path: str, key: str, **kwargs: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {key}", **kwargs.pop("headers", {})}
    return requests.request(method, stack.api_url + path, headers=headers, timeout=30, **kwargs)


def _pack_when_done(stack: Stack, pack_id: str, key: str) -> dict[str, Any]:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        pack = _call(stack, "GET", f"/v1/manufacturing/packs/{pack_id}", key).json()
        if pack["status"] in ("succeeded", "failed"):
            return dict(pack)
        time.sleep(1)
    raise AssertionError(f"pack {pack_id} not done after 180 s")


def _first_run(stack: Stack, work: Path) -> dict[str, Any]:
    created = stack.cli(
        "brands", "create", "--name", "Kept Shop", "--origin", "https://kept.example"
    )
    assert created.returncode == 0, created.stderr
    (work / ".local").symlink_to(stack.state_dir)
    run = subprocess.run(
        [sys.executable, str(ROOT / "examples/personalize.py"), "Chloé", "out"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    lines = dict(line.split(" ", 1) for line in run.stdout.splitlines())
    return {
        "brand": json.loads(created.stdout),
        "product_id": lines["product"],
        "snapshot_id": lines["locked"],
        "pack_zip": work / lines["pack"],
    }


def test_data_and_demo_keys_survive_a_restart_and_fresh_forgets_them(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    first = start_stack(state)
    try:
        made = _first_run(first, tmp_path)
    finally:
        stop_stack(first.process)
    assert first.process.returncode == 0
    pack_id = made["pack_zip"].stem
    zip_digest = hashlib.sha256(made["pack_zip"].read_bytes()).hexdigest()
    assert (state / "aws" / "blobs" / zip_digest).exists()  # S3 bodies are kept on disk
    demo_sk = first.demo["secret_key"]

    second = start_stack(state)
    try:
        assert {k: second.demo[k] for k in DEMO_IDENTITY} == {
            k: first.demo[k] for k in DEMO_IDENTITY
        }
        assert second.api_url != first.api_url  # new ports: addresses and origins follow
        widget = second.get(
            f"/v1/widget/config/{second.demo['product_id']}",
            second.demo["publishable_key"],
            Origin=second.api_url,
        )
        assert widget.status_code == 200, widget.text

        kept = made["brand"]
        brand = _call(second, "GET", "/v1/brand", kept["secret_key"])
        assert brand.status_code == 200 and brand.json()["brand_id"] == kept["brand_id"]
        product = _call(second, "GET", f"/v1/products/{made['product_id']}", demo_sk)
        assert product.status_code == 200 and product.json()["sku"] == "KEY-OAK"
        snapshot = _call(second, "GET", f"/v1/snapshots/{made['snapshot_id']}", demo_sk)
        assert snapshot.status_code == 200 and snapshot.json()["locked"] is True
        pack = _call(second, "GET", f"/v1/manufacturing/packs/{pack_id}", demo_sk).json()
        assert pack["status"] == "succeeded"
        stored = requests.get(pack["url"], timeout=30)
        assert stored.status_code == 200
        assert stored.content == made["pack_zip"].read_bytes()  # the S3 object, byte for byte

        # the restored queues and tables still run work: a new pack of the same snapshot
        again = _call(
            second,
            "POST",
            "/v1/manufacturing/export-pack",
            demo_sk,
            json={"snapshot_id": made["snapshot_id"]},
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        assert again.status_code in (200, 201, 202), again.text
        assert _pack_when_done(second, again.json()["pack_id"], demo_sk)["status"] == "succeeded"
    finally:
        stop_stack(second.process)
    assert second.process.returncode == 0

    fresh = start_stack(state, fresh=True)
    try:
        assert fresh.demo["secret_key"] != demo_sk
        assert fresh.demo["brand_id"] != first.demo["brand_id"]
        for old_key in (demo_sk, made["brand"]["secret_key"]):
            assert _call(fresh, "GET", "/v1/brand", old_key).status_code == 401
        fresh_sk = fresh.demo["secret_key"]
        products = _call(fresh, "GET", "/v1/products", fresh_sk).json()["data"]
        assert made["product_id"] not in [p["product_id"] for p in products]
        assert fresh.demo["product_id"] in [p["product_id"] for p in products]
        gone = _call(fresh, "GET", f"/v1/manufacturing/packs/{pack_id}", fresh_sk)
        assert gone.status_code == 404
        assert not (state / "aws" / "blobs" / zip_digest).exists()
    finally:
        stop_stack(fresh.process)
