"""Fault injection: AWS answering errors at the worst moments, workers dying, redelivery storms.

Faults are injected where the AWS answer is produced (moto's request stubber), so the code under
test sees exactly what a real service would send: botocore's retry policy, pynamodb's and ours
all run as in production. Each test names the fault and what must hold afterwards: nothing
partial visible, nothing duplicated, the job finishes once the fault clears.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from chalice.test import Client
from moto.core.botocore_stubber import BotocoreStubber, MockRawResponse

from tests.integration.conftest import bearer, body, new_brand
from tests.integration.test_packs import shop as shop  # the fixture, re-exported
from tests.support.packs import export, locked_snapshot, pack_status
from tests.support.renders import drain, idem, request_preview, snapshot

THROTTLED = (
    400,
    {"x-amzn-ErrorType": "ThrottlingException", "Content-Type": "application/x-amz-json-1.0"},
    json.dumps(
        {
            "__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException",
            "message": "Rate of requests exceeds the allowed throughput.",
        }
    ),
)
S3_INTERNAL = (
    500,
    {"Content-Type": "application/xml"},
    "<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>",
)


@dataclass
class Fault:
    operation: str  # botocore event suffix, e.g. "dynamodb.TransactWriteItems", "s3.PutObject"
    times: int  # how many matching calls fail; then the service recovers
    answer: tuple[int, dict[str, str], str]
    when: Callable[[Any], bool] = lambda request: True
    injected: int = 0


@dataclass
class Faults:
    active: list[Fault] = field(default_factory=list)
    calls: Counter[str] = field(default_factory=Counter)

    def add(self, fault: Fault) -> Fault:
        self.active.append(fault)
        return fault


@pytest.fixture
def faults(monkeypatch: pytest.MonkeyPatch) -> Iterator[Faults]:
    plan = Faults()
    real = BotocoreStubber.__call__

    def stub(self: BotocoreStubber, event_name: str, request: Any, **kwargs: Any) -> Any:
        op = event_name.removeprefix("before-send.")
        plan.calls[op] += 1
        for fault in plan.active:
            if fault.operation == op and fault.injected < fault.times and fault.when(request):
                fault.injected += 1
                status, headers, text = fault.answer
                from botocore.awsrequest import AWSResponse

                return AWSResponse(request.url, status, headers, MockRawResponse(text))
        return real(self, event_name, request, **kwargs)

    monkeypatch.setattr(BotocoreStubber, "__call__", stub)
    yield plan


S3_SLOW_DOWN = (
    503,
    {"Content-Type": "application/xml"},
    "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>",
)


def _keys(prefix: str) -> list[str]:
    from chalicelib import aws

    listed = aws.s3().list_objects_v2(Bucket=aws.assets_bucket(), Prefix=prefix)
    return [str(o["Key"]) for o in listed.get("Contents", [])]


def _to_key(fragment: str) -> Callable[[Any], bool]:
    return lambda request: fragment in str(request.url)


# --- DynamoDB throttling ------------------------------------------------------------------------


def test_throttled_transaction_is_retried_with_backoff_and_commits_once(
    client: Client, shop: dict[str, Any], faults: Faults
) -> None:
    from chalicelib.store.models import SpecModel

    throttle = faults.add(Fault("dynamodb.TransactWriteItems", 2, THROTTLED))
    payload = {"product_id": shop["product_id"], "inputs": {"name": {"text": "Throttle"}}}
    r = client.http.post("/v1/specs", headers=idem(shop["secret_key"]), body=json.dumps(payload))
    assert r.status_code == 201, r.body
    assert throttle.injected == 2
    assert faults.calls["dynamodb.TransactWriteItems"] == 3  # two throttled, one committed
    stored = list(SpecModel.query(shop["brand_id"]))
    assert [s.spec_hash for s in stored] == [body(r)["spec_hash"]]


def test_throttled_reads_are_retried_and_the_answer_is_unchanged(
    client: Client, shop: dict[str, Any], faults: Faults
) -> None:
    sid = snapshot(client, shop, "Reads")
    before = body(client.http.get(f"/v1/snapshots/{sid}", headers=bearer(shop["secret_key"])))
    throttle = faults.add(Fault("dynamodb.GetItem", 2, THROTTLED))
    r = client.http.get(f"/v1/snapshots/{sid}", headers=bearer(shop["secret_key"]))
    assert r.status_code == 200 and throttle.injected == 2
    assert body(r) == before


def test_throttling_that_outlasts_the_retries_is_a_503_and_writes_nothing(
    client: Client, shop: dict[str, Any], faults: Faults
) -> None:
    from chalicelib.store.models import SpecModel

    faults.add(Fault("dynamodb.TransactWriteItems", 50, THROTTLED))
    payload = {"product_id": shop["product_id"], "inputs": {"name": {"text": "Storm"}}}
    key = idem(shop["secret_key"])
    r = client.http.post("/v1/specs", headers=key, body=json.dumps(payload))
    assert r.status_code == 503, r.body
    assert body(r)["error"]["code"] == "service.unavailable"
    assert "Retry-After" in r.headers
    assert list(SpecModel.query(shop["brand_id"])) == []
    faults.active.clear()
    retried = client.http.post("/v1/specs", headers=key, body=json.dumps(payload))
    assert retried.status_code == 201, retried.body  # the same Idempotency-Key goes through


# --- S3 failing mid-job -------------------------------------------------------------------------


def test_s3_hiccup_during_a_pack_upload_is_retried_within_the_delivery(
    client: Client, shop: dict[str, Any], faults: Faults
) -> None:
    pack_id = body(export(client, shop, locked_snapshot(client, shop, "Hiccup")))["pack_id"]
    hiccup = faults.add(Fault("s3.PutObject", 1, S3_INTERNAL, _to_key(f"/packs/{pack_id}")))
    drain("export-manufacturing")
    assert hiccup.injected == 1
    done = pack_status(client, shop, pack_id)
    assert done["status"] == "succeeded" and done["attempts"] == 1


def test_s3_down_mid_pack_leaves_no_pack_visible_and_redelivery_completes(
    client: Client, shop: dict[str, Any], faults: Faults
) -> None:
    from chalicelib.store.models import PackModel

    pack_id = body(export(client, shop, locked_snapshot(client, shop, "Outage")))["pack_id"]
    outage = faults.add(Fault("s3.PutObject", 1000, S3_INTERNAL, _to_key(f"/packs/{pack_id}")))
    drain("export-manufacturing")  # the delivery fails; the message stays on the queue
    assert outage.injected >= 2  # botocore retried before giving up
    during = pack_status(client, shop, pack_id)
    assert during["status"] != "succeeded" and not during.get("url")
    assert _keys(f"{shop['brand_id']}/packs/") == []

    faults.active.clear()
    PackModel.get(shop["brand_id"], pack_id).update(actions=[PackModel.lease_until.set(0)])
    _redeliver("export-manufacturing", {"pack_id": pack_id, "brand_id": shop["brand_id"]})
    done = pack_status(client, shop, pack_id)
    assert done["status"] == "succeeded" and done["attempts"] == 2
    assert _keys(f"{shop['brand_id']}/packs/") == [f"{shop['brand_id']}/packs/{pack_id}.zip"]
    zipped = requests.get(done["url"], timeout=10).content
    assert zipped.startswith(b"PK")


def test_s3_down_after_the_first_file_of_a_final_render_shows_no_partial_result(
    client: Client, shop: dict[str, Any], faults: Faults
) -> None:
    from chalicelib.store.models import RenderModel

    sid = snapshot(client, shop, "Half")
    r = client.http.post(
        "/v1/renders/final",
        headers=idem(shop["secret_key"]),
        body=json.dumps({"snapshot_id": sid, "options": {"dpi": 100}}),
    )
    rid = body(r)["render_id"]
    # Let the first output land, then fail every later upload of this render.
    seen: list[str] = []

    def after_first(request: Any) -> bool:
        if "/renders/" not in str(request.url):
            return False
        seen.append(str(request.url))
        return len(seen) > 1

    faults.add(Fault("s3.PutObject", 1000, S3_INTERNAL, after_first))
    drain("render-final")
    result = client.http.get(f"/v1/renders/{rid}/result", headers=bearer(shop["secret_key"]))
    assert result.status_code == 409 and body(result)["error"]["code"] == "render.not_ready"

    faults.active.clear()
    RenderModel.get(shop["brand_id"], rid).update(actions=[RenderModel.lease_until.set(0)])
    _redeliver("render-final", {"render_id": rid, "brand_id": shop["brand_id"]})
    result = client.http.get(f"/v1/renders/{rid}/result", headers=bearer(shop["secret_key"]))
    assert result.status_code == 200, result.body
    files = body(result)["files"]
    assert {f["role"] for f in files} == {"image", "pdf"}
    stored = RenderModel.get(shop["brand_id"], rid).outputs
    prefix = str(stored[0]["key"]).rsplit("/", 1)[0]
    assert sorted(_keys(prefix)) == sorted(str(o["key"]) for o in stored)


# --- what a job failure means: retried with backoff, or failed at once -------------------------


@pytest.fixture
def redeliver_at_once(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Backoff of zero: a postponed delivery is visible again at once, so ``drain`` receives it
    a second time (ApproximateReceiveCount 2), through the same ChangeMessageVisibility call a
    real backoff makes. Records the backoff each failed delivery asked for."""
    from chalicelib.jobs import runner

    asked: list[int] = []

    def immediately(receive_count: int) -> int:
        from chalicelib.jobs.failures import backoff_s

        asked.append(backoff_s(receive_count))
        return 0

    monkeypatch.setattr(runner, "backoff_s", immediately, raising=False)  # raising: old code
    return asked


