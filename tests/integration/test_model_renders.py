"""3D and AR previews in-process: model uploads, the ``model`` render, its files read back by
independent readers (trimesh for the GLB, Pixar's usd-core for the USDZ) and the AR redirect."""

from __future__ import annotations

import io
import json
import struct
import zipfile
from pathlib import Path
from typing import Any

import pytest
import requests
from chalice.test import Client

from tests.integration.conftest import bearer, body, new_brand
from tests.support.assets import complete, post, upload
from tests.support.models3d import BODY_COLOR, plaque_glb
from tests.support.products import create
from tests.support.renders import drain, idem, snapshot, status

GLB = "model/gltf-binary"
# The artboard is 120 × 40 mm, the plaque's top face 0.12 × 0.04 m: 1 mm of artboard is 1 mm of
# plaque. The text zone sits in the left half; the right half must stay blank.
ZONE = {
    "id": "name",
    "name": "Name",
    "kind": "text",
    "x_mm": 8,
    "y_mm": 10,
    "width_mm": 50,
    "height_mm": 20,
    "max_chars": 30,
    "min_size_mm": 3,
    "max_size_mm": 16,
    "fonts": ["lato-regular"],
    "colors": ["#000000"],
}


def model_asset(client: Client, key: str, data: bytes) -> Any:
    asset_id = upload(client, key, data, kind="model", content_type=GLB)
    return complete(client, key, asset_id), asset_id


@pytest.fixture(scope="module")
def shop(client: Client) -> dict[str, Any]:
    owner = new_brand("Plaque shop")
    done, asset_id = model_asset(client, owner["secret_key"], plaque_glb())
    assert done.status_code == 200, done.body
    owner["model_id"] = asset_id
    product = create(
        client,
        owner["secret_key"],
        width_mm=120,
        height_mm=40,
        zones=[ZONE],
        model={"asset_id": asset_id, "material": "Face"},
    )
    assert product.status_code == 201, product.body
    owner["product_id"] = body(product)["product_id"]
    return owner


@pytest.fixture(scope="module")
def rendered(client: Client, shop: dict[str, Any]) -> dict[str, Any]:
    sid = snapshot(client, shop, "HELLO")
    r = client.http.post(
        "/v1/renders/model",
        headers=idem(shop["publishable_key"]),
        body=json.dumps({"snapshot_id": sid}),
    )
    assert r.status_code == 202, r.body
    rid = body(r)["render_id"]
    assert drain("render-final") == 1
    done = status(client, shop["publishable_key"], rid)
    assert done["status"] == "succeeded", done
    result = body(
        client.http.get(f"/v1/renders/{rid}/result", headers=bearer(shop["publishable_key"]))
    )
    files = {f["role"]: f for f in result["files"]}
    return {
        "render_id": rid,
        "snapshot_id": sid,
        "files": files,
        "glb": requests.get(files["model"]["url"], timeout=10).content,
        "usdz": requests.get(files["ar"]["url"], timeout=10).content,
    }


def test_model_upload_is_verified_and_reports_its_materials(
    client: Client, shop: dict[str, Any]
) -> None:
    got = body(
        client.http.get(f"/v1/assets/{shop['model_id']}", headers=bearer(shop["secret_key"]))
    )
    assert got["kind"] == "model" and got["status"] == "ready"
    assert got["facts"]["materials"] == ["Face", "Body"] and got["facts"]["triangles"] == 12


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"not a model at all, just text bytes", "model.invalid_glb"),
        (plaque_glb(uvs=False), "model.no_uvs"),
        (plaque_glb(extra_triangles=200_000), "model.too_many_triangles"),
    ],
    ids=["not-gltf", "no-uvs", "too-many-triangles"],
)
def test_invalid_models_are_422_at_complete_and_the_asset_failed(
    client: Client, shop: dict[str, Any], data: bytes, code: str
) -> None:
    r, asset_id = model_asset(client, shop["secret_key"], data)
    assert r.status_code == 422 and body(r)["error"]["code"] == code
    got = body(client.http.get(f"/v1/assets/{asset_id}", headers=bearer(shop["secret_key"])))
    assert got["status"] == "failed" and got["error"]["code"] == code


def test_a_compressed_model_is_422_at_complete(client: Client, shop: dict[str, Any]) -> None:
    from tests.support.models3d import glb, plaque_parts

    document, binary = plaque_parts()
    document["extensionsUsed"] = document["extensionsRequired"] = ["KHR_draco_mesh_compression"]
    r, _ = model_asset(client, shop["secret_key"], glb(document, binary))
    assert r.status_code == 422
    assert body(r)["error"]["code"] == "model.compression_unsupported"


