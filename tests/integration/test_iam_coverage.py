"""Every AWS call each function makes is allowed by its generated policy, and nothing more is.

One representative run of the product, recorded per function: the API through Chalice's test
client (products, keys, uploads, specs, snapshots, renders, profiles, packs, orders, bundles,
usage, Shopify webhooks) and each worker on the messages that run enqueued, delivered as the
event source mapping does (its receives and deletes count as the worker's role). Operator CLI
calls (brand creation, secrets) are not recorded: they run with operator credentials.
"""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client

from chalicelib import resources
from deploy import iam
from deploy.iam_check import Call, Recorder, evaluate
from tests.conftest import reset_aws_connections
from tests.integration.conftest import bearer, body, new_brand
from tests.integration.test_assets import complete, lato_bytes, png_bytes, post, upload
from tests.integration.test_orders import move, place
from tests.integration.test_packs import export
from tests.integration.test_products import create, product_doc
from tests.integration.test_profiles import post_profile, profile_doc
from tests.integration.test_renders import ZONE, request_preview, snapshot
from tests.integration.test_shopify import deliver, good_line, payload

STAGE = "dev"  # the integration fixtures run the dev stage's names
PHOTO_ZONE = {
    "id": "photo",
    "name": "Photo",
    "kind": "image",
    "x_mm": 80,
    "y_mm": 5,
    "width_mm": 30,
    "height_mm": 30,
    "min_dpi": 0,
}


def idem(key: str) -> dict[str, str]:
    return {**bearer(key), "Idempotency-Key": uuid.uuid4().hex}


def cold_start() -> None:
    """Forget every per-process cache, as a function's first invocation in its own sandbox would.

    In one test process the API's cached fonts, clients and queue URLs would otherwise hide the
    reads a worker makes on AWS, where each function runs in its own processes.
    """
    for name, module in list(sys.modules.items()):
        if name.startswith("chalicelib"):
            for value in list(vars(module).values()):
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()
    reset_aws_connections()


def deliver_queue(recorder: Recorder, logical: str) -> int:
    """Run the queue's worker on every waiting message, as its event source mapping would."""
    from app import app
    from local.poller import Poller

    poller = Poller(app, wait_s=0)  # binding (queue URL look-ups) is the poller's, not the role's
    binding = next(b for b in poller.bindings if b.queue_name.endswith(f"-{logical}"))
    function = next(q.consumer for q in resources.QUEUES if q.logical_name == logical)
    delivered = 0
    cold_start()
    with recorder.acting_as(function):
        while got := poller.poll_once(binding):
            delivered += got
    return delivered


def ok(response: Any, *statuses: int) -> Any:
    assert response.status_code in (statuses or (200,)), response.body
    return body(response) if response.body else None


def api_flows(client: Client, shop: dict[str, Any]) -> tuple[str, str]:
    """Every resource of the API once; returns (paid order id, preview render id)."""
    sk, pk, http = shop["secret_key"], shop["publishable_key"], client.http
    ok(http.get("/v1/health"))
    ok(http.get("/v1/brand", headers=bearer(sk)))
    key = ok(post(client, "/v1/keys", sk, {"kind": "publishable", "label": "iam"}), 201)
    ok(post(client, f"/v1/keys/{key['key']['key_id']}/revoke", sk))
    ok(http.get("/v1/keys", headers=bearer(sk)))
    ok(http.get(f"/v1/keys/{key['key']['key_id']}", headers=bearer(sk)))
    pid = shop["product_id"]
    ok(http.get(f"/v1/products/{pid}", headers=bearer(sk)))
    ok(http.get("/v1/products", headers=bearer(sk)))
    other = ok(create(client, sk), 201)["product_id"]
    doc = json.dumps(product_doc(name="Pendant v2"))
    ok(http.put(f"/v1/products/{other}", headers=bearer(sk), body=doc))
    ok(post(client, f"/v1/products/{other}/archive", sk))
    photo = upload(client, pk, png_bytes((400, 300)))
    ok(complete(client, pk, photo))
    ok(http.get(f"/v1/assets/{photo}", headers=bearer(pk)))
    ok(http.get(f"/v1/widget/config/{pid}", headers=bearer(pk)))
    ok(http.get("/v1/fonts", headers=bearer(pk)))
    inputs = {"name": {"text": "Ana"}, "photo": {"asset_id": photo}, "motto": {"text": "Hi"}}
    design = json.dumps({"product_id": pid, "inputs": inputs})
    ok(http.post("/v1/personalization/validate", headers=idem(pk), body=design))
    spec = ok(http.post("/v1/specs", headers=idem(pk), body=design), 200, 201)
    snap = json.dumps({"spec_hash": spec["spec_hash"]})
    sid = ok(http.post("/v1/snapshots", headers=idem(pk), body=snap), 200, 201)["snapshot_id"]
    ok(http.get(f"/v1/snapshots/{sid}", headers=bearer(pk)))
    render_id = request_preview(client, shop, sid)
    final = json.dumps({"snapshot_id": sid})
    ok(http.post("/v1/renders/final", headers=idem(sk), body=final), 202)
    ok(post_profile(client, sk, profile_doc()), 201)
    ok(http.get("/v1/manufacturing/profiles", headers=bearer(sk)))
    ok(http.post(f"/v1/snapshots/{sid}/lock", headers=bearer(sk)))
    pack = ok(export(client, shop, sid), 202)["pack_id"]
    ok(http.get(f"/v1/manufacturing/packs/{pack}", headers=bearer(sk)))
    order = place(client, shop, snapshot(client, shop, "Bo"))
    ok(move(client, shop, order["order_id"], "paid"))
    ok(http.get(f"/v1/orders/{order['order_id']}", headers=bearer(sk)))
    ok(http.get("/v1/orders", headers=bearer(sk)))
    ok(http.get("/v1/usage", headers=bearer(sk)))
    ok(http.get(f"/v1/renders/{render_id}", headers=bearer(pk)))
    hook = payload(4242, good_line(client, shop, "Cy"))
    ok(deliver(client, shop["brand_id"], hook))
    return order["order_id"], render_id


