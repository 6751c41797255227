"""Render jobs end to end in-process: API → SQS (moto) → worker → S3 → result URL."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
import requests
from chalice.test import Client

from tests.integration.conftest import bearer, body, new_brand
from tests.support.products import create
from tests.support.renders import ZONE, drain, idem, request_preview, snapshot, status


@pytest.fixture
def shop(client: Client) -> dict[str, Any]:
    owner = new_brand("Render shop")
    pid = body(create(client, owner["secret_key"], width_mm=120, height_mm=40, zones=[ZONE]))[
        "product_id"
    ]
    owner["product_id"] = pid
    return owner










def fetch(url: str) -> bytes:
    return requests.get(url, timeout=10).content


@pytest.fixture
def rasterizations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    from chalicelib.jobs import render_worker

    calls: list[str] = []
    real = render_worker._render

    def counting(model: Any) -> Any:
        calls.append(model.render_id)
        return real(model)

    monkeypatch.setattr(render_worker, "_render", counting)
    return calls


def test_preview_is_rendered_stored_and_downloadable(
    client: Client, shop: dict[str, Any], rasterizations: list[str]
) -> None:
    from PIL import Image

    sid = snapshot(client, shop, "Happy Birthday, AVA!")
    rid = request_preview(client, shop, sid)
    not_ready = client.http.get(
        f"/v1/renders/{rid}/result", headers=bearer(shop["publishable_key"])
    )
    assert not_ready.status_code == 409 and body(not_ready)["error"]["code"] == "render.not_ready"
    assert drain() == 1
    done = status(client, shop["publishable_key"], rid)
    assert done["status"] == "succeeded" and done["progress"] == 100 and done["attempts"] == 1
    assert done["timings"]["duration_ms"] >= 0
    result = body(
        client.http.get(f"/v1/renders/{rid}/result", headers=bearer(shop["publishable_key"]))
    )
    assert result["content_type"] == "image/jpeg" and "X-Amz-Signature" in result["url"]
    image = Image.open(io.BytesIO(fetch(result["url"])))
    assert image.size == (1000, 333) and (result["width_px"], result["height_px"]) == image.size
    gray = image.convert("L")
    dark = sum(gray.histogram()[:128])
    assert dark > 1000  # the text is drawn, not a blank image
    assert done["outputs"][0]["key"].startswith(shop["brand_id"] + "/renders/")
    snap = body(client.http.get(f"/v1/snapshots/{sid}", headers=bearer(shop["secret_key"])))
    assert snap["assets"]["preview"]["render_id"] == rid


def test_same_spec_twice_rasterizes_once(
    client: Client, shop: dict[str, Any], rasterizations: list[str]
) -> None:
    sid = snapshot(client, shop, "Twice")
    first, second = request_preview(client, shop, sid), request_preview(client, shop, sid)
    drain()
    a, b = status(client, shop["secret_key"], first), status(client, shop["secret_key"], second)
    assert a["status"] == b["status"] == "succeeded"
    assert len(rasterizations) == 1
    assert sorted([a["reused"], b["reused"]]) == [False, True]
    assert a["outputs"] == b["outputs"]


def _event(*records: tuple[str, str, int]) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": mid,
                "receiptHandle": mid,
                "body": raw,
                "attributes": {"ApproximateReceiveCount": str(count)},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:1:q",
                "awsRegion": "us-east-1",
            }
            for mid, raw, count in records
        ]
    }


def _message(shop: dict[str, Any], render_id: str) -> str:
    return json.dumps({"render_id": render_id, "brand_id": shop["brand_id"]})


def test_duplicate_delivery_renders_once(
    client: Client, shop: dict[str, Any], rasterizations: list[str]
) -> None:
    from app import render_preview_worker

    rid = request_preview(client, shop, snapshot(client, shop, "Dup"), long_side_px=300)
    raw = _message(shop, rid)
    assert render_preview_worker(_event(("m1", raw, 1)), None) == {"batchItemFailures": []}
    assert render_preview_worker(_event(("m2", raw, 1)), None) == {"batchItemFailures": []}
    assert len(rasterizations) == 1
    assert status(client, shop["secret_key"], rid)["attempts"] == 1


def test_one_bad_record_in_a_batch_of_ten_is_the_only_failure(
    client: Client, shop: dict[str, Any]
) -> None:
    from app import render_preview_worker

    sid = snapshot(client, shop, "Batch")
    records = [
        (f"ok-{i}", _message(shop, request_preview(client, shop, sid, long_side_px=200)), 1)
        for i in range(9)
    ]
    records.insert(4, ("bad", "{not json", 1))
    result = render_preview_worker(_event(*records), None)
    assert result == {"batchItemFailures": [{"itemIdentifier": "bad"}]}


def test_last_delivery_of_a_failing_render_records_why(
    client: Client, shop: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from app import render_preview_worker
    from chalicelib.jobs import render_worker

    def flaky(model: Any) -> Any:
        raise ConnectionError("S3 unreachable")

    monkeypatch.setattr(render_worker, "_render", flaky)
    rid = request_preview(client, shop, snapshot(client, shop, "Flaky"), long_side_px=128)
    raw = _message(shop, rid)
    for count in (1, 2, 3, 4):
        assert render_preview_worker(_event((f"m{count}", raw, count)), None)["batchItemFailures"]
        between = status(client, shop["secret_key"], rid)  # back in the queue, lease dropped
        assert between["status"] == "queued" and between["attempts"] == count
        assert between["error"]["code"] == "service.unavailable"
        assert between["error"]["retryable"] is True
    assert render_preview_worker(_event(("m5", raw, 5)), None)["batchItemFailures"]
    final = status(client, shop["secret_key"], rid)
    assert final["status"] == "failed" and final["error"]["code"] == "render.gave_up"
    assert final["error"]["retryable"] is True and final["attempts"] == 5
    assert "S3 unreachable" in final["error"]["message"]
    failed = client.http.get(f"/v1/renders/{rid}/result", headers=bearer(shop["secret_key"]))
    assert failed.status_code == 422 and body(failed)["error"]["code"] == "render.gave_up"


def test_missing_font_fails_the_render_with_a_code(
    client: Client, shop: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.store import assets

    def gone(brand_id: str, font_id: str) -> Any:
        from chalicelib.fonts import FontUnknown

        raise FontUnknown("font uninstalled")

    rid = request_preview(client, shop, snapshot(client, shop, "No font"), long_side_px=128)
    monkeypatch.setattr(assets, "load_font", gone)
    drain()
    final = status(client, shop["secret_key"], rid)
    assert final["status"] == "failed" and final["error"]["code"] == "render.font_missing"
    assert final["outputs"] == []


def test_final_renders_print_png_and_vector_pdf(client: Client, shop: dict[str, Any]) -> None:
    sid = snapshot(client, shop, "Final")
    r = client.http.post(
        "/v1/renders/final",
        headers=idem(shop["secret_key"]),
        body=json.dumps({"snapshot_id": sid, "options": {"dpi": 100}}),
    )
    assert r.status_code == 202
    drain("render-final")
    rid = body(r)["render_id"]
    result = body(client.http.get(f"/v1/renders/{rid}/result", headers=bearer(shop["secret_key"])))
    assert (result["width_px"], result["height_px"]) == (472, 157)  # 120 x 40 mm at 100 dpi
    kinds = {f["role"]: f for f in result["files"]}
    assert kinds["pdf"]["content_type"] == "application/pdf"
    assert fetch(kinds["pdf"]["url"]).startswith(b"%PDF-")


def test_final_needs_a_secret_key_and_options_are_bounded(
    client: Client, shop: dict[str, Any]
) -> None:
    sid = snapshot(client, shop, "Bounds")
    pk = client.http.post(
        "/v1/renders/final",
        headers=idem(shop["publishable_key"]),
        body=json.dumps({"snapshot_id": sid}),
    )
    assert pk.status_code == 403
    big = client.http.post(
        "/v1/renders/preview",
        headers=idem(shop["publishable_key"]),
        body=json.dumps({"snapshot_id": sid, "options": {"long_side_px": 9000}}),
    )
    assert big.status_code == 422
    generic = client.http.post(
        "/v1/renders",
        headers=idem(shop["secret_key"]),
        body=json.dumps({"kind": "final", "snapshot_id": sid, "options": {"dpi": 5000}}),
    )
    assert generic.status_code == 422
    assert body(generic)["error"]["details"][0]["field"] == "options.dpi"


def test_other_brand_cannot_see_a_render(client: Client, shop: dict[str, Any]) -> None:
    rid = request_preview(client, shop, snapshot(client, shop, "Mine"), long_side_px=128)
    drain()
    other = new_brand("Other renders")
    for path in (f"/v1/renders/{rid}", f"/v1/renders/{rid}/result"):
        r = client.http.get(path, headers=bearer(other["secret_key"]))
        assert r.status_code == 404 and body(r)["error"]["code"] == "render.not_found"
    foreign = client.http.post(
        "/v1/renders/preview",
        headers=idem(other["publishable_key"]),
        body=json.dumps({"snapshot_id": snapshot(client, shop, "x")}),
    )
    assert foreign.status_code == 404


def test_preview_quota_refuses_new_renders_but_serves_cached_ones(
    client: Client, shop: dict[str, Any]
) -> None:
    from chalicelib.store import brands

    brands.set_quota(shop["brand_id"], "preview", 1)
    cached = snapshot(client, shop, "Quota one")
    request_preview(client, shop, cached, long_side_px=200)
    drain()
    fresh = client.http.post(
        "/v1/renders/preview",
        headers=idem(shop["publishable_key"]),
        body=json.dumps(
            {"snapshot_id": snapshot(client, shop, "Quota two"), "options": {"long_side_px": 200}}
        ),
    )
    assert fresh.status_code == 429 and body(fresh)["error"]["code"] == "quota.exceeded"
    assert int(fresh.headers["Retry-After"]) > 0
    again = request_preview(client, shop, cached, long_side_px=200)  # same design: free
    drain()
    assert status(client, shop["secret_key"], again)["reused"] is True
    usage = body(client.http.get("/v1/usage", headers=bearer(shop["secret_key"])))
    assert usage["quotas"]["preview"] == 1 and usage["days"][0]["preview"] == 1
    assert client.http.get("/v1/usage", headers=bearer(shop["publishable_key"])).status_code == 403