def test_throttled_font_read_during_a_render_is_retried_and_succeeds(
    client: Client, faults: Faults, redeliver_at_once: list[int]
) -> None:
    from chalicelib.store import assets
    from tests.support.assets import complete, upload
    from tests.support.fonts import dejavu_bytes
    from tests.support.products import create
    from tests.support.renders import ZONE, status

    owner = new_brand("Font shop")
    font_id = upload(client, owner["secret_key"], dejavu_bytes(), "font", "font/ttf")
    assert complete(client, owner["secret_key"], font_id).status_code == 200
    zone = {**ZONE, "fonts": [font_id]}
    made = create(client, owner["secret_key"], width_mm=120, height_mm=40, zones=[zone])
    owner["product_id"] = body(made)["product_id"]
    rid = request_preview(client, owner, snapshot(client, owner, "Throttled"), long_side_px=200)
    assets._load_brand_font.cache_clear()  # a fresh worker: the font must come from S3
    # Throttled until the first delivery gives up (after botocore's own retries), then clear.
    font_key = _to_key(f"/fonts/{font_id}")
    throttle = faults.add(
        Fault("s3.GetObject", 100, S3_SLOW_DOWN, lambda r: font_key(r) and not redeliver_at_once)
    )
    assert drain() == 2  # the first delivery failed and came back; the second succeeded
    assert throttle.injected > 1 and redeliver_at_once == [20]
    done = status(client, owner["secret_key"], rid)
    assert done["status"] == "succeeded", done  # once failed for good as render.font_missing
    assert done["attempts"] == 2 and done["error"] is None
    assert _queue_depth("render-preview") == 0


