"""Retention with moto: what expires, what an order or a kept snapshot protects, paging, reruns."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from chalice.test import Client
from PIL import Image

from chalicelib import aws
from chalicelib.jobs import retention
from chalicelib.store import renders, snapshots
from chalicelib.store.models import AssetModel, BrandModel, PackModel, RenderModel, SnapshotModel
from tests.integration.conftest import bearer, body, new_brand
from tests.support.assets import complete, upload
from tests.support.orders import move, place
from tests.support.products import create
from tests.support.renders import drain, idem, request_preview, snapshot
from tests.support.retention import new_shop

LATER = datetime.now(UTC) + timedelta(days=31)  # every draft made now is expired by then




@pytest.fixture
def shop(client: Client) -> dict[str, Any]:
    return new_shop(client, "Retention shop")


def expire(brand_id: str, now: datetime = LATER, **policy: Any) -> dict[str, Any]:
    return retention.run(retention.Policy(now=now, brand_id=brand_id, **policy)).as_json()


def keys_under(prefix: str) -> list[str]:
    listed = aws.s3().list_objects_v2(Bucket=aws.assets_bucket(), Prefix=prefix)
    return sorted(str(o["Key"]) for o in listed.get("Contents", []))


def output_prefix(brand_id: str, render_id: str) -> str:
    return renders.get_render(brand_id, render_id).outputs[0]["key"].rsplit("/", 1)[0] + "/"


def touch(brand_id: str, snapshot_id: str, when: datetime) -> None:
    """As if the shopper had edited the draft at ``when``."""
    SnapshotModel(brand_id, snapshot_id).update(actions=[SnapshotModel.updated_at.set(when)])


def counts(summary: dict[str, Any]) -> tuple[int, int, int, int]:
    return summary["snapshots"], summary["renders"], summary["objects"], summary["uploads"]


def test_expired_drafts_go_with_their_previews_but_shared_objects_stay(
    client: Client, shop: dict[str, Any]
) -> None:
    brand = shop["brand_id"]
    old_shared = snapshot(client, shop, "Ava")
    kept_shared = snapshot(client, shop, "Ava")  # same spec: same content-addressed preview
    old_alone = snapshot(client, shop, "Bob")
    rids = {sid: request_preview(client, shop, sid) for sid in (old_shared, kept_shared, old_alone)}
    assert drain() == 3
    shared_prefix = output_prefix(brand, rids[old_shared])
    assert shared_prefix == output_prefix(brand, rids[kept_shared])
    alone_prefix = output_prefix(brand, rids[old_alone])
    assert keys_under(alone_prefix) and keys_under(shared_prefix)
    touch(brand, kept_shared, LATER - timedelta(days=1))  # edited recently: not expired

    dry = expire(brand, dry_run=True)
    assert counts(dry) == (2, 2, 1, 0) and keys_under(alone_prefix)

    summary = expire(brand)
    assert counts(summary) == (2, 2, 1, 0) and summary["complete"] is True
    for gone in (old_shared, old_alone):
        r = client.http.get(f"/v1/snapshots/{gone}", headers=bearer(shop["publishable_key"]))
        assert r.status_code == 404
        assert renders.find(brand, rids[gone]) is None
    assert keys_under(alone_prefix) == []
    assert keys_under(shared_prefix), "a kept snapshot's preview shares these objects"
    assert snapshots.get_snapshot(brand, kept_shared).assets["preview"]
    assert renders.get_render(brand, rids[kept_shared]).status == "succeeded"

    assert counts(expire(brand)) == (0, 0, 0, 0)  # a second run is a no-op


def test_ordered_and_locked_snapshots_and_their_jobs_are_kept(
    client: Client, shop: dict[str, Any]
) -> None:
    brand = shop["brand_id"]
    ordered_draft = snapshot(client, shop, "Ordered, unpaid")
    paid = snapshot(client, shop, "Paid")
    place(client, shop, ordered_draft)  # an order names it; it stays a draft until paid
    order = place(client, shop, paid)
    assert move(client, shop, order["order_id"], "paid").status_code == 200
    final = next(r for r in RenderModel.query(brand) if r.snapshot_id == paid)
    pack = next(p for p in PackModel.query(brand) if p.snapshot_id == paid)
    final_key = f"{brand}/renders/{final.cache_key}/final.png"
    aws.s3().put_object(Bucket=aws.assets_bucket(), Key=final_key, Body=b"png")

    assert counts(expire(brand, now=LATER + timedelta(days=3650))) == (0, 0, 0, 0)
    assert not snapshots.get_snapshot(brand, ordered_draft).locked
    assert snapshots.get_snapshot(brand, paid).locked
    assert RenderModel.get(brand, final.render_id) and PackModel.get(brand, pack.pack_id)
    assert keys_under(final_key) == [final_key]


def test_pages_and_a_bounded_run_resume_to_the_same_end(client: Client) -> None:
    owner = new_shop(client, "Many drafts")
    made = {snapshot(client, owner, f"Name {i}") for i in range(5)}
    brand = owner["brand_id"]

    first = expire(brand, page_size=2, max_deletes=2)
    assert first["snapshots"] == 2 and first["complete"] is False
    assert first["pages"] >= 3  # five snapshots at two per page
    rest = expire(brand, page_size=2)
    assert rest["snapshots"] == 3 and rest["complete"] is True
    assert not [s for s in SnapshotModel.query(brand) if s.snapshot_id in made]
    assert counts(expire(brand, page_size=2)) == (0, 0, 0, 0)


def png(color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(out, format="PNG")
    return out.getvalue()


def test_unlinked_uploads_expire_linked_ones_and_fonts_stay(client: Client) -> None:
    from tests.support.assets import lato_bytes

    owner = new_brand("Uploads")
    brand, sk, pk = owner["brand_id"], owner["secret_key"], owner["publishable_key"]
    unused = upload(client, pk, png((200, 0, 0)))
    base = upload(client, sk, png((0, 200, 0)))
    in_design = upload(client, pk, png((0, 0, 200)))
    font = upload(client, sk, lato_bytes(), "font", "font/ttf")
    for asset_id in (unused, base, in_design, font):
        assert complete(client, pk if asset_id != font else sk, asset_id).status_code == 200
    upload(client, pk, png((9, 9, 9)))  # PUT but never completed: pending
    photo_zone = {"id": "photo", "name": "Photo", "kind": "image", "x_mm": 5, "y_mm": 5}
    photo_zone |= {"width_mm": 40, "height_mm": 30, "min_dpi": 0}
    product = body(create(client, sk, base_image_asset_id=base, zones=[photo_zone]))
    spec = client.http.post(
        "/v1/specs",
        headers=idem(pk),
        body=json.dumps(
            {"product_id": product["product_id"], "inputs": {"photo": {"asset_id": in_design}}}
        ),
    )
    assert spec.status_code in (200, 201), spec.body
    snap = body(
        client.http.post(
            "/v1/snapshots",
            headers=idem(pk),
            body=json.dumps({"spec_hash": body(spec)["spec_hash"]}),
        )
    )
    locked = client.http.post(f"/v1/snapshots/{snap['snapshot_id']}/lock", headers=idem(sk))
    assert locked.status_code == 200, locked.body
    stored = {a.asset_id: a.stored_key for a in AssetModel.query(brand)}

    # Past both limits: only the locked snapshot still uses its image (the spec is old too).
    later = datetime.now(UTC) + timedelta(days=40)
    summary = expire(brand, now=later)
    assert counts(summary) == (0, 0, 0, 2)
    left = {a.asset_id for a in AssetModel.query(brand)}
    assert left == {base, in_design, font}
    assert keys_under(str(stored[unused])) == [] and keys_under(f"{brand}/uploads/") == []
    assert keys_under(str(stored[in_design])) and keys_under(str(stored[base]))
    assert counts(expire(brand, now=later)) == (0, 0, 0, 0)


def test_an_all_brand_run_resumes_from_its_checkpoint(client: Client) -> None:
    from chalicelib.store.migration import MigrationCheckpointModel

    made = set()
    for name in ("First", "Second"):
        owner = new_shop(client, name)
        made |= {snapshot(client, owner, f"{name} {i}") for i in range(2)}
    # Earlier tests' leftovers are either gone already or kept at this date.
    # Three deletes: one of the two brands is finished and checkpointed, the other is cut short.
    first = retention.run(retention.Policy(now=LATER, max_deletes=3)).as_json()
    assert first["complete"] is False and first["snapshots"] == 3
    checkpoint = MigrationCheckpointModel.get(retention.CHECKPOINT_ID)
    assert checkpoint.last_key and not checkpoint.finished
    rest = retention.run(retention.Policy(now=LATER)).as_json()
    assert rest["complete"] is True and rest["snapshots"] == 1
    assert rest["brands"] < len(list(BrandModel.scan()))  # resumed; did not start over
    assert MigrationCheckpointModel.get(retention.CHECKPOINT_ID).finished
    left = {s.snapshot_id for s in SnapshotModel.scan() if s.snapshot_id in made}
    assert left == set()
    assert retention.run(retention.Policy(now=LATER)).as_json()["snapshots"] == 0


def test_a_draft_locked_during_the_run_stays_with_its_preview(
    client: Client, shop: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.jobs import retention_refs

    brand = shop["brand_id"]
    sid = snapshot(client, shop, "Locked meanwhile")
    rid = request_preview(client, shop, sid)
    assert drain() == 1
    prefix = output_prefix(brand, rid)
    real = retention_refs.read_brand

    def read_then_lock(*args: Any) -> Any:
        view = real(*args)
        snapshots.lock_snapshot(brand, sid)  # an order is paid between our read and our delete
        return view

    monkeypatch.setattr(retention_refs, "read_brand", read_then_lock)
    summary = expire(brand)
    assert summary["skipped"] == 1 and counts(summary) == (0, 0, 0, 0)
    assert snapshots.get_snapshot(brand, sid).locked
    assert renders.get_render(brand, rid).status == "succeeded" and keys_under(prefix)


def test_renders_of_a_deleted_draft_are_cleaned_even_if_objects_are_gone(
    client: Client, shop: dict[str, Any]
) -> None:
    brand = shop["brand_id"]
    sid = snapshot(client, shop, "Deleted by the shop")
    rid = request_preview(client, shop, sid)
    assert drain() == 1
    prefix = output_prefix(brand, rid)
    for key in keys_under(prefix):  # as if an earlier run had stopped after the objects
        aws.s3().delete_object(Bucket=aws.assets_bucket(), Key=key)
    deleted = client.http.delete(f"/v1/snapshots/{sid}", headers=bearer(shop["secret_key"]))
    assert deleted.status_code == 204
    assert renders.find(brand, rid) is not None  # an orphan render record
    assert counts(expire(brand, now=datetime.now(UTC))) == (0, 0, 0, 0)  # too recent still
    assert counts(expire(brand)) == (0, 1, 0, 0)
    assert renders.find(brand, rid) is None
    assert counts(expire(brand)) == (0, 0, 0, 0)


def test_a_run_stops_before_the_lambda_timeout(client: Client, shop: dict[str, Any]) -> None:
    sid = snapshot(client, shop, "Not today")
    policy = retention.Policy(now=LATER, brand_id=shop["brand_id"])
    summary = retention.run(policy, remaining_ms=lambda: retention.SAFETY_MS - 1).as_json()
    assert summary["complete"] is False and summary["snapshots"] == 0
    assert snapshots.get_snapshot(shop["brand_id"], sid)
    assert retention.run_scheduled(None)["complete"] is True  # no context: no time limit


def test_days_come_from_the_stage_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATELIER_RETENTION_DRAFT_DAYS", "90")
    monkeypatch.delenv("ATELIER_RETENTION_UPLOAD_DAYS", raising=False)
    policy = retention.policy_from_env(LATER)
    assert (policy.draft_days, policy.upload_days) == (90, retention.DEFAULT_UPLOAD_DAYS)
    assert retention.policy_from_env(LATER, draft_days=2).draft_days == 2
    monkeypatch.setenv("ATELIER_RETENTION_UPLOAD_DAYS", "0")
    with pytest.raises(ValueError, match="UPLOAD_DAYS"):
        retention.policy_from_env(LATER)


def test_cli_refuses_a_now_that_is_not_an_instant(capsys: pytest.CaptureFixture[str]) -> None:
    from chalicelib import cli

    with pytest.raises(SystemExit) as exit_:
        cli.main(["retention", "run", "--now", "next tuesday"])
    assert exit_.value.code == 2 and "not an ISO 8601 instant" in capsys.readouterr().err


def test_option_value_mockups_and_swatch_images_are_kept(client: Client) -> None:
    from tests.support.options import create_pendant, pendant_doc

    owner = new_brand("Option images")
    brand, sk = owner["brand_id"], owner["secret_key"]
    gold_mockup, gold_swatch, unused = (
        upload(client, sk, png(c)) for c in ((212, 175, 55), (200, 160, 50), (1, 2, 3))
    )
    for asset_id in (gold_mockup, gold_swatch, unused):
        assert complete(client, sk, asset_id).status_code == 200
    chain, back = pendant_doc()["options"]
    gold = {**chain["values"][1], "mockup_asset_id": gold_mockup, "swatch_asset_id": gold_swatch}
    # Only an older version names the images: every version's mockups stay drawable.
    product_id = create_pendant(
        client, owner, options=[{**chain, "values": [chain["values"][0], gold]}, back]
    )
    replaced = client.http.put(
        f"/v1/products/{product_id}", headers=bearer(sk), body=json.dumps(pendant_doc())
    )
    assert replaced.status_code == 200, replaced.body

    summary = expire(brand, now=datetime.now(UTC) + timedelta(days=40))
    assert summary["uploads"] == 1
    assert {a.asset_id for a in AssetModel.query(brand)} == {gold_mockup, gold_swatch}


def test_each_sides_mockup_is_kept(client: Client) -> None:
    from tests.support.sides import pendant_doc as two_sided

    owner = new_brand("Side mockups")
    brand, sk = owner["brand_id"], owner["secret_key"]
    front, back, unused = (
        upload(client, sk, png(c)) for c in ((190, 190, 195), (120, 120, 125), (1, 2, 3))
    )
    for asset_id in (front, back, unused):
        assert complete(client, sk, asset_id).status_code == 200
    doc = two_sided()
    doc["sides"][0]["mockup_asset_id"] = front
    doc["sides"][1]["mockup_asset_id"] = back
    r = client.http.post("/v1/products", headers=idem(sk), body=json.dumps(doc))
    assert r.status_code == 201, r.body

    summary = expire(brand, now=datetime.now(UTC) + timedelta(days=40))
    assert summary["uploads"] == 1
    assert {a.asset_id for a in AssetModel.query(brand)} == {front, back}