def test_an_oversize_model_is_refused_before_upload(client: Client, shop: dict[str, Any]) -> None:
    r = post(
        client,
        "/v1/assets",
        shop["secret_key"],
        {
            "kind": "model",
            "content_type": GLB,
            "filename": "big.glb",
            "size_bytes": 17 * 2**20,
        },
    )
    assert r.status_code == 422 and body(r)["error"]["code"] == "asset.too_large"


def test_models_are_uploaded_with_the_secret_key_only(client: Client, shop: dict[str, Any]) -> None:
    r = post(
        client,
        "/v1/assets",
        shop["publishable_key"],
        {
            "kind": "model",
            "content_type": GLB,
            "filename": "a.glb",
            "size_bytes": 100,
        },
    )
    assert r.status_code == 403 and body(r)["error"]["code"] == "auth.secret_key_required"


def test_a_product_naming_an_untextured_material_or_a_foreign_model_is_422(
    client: Client, shop: dict[str, Any]
) -> None:
    r = create(client, shop["secret_key"], model={"asset_id": shop["model_id"], "material": "Body"})
    assert r.status_code == 422
    assert [d["code"] for d in body(r)["error"]["details"]] == ["product.model_material_unknown"]
    other = new_brand("Other plaque shop")
    r = create(client, other["secret_key"], model={"asset_id": shop["model_id"]})
    assert [d["code"] for d in body(r)["error"]["details"]] == ["product.unknown_asset"]


def test_a_product_without_a_model_is_422_render_no_model(client: Client) -> None:
    owner = new_brand("Flat shop")
    owner["product_id"] = body(
        create(client, owner["secret_key"], width_mm=120, height_mm=40, zones=[ZONE])
    )["product_id"]
    sid = snapshot(client, owner, "HELLO")
    r = client.http.post(
        "/v1/renders/model",
        headers=idem(owner["publishable_key"]),
        body=json.dumps({"snapshot_id": sid}),
    )
    assert r.status_code == 422 and body(r)["error"]["code"] == "render.no_model"


def test_the_result_lists_the_glb_and_the_usdz_with_their_types(rendered: dict[str, Any]) -> None:
    files = rendered["files"]
    assert files["model"]["content_type"] == "model/gltf-binary"
    assert files["ar"]["content_type"] == "model/vnd.usdz+zip"
    assert files["model"]["width_px"] >= 1024


def _texture(geometry: Any) -> Any:
    material = getattr(geometry.visual, "material", None)
    return getattr(material, "baseColorTexture", None)


def _ink_on_the_plaque_mm(scene: Any) -> tuple[Any, Any]:
    """Where the texture's ink lands on the top face, in artboard millimetres, read by trimesh."""
    import numpy as np

    face = next(g for g in scene.geometry.values() if _texture(g) is not None)
    image = face.visual.material.baseColorTexture.convert("L")
    pixels = np.asarray(image)
    h, w = pixels.shape
    rows, cols = np.nonzero(pixels < 100)
    uv = np.stack([(cols + 0.5) / w, 1.0 - (rows + 0.5) / h], axis=1)  # trimesh: v grows up
    points = []
    tri_uv = face.visual.uv[face.faces]
    tri_xyz = face.vertices[face.faces]
    for a, b in zip(tri_uv, tri_xyz, strict=True):
        m = np.stack([a[1] - a[0], a[2] - a[0]], axis=1)  # UV edge vectors as columns
        l1, l2 = np.linalg.solve(m, (uv - a[0]).T)
        inside = (l1 >= -1e-9) & (l2 >= -1e-9) & (l1 + l2 <= 1 + 1e-9)
        xyz = b[0] + np.outer(l1[inside], b[1] - b[0]) + np.outer(l2[inside], b[2] - b[0])
        points.append(xyz)
    xyz = np.concatenate(points)
    # Artboard mm: x from the plaque's left edge (-0.06 m), y from its far edge (-0.02 m).
    return (xyz[:, 0] + 0.06) * 1000, (xyz[:, 2] + 0.02) * 1000


def test_the_glb_loads_in_trimesh_with_the_design_where_the_zone_is(
    rendered: dict[str, Any],
) -> None:
    import numpy as np
    import trimesh

    scene = trimesh.load(io.BytesIO(rendered["glb"]), file_type="glb")
    textured = [g for g in scene.geometry.values() if _texture(g) is not None]
    assert len(textured) == 1
    texture = _texture(textured[0])
    assert max(texture.size) >= 1024
    x_mm, y_mm = _ink_on_the_plaque_mm(scene)
    assert len(x_mm) > 2000  # the text is drawn
    tol = 1.0
    assert x_mm.min() >= ZONE["x_mm"] - tol and x_mm.max() <= ZONE["x_mm"] + ZONE["width_mm"] + tol
    assert y_mm.min() >= ZONE["y_mm"] - tol and y_mm.max() <= ZONE["y_mm"] + ZONE["height_mm"] + tol
    assert x_mm.max() - x_mm.min() > 0.5 * ZONE["width_mm"]  # fitted to the zone, not a speck
    # Around the ink: the surface (white: no material set), not the uploaded face's colour.
    assert np.asarray(texture.convert("L"))[0:20, -20:].min() > 240
    body_mesh = next(g for g in scene.geometry.values() if _texture(g) is None)
    colour = body_mesh.visual.material.main_color[:3] / 255.0
    assert np.allclose(colour, BODY_COLOR[:3], atol=0.01)  # the other material is as uploaded


