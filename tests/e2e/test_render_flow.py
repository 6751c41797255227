"""The widget's path over real HTTP: spec → snapshot → preview → the poller runs the worker."""

from __future__ import annotations

import io
import time
import uuid

import pytest
import requests

from tests.e2e.conftest import Stack
from tests.support.demo_ink import bare_pendant_preview, marks_in_name_zone

pytestmark = pytest.mark.e2e


def test_preview_succeeds_through_the_local_poller(stack: Stack) -> None:
    from PIL import Image

    pk = {"Authorization": f"Bearer {stack.demo['publishable_key']}", "Origin": stack.api_url}

    def post(path: str, payload: dict[str, object]) -> dict[str, object]:
        r = requests.post(
            stack.api_url + path,
            json=payload,
            timeout=30,
            headers={**pk, "Idempotency-Key": uuid.uuid4().hex},
        )
        assert r.status_code in (200, 201, 202), r.text
        return dict(r.json())

    spec = post(
        "/v1/specs",
        {"product_id": stack.demo["product_id"], "inputs": {"name": {"text": "Léa & Tom"}}},
    )
    snap = post("/v1/snapshots", {"spec_hash": spec["spec_hash"]})
    render = post("/v1/renders/preview", {"snapshot_id": snap["snapshot_id"]})
    deadline = time.monotonic() + 30
    status: dict[str, object] = {}
    while time.monotonic() < deadline:
        status = requests.get(
            f"{stack.api_url}/v1/renders/{render['render_id']}", headers=pk, timeout=10
        ).json()
        if status["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.1)
    assert status["status"] == "succeeded", status
    result = requests.get(
        f"{stack.api_url}/v1/renders/{render['render_id']}/result", headers=pk, timeout=10
    ).json()
    image = Image.open(io.BytesIO(requests.get(result["url"], timeout=10).content))
    assert image.format == "JPEG" and max(image.size) == 1000
    # Ink, not a blank picture: the etch on the brushed-metal pendant differs from the bare
    # pendant (lighter, so not counted as dark pixels), and only where the name goes.
    marks, share_inside = marks_in_name_zone(image.convert("L"), bare_pendant_preview(stack))
    assert marks > 500 and share_inside > 0.95, (marks, share_inside)
