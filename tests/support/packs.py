"""Helpers shared by several test modules (from tests.integration.test_packs)."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from typing import Any

import requests
from chalice.test import Client

from tests.integration.conftest import bearer, body
from tests.support.renders import snapshot


def idem(key: str) -> dict[str, str]:
    return {**bearer(key), "Idempotency-Key": uuid.uuid4().hex}


def locked_snapshot(client: Client, shop: dict[str, Any], text: str) -> str:
    sid = snapshot(client, shop, text)
    client.http.post(f"/v1/snapshots/{sid}/lock", headers=bearer(shop["secret_key"]))
    return sid


def export(client: Client, shop: dict[str, Any], sid: str, **extra: Any) -> Any:
    return client.http.post(
        "/v1/manufacturing/export-pack",
        headers=idem(shop["secret_key"]),
        body=json.dumps({"snapshot_id": sid, **extra}),
    )


def pack_status(client: Client, shop: dict[str, Any], pack_id: str) -> dict[str, Any]:
    r = client.http.get(f"/v1/manufacturing/packs/{pack_id}", headers=bearer(shop["secret_key"]))
    assert r.status_code == 200
    return dict(body(r))


def open_zip(url: str) -> tuple[bytes, zipfile.ZipFile]:
    data = requests.get(url, timeout=10).content
    return data, zipfile.ZipFile(io.BytesIO(data))