def _data_offset(usdz: bytes, info: zipfile.ZipInfo) -> int:
    name_len, extra_len = struct.unpack_from("<HH", usdz, info.header_offset + 26)
    return info.header_offset + 30 + name_len + extra_len


def test_the_usdz_is_a_stored_aligned_zip_with_the_layer_first(rendered: dict[str, Any]) -> None:
    usdz = rendered["usdz"]
    archive = zipfile.ZipFile(io.BytesIO(usdz))
    infos = archive.infolist()
    assert infos[0].filename.endswith((".usda", ".usdc"))
    assert archive.testzip() is None
    for info in infos:
        assert info.compress_type == zipfile.ZIP_STORED, info.filename
        assert _data_offset(usdz, info) % 64 == 0, info.filename
    assert any(i.filename.endswith(".jpg") for i in infos)


def test_usd_core_opens_the_usdz_and_finds_the_textured_plaque(
    rendered: dict[str, Any], tmp_path: Path
) -> None:
    from PIL import Image
    from pxr import Usd, UsdGeom, UsdShade, UsdValidation

    path = tmp_path / "plaque.usdz"
    path.write_bytes(rendered["usdz"])
    stage = Usd.Stage.Open(str(path))
    assert UsdGeom.GetStageUpAxis(stage) == "Y" and UsdGeom.GetStageMetersPerUnit(stage) == 1
    meshes = [UsdGeom.Mesh(p) for p in stage.Traverse() if p.IsA(UsdGeom.Mesh)]
    assert len(meshes) == 2
    box = (
        UsdGeom.BBoxCache(Usd.TimeCode.Default(), ["default"])
        .ComputeWorldBound(stage.GetPseudoRoot())
        .ComputeAlignedRange()
    )
    assert [round(v, 4) for v in box.GetSize()] == [0.12, 0.01, 0.04]
    textures = []
    for mesh in meshes:
        material, _ = UsdShade.MaterialBindingAPI(mesh.GetPrim()).ComputeBoundMaterial()
        surface = material.ComputeSurfaceSource()[0]
        source = surface.GetInput("diffuseColor").GetConnectedSources()[0]
        if source:
            shader = UsdShade.Shader(source[0].source.GetPrim())
            assert shader.GetIdAttr().Get() == "UsdUVTexture"
            textures.append(shader.GetInput("file").Get().resolvedPath)
    assert len(textures) == 1 and textures[0]
    # The packaged texture is the GLB's: the same design pixels.
    archive = zipfile.ZipFile(io.BytesIO(rendered["usdz"]))
    packed = Image.open(io.BytesIO(archive.read(archive.namelist()[1])))
    assert max(packed.size) >= 1024
    validator = UsdValidation.ValidationRegistry().GetOrLoadValidatorByName(
        "usdUtilsValidators:UsdzPackageValidator"
    )
    assert not UsdValidation.ValidationContext([validator]).Validate(stage)


def test_the_model_files_are_recorded_on_the_snapshot(
    client: Client, shop: dict[str, Any], rendered: dict[str, Any]
) -> None:
    path = f"/v1/snapshots/{rendered['snapshot_id']}"
    snap = body(client.http.get(path, headers=bearer(shop["secret_key"])))
    files = snap["assets"]["model"]["files"]
    assert {f["content_type"] for f in files} == {"model/gltf-binary", "model/vnd.usdz+zip"}


def test_the_ar_link_redirects_to_a_fresh_signed_url(
    client: Client, shop: dict[str, Any], rendered: dict[str, Any]
) -> None:
    rid, key = rendered["render_id"], shop["publishable_key"]
    r = client.http.get(f"/v1/renders/{rid}/ar/model.usdz?key={key}")
    assert r.status_code == 302 and r.headers["Cache-Control"] == "no-store"
    assert requests.get(r.headers["Location"], timeout=10).content == rendered["usdz"]
    r = client.http.get(f"/v1/renders/{rid}/ar/model.glb?key={key}")
    assert requests.get(r.headers["Location"], timeout=10).content == rendered["glb"]
    assert client.http.get(f"/v1/renders/{rid}/ar/other.bin?key={key}").status_code == 404
    assert client.http.get(f"/v1/renders/{rid}/ar/model.glb?key=pk_nope").status_code == 401
    other = new_brand("AR stranger")
    r = client.http.get(f"/v1/renders/{rid}/ar/model.glb?key={other['publishable_key']}")
    assert r.status_code == 404 and body(r)["error"]["code"] == "render.not_found"


