"""Uploads through the API with moto: presigned PUT, verification on complete, tenant isolation."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import pytest
from chalice.test import Client

from tests.integration.conftest import bearer, body, new_brand
from tests.support.assets import complete, lato_bytes, png_bytes, post, put, start, upload

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"






def restricted_font_bytes() -> bytes:
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(lato_bytes()))
    font["OS/2"].fsType = 0x0002  # "Restricted License embedding"
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()












def bucket_keys() -> list[str]:
    from chalicelib import aws
    from chalicelib.settings import get_settings

    s3 = aws.s3()
    listed = s3.list_objects_v2(Bucket=get_settings().physical_name("bucket", "assets"))
    return [str(o["Key"]) for o in listed.get("Contents", [])]


def test_image_upload_flow_creates_presigned_post_policy_then_verifies(
    client: Client, brand: dict[str, Any]
) -> None:
    data = png_bytes()
    created = start(client, brand["publishable_key"], data)
    asset, up = created["asset"], created["upload"]
    assert asset["asset_id"].startswith("ast_") and asset["status"] == "pending"
    assert up["method"] == "POST" and up["expires_in"] == 300
    assert up["max_bytes"] == len(data)
    fields = up["fields"]
    assert fields["key"] == f"{brand['brand_id']}/uploads/{asset['asset_id']}"
    assert fields["Content-Type"] == "image/png"
    assert fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    policy = json.loads(base64.b64decode(fields["policy"]))
    assert ["content-length-range", len(data), len(data)] in policy["conditions"]
    assert {"Content-Type": "image/png"} in policy["conditions"]
    assert {"key": fields["key"]} in policy["conditions"]
    put(up, data)

    r = complete(client, brand["publishable_key"], asset["asset_id"])
    assert r.status_code == 200, r.body
    done = body(r)
    assert done["status"] == "ready" and done["completed_at"]
    assert done["facts"]["format"] == "png"
    assert (done["facts"]["width_px"], done["facts"]["height_px"]) == (32, 24)
    fetched = client.http.get(
        f"/v1/assets/{asset['asset_id']}", headers=bearer(brand["publishable_key"])
    )
    assert body(fetched) == done


def test_stored_objects_live_under_the_brand_and_raw_upload_is_removed(
    client: Client, brand: dict[str, Any]
) -> None:
    from chalicelib.store import assets

    asset_id = upload(client, brand["secret_key"], png_bytes())
    assert complete(client, brand["secret_key"], asset_id).status_code == 200
    mine = [k for k in bucket_keys() if asset_id in k]
    assert mine == [f"{brand['brand_id']}/assets/{asset_id}.png"]
    png = assets.image_bytes(brand["brand_id"], asset_id)
    assert png.startswith(PNG_SIGNATURE)
    assert assets.get_ready_image(brand["brand_id"], asset_id).facts["stored_bytes"] == len(png)


def test_complete_twice_returns_the_same_body(client: Client, brand: dict[str, Any]) -> None:
    asset_id = upload(client, brand["publishable_key"], png_bytes())
    first = complete(client, brand["publishable_key"], asset_id)
    second = complete(client, brand["publishable_key"], asset_id)
    assert first.status_code == second.status_code == 200
    assert body(first) == body(second)


def test_complete_before_upload_is_409_and_the_asset_stays_usable(
    client: Client, brand: dict[str, Any]
) -> None:
    data = png_bytes()
    created = start(client, brand["publishable_key"], data)
    asset_id = created["asset"]["asset_id"]
    early = complete(client, brand["publishable_key"], asset_id)
    assert early.status_code == 409
    assert body(early)["error"]["code"] == "asset.not_uploaded"
    put(created["upload"], data)
    assert complete(client, brand["publishable_key"], asset_id).status_code == 200


def test_corrupt_upload_is_422_and_the_asset_is_failed_with_nothing_stored(
    client: Client, brand: dict[str, Any]
) -> None:
    data = png_bytes((64, 64))[:60]
    asset_id = upload(client, brand["publishable_key"], data)
    r = complete(client, brand["publishable_key"], asset_id)
    assert r.status_code == 422
    assert body(r)["error"]["code"] == "asset.corrupt"
    got = body(client.http.get(f"/v1/assets/{asset_id}", headers=bearer(brand["secret_key"])))
    assert got["status"] == "failed"
    assert got["error"]["code"] == "asset.corrupt" and got["facts"] == {}
    assert [k for k in bucket_keys() if asset_id in k] == []
    replay = complete(client, brand["publishable_key"], asset_id)
    assert replay.status_code == 422
    assert body(replay)["error"]["code"] == "asset.corrupt"


def test_non_image_bytes_declared_as_png_are_unsupported(
    client: Client, brand: dict[str, Any]
) -> None:
    asset_id = upload(client, brand["publishable_key"], b"GIF89a" + b"\x00" * 100)
    r = complete(client, brand["publishable_key"], asset_id)
    assert r.status_code == 422
    assert body(r)["error"]["code"] == "asset.unsupported_format"


def test_upload_bigger_than_the_limit_fails_on_complete(
    client: Client, brand: dict[str, Any]
) -> None:
    from chalicelib import aws
    from chalicelib.settings import get_settings

    created = start(client, brand["publishable_key"], png_bytes())
    asset_id = created["asset"]["asset_id"]
    # A client that ignores the signed Content-Length (moto does not enforce it; S3 does).
    aws.s3().put_object(
        Bucket=get_settings().physical_name("bucket", "assets"),
        Key=f"{brand['brand_id']}/uploads/{asset_id}",
        Body=b"\x00" * (20 * 1024 * 1024 + 1),
    )
    r = complete(client, brand["publishable_key"], asset_id)
    assert r.status_code == 422
    assert body(r)["error"]["code"] == "asset.too_large"


def test_declared_size_over_the_limit_is_422(client: Client, brand: dict[str, Any]) -> None:
    r = post(
        client,
        "/v1/assets",
        brand["publishable_key"],
        {"kind": "image", "content_type": "image/png", "size_bytes": 20 * 1024 * 1024 + 1},
    )
    assert r.status_code == 422
    assert body(r)["error"]["code"] == "asset.too_large"


@pytest.mark.parametrize(
    ("kind", "content_type"), [("image", "image/gif"), ("image", "font/ttf"), ("font", "image/png")]
)
def test_wrong_content_type_is_422(
    client: Client, brand: dict[str, Any], kind: str, content_type: str
) -> None:
    r = post(
        client,
        "/v1/assets",
        brand["secret_key"],
        {"kind": kind, "content_type": content_type, "size_bytes": 100},
    )
    assert r.status_code == 422
    assert body(r)["error"]["code"] == "asset.unsupported_content_type"


def test_unknown_kind_and_missing_size_break_the_schema(
    client: Client, brand: dict[str, Any]
) -> None:
    r = post(client, "/v1/assets", brand["secret_key"], {"kind": "video", "content_type": "x"})
    assert r.status_code == 422
    fields = {d["field"] for d in body(r)["error"]["details"]}
    assert {"kind", "size_bytes"} <= fields


def test_font_upload_with_a_publishable_key_is_403(client: Client, brand: dict[str, Any]) -> None:
    r = post(
        client,
        "/v1/assets",
        brand["publishable_key"],
        {"kind": "font", "content_type": "font/ttf", "size_bytes": 1000},
    )
    assert r.status_code == 403
    assert body(r)["error"]["code"] == "auth.secret_key_required"


def test_bundled_font_file_uploaded_as_brand_font_becomes_ready(
    client: Client, brand: dict[str, Any]
) -> None:
    asset_id = upload(client, brand["secret_key"], lato_bytes(), "font", "font/ttf")
    r = complete(client, brand["secret_key"], asset_id)
    assert r.status_code == 200, r.body
    facts = body(r)["facts"]
    assert facts["family"] == "Lato" and facts["embedding"] == "installable"
    assert [k for k in bucket_keys() if asset_id in k] == [
        f"{brand['brand_id']}/fonts/{asset_id}.ttf"
    ]
    fonts_list = body(client.http.get("/v1/fonts", headers=bearer(brand["publishable_key"])))
    sources = [f["source"] for f in fonts_list["data"]]
    assert sources == sorted(sources, key=lambda s: s != "bundled")  # bundled first
    own = [f for f in fonts_list["data"] if f["source"] == "brand"]
    assert own == [
        {
            "font_id": asset_id,
            "family": "Lato",
            "style": "Regular",
            "category": None,
            "source": "brand",
            "license": None,
            "sha256": facts["sha256"],
            "scripts": None,
            "origin": None,
        }
    ]


def test_font_completed_with_a_publishable_key_is_403(
    client: Client, brand: dict[str, Any]
) -> None:
    asset_id = upload(client, brand["secret_key"], lato_bytes(), "font", "font/ttf")
    r = complete(client, brand["publishable_key"], asset_id)
    assert r.status_code == 403


def test_font_that_forbids_embedding_is_422(client: Client, brand: dict[str, Any]) -> None:
    asset_id = upload(client, brand["secret_key"], restricted_font_bytes(), "font", "font/ttf")
    r = complete(client, brand["secret_key"], asset_id)
    assert r.status_code == 422
    assert body(r)["error"]["code"] == "font.embedding_restricted"
    assert [k for k in bucket_keys() if asset_id in k] == []


def test_image_bytes_uploaded_as_a_font_are_invalid(client: Client, brand: dict[str, Any]) -> None:
    asset_id = upload(client, brand["secret_key"], png_bytes(), "font", "font/ttf")
    r = complete(client, brand["secret_key"], asset_id)
    assert r.status_code == 422
    assert body(r)["error"]["code"] == "asset.invalid_font"


@pytest.mark.parametrize("malformed", ["truncated", "os2_all_ff", "kerning_matrix_cut"])
def test_malformed_font_is_422_asset_invalid_font_and_the_asset_failed(
    client: Client, brand: dict[str, Any], malformed: str
) -> None:
    from tests.support.fonts import (
        broken_kerning_font_bytes,
        os2_garbage_font_bytes,
        truncated_font_bytes,
    )

    data = {
        "truncated": truncated_font_bytes,
        "os2_all_ff": os2_garbage_font_bytes,
        "kerning_matrix_cut": broken_kerning_font_bytes,
    }[malformed]()
    asset_id = upload(client, brand["secret_key"], data, "font", "font/ttf")
    r = complete(client, brand["secret_key"], asset_id)
    assert r.status_code == 422, r.body  # was a 500, the asset left pending
    assert body(r)["error"]["code"] == "asset.invalid_font"
    assert body(r)["error"]["details"]["font"] == "font.invalid"
    got = body(client.http.get(f"/v1/assets/{asset_id}", headers=bearer(brand["secret_key"])))
    assert got["status"] == "failed" and got["error"]["code"] == "asset.invalid_font"
    assert [k for k in bucket_keys() if asset_id in k] == []  # raw upload gone, nothing stored
    again = complete(client, brand["secret_key"], asset_id)
    assert again.status_code == 422 and body(again)["error"] == body(r)["error"]


def test_bundled_fonts_are_listed_for_every_brand(client: Client, brand: dict[str, Any]) -> None:
    from chalicelib import fonts

    data = body(client.http.get("/v1/fonts", headers=bearer(brand["publishable_key"])))["data"]
    assert [f["font_id"] for f in data] == [f.font_id for f in fonts.list_fonts()]
    assert all(f["source"] == "bundled" and len(f["sha256"]) == 64 for f in data)


def test_script_and_cursive_fonts_from_npm_are_listed_with_licence_and_pinned_hash(
    client: Client, brand: dict[str, Any]
) -> None:
    from chalicelib import npm_fonts

    data = body(client.http.get("/v1/fonts", headers=bearer(brand["publishable_key"])))["data"]
    by_id = {f["font_id"]: f for f in data}
    assert by_id["amiri-regular"] == {
        "font_id": "amiri-regular",
        "family": "Amiri",
        "style": "Regular",
        "category": "serif",
        "source": "bundled",
        "license": "OFL-1.1",
        "sha256": npm_fonts.AMIRI.sha256,
        "scripts": ["Arab", "Latn"],
        "origin": "npm:@expo-google-fonts/amiri@0.4.1",
    }
    assert "Hebr" in by_id["rubik-regular"]["scripts"]
    assert by_id["noto-sans-devanagari-regular"]["scripts"] == ["Deva"]
    cursive = [f for f in data if f["category"] == "script"]
    assert len(cursive) >= 3
    assert all(f["license"] == "OFL-1.1" and f["origin"].startswith("npm:") for f in cursive)
    assert by_id["lato-regular"]["origin"].startswith("pypi:font-lato==")


def test_another_brand_cannot_read_complete_or_list_an_asset(
    client: Client, brand: dict[str, Any]
) -> None:
    other = new_brand("Brand B", ["https://b.example"])
    image_id = upload(client, brand["publishable_key"], png_bytes())
    font_id = upload(client, brand["secret_key"], lato_bytes(), "font", "font/ttf")
    missing = "ast_0123456789abcdef"
    for asset_id in (image_id, font_id):
        for key in (other["publishable_key"], other["secret_key"]):
            got = client.http.get(f"/v1/assets/{asset_id}", headers=bearer(key))
            done = complete(client, key, asset_id)
            absent = client.http.get(f"/v1/assets/{missing}", headers=bearer(key))
            assert got.status_code == done.status_code == absent.status_code == 404
            assert body(got)["error"] == body(done)["error"] == body(absent)["error"]
    # The owner can still complete: the foreign attempts changed nothing.
    assert complete(client, brand["secret_key"], font_id).status_code == 200
    listed = body(client.http.get("/v1/fonts", headers=bearer(other["publishable_key"])))
    assert font_id not in {f["font_id"] for f in listed["data"]}


def test_load_font_resolves_only_this_brands_ready_fonts(
    client: Client, brand: dict[str, Any]
) -> None:
    from chalicelib import fonts
    from chalicelib.store import assets

    other = new_brand("Brand B", ["https://b.example"])
    font_id = upload(client, brand["secret_key"], lato_bytes(), "font", "font/ttf")
    with pytest.raises(fonts.FontUnknown):  # pending is not usable yet
        assets.load_font(brand["brand_id"], font_id)
    assert complete(client, brand["secret_key"], font_id).status_code == 200

    loaded = assets.load_font(brand["brand_id"], font_id)
    assert loaded.font_id == font_id
    assert loaded.sha256 == fonts.get_font("lato-regular").sha256
    assert assets.load_font(brand["brand_id"], font_id) is loaded  # cached per process
    assert assets.load_font(other["brand_id"], "lato-regular").font_id == "lato-regular"
    with pytest.raises(fonts.FontUnknown):
        assets.load_font(other["brand_id"], font_id)
    assert [a.asset_id for a in assets.brand_fonts(other["brand_id"])] == []


def test_get_ready_image_refuses_pending_fonts_and_foreign_ids(
    client: Client, brand: dict[str, Any]
) -> None:
    from chalicelib.errors import NotFound
    from chalicelib.store import assets

    other = new_brand("Brand B", ["https://b.example"])
    pending = start(client, brand["publishable_key"], png_bytes())["asset"]["asset_id"]
    ready = upload(client, brand["publishable_key"], png_bytes())
    assert complete(client, brand["publishable_key"], ready).status_code == 200
    assert assets.get_ready_image(brand["brand_id"], ready).facts["width_px"] == 32
    for brand_id, asset_id in [
        (brand["brand_id"], pending),
        (other["brand_id"], ready),
        (brand["brand_id"], "../../etc"),
    ]:
        with pytest.raises(NotFound):
            assets.get_ready_image(brand_id, asset_id)


def test_unexpected_failure_leaves_the_asset_pending_for_a_retry(
    client: Client, brand: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.domain import imaging

    def crash(data: bytes, **_: Any) -> Any:
        raise RuntimeError("decoder bug")

    asset_id = upload(client, brand["publishable_key"], png_bytes())
    with monkeypatch.context() as patch:
        patch.setattr(imaging, "verify_image_bytes", crash)
        assert complete(client, brand["publishable_key"], asset_id).status_code == 500
    got = body(client.http.get(f"/v1/assets/{asset_id}", headers=bearer(brand["secret_key"])))
    assert got["status"] == "pending" and got["error"] is None
    assert complete(client, brand["publishable_key"], asset_id).status_code == 200


def test_concurrent_completes_settle_once_and_agree(
    client: Client, brand: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.domain import imaging
    from chalicelib.store import assets

    real = imaging.verify_image_bytes
    asset_id = upload(client, brand["publishable_key"], png_bytes())
    rival: list[assets.Asset] = []

    def verify_while_another_completes(data: bytes, **kwargs: Any) -> Any:
        if not rival:  # the other request finishes while this one is still verifying
            monkeypatch.setattr(imaging, "verify_image_bytes", real)
            rival.append(assets.complete(brand["brand_id"], asset_id))
        return real(data, **kwargs)

    monkeypatch.setattr(imaging, "verify_image_bytes", verify_while_another_completes)
    ours = assets.complete(brand["brand_id"], asset_id)
    assert ours == rival[0]
    assert ours.status == "ready"
    assert [k for k in bucket_keys() if asset_id in k] == [
        f"{brand['brand_id']}/assets/{asset_id}.png"
    ]


PHOTO_ZONE = {
    "id": "photo",
    "name": "Photo",
    "kind": "image",
    "process": "print",
    "x_mm": 5,
    "y_mm": 5,
    "width_mm": 30,
    "height_mm": 30,
    "formats": ["png"],
    "max_bytes": 5000,
}


def photo_product(client: Client, brand: dict[str, Any]) -> str:
    from tests.support.products import create

    r = create(client, brand["secret_key"], zones=[PHOTO_ZONE])
    assert r.status_code == 201, r.body
    return str(body(r)["product_id"])


def start_for_zone(client: Client, brand: dict[str, Any], pid: str, size: int, **over: Any) -> Any:
    payload = {"kind": "image", "content_type": "image/png", "size_bytes": size}
    payload.update({"product_id": pid, "zone_id": "photo", **over})
    return post(client, "/v1/assets", brand["publishable_key"], payload)


def test_zone_upload_signs_the_zones_limit_and_refuses_bigger_declarations(
    client: Client, brand: dict[str, Any]
) -> None:
    product_id = photo_product(client, brand)
    ok = start_for_zone(client, brand, product_id, 5000)
    assert ok.status_code == 201, ok.body
    policy = json.loads(base64.b64decode(body(ok)["upload"]["fields"]["policy"]))
    assert ["content-length-range", 5000, 5000] in policy["conditions"]
    too_big = start_for_zone(client, brand, product_id, 5001)
    assert too_big.status_code == 422
    err = body(too_big)["error"]
    assert err["code"] == "asset.too_large" and err["details"]["max_bytes"] == 5000


@pytest.mark.parametrize(
    ("over", "status", "code"),
    [
        ({"zone_id": "nope"}, 422, "asset.unknown_zone"),
        ({"content_type": "image/jpeg"}, 422, "asset.unsupported_content_type"),
        ({"zone_id": None}, 422, "asset.invalid_zone_reference"),
        ({"product_id": "prd_doesnotexist"}, 404, "product.not_found"),
    ],
)
def test_zone_upload_rejects_bad_references_with_clear_codes(
    client: Client, brand: dict[str, Any], over: dict[str, Any], status: int, code: str
) -> None:
    product_id = photo_product(client, brand)
    r = start_for_zone(client, brand, product_id, 1000, **over)
    assert r.status_code == status, r.body
    assert body(r)["error"]["code"] == code


def test_zone_upload_of_another_brands_product_is_404(
    client: Client, brand: dict[str, Any]
) -> None:
    product_id = photo_product(client, brand)
    other = new_brand()
    r = start_for_zone(client, other, product_id, 1000)
    assert r.status_code == 404 and body(r)["error"]["code"] == "product.not_found"
