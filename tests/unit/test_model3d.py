"""The model render's parts: the texture bake (UV rectangle, material look), the GLB rewrite
(uploaded bytes kept) and the USDZ (node transforms as trimesh reads them, stored + aligned)."""

from __future__ import annotations

import io
import math
import struct
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from chalicelib.domain.gltf import parse_glb
from chalicelib.domain.material import FACTS
from chalicelib.domain.personalization import ZoneInput
from chalicelib.scene.model3d import bake_texture, retexture_glb, texture_size
from chalicelib.scene.raster import default_rasterizer
from chalicelib.scene.usdz import stored_zip, usdz_from_glb
from tests.support.models3d import glb, plaque_glb, plaque_parts
from tests.support.scene import BIRTHDAY, TEXT_ZONE, product, scene_for


def _jpeg(size: tuple[int, int] = (1024, 512)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="JPEG")
    return out.getvalue()


def test_the_texture_keeps_the_artboards_aspect_inside_the_uv_rect() -> None:
    assert texture_size(120, 40, (0, 0, 1, 1), 2048) == (2048, 683)
    w, h = texture_size(120, 40, (0.5, 0.0, 1.0, 0.5), 2048)
    assert (w * 0.5) / (h * 0.5) == pytest.approx(3, rel=0.01) and max(w, h) == 2048


def test_the_bake_puts_the_look_in_the_uv_rect_on_the_materials_surface() -> None:
    zone = {**TEXT_ZONE, "process": "engrave"}
    doc = product(zone, material="slate")
    scene = scene_for(zone, inputs={"name": ZoneInput(text=BIRTHDAY)}, material="slate")
    rect = (0.5, 0.5, 1.0, 1.0)
    texture = bake_texture([(scene, rect)], doc, 1024, default_rasterizer())
    pixels = np.asarray(texture.convert("RGB")).astype(int)
    h, w, _ = pixels.shape
    surface = np.array([int(FACTS["slate"].surface[i : i + 2], 16) for i in (1, 3, 5)])
    outside = pixels[: h // 2 - 2, :, :].reshape(-1, 3)
    assert np.abs(outside - surface).max() <= 2  # above the rect: the bare material
    light = pixels.sum(axis=2) > surface.sum() + 150  # slate engraves lighter
    rows, cols = np.nonzero(light)
    assert len(rows) > 500
    # Every mark inside the rect, at the zone's place in the artboard (80 × 56 mm).
    u = (cols / w - 0.5) / 0.5 * 80
    v = (rows / h - 0.5) / 0.5 * 56
    assert u.min() >= zone["x_mm"] - 1 and u.max() <= zone["x_mm"] + zone["width_mm"] + 1
    assert v.min() >= zone["y_mm"] - 1 and v.max() <= zone["y_mm"] + zone["height_mm"] + 1


def _material(m: dict[str, Any]) -> dict[str, Any]:
    pbr = {"baseColorFactor": [1, 1, 1, 1], "metallicFactor": 1, "roughnessFactor": 1}
    defaults = {
        "alphaMode": "OPAQUE",
        "alphaCutoff": 0.5,
        "doubleSided": False,
        "emissiveFactor": [0, 0, 0],
    }
    out = {**defaults, **m, "pbrMetallicRoughness": {**pbr, **m.get("pbrMetallicRoughness", {})}}
    if out["alphaMode"] != "MASK":
        out.pop("alphaCutoff")
    return out


def _meshes(meshes: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    return [[{"mode": 4, **p} for p in mesh["primitives"]] for mesh in meshes]


def test_the_rewrite_keeps_every_uploaded_byte_and_material() -> None:
    original = parse_glb(plaque_glb(body_texture=True))
    out = parse_glb(retexture_glb(plaque_glb(body_texture=True), {0: _jpeg()}, "image/jpeg"))
    views = zip(original.document["bufferViews"], out.document["bufferViews"], strict=False)
    for old, new in views:
        a, b = old.get("byteOffset", 0), new.get("byteOffset", 0)
        assert original.binary[a : a + old["byteLength"]] == out.binary[b : b + new["byteLength"]]
    # pygltflib spells out the spec's defaults; with them filled in, nothing else changed.
    assert _material(out.document["materials"][1]) == _material(original.document["materials"][1])
    assert _meshes(out.document["meshes"]) == _meshes(original.document["meshes"])
    face = out.document["materials"][0]["pbrMetallicRoughness"]
    texture = out.document["textures"][face["baseColorTexture"]["index"]]
    assert out.document["images"][texture["source"]]["mimeType"] == "image/jpeg"
    assert face["baseColorFactor"] == [1.0, 1.0, 1.0, 1.0]


def test_the_usdz_places_nodes_where_trimesh_does(tmp_path: Path) -> None:
    import trimesh
    from pxr import Usd, UsdGeom

    document, binary = plaque_parts()
    half = math.sqrt(0.5)
    document["nodes"] = [
        {"name": "holder", "translation": [0.5, 0.0, -0.25], "children": [1]},
        {"mesh": 0, "rotation": [half, 0.0, 0.0, half], "scale": [2.0, 1.0, 1.0]},
    ]
    data = retexture_glb(glb(document, binary), {0: _jpeg()}, "image/jpeg")
    expected = trimesh.load(io.BytesIO(data), file_type="glb").bounds
    path = tmp_path / "moved.usdz"
    path.write_bytes(usdz_from_glb(data))
    stage = Usd.Stage.Open(str(path))
    box = (
        UsdGeom.BBoxCache(Usd.TimeCode.Default(), ["default"])
        .ComputeWorldBound(stage.GetPseudoRoot())
        .ComputeAlignedRange()
    )
    got = np.array([list(box.GetMin()), list(box.GetMax())])
    assert np.allclose(got, expected, atol=1e-5), (got, expected)


@pytest.mark.parametrize("sizes", [[1, 2, 3], [63, 64, 65, 0], [1000, 7]])
def test_every_entry_is_stored_and_64_byte_aligned(sizes: list[int]) -> None:
    files = [(f"dir/f{i}{'x' * i}.bin", bytes([i % 251]) * n) for i, n in enumerate(sizes)]
    data = stored_zip([("model.usda", b"#usda 1.0\n"), *files])
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None and archive.namelist()[0] == "model.usda"
    for info in archive.infolist():
        name_len, extra_len = struct.unpack_from("<HH", data, info.header_offset + 26)
        assert (info.header_offset + 30 + name_len + extra_len) % 64 == 0
        assert info.compress_type == zipfile.ZIP_STORED
    assert [archive.read(n) for n, _ in files] == [d for _, d in files]


def test_two_sides_share_one_texture_each_in_its_rect() -> None:
    zone = {**TEXT_ZONE, "process": "engrave"}
    doc = product(zone)
    front = scene_for(zone, inputs={"name": ZoneInput(text=BIRTHDAY)})
    back = scene_for(zone, inputs={"name": ZoneInput(text="x")})
    left, right = (0.0, 0.0, 0.5, 1.0), (0.5, 0.0, 1.0, 1.0)
    texture = bake_texture([(front, left), (back, right)], doc, 2048, default_rasterizer())
    gray = np.asarray(texture.convert("L")).astype(int)
    w = gray.shape[1]
    ink_left, ink_right = (gray[:, : w // 2] < 100).sum(), (gray[:, w // 2 :] < 100).sum()
    assert ink_left > 5 * ink_right > 0  # the long name on the left, the "x" on the right
