"""The shopper's proof: confirmed with the publishable key on a draft snapshot, checked against
the preview bytes actually stored (hashed here with hashlib from the downloaded image), shown in
the snapshot API, refused once locked, invisible to another brand; and the brand's labels and
``require_proof`` travel to the widget config."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
import requests
from chalice.test import Client

from tests.integration.conftest import bearer, body, new_brand
from tests.support.products import create
from tests.support.renders import ZONE, drain, request_preview, snapshot

LABELS = {"fr": {"cart.add": "Je le veux", "zone:name": "Prénom gravé"}}


@pytest.fixture
def shop(client: Client) -> dict[str, Any]:
    owner = new_brand("Proof shop")
    made = create(
        client,
        owner["secret_key"],
        width_mm=120,
        height_mm=40,
        zones=[ZONE],
        require_proof=True,
        labels=LABELS,
    )
    assert made.status_code == 201, made.body
    owner["product_id"] = body(made)["product_id"]
    return owner


def _preview(client: Client, shop: dict[str, Any], sid: str) -> tuple[str, str]:
    """(render id, sha256 of the preview bytes as a browser downloads them)."""
    rid = request_preview(client, shop, sid)
    drain()
    result = client.http.get(f"/v1/renders/{rid}/result", headers=bearer(shop["publishable_key"]))
    data = requests.get(body(result)["url"], timeout=10).content
    assert data[:3] == b"\xff\xd8\xff"  # the JPEG the shopper sees
    return rid, hashlib.sha256(data).hexdigest()


def _confirm(client: Client, key: str, sid: str, **payload: Any) -> Any:
    return client.http.post(
        f"/v1/snapshots/{sid}/proof",
        headers={**bearer(key), "Content-Type": "application/json"},
        body=json.dumps(payload),
    )


def test_widget_config_carries_labels_and_require_proof(
    client: Client, shop: dict[str, Any]
) -> None:
    r = client.http.get(
        f"/v1/widget/config/{shop['product_id']}", headers=bearer(shop["publishable_key"])
    )
    config = body(r)
    assert config["require_proof"] is True and config["labels"] == LABELS
    product = body(
        client.http.get(f"/v1/products/{shop['product_id']}", headers=bearer(shop["secret_key"]))
    )
    assert product["labels"] == LABELS and product["require_proof"] is True


def test_a_label_for_an_unknown_key_or_zone_is_422(client: Client, shop: dict[str, Any]) -> None:
    bad = {"fr": {"cart.ad": "typo", "zone:back": "no such zone"}, "de": {"cart.add": "Kaufen"}}
    r = create(client, shop["secret_key"], labels=bad)
    assert r.status_code == 422
    found = {(d["code"], d["params"]["key"]) for d in body(r)["error"]["details"]}
    assert found == {("product.unknown_label", "cart.ad"), ("product.unknown_label", "zone:back")}
    assert create(client, shop["secret_key"], labels={"FR": {"cart.add": "x"}}).status_code == 422


def test_proof_is_recorded_once_and_shown_in_the_snapshot(
    client: Client, shop: dict[str, Any]
) -> None:
    sid = snapshot(client, shop, "Léa Dupont")
    rid, digest = _preview(client, shop, sid)
    first = _confirm(
        client, shop["publishable_key"], sid, preview_sha256=digest, render_id=rid, locale="fr"
    )
    assert first.status_code == 200, first.body
    proof = body(first)["proof"]
    assert proof["preview_sha256"] == digest and proof["render_id"] == rid
    assert proof["locale"] == "fr" and proof["confirmed_at"].endswith("Z")
    again = _confirm(client, shop["publishable_key"], sid, preview_sha256=digest, render_id=rid)
    assert again.status_code == 200 and body(again)["proof"] == proof  # idempotent
    read = body(client.http.get(f"/v1/snapshots/{sid}", headers=bearer(shop["secret_key"])))
    assert read["proof"] == proof


def test_a_cart_snapshot_is_proved_by_the_preview_of_the_same_design(
    client: Client, shop: dict[str, Any]
) -> None:
    shown = snapshot(client, shop, "Same design")
    rid, digest = _preview(client, shop, shown)
    cart = snapshot(client, shop, "Same design")  # a new snapshot, same spec hash
    r = _confirm(client, shop["publishable_key"], cart, preview_sha256=digest, render_id=rid)
    assert r.status_code == 200 and body(r)["proof"]["preview_sha256"] == digest
    other = snapshot(client, shop, "Another design")
    r = _confirm(client, shop["publishable_key"], other, preview_sha256=digest, render_id=rid)
    assert r.status_code == 422 and body(r)["error"]["code"] == "proof.no_preview"


def test_a_digest_that_is_not_the_stored_preview_is_422(
    client: Client, shop: dict[str, Any]
) -> None:
    sid = snapshot(client, shop, "Mismatch")
    r = _confirm(client, shop["publishable_key"], sid, preview_sha256="0" * 64)
    assert r.status_code == 422 and body(r)["error"]["code"] == "proof.no_preview"
    rid, digest = _preview(client, shop, sid)
    tampered = hashlib.sha256(b"another picture").hexdigest()
    r = _confirm(client, shop["publishable_key"], sid, preview_sha256=tampered, render_id=rid)
    assert r.status_code == 422 and body(r)["error"]["code"] == "proof.preview_mismatch"
    r = _confirm(client, shop["publishable_key"], sid, preview_sha256=digest.upper())
    assert r.status_code == 422  # the schema: lowercase hex only
    # without render_id the preview recorded on the snapshot is the reference
    r = _confirm(client, shop["publishable_key"], sid, preview_sha256=digest)
    assert r.status_code == 200 and body(r)["proof"]["render_id"] is None
    snap = body(client.http.get(f"/v1/snapshots/{sid}", headers=bearer(shop["secret_key"])))
    assert snap["proof"]["preview_sha256"] == digest


def test_locked_snapshot_is_409_and_another_brand_gets_404(
    client: Client, shop: dict[str, Any]
) -> None:
    sid = snapshot(client, shop, "Locked")
    rid, digest = _preview(client, shop, sid)
    stranger = new_brand("Stranger")
    r = _confirm(client, stranger["publishable_key"], sid, preview_sha256=digest, render_id=rid)
    assert r.status_code == 404 and body(r)["error"]["code"] == "snapshot.not_found"
    missing = _confirm(
        client, shop["publishable_key"], "snp_00000000000000000000", preview_sha256=digest
    )
    assert missing.status_code == 404 and body(missing)["error"] == body(r)["error"]
    lock = client.http.post(f"/v1/snapshots/{sid}/lock", headers=bearer(shop["secret_key"]))
    assert lock.status_code == 200
    r = _confirm(client, shop["publishable_key"], sid, preview_sha256=digest, render_id=rid)
    assert r.status_code == 409 and body(r)["error"]["code"] == "snapshot.locked"
    snap = body(client.http.get(f"/v1/snapshots/{sid}", headers=bearer(shop["secret_key"])))
    assert snap["proof"] is None


def _job_sheet_band_ink(client: Client, shop: dict[str, Any], sid: str, tmp_path: Any) -> int:
    """Dark pixels (poppler's rendering) in the full-width band under the job sheet's thumbnail,
    where the proof line goes."""
    import subprocess

    from PIL import Image

    from tests.support.packs import export, open_zip, pack_status

    r = export(client, shop, sid)
    assert r.status_code == 202, r.body
    drain("export-manufacturing")
    done = pack_status(client, shop, body(r)["pack_id"])
    assert done["status"] == "succeeded", done
    _, archive = open_zip(done["url"])
    sheet = next(n for n in archive.namelist() if n.endswith(".pdf") and "jobsheet" in n)
    (tmp_path / "sheet.pdf").write_bytes(archive.read(sheet))
    subprocess.run(
        ["pdftoppm", "-r", "30", "-png", "-singlefile", "sheet.pdf", "page"],
        cwd=tmp_path,
        check=True,
        timeout=60,
    )
    page = Image.open(tmp_path / "page.png").convert("L")
    px = page.width / 210
    band = page.crop((round(15 * px), round(97 * px), round(195 * px), round(107 * px)))
    return sum(band.histogram()[:128])


def test_the_pack_job_sheet_prints_the_proof(
    client: Client, shop: dict[str, Any], tmp_path: Any
) -> None:
    lock = "/v1/snapshots/{}/lock"
    proved = snapshot(client, shop, "Proved")
    rid, digest = _preview(client, shop, proved)
    r = _confirm(client, shop["publishable_key"], proved, preview_sha256=digest, render_id=rid)
    assert r.status_code == 200
    plain = snapshot(client, shop, "Proved")  # the same design, no proof
    for sid in (proved, plain):
        locked = client.http.post(lock.format(sid), headers=bearer(shop["secret_key"]))
        assert locked.status_code == 200
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with_proof = _job_sheet_band_ink(client, shop, proved, tmp_path / "a")
    without = _job_sheet_band_ink(client, shop, plain, tmp_path / "b")
    assert with_proof > without + 20, (with_proof, without)