def test_the_same_design_gives_the_same_model_bytes(
    shop: dict[str, Any], rendered: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.jobs import render_worker
    from chalicelib.store import renders

    monkeypatch.setattr(renders, "set_progress", lambda *_: None)  # the job itself is finished
    model = renders.find(shop["brand_id"], rendered["render_id"])
    assert model is not None
    again = render_worker._render(model)
    assert [o.data for o in again] == [rendered["glb"], rendered["usdz"]]


def test_each_side_is_baked_into_its_own_uv_rect(client: Client, shop: dict[str, Any]) -> None:
    import numpy as np
    import trimesh

    sides = [
        {"id": s, "name": s.title(), "width_mm": 60, "height_mm": 40} for s in ("front", "back")
    ]
    zones = [
        {**ZONE, "id": "name", "x_mm": 5, "width_mm": 50, "side": "front"},
        {**ZONE, "id": "date", "name": "Date", "x_mm": 5, "width_mm": 50, "side": "back"},
    ]
    model = {
        "asset_id": shop["model_id"],
        "material": "Face",
        "sides": [
            {"side": "front", "uv_rect": [0, 0, 0.5, 1]},
            {"side": "back", "uv_rect": [0.5, 0, 1, 1]},
        ],
    }
    bad = {**model, "sides": [*model["sides"], {"side": "lid"}]}
    r = create(client, shop["secret_key"], width_mm=60, height_mm=40, sides=sides, zones=zones,
               model=bad)  # fmt: skip
    assert r.status_code == 422
    assert [d["code"] for d in body(r)["error"]["details"]] == ["product.model_side_unknown"]
    r = create(client, shop["secret_key"], width_mm=60, height_mm=40, sides=sides, zones=zones,
               model=model)  # fmt: skip
    assert r.status_code == 201, r.body
    two = {**shop, "product_id": body(r)["product_id"]}
    spec = client.http.post(
        "/v1/specs",
        headers=idem(two["publishable_key"]),
        body=json.dumps(
            {
                "product_id": two["product_id"],
                "inputs": {"name": {"text": "ADA"}, "date": {"text": "1815"}},
            }
        ),
    )
    assert spec.status_code in (200, 201), spec.body
    snap = client.http.post(
        "/v1/snapshots",
        headers=idem(two["publishable_key"]),
        body=json.dumps({"spec_hash": body(spec)["spec_hash"]}),
    )
    r = client.http.post(
        "/v1/renders/model",
        headers=idem(two["publishable_key"]),
        body=json.dumps({"snapshot_id": body(snap)["snapshot_id"]}),
    )
    assert r.status_code == 202, r.body
    rid = body(r)["render_id"]
    assert drain("render-final") == 1
    assert status(client, two["publishable_key"], rid)["status"] == "succeeded"
    result = body(
        client.http.get(f"/v1/renders/{rid}/result", headers=bearer(two["publishable_key"]))
    )
    data = requests.get(result["files"][0]["url"], timeout=10).content
    scene = trimesh.load(io.BytesIO(data), file_type="glb")
    x_mm, y_mm = _ink_on_the_plaque_mm(scene)
    front, back = x_mm[x_mm < 60], x_mm[x_mm >= 60]
    assert len(front) > 500 and len(back) > 500  # both sides drawn
    assert front.min() >= 5 - 1 and front.max() <= 55 + 1  # the front's zone, left half
    assert back.min() >= 65 - 1 and back.max() <= 115 + 1  # the back's zone, right half
    assert np.all((y_mm >= ZONE["y_mm"] - 1) & (y_mm <= ZONE["y_mm"] + ZONE["height_mm"] + 1))


def test_another_brands_snapshot_or_render_answers_404_like_a_missing_one(
    client: Client, rendered: dict[str, Any]
) -> None:
    stranger = new_brand("Model stranger")
    r = client.http.post(
        "/v1/renders/model",
        headers=idem(stranger["publishable_key"]),
        body=json.dumps({"snapshot_id": rendered["snapshot_id"]}),
    )
    missing = client.http.post(
        "/v1/renders/model",
        headers=idem(stranger["publishable_key"]),
        body=json.dumps({"snapshot_id": "snp_00000000000000000000"}),
    )
    assert r.status_code == missing.status_code == 404
    assert body(r)["error"]["code"] == body(missing)["error"]["code"]
    path = f"/v1/renders/{rendered['render_id']}/result"
    assert client.http.get(path, headers=bearer(stranger["publishable_key"])).status_code == 404