def edit_flows(client: Client, shop: dict[str, Any]) -> None:
    """The PUT/DELETE routes and a failed idempotent request (its claim is released)."""
    sk, http = shop["secret_key"], client.http
    origins = json.dumps({"origins": ["https://shop.example"]})
    ok(http.put("/v1/brand/origins", headers=bearer(sk), body=origins))
    words = json.dumps({"allow": ["ass"], "deny": ["meh"]})
    ok(http.put("/v1/brand/profanity", headers=bearer(sk), body=words))
    profile = ok(post_profile(client, sk, profile_doc(name="Second")), 201)["profile_id"]
    doc = json.dumps(profile_doc(name="Renamed"))
    ok(http.put(f"/v1/manufacturing/profiles/{profile}", headers=bearer(sk), body=doc))
    ok(http.get(f"/v1/manufacturing/profiles/{profile}", headers=bearer(sk)))
    draft = snapshot(client, shop, "Dee")
    spec = ok(http.get(f"/v1/snapshots/{draft}", headers=bearer(sk)))["spec_hash"]
    ok(http.get(f"/v1/specs/{spec}", headers=bearer(sk)))
    again = json.dumps({"spec_hash": spec})
    ok(http.put(f"/v1/snapshots/{draft}", headers=bearer(sk), body=again))
    ok(http.delete(f"/v1/snapshots/{draft}", headers=bearer(sk)), 200, 204)
    start = json.dumps(
        {"kind": "image", "content_type": "image/png", "filename": "a.png", "size_bytes": 99}
    )
    headers = idem(sk)
    ok(http.post("/v1/assets", headers=headers, body=start), 201)
    ok(http.post("/v1/assets", headers=headers, body=start), 201)  # a retry: replayed
    with pytest.MonkeyPatch.context() as mp:
        from chalicelib.store import assets

        def crash(*args: Any) -> Any:
            raise RuntimeError("injected")

        mp.setattr(assets, "prepare_upload", crash)
        ok(http.post("/v1/assets", headers=idem(sk), body=start), 500)  # the claim is released
    missing = json.dumps({"spec_hash": "0" * 64})
    ok(http.post("/v1/snapshots", headers=idem(sk), body=missing), 404)


def results_flows(client: Client, shop: dict[str, Any], order_id: str, render_id: str) -> None:
    """Reads that sign download URLs, once the workers have produced the files."""
    sk, pk = shop["secret_key"], shop["publishable_key"]
    ok(client.http.get(f"/v1/renders/{render_id}/result", headers=bearer(pk)))
    ok(client.http.get(f"/v1/manufacturing/bundles/{order_id}", headers=bearer(sk)))


@pytest.fixture(scope="module")
def recorded(client: Client) -> Iterator[dict[str, list[Call]]]:
    from chalicelib.store.webhooks import set_shopify_secret
    from tests.integration.test_shopify import SECRET

    recorder = Recorder()
    with recorder.installed():
        cold_start()  # clients made from here on carry the presign hooks; no warm caches
        shop = new_brand("IAM shop")
        set_shopify_secret(shop["brand_id"], SECRET)
        with recorder.acting_as("api_handler"):
            base = upload(client, shop["secret_key"], png_bytes((600, 200)))
            ok(complete(client, shop["secret_key"], base))
            font = upload(client, shop["secret_key"], lato_bytes(), "font", "font/ttf")
            ok(complete(client, shop["secret_key"], font))
            motto = {**ZONE, "id": "motto", "name": "Motto", "y_mm": 31, "height_mm": 8}
            product = create(
                client,
                shop["secret_key"],
                width_mm=120,
                height_mm=40,
                zones=[ZONE, PHOTO_ZONE, {**motto, "fonts": [font]}],
                base_image_asset_id=base,
            )
            shop["product_id"] = ok(product, 201)["product_id"]
            order_id, render_id = api_flows(client, shop)
            edit_flows(client, shop)
        for queue in ("render-preview", "render-final", "export-manufacturing"):
            assert deliver_queue(recorder, queue) > 0, queue
        cold_start()
        with recorder.acting_as("api_handler"):
            results_flows(client, shop, order_id, render_id)
    reset_aws_connections()
    yield recorder.by_function()


@pytest.mark.parametrize("function", [f.name for f in resources.functions()])
def test_every_call_is_allowed_and_every_grant_is_used(
    recorded: dict[str, list[Call]], function: str
) -> None:
    policy = iam.policy(STAGE, function)
    verdict = evaluate(policy, recorded[function], exempt=iam.is_platform_statement)
    assert not verdict.denied, "\n".join(f"{n.action} {n.resource}" for _, n in verdict.denied)
    assert not verdict.unused, verdict.unused


@pytest.mark.parametrize("function", [f.name for f in resources.functions()])
def test_removing_any_statement_denies_a_recorded_call(
    recorded: dict[str, list[Call]], function: str
) -> None:
    policy = iam.policy(STAGE, function)
    for i, statement in enumerate(policy["Statement"]):
        if statement["Sid"] == "PlatformLogs":  # Lambda's runtime writes logs, not our code
            continue
        reduced = {**policy, "Statement": policy["Statement"][:i] + policy["Statement"][i + 1 :]}
        verdict = evaluate(reduced, recorded[function], exempt=iam.is_platform_statement)
        assert verdict.denied, f"{function}: {statement['Sid']} is granted but never needed"