def test_a_keyerror_bug_in_a_pack_fails_it_at_once_with_a_code(
    client: Client,
    shop: dict[str, Any],
    redeliver_at_once: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from chalicelib.jobs import pack_worker

    def buggy_folder(profile: Any, fields: Any) -> str:
        # The bug the file name pattern once was: str.format looking up a field it lacks.
        raise KeyError("__class__")

    monkeypatch.setattr(pack_worker, "item_folder", buggy_folder)
    pack_id = body(export(client, shop, locked_snapshot(client, shop, "Bug")))["pack_id"]
    assert drain("export-manufacturing") == 1  # not redelivered: it would fail the same way
    failed = pack_status(client, shop, pack_id)
    # Was: redelivered on every visibility timeout (30 min x 5), the pack "running" for hours.
    assert failed["status"] == "failed" and failed["attempts"] == 1
    assert failed["error"]["code"] == "pack.internal_error"
    assert failed["error"]["retryable"] is False
    assert "KeyError" in failed["error"]["message"]
    assert redeliver_at_once == [] and _queue_depth("export-manufacturing") == 0


def test_throttled_job_record_read_is_retried_with_backoff(
    client: Client, shop: dict[str, Any], faults: Faults, redeliver_at_once: list[int]
) -> None:
    pack_id = body(export(client, shop, locked_snapshot(client, shop, "Record")))["pack_id"]
    throttle = faults.add(  # until the first delivery gives up
        Fault(
            "dynamodb.GetItem",
            100,
            THROTTLED,
            lambda r: pack_id.encode() in r.body and not redeliver_at_once,
        )
    )
    assert drain("export-manufacturing") == 2
    assert throttle.injected > 1 and redeliver_at_once == [20]
    done = pack_status(client, shop, pack_id)
    assert done["status"] == "succeeded" and done["attempts"] == 1


def test_a_render_that_cannot_be_queued_is_503_and_failed_as_retryable(
    client: Client, shop: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.exceptions import EndpointConnectionError

    from chalicelib import queue
    from tests.support.renders import status

    def sqs_down(*args: Any, **kwargs: Any) -> None:
        raise EndpointConnectionError(endpoint_url="https://sqs.us-east-1.amazonaws.com")

    sid = snapshot(client, shop, "No queue")
    monkeypatch.setattr(queue, "send", sqs_down)
    r = client.http.post(
        "/v1/renders/preview",
        headers=idem(shop["publishable_key"]),
        body=json.dumps({"snapshot_id": sid}),
    )
    assert r.status_code == 503 and body(r)["error"]["code"] == "render.enqueue_failed"
    from chalicelib.store.models import RenderModel

    [record] = [m for m in RenderModel.query(shop["brand_id"]) if m.snapshot_id == sid]
    failed = status(client, shop["secret_key"], record.render_id)
    assert failed["status"] == "failed"
    assert failed["error"] == {
        "code": "render.enqueue_failed",
        "message": "could not enqueue: EndpointConnectionError",
        "retryable": True,  # an outage: the same request later may succeed
    }


def _queue_depth(queue: str) -> int:
    """Messages still on the queue, visible or in flight."""
    from chalicelib import aws
    from chalicelib.settings import get_settings

    sqs = aws.sqs()
    url = sqs.get_queue_url(QueueName=get_settings().physical_name("queue", queue))["QueueUrl"]
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    found = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return sum(int(found[name]) for name in names)


# --- worker death and redelivery storms ---------------------------------------------------------


def test_worker_dying_after_upload_before_status_write_completes_on_redelivery(
    client: Client, shop: dict[str, Any], faults: Faults, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.store import renders
    from chalicelib.store.models import RenderModel

    rid = request_preview(client, shop, snapshot(client, shop, "Killed"), long_side_px=200)
    real = renders.succeed

    def killed(*args: Any, **kwargs: Any) -> None:
        raise SystemExit("worker killed between the upload and the status write")

    monkeypatch.setattr(renders, "succeed", killed)
    with pytest.raises(SystemExit):
        drain()
    uploads = faults.calls["s3.PutObject"]
    monkeypatch.setattr(renders, "succeed", real)
    RenderModel.get(shop["brand_id"], rid).update(actions=[RenderModel.lease_until.set(0)])
    _redeliver("render-preview", {"render_id": rid, "brand_id": shop["brand_id"]})
    status = body(client.http.get(f"/v1/renders/{rid}", headers=bearer(shop["secret_key"])))
    assert status["status"] == "succeeded"
    assert faults.calls["s3.PutObject"] == uploads  # the landed object was reused, not rewritten
    assert status["reused"] is True


def test_redelivery_storm_of_one_render_does_the_work_once(
    client: Client, shop: dict[str, Any], faults: Faults
) -> None:
    from chalicelib import aws
    from chalicelib.settings import get_settings

    rid = request_preview(client, shop, snapshot(client, shop, "Storm"), long_side_px=200)
    url = aws.sqs().get_queue_url(QueueName=get_settings().physical_name("queue", "render-preview"))
    message = json.dumps({"render_id": rid, "brand_id": shop["brand_id"]})
    for _ in range(25):
        aws.sqs().send_message(QueueUrl=url["QueueUrl"], MessageBody=message)
    delivered = drain()
    assert delivered == 26  # the original and 25 duplicates, all acknowledged
    assert faults.calls["s3.PutObject"] == 1
    status = body(client.http.get(f"/v1/renders/{rid}", headers=bearer(shop["secret_key"])))
    assert status["status"] == "succeeded" and status["attempts"] == 1


def test_redelivery_storm_of_one_pack_uploads_one_zip(
    client: Client, shop: dict[str, Any], faults: Faults
) -> None:
    from chalicelib import aws
    from chalicelib.settings import get_settings

    pack_id = body(export(client, shop, locked_snapshot(client, shop, "Packs")))["pack_id"]
    name = get_settings().physical_name("queue", "export-manufacturing")
    url = aws.sqs().get_queue_url(QueueName=name)["QueueUrl"]
    message = json.dumps({"pack_id": pack_id, "brand_id": shop["brand_id"]})
    for _ in range(10):
        aws.sqs().send_message(QueueUrl=url, MessageBody=message)
    drain("export-manufacturing")
    zips = [c for c in faults.calls.elements() if c == "s3.PutObject"]
    assert len(zips) == 1
    assert pack_status(client, shop, pack_id)["attempts"] == 1


def _redeliver(queue: str, message: dict[str, str]) -> None:
    """Deliver the job's message again, as SQS does once the failed delivery's timeout passes.

    The failed copy would stay invisible for the queue's visibility timeout (minutes), so the
    queue is purged and the same body sent again: the worker sees what a redelivery brings.
    """
    from chalicelib import aws
    from chalicelib.settings import get_settings

    sqs = aws.sqs()
    url = sqs.get_queue_url(QueueName=get_settings().physical_name("queue", queue))["QueueUrl"]
    sqs.purge_queue(QueueUrl=url)
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(message))
    drain(queue)
