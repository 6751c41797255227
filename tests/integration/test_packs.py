"""Manufacturing packs in-process: API → SQS (moto) → export worker → zip in S3 → bundle."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import pytest
import requests
from chalice.test import Client

from chalicelib.domain.pack import verify_zip
from tests.integration.conftest import bearer, body, new_brand
from tests.support.orders import move, place
from tests.support.packs import export, idem, locked_snapshot, open_zip, pack_status
from tests.support.products import create
from tests.support.renders import ZONE, drain, snapshot


@pytest.fixture
def shop(client: Client) -> dict[str, Any]:
    owner = new_brand("Pack shop")
    engraved = {**ZONE, "process": "engrave"}
    owner["product_id"] = body(
        create(client, owner["secret_key"], width_mm=120, height_mm=40, zones=[engraved])
    )["product_id"]
    return owner










def test_draft_snapshot_is_not_packed(client: Client, shop: dict[str, Any]) -> None:
    r = export(client, shop, snapshot(client, shop, "Draft"))
    assert r.status_code == 409 and body(r)["error"]["code"] == "snapshot.not_locked"


def test_pack_has_every_file_and_a_true_manifest(client: Client, shop: dict[str, Any]) -> None:
    import ezdxf

    r = export(client, shop, locked_snapshot(client, shop, "Ana & Ben"))
    assert r.status_code == 202, r.body
    pack_id = body(r)["pack_id"]
    assert pack_status(client, shop, pack_id)["status"] == "queued"
    assert drain("export-manufacturing") == 1
    done = pack_status(client, shop, pack_id)
    assert done["status"] == "succeeded", done
    data, archive = open_zip(done["url"])
    manifest = verify_zip(data)
    names = {f["name"].rsplit(".", 1)[-1] for f in manifest["files"]}
    assert names == {"png", "pdf", "svg", "dxf"}
    assert manifest["pack_id"] == pack_id and manifest["profile"]["id"] == "laser-default"
    dxf_name = next(n for n in archive.namelist() if n.endswith(".dxf"))
    doc = ezdxf.read(io.StringIO(archive.read(dxf_name).decode("utf-8")))
    assert doc.header["$INSUNITS"] == 4
    layers = {e.dxf.layer for e in doc.modelspace()}
    assert layers == {"ENGRAVE"}
    assert done["sha256"] and done["size"] == len(data)


def test_profile_choice_changes_layers(client: Client, shop: dict[str, Any]) -> None:
    import ezdxf

    ops = {
        "cut": {"layer": "SNIJDEN", "aci": 5, "rgb": "#0000FF"},
        "score": {"layer": "RILLEN", "aci": 3, "rgb": "#00FF00"},
        "engrave": {"layer": "GRAVEREN", "aci": 1, "rgb": "#FF0000"},
        "print": {"layer": "DRUK", "aci": 7, "rgb": "#000000"},
    }
    prof = client.http.post(
        "/v1/manufacturing/profiles",
        headers=idem(shop["secret_key"]),
        body=json.dumps({"name": "Snijlab", "operations": ops}),
    )
    pid = body(prof)["profile_id"]
    r = export(
        client, shop, locked_snapshot(client, shop, "Profile"), profile_id=pid, formats=["dxf"]
    )
    drain("export-manufacturing")
    done = pack_status(client, shop, body(r)["pack_id"])
    _, archive = open_zip(done["url"])
    dxf_name = next(n for n in archive.namelist() if n.endswith(".dxf"))
    doc = ezdxf.read(io.StringIO(archive.read(dxf_name).decode("utf-8")))
    assert {e.dxf.layer for e in doc.modelspace()} == {"GRAVEREN"}
    assert doc.layers.get("GRAVEREN").color == 1
    assert not any(n.endswith(".png") for n in archive.namelist())


def test_crash_after_upload_redelivers_the_same_zip(
    client: Client, shop: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from app import export_manufacturing_worker
    from chalicelib.store import packs
    from chalicelib.store.models import PackModel

    pack_id = body(export(client, shop, locked_snapshot(client, shop, "Crash")))["pack_id"]
    message = json.dumps({"pack_id": pack_id, "brand_id": shop["brand_id"]})
    event = {
        "Records": [
            {
                "messageId": "m1",
                "receiptHandle": "r",
                "body": message,
                "attributes": {"ApproximateReceiveCount": "1"},
            }
        ]
    }
    real = packs.succeed

    def die(*args: Any, **kwargs: Any) -> None:
        # A killed worker runs no handler: SystemExit passes every ``except Exception``.
        raise SystemExit("worker killed after the upload")

    monkeypatch.setattr(packs, "succeed", die)
    with pytest.raises(SystemExit):
        export_manufacturing_worker(event, None)
    from chalicelib import aws
    from chalicelib.settings import get_settings

    bucket = get_settings().physical_name("bucket", "assets")
    key = f"{shop['brand_id']}/packs/{pack_id}.zip"
    first = aws.s3().get_object(Bucket=bucket, Key=key)["Body"].read()
    monkeypatch.setattr(packs, "succeed", real)
    PackModel.get(shop["brand_id"], pack_id).update(actions=[PackModel.lease_until.set(0)])
    assert export_manufacturing_worker(event, None) == {"batchItemFailures": []}
    done = pack_status(client, shop, pack_id)
    second = requests.get(done["url"], timeout=10).content
    assert second == first and done["attempts"] == 2
    listed = aws.s3().list_objects_v2(Bucket=bucket, Prefix=f"{shop['brand_id']}/packs/")
    assert [o["Key"] for o in listed.get("Contents", [])].count(key) == 1


def test_other_brand_cannot_pack_or_download(client: Client, shop: dict[str, Any]) -> None:
    sid = locked_snapshot(client, shop, "Private")
    pack_id = body(export(client, shop, sid))["pack_id"]
    other = new_brand("Pack thief")
    assert export(client, other, sid).status_code == 404
    r = client.http.get(f"/v1/manufacturing/packs/{pack_id}", headers=bearer(other["secret_key"]))
    assert r.status_code == 404


def test_paid_order_bundle_has_working_urls(client: Client, shop: dict[str, Any]) -> None:
    order = place(client, shop, snapshot(client, shop, "Order A"), snapshot(client, shop, "B"))
    move(client, shop, order["order_id"], "paid")
    move(client, shop, order["order_id"], "paid")  # delivered twice: still one job each
    assert drain("render-final") >= 2  # a repeated "paid" may resend; workers do the work once
    assert drain("export-manufacturing") >= 2
    from chalicelib.store.models import PackModel, RenderModel

    renders_done = [r for r in RenderModel.query(shop["brand_id"]) if r.kind == "final"]
    assert len(renders_done) == 2 and all(r.attempts == 1 for r in renders_done)
    packs_done = list(PackModel.query(shop["brand_id"]))
    assert len(packs_done) == 2 and all(p.attempts == 1 for p in packs_done)
    bundle = body(
        client.http.get(
            f"/v1/manufacturing/bundles/{order['order_id']}", headers=bearer(shop["secret_key"])
        )
    )
    assert [i["pack_status"] for i in bundle["items"]] == ["succeeded", "succeeded"]
    for item in bundle["items"]:
        data, _ = open_zip(item["url"])
        assert verify_zip(data)["snapshot_id"] == item["snapshot_id"]
        assert {f["name"] for f in item["files"]} == {f["name"] for f in verify_zip(data)["files"]}


def test_export_by_order_packs_every_item(client: Client, shop: dict[str, Any]) -> None:
    order = place(
        client, shop, locked_snapshot(client, shop, "O1"), locked_snapshot(client, shop, "O2")
    )
    r = client.http.post(
        "/v1/manufacturing/export-pack",
        headers=idem(shop["secret_key"]),
        body=json.dumps({"order_id": order["order_id"], "formats": ["svg"]}),
    )
    assert r.status_code == 202, r.body
    listed = body(r)["packs"]
    assert [p["item_id"] for p in listed] == [i["item_id"] for i in order["items"]]
    assert body(r)["pack_id"] is None
    drain("export-manufacturing")
    for entry in listed:
        done = pack_status(client, shop, entry["pack_id"])
        assert done["status"] == "succeeded"
        assert {f["name"].rsplit(".", 1)[1] for f in done["files"]} == {"svg", "pdf"}  # + sheet
    both = client.http.post(
        "/v1/manufacturing/export-pack",
        headers=idem(shop["secret_key"]),
        body=json.dumps({"order_id": order["order_id"], "snapshot_id": "x"}),
    )
    assert both.status_code == 422
    draft_order = place(client, shop, snapshot(client, shop, "Unlocked"))
    r = client.http.post(
        "/v1/manufacturing/export-pack",
        headers=idem(shop["secret_key"]),
        body=json.dumps({"order_id": draft_order["order_id"]}),
    )
    assert r.status_code == 409 and body(r)["error"]["code"] == "snapshot.not_locked"


def _stored_profile(shop: dict[str, Any], pack_id: str, **changes: Any) -> None:
    """Rewrite the profile copied onto a queued pack, as a record from before a rule change."""
    from chalicelib.store.models import PackModel

    model = PackModel.get(shop["brand_id"], pack_id)
    model.update(actions=[PackModel.profile.set({**dict(model.profile), **changes})])


def test_a_pack_whose_profile_predates_the_pattern_check_builds_with_plain_names(
    client: Client, shop: dict[str, Any]
) -> None:
    sid = locked_snapshot(client, shop, "Old pattern")
    pack_id = body(export(client, shop, sid, formats=["svg"]))["pack_id"]
    # Once a KeyError inside str.format, retried for hours with the pack showing "running".
    _stored_profile(shop, pack_id, file_name_pattern="{order:{__class__}}-{item:x>99}")
    drain("export-manufacturing")
    done = pack_status(client, shop, pack_id)
    assert done["status"] == "succeeded" and done["attempts"] == 1, done
    _, archive = open_zip(done["url"])
    assert sorted(archive.namelist()) == [
        f"{sid}-1/manifest.json",
        f"{sid}-1/{sid}-1-jobsheet.pdf",
        f"{sid}-1/{sid}-1.svg",
    ]


def test_a_pack_whose_profile_no_longer_validates_fails_at_once_with_a_code(
    client: Client, shop: dict[str, Any]
) -> None:
    pack_id = body(export(client, shop, locked_snapshot(client, shop, "Bad profile")))["pack_id"]
    _stored_profile(shop, pack_id, operations={})
    assert drain("export-manufacturing") == 1
    failed = pack_status(client, shop, pack_id)
    assert failed["status"] == "failed" and failed["attempts"] == 1
    assert failed["error"]["code"] == "pack.profile_invalid"


def _photo_snapshot(
    client: Client, owner: dict[str, Any], photo_size: tuple[int, int] = (120, 90), **product: Any
) -> str:
    from tests.support.assets import complete, upload
    from tests.support.scene import photo_png

    zone = {"id": "photo", "name": "Photo", "kind": "image", "process": "engrave"}
    zone |= {"x_mm": 10, "y_mm": 5, "width_mm": 40, "height_mm": 30, "min_dpi": 0}
    made = create(client, owner["secret_key"], width_mm=60, height_mm=40, zones=[zone], **product)
    assert made.status_code == 201, made.body
    asset = upload(client, owner["publishable_key"], photo_png(*photo_size))
    assert complete(client, owner["publishable_key"], asset).status_code == 200
    spec = client.http.post(
        "/v1/specs",
        headers=idem(owner["publishable_key"]),
        body=json.dumps(
            {"product_id": body(made)["product_id"], "inputs": {"photo": {"asset_id": asset}}}
        ),
    )
    assert spec.status_code in (200, 201), spec.body
    snap = client.http.post(
        "/v1/snapshots",
        headers=idem(owner["publishable_key"]),
        body=json.dumps({"spec_hash": body(spec)["spec_hash"]}),
    )
    sid = str(body(snap)["snapshot_id"])
    locked = client.http.post(f"/v1/snapshots/{sid}/lock", headers=bearer(owner["secret_key"]))
    assert locked.status_code == 200, locked.body
    return sid


def _packed(client: Client, owner: dict[str, Any], sid: str, **extra: Any) -> Any:
    r = export(client, owner, sid, **extra)
    assert r.status_code == 202, r.body
    drain("export-manufacturing")
    done = pack_status(client, owner, body(r)["pack_id"])
    assert done["status"] == "succeeded", done
    data, archive = open_zip(done["url"])
    return verify_zip(data), archive


def test_photo_engraving_profile_packs_a_1_bit_raster_the_manifest_names(
    client: Client,
) -> None:
    from PIL import Image

    owner = new_brand("Slate photos")
    sid = _photo_snapshot(client, owner, material="slate")
    ops = {
        "cut": {"layer": "CUT", "aci": 1, "rgb": "#FF0000"},
        "score": {"layer": "SCORE", "aci": 5, "rgb": "#0000FF"},
        "engrave": {"layer": "ENGRAVE", "aci": 7, "rgb": "#000000"},
        "print": {"layer": "PRINT", "aci": 8, "rgb": "#808080"},
    }
    prof = client.http.post(
        "/v1/manufacturing/profiles",
        headers=idem(owner["secret_key"]),
        body=json.dumps(
            {"name": "Diode", "operations": ops, "photo_engraving": {"lines_per_mm": 10}}
        ),
    )
    assert prof.status_code == 201, prof.body
    manifest, archive = _packed(client, owner, sid, profile_id=body(prof)["profile_id"])
    engraving = manifest["photo_engraving"]
    assert engraving["material"] == "slate" and engraving["inverted"] is True
    assert engraving["dpi"] == pytest.approx(254) and engraving["method"] == "stucki"
    (raster,) = engraving["rasters"]
    assert raster["zone_id"] == "photo" and raster["file"].endswith("-photo-engrave.png")
    assert (raster["width_px"], raster["height_px"]) == (400, 300)
    assert raster["file"] in {f["name"] for f in manifest["files"]}
    png = archive.read(f"{manifest['folder']}/{raster['file']}")
    with Image.open(io.BytesIO(png)) as image:
        assert image.mode == "1" and image.size == (400, 300)
        assert image.info["dpi"] == pytest.approx((254, 254), abs=0.01)
    svg = next(n for n in archive.namelist() if n.endswith(".svg"))
    assert base64.b64encode(png).decode() in archive.read(svg).decode()

    # The same snapshot with the built-in profile (no photo_engraving): the pack as before.
    plain, plain_archive = _packed(client, owner, sid)
    assert "photo_engraving" not in plain
    assert not any(n.endswith("-engrave.png") for n in plain_archive.namelist())
    svg = next(n for n in plain_archive.namelist() if n.endswith(".svg"))
    assert base64.b64encode(png).decode() not in plain_archive.read(svg).decode()

    # The job sheet's thumbnail shows the burn too: sharp dots, not the smooth photo.
    def thumbnail_grain(zip_file: Any) -> float:
        import shutil
        import subprocess
        import tempfile

        import numpy as np
        from PIL import Image

        if not shutil.which("pdfimages"):
            pytest.skip("poppler's pdfimages reads the job sheet")
        sheet = next(n for n in zip_file.namelist() if n.endswith("-jobsheet.pdf"))
        with tempfile.TemporaryDirectory() as out:
            pdf = f"{out}/sheet.pdf"
            with open(pdf, "wb") as f:
                f.write(zip_file.read(sheet))
            subprocess.run(["pdfimages", "-png", pdf, f"{out}/im"], check=True, timeout=30)
            images = [Image.open(p).convert("L") for p in sorted(Path(out).glob("im-*.png"))]
        grey = np.asarray(max(images, key=lambda i: i.size[0] * i.size[1]), dtype=float)
        return float(np.abs(np.diff(grey, axis=1)).mean())

    assert thumbnail_grain(archive) > 2 * thumbnail_grain(plain_archive)
