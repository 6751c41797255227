"""Model uploads: what complete accepts and the stable code of each refusal."""

from __future__ import annotations

import pytest

from chalicelib.domain import gltf
from chalicelib.domain.model3d import ModelRef, material_index, model_issues
from tests.support.models3d import glb, plaque_glb, plaque_parts


def code_of(data: bytes, **kwargs: int) -> str:
    with pytest.raises(gltf.ModelInvalid) as caught:
        gltf.verify_model_bytes(data, **kwargs)
    return caught.value.code


def test_the_plaque_is_accepted_with_its_facts() -> None:
    facts = gltf.verify_model_bytes(plaque_glb())
    assert facts.triangles == 2 + 10
    assert facts.materials == ["Face", "Body"] and facts.uv_materials == [0]
    assert facts.meshes == 1 and facts.images == 0


def test_an_embedded_png_texture_is_measured() -> None:
    facts = gltf.verify_model_bytes(plaque_glb(body_texture=True))
    assert facts.images == 1


@pytest.mark.parametrize(
    "data",
    [b"", b"PK\x03\x04" + b"\x00" * 40, b'{"asset":{"version":"2.0"}}', plaque_glb()[:-8]],
    ids=["empty", "zip", "gltf-json", "truncated"],
)
def test_what_is_not_a_glb_is_refused(data: bytes) -> None:
    assert code_of(data) == "model.invalid_glb"


def test_a_model_without_uvs_is_refused() -> None:
    assert code_of(plaque_glb(uvs=False)) == "model.no_uvs"


def test_too_many_triangles_are_refused() -> None:
    assert code_of(plaque_glb(extra_triangles=gltf.MAX_TRIANGLES)) == "model.too_many_triangles"


def test_an_oversize_model_is_refused() -> None:
    data = plaque_glb()
    assert code_of(data, max_bytes=len(data) - 1) == "asset.too_large"


@pytest.mark.parametrize(
    "extension", ["KHR_draco_mesh_compression", "KHR_texture_basisu", "EXT_meshopt_compression"]
)
def test_compressed_models_are_refused(extension: str) -> None:
    document, binary = plaque_parts()
    document["extensionsUsed"] = [extension]
    document["extensionsRequired"] = [extension]
    assert code_of(glb(document, binary)) == "model.compression_unsupported"


def test_an_external_buffer_is_refused() -> None:
    document, binary = plaque_parts()
    document["buffers"][0]["uri"] = "https://example.com/plaque.bin"
    assert code_of(glb(document, binary)) == "model.external_resource"


def test_an_accessor_reading_past_its_view_is_refused() -> None:
    document, binary = plaque_parts()
    document["accessors"][0]["count"] = 1000
    assert code_of(glb(document, binary)) == "model.invalid_glb"


def test_a_texture_over_the_limit_is_refused() -> None:
    document, binary = plaque_parts(body_texture=True)
    view = document["bufferViews"][document["images"][0]["bufferView"]]
    start = view["byteOffset"]
    huge = bytearray(binary)
    huge[start + 16 : start + 24] = (5000).to_bytes(4, "big") + (8).to_bytes(4, "big")
    assert code_of(glb(document, bytes(huge))) == "model.texture_too_large"


def test_the_product_names_a_textured_material_by_name_or_index() -> None:
    facts = gltf.verify_model_bytes(plaque_glb()).to_dict()
    assert material_index("Face", facts) == 0 and material_index(0, facts) == 0
    body = model_issues(ModelRef(asset_id="ast_1", material="Body"), facts, ["front"])
    assert [i["code"] for i in body] == ["product.model_material_unknown"]
    missing = model_issues(ModelRef(asset_id="ast_1"), None, ["front"])
    assert missing[0]["code"] == "product.unknown_asset"


def test_each_side_placed_on_the_model_must_exist_once_on_a_textured_material() -> None:
    facts = gltf.verify_model_bytes(plaque_glb()).to_dict()
    sides = [
        {"side": "front", "uv_rect": [0, 0, 0.5, 1]},
        {"side": "back", "uv_rect": [0.5, 0, 1, 1]},
    ]
    ref = ModelRef.model_validate({"asset_id": "ast_1", "material": "Face", "sides": sides})
    assert model_issues(ref, facts, ["front", "back"]) == []
    assert [p[0] for p in ref.placements("front")] == ["front", "back"]
    bad = ModelRef.model_validate(
        {"asset_id": "ast_1", "sides": [*sides, {"side": "lid", "material": "Body"}]}
    )
    codes = [(i["field"], i["code"]) for i in model_issues(bad, facts, ["front", "back"])]
    assert codes == [
        ("model.sides[2].side", "product.model_side_unknown"),
        ("model.sides[2].material", "product.model_material_unknown"),
    ]
    # Without sides, a stored document keeps its shape (no "sides": null).
    assert "sides" not in ModelRef(asset_id="ast_1").model_dump()


@pytest.mark.parametrize("rect", [[0, 0, 0, 1], [0.5, 0, 0.4, 1], [0, 0, 1.2, 1], [0, 0, 1]])
def test_a_bad_uv_rect_is_refused(rect: list[float]) -> None:
    with pytest.raises(ValueError):
        ModelRef(asset_id="ast_1", uv_rect=rect)
