"""Helpers shared by several test modules (from tests.integration.test_assets)."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

import requests
from chalice.test import Client
from PIL import Image

from tests.integration.conftest import bearer, body


def png_bytes(size: tuple[int, int] = (32, 24), color: tuple[int, ...] = (200, 40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def lato_bytes() -> bytes:
    from chalicelib import fonts

    return fonts.font_info("lato-regular").path.read_bytes()


def post(client: Client, path: str, key: str, payload: Any = None) -> Any:
    raw = json.dumps(payload) if payload is not None else ""
    headers = {**bearer(key), "Idempotency-Key": uuid.uuid4().hex}
    return client.http.post(path, headers=headers, body=raw)


def start(
    client: Client, key: str, data: bytes, kind: str = "image", content_type: str = "image/png"
) -> dict[str, Any]:
    r = post(
        client,
        "/v1/assets",
        key,
        {"kind": kind, "content_type": content_type, "filename": "a.bin", "size_bytes": len(data)},
    )
    assert r.status_code == 201, r.body
    out: dict[str, Any] = body(r)
    return out


def put(upload: dict[str, Any], data: bytes) -> None:
    """Upload as a browser would: a multipart POST of the signed fields, then the file.

    moto's ``mock_aws`` also intercepts plain ``requests`` calls to AWS endpoints, so this goes
    through the same URL a real client would use. (In-process moto does not check the policy;
    the local stack does — tests/e2e/test_uploads_e2e.py.)
    """
    assert upload["method"] == "POST"
    r = requests.post(
        upload["url"], data=upload["fields"], files={"file": ("upload", data)}, timeout=10
    )
    assert r.status_code in (200, 204), r.text


def upload(
    client: Client, key: str, data: bytes, kind: str = "image", content_type: str = "image/png"
) -> str:
    created = start(client, key, data, kind, content_type)
    put(created["upload"], data)
    return str(created["asset"]["asset_id"])


def complete(client: Client, key: str, asset_id: str) -> Any:
    return post(client, f"/v1/assets/{asset_id}/complete", key)
