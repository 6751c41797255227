"""Every AWS call each function makes is allowed by its generated policy, and nothing more is.

One representative run of the product, recorded per function: the API through Chalice's test
client (products, keys, uploads, specs, snapshots, renders, profiles, packs, orders, bundles,
usage, Shopify webhooks, webhook endpoints, events and redelivery) and each worker on the
messages that run enqueued, delivered as the event source mapping does (its receives and
deletes count as the worker's role). Webhook deliveries go to a real HTTP receiver on loopback
(allowed on dev) that fails its first answer, so the retry path runs too. The scheduled outbox
sweeper then finds an event whose dispatch was suppressed and queues its fan-out. The scheduled
retention function runs last, as if years had passed, so it really deletes drafts, their
previews and unlinked uploads, and meets a draft edited while it runs. Operator CLI calls
(brand creation, secrets) are not recorded: they run with operator credentials.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from chalice.test import Client

from chalicelib import resources
from chalicelib.domain.webhooks import EVENT_TYPES
from deploy import iam
from deploy.iam_check import Call, Recorder, evaluate
from local.harness import free_port
from local.receiver import Receiver
from tests.conftest import reset_aws_connections
from tests.integration.conftest import bearer, body, new_brand
from tests.support.assets import complete, lato_bytes, png_bytes, post, upload
from tests.support.orders import move, place
from tests.support.packs import export
from tests.support.products import create, product_doc
from tests.support.profiles import post_profile, profile_doc
from tests.support.renders import ZONE, request_preview, snapshot
from tests.support.shopify import deliver, good_line, payload

STAGE = "dev"  # the integration fixtures run the dev stage's names
YEARS_LATER = datetime.now(UTC) + timedelta(days=3650)  # every unordered draft has expired
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
    """Run the queue's worker on every waiting message, as its event source mapping would.

    Delayed messages (webhook retries) are waited for: the queue is done when nothing is
    visible or delayed. That check is the test's, not the role's, so it is not recorded.
    """
    from app import app
    from chalicelib import aws
    from local.poller import Poller

    poller = Poller(app, wait_s=0)  # binding (queue URL look-ups) is the poller's, not the role's
    binding = next(b for b in poller.bindings if b.queue_name.endswith(f"-{logical}"))
    function = next(q.consumer for q in resources.QUEUES if q.logical_name == logical)
    delivered = 0
    cold_start()
    while True:
        with recorder.acting_as(function):
            got = poller.poll_once(binding)
        delivered += got
        if got:
            continue
        waiting = aws.sqs().get_queue_attributes(
            QueueUrl=binding.queue_url, AttributeNames=["ApproximateNumberOfMessagesDelayed"]
        )["Attributes"]
        if not int(waiting["ApproximateNumberOfMessagesDelayed"]):
            return delivered
        time.sleep(0.2)


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
    # A secret key: created and revoked in transactions with the brand's active-key count.
    second = ok(post(client, "/v1/keys", sk, {"kind": "secret", "label": "iam"}), 201)
    ok(post(client, f"/v1/keys/{second['key']['key_id']}/revoke", sk))
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

        def crash(*args: Any, **kwargs: Any) -> Any:
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


def endpoint_flows(client: Client, shop: dict[str, Any], receiver: Receiver) -> str:
    """Every endpoint route; leaves one endpoint at ``receiver`` wanting every event type."""
    sk, http = shop["secret_key"], client.http
    wanted = {"url": receiver.url, "event_types": list(EVENT_TYPES)}
    spare = ok(http.post("/v1/webhook-endpoints", headers=idem(sk), body=json.dumps(wanted)), 201)
    ok(http.delete(f"/v1/webhook-endpoints/{spare['endpoint_id']}", headers=bearer(sk)), 204)
    created = http.post("/v1/webhook-endpoints", headers=idem(sk), body=json.dumps(wanted))
    eid = ok(created, 201)["endpoint_id"]
    ok(http.get("/v1/webhook-endpoints", headers=bearer(sk)))
    ok(http.get(f"/v1/webhook-endpoints/{eid}", headers=bearer(sk)))
    renamed = json.dumps({**wanted, "description": "iam"})
    ok(http.put(f"/v1/webhook-endpoints/{eid}", headers=bearer(sk), body=renamed))
    rotate = json.dumps({"overlap_seconds": 0})
    path = f"/v1/webhook-endpoints/{eid}/rotate-secret"
    receiver.secret = ok(http.post(path, headers=idem(sk), body=rotate))["secret"]
    return str(eid)


def event_flows(client: Client, shop: dict[str, Any], receiver: Receiver, endpoint: str) -> None:
    """The events API once every delivery settled: list, filter, detail, redeliver."""
    sk, http = shop["secret_key"], client.http
    every = ok(http.get("/v1/events?limit=100", headers=bearer(sk)))["data"]
    made = {"snapshot.locked", "order.paid", "order.status_changed", "render.succeeded"}
    assert {e["type"] for e in every} >= made | {"pack.ready"}
    assert len(receiver.delivered()) == len(every)
    assert [r.answered for r in receiver.received].count(500) == 1  # retried once, then 200
    locked = ok(http.get("/v1/events?type=snapshot.locked", headers=bearer(sk)))["data"][0]
    detail = ok(http.get(f"/v1/events/{locked['id']}", headers=bearer(sk)))
    assert [(d["endpoint_id"], d["status"]) for d in detail["deliveries"]] == [
        (endpoint, "succeeded")
    ]
    again = ok(http.post(f"/v1/events/{locked['id']}/redeliver", headers=idem(sk)), 202)
    assert again["queued"] == [endpoint]


def expiring(client: Client, shop: dict[str, Any]) -> str:
    """What retention expires years later (with edit_flows' unfinished upload): a draft with
    a preview of its own and an unused image. Returns a draft the shop edits during the run."""
    pk = shop["publishable_key"]
    request_preview(client, shop, snapshot(client, shop, "Eve"))
    ok(complete(client, pk, upload(client, pk, png_bytes((40, 30), (0, 90, 0)))))
    return snapshot(client, shop, "Fay")


def run_retention(
    recorder: Recorder, client: Client, shop: dict[str, Any], edited: str
) -> dict[str, Any]:
    """The scheduled function as EventBridge invokes it, ten years on; the shop edits
    ``edited`` between retention's read and its delete, so that draft must be kept."""
    from app import app
    from chalicelib.jobs import retention, retention_refs
    from local.poller import LambdaContext

    sk, read = shop["secret_key"], retention_refs.read_brand

    def read_then_edit(*args: Any) -> Any:
        view = read(*args)
        with recorder.acting_as("api_handler"):
            spec = ok(client.http.get(f"/v1/snapshots/{edited}", headers=bearer(sk)))["spec_hash"]
            same = json.dumps({"spec_hash": spec})
            ok(client.http.put(f"/v1/snapshots/{edited}", headers=bearer(sk), body=same))
        return view

    event = client.events.generate_cw_event("aws.events", "Scheduled Event", {}, [], "us-east-1")
    cold_start()
    with pytest.MonkeyPatch.context() as mp, recorder.acting_as("retention"):
        mp.setattr(retention, "utcnow", lambda: YEARS_LATER)
        mp.setattr(retention_refs, "read_brand", read_then_edit)
        summary: dict[str, Any] = app.handler_map["retention"](event, LambdaContext("retention"))
    return summary


def run_outbox(
    recorder: Recorder, client: Client, shop: dict[str, Any], order_id: str
) -> dict[str, Any]:
    """The outbox sweeper, 5 minutes after an order moved on by a process that died before
    its dispatch: it finds that event undelivered and queues its fan-out."""
    from app import app
    from chalicelib.flows import delivery as deliveries
    from chalicelib.jobs import outbox
    from local.poller import LambdaContext

    with pytest.MonkeyPatch.context() as mp, recorder.acting_as("api_handler"):
        mp.setattr(deliveries, "dispatch", lambda *a, **k: None)
        ok(move(client, shop, order_id, "in_production"))
    later = datetime.now(UTC) + timedelta(minutes=5)
    event = client.events.generate_cw_event("aws.events", "Scheduled Event", {}, [], "us-east-1")
    cold_start()
    with pytest.MonkeyPatch.context() as mp, recorder.acting_as("webhook_outbox"):
        mp.setattr(outbox, "utcnow", lambda: later)
        context = LambdaContext("webhook_outbox", timeout_s=120)
        summary: dict[str, Any] = app.handler_map["webhook_outbox"](event, context)
    return summary


def record_run(recorder: Recorder, client: Client, receiver: Receiver) -> None:
    from chalicelib.store.webhooks import set_shopify_secret
    from tests.support.shopify import SECRET

    cold_start()  # clients made from here on carry the presign hooks; no warm caches
    shop = new_brand("IAM shop")
    set_shopify_secret(shop["brand_id"], SECRET)
    with recorder.acting_as("api_handler"):
        sk = shop["secret_key"]
        base = upload(client, sk, png_bytes((600, 200)))
        ok(complete(client, sk, base))
        font = upload(client, sk, lato_bytes(), "font", "font/ttf")
        ok(complete(client, sk, font))
        motto = {**ZONE, "id": "motto", "name": "Motto", "y_mm": 31, "height_mm": 8}
        product = create(
            client,
            sk,
            width_mm=120,
            height_mm=40,
            zones=[ZONE, PHOTO_ZONE, {**motto, "fonts": [font]}],
            base_image_asset_id=base,
        )
        shop["product_id"] = ok(product, 201)["product_id"]
        endpoint = endpoint_flows(client, shop, receiver)
        order_id, render_id = api_flows(client, shop)
        edit_flows(client, shop)
        edited = expiring(client, shop)
    receiver.script = [500]  # the first delivery fails and is retried
    for queue in ("render-preview", "render-final", "export-manufacturing", "webhook-delivery"):
        assert deliver_queue(recorder, queue) > 0, queue
    cold_start()
    with recorder.acting_as("api_handler"):
        results_flows(client, shop, order_id, render_id)
        event_flows(client, shop, receiver, endpoint)
    assert deliver_queue(recorder, "webhook-delivery") == 1  # the redelivery
    swept = run_outbox(recorder, client, shop, order_id)
    assert (swept["fanouts"], swept["failed_brands"]) == (1, []), swept
    assert deliver_queue(recorder, "webhook-delivery") == 2  # the fan-out, then its attempt
    assert receiver.delivered()[-1]["data"]["object"]["status"] == "in_production"
    summary = run_retention(recorder, client, shop, edited)
    assert summary["complete"] and summary["skipped"] == 1, summary
    assert summary["snapshots"] and summary["renders"] and summary["objects"], summary
    assert summary["uploads"] >= 2, summary  # the unfinished upload and the unused image


@pytest.fixture(scope="module")
def recorded(client: Client) -> Iterator[dict[str, list[Call]]]:
    recorder = Recorder()
    receiver = Receiver(free_port(), secret="").start()
    try:
        with pytest.MonkeyPatch.context() as mp, recorder.installed():
            mp.setenv("ATELIER_WEBHOOK_RETRY_SCHEDULE", "1")  # one retry, a second later
            record_run(recorder, client, receiver)
    finally:
        receiver.stop()
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
