"""Shopper framing: quarter turns, fine angle and crop land in the zone as framed (pixels);
a crop past the photo's edge is refused; the effective DPI is the crop's."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw

from chalicelib.domain.framing import Framing, inside_image
from chalicelib.domain.imaging import verify_image_bytes
from chalicelib.domain.personalization import ImageInfo, ZoneInput, validate_inputs
from chalicelib.domain.render_options import FinalOptions
from chalicelib.domain.spec import DesignSpec, build_spec
from chalicelib.scene.build import build_scene
from chalicelib.scene.framing import framed_png
from chalicelib.scene.render import render_final
from tests.support.personalization import FakeCatalog
from tests.support.scene import PHOTO_ZONE, FakeResources, product

RED, GREEN, BLUE, BLACK, WHITE = (255, 0, 0), (0, 160, 0), (0, 0, 255), (0, 0, 0), (255, 255, 255)


def corners_photo(width: int = 200, height: int = 100) -> bytes:
    """White with a coloured 20 % square in each corner: TL red, TR green, BL blue, BR black."""
    image = Image.new("RGB", (width, height), WHITE)
    draw = ImageDraw.Draw(image)
    w, h = width // 5, height // 5
    draw.rectangle((0, 0, w - 1, h - 1), fill=RED)
    draw.rectangle((width - w, 0, width - 1, h - 1), fill=GREEN)
    draw.rectangle((0, height - h, w - 1, height - 1), fill=BLUE)
    draw.rectangle((width - w, height - h, width - 1, height - 1), fill=BLACK)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return verify_image_bytes(out.getvalue())[1]


def rgb(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def near(pixel: np.ndarray, colour: tuple[int, int, int], tolerance: int = 40) -> bool:
    return bool(np.abs(pixel - np.array(colour)).max() <= tolerance)


def frame(**fields: Any) -> Framing:
    crop = fields.pop("crop", (0.0, 0.0, 1.0, 1.0))
    return Framing.model_validate(
        {"crop": dict(zip(("x", "y", "width", "height"), crop, strict=True)), **fields}
    )


def test_a_quarter_turn_moves_each_corner_clockwise() -> None:
    out = rgb(framed_png(corners_photo(), frame(quarter_turns=1)))
    assert out.shape == (200, 100, 3)  # portrait now
    assert near(out[5, 5], BLUE) and near(out[5, 94], RED)  # left column went up
    assert near(out[194, 94], GREEN) and near(out[194, 5], BLACK)
    half = rgb(framed_png(corners_photo(), frame(quarter_turns=2)))
    assert near(half[5, 5], BLACK) and near(half[94, 194], RED)


def test_a_crop_keeps_only_its_window_at_source_resolution() -> None:
    out = rgb(framed_png(corners_photo(), frame(crop=(0.5, 0.0, 0.5, 0.5))))
    assert out.shape == (50, 100, 3)  # the top right quarter, pixel for pixel
    assert near(out[3, 96], GREEN) and near(out[3, 3], WHITE) and near(out[46, 96], WHITE)
    assert (out[:18, 62:] == GREEN).all()  # exactly the source's pixels away from the edge


def test_the_fine_angle_turns_the_photo_clockwise_under_the_window() -> None:
    image = Image.new("RGB", (400, 400), WHITE)
    ImageDraw.Draw(image).rectangle((0, 195, 399, 204), fill=BLACK)  # a horizon
    png = verify_image_bytes(_png(image))[1]
    out = rgb(framed_png(png, frame(crop=(0.25, 0.25, 0.5, 0.5), angle_deg=10)))
    dark = out.sum(axis=2) < 200
    left = np.flatnonzero(dark[:, 10]).mean()
    right = np.flatnonzero(dark[:, 189]).mean()
    assert right - left == pytest.approx(179 * np.tan(np.radians(10)), abs=2)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("fields", "inside"),
    [
        ({}, True),
        ({"crop": (0.6, 0.0, 0.4, 1.0)}, True),
        ({"crop": (0.6, 0.0, 0.5, 1.0)}, False),  # past the right edge
        ({"crop": (0.0, 0.0, 1.0, 1.0), "angle_deg": 5}, False),  # corners leave when turned
        ({"crop": (0.3, 0.3, 0.4, 0.4), "angle_deg": 30}, True),
        ({"crop": (0.0, 0.0, 1.0, 0.5), "quarter_turns": 1}, True),
        ({"crop": (0.0, 0.6, 1.0, 0.5), "quarter_turns": 3}, False),
    ],
)
def test_a_window_must_lie_on_the_turned_photo(fields: dict[str, Any], inside: bool) -> None:
    assert inside_image(frame(**fields), 200, 100) is inside


def _validate(framing: dict[str, Any] | None, zone: dict[str, Any] | None = None) -> Any:
    doc = product({**PHOTO_ZONE, "width_mm": 50, "height_mm": 25, **(zone or {})})
    catalog = FakeCatalog(images={"img": ImageInfo("png", 1000, 500, 1234, "a" * 64)})
    given: dict[str, Any] = {"asset_id": "img"}
    if framing is not None:
        given["framing"] = framing
    return doc, validate_inputs(doc, {"photo": ZoneInput.model_validate(given)}, catalog)


def test_the_effective_dpi_is_the_crops() -> None:
    _, whole = _validate(None)
    assert whole.valid and whole.normalized_inputs["photo"]["effective_dpi"] == 508.0
    crop = {"crop": {"x": 0.25, "y": 0.25, "width": 0.5, "height": 0.5}}
    _, half = _validate(crop)
    assert half.valid and half.normalized_inputs["photo"]["effective_dpi"] == 254.0
    _, low = _validate(crop, {"min_dpi": 300})
    assert [e["code"] for e in low.errors] == ["image.dpi_too_low"]


def test_a_crop_past_the_edge_is_refused_with_a_code() -> None:
    _, result = _validate({"crop": {"x": 0.5, "y": 0.0, "width": 0.6, "height": 1.0}})
    assert not result.valid
    (error,) = result.errors
    assert error["code"] == "image.crop_outside" and error["zone_id"] == "photo"


def test_framing_is_recorded_in_a_version_2_spec_and_absent_otherwise() -> None:
    framing = {"crop": {"x": 0.1, "y": 0.2, "width": 0.5, "height": 0.5}, "quarter_turns": 2}
    doc, result = _validate(framing)
    spec = build_spec("prd_x", 1, doc, result)
    assert spec["spec_version"] == 2
    assert spec["zones"]["photo"]["framing"] == {**framing, "angle_deg": 0.0}
    doc, plain = _validate(None)
    assert "framing" not in build_spec("prd_x", 1, doc, plain)["zones"]["photo"]
    with pytest.raises(Exception, match="version 2"):
        DesignSpec.model_validate({**spec, "spec_version": 1})


def test_the_framed_photo_lands_in_the_zone_as_framed() -> None:
    """Turned once and cropped to its top square, the photo shows blue top-left and red
    top-right in a square zone, in the final render the workshop gets."""
    png = corners_photo()
    doc = product({**PHOTO_ZONE, "x_mm": 10, "y_mm": 10, "width_mm": 20, "height_mm": 20})
    facts, _ = verify_image_bytes(png)
    info = ImageInfo("png", facts.width_px, facts.height_px, len(png), facts.sha256)
    framing = {"crop": {"x": 0.0, "y": 0.0, "width": 1.0, "height": 0.5}, "quarter_turns": 1}
    given = ZoneInput.model_validate({"asset_id": "img_photo", "framing": framing})
    result = validate_inputs(doc, {"photo": given}, FakeCatalog(images={"img_photo": info}))
    assert result.valid, result.errors
    spec = build_spec("prd_x", 1, doc, result)
    scene = build_scene(spec, doc, FakeResources({"img_photo": png}), mockup=False)
    final = render_final(scene, FinalOptions(dpi=254, bleed_mm=0))[0]
    out = rgb(final.data)
    at = lambda x_mm, y_mm: out[round(y_mm * 10), round(x_mm * 10)]  # noqa: E731 — 10 px/mm
    assert near(at(11, 11), BLUE) and near(at(29, 11), RED)  # the zone's top corners
    assert near(at(20, 20), WHITE) and near(at(11, 29), WHITE) and near(at(29, 29), WHITE)


def _adjusted(adjust: dict[str, Any], allowed: list[str] | None) -> Any:
    return _validate_input({"asset_id": "img", "adjust": adjust}, {"adjustments": allowed})


def _validate_input(given: dict[str, Any], zone: dict[str, Any]) -> Any:
    doc = product({**PHOTO_ZONE, "width_mm": 50, "height_mm": 25, **zone})
    catalog = FakeCatalog(images={"img": ImageInfo("png", 1000, 500, 1234, "a" * 64)})
    return doc, validate_inputs(doc, {"photo": ZoneInput.model_validate(given)}, catalog)


def test_adjustments_are_only_what_the_zone_allows() -> None:
    _, refused = _adjusted({"greyscale": True, "contrast": 1.5}, ["greyscale"])
    (error,) = refused.errors
    assert error["code"] == "image.adjustment_not_allowed"
    assert error["params"] == {"adjustments": ["contrast"], "allowed": ["greyscale"]}
    _, none_offered = _adjusted({"brightness": 0.2}, None)
    assert [e["code"] for e in none_offered.errors] == ["image.adjustment_not_allowed"]
    doc, ok = _adjusted({"greyscale": True, "contrast": 1.5}, ["greyscale", "contrast"])
    spec = build_spec("prd_x", 1, doc, ok)
    assert spec["zones"]["photo"]["adjust"] == {
        "greyscale": True,
        "brightness": 0.0,
        "contrast": 1.5,
    }
    doc, neutral = _adjusted({"brightness": 0.0}, None)  # nothing changed: nothing recorded
    assert neutral.valid and "adjust" not in build_spec("prd_x", 1, doc, neutral)["zones"]["photo"]


def test_zones_without_adjustments_keep_their_documents() -> None:
    assert "adjustments" not in product(PHOTO_ZONE).model_dump()["zones"][0]
    offered = product({**PHOTO_ZONE, "adjustments": ["greyscale"]}).model_dump()["zones"][0]
    assert offered["adjustments"] == ["greyscale"]


def test_adjusted_pixels() -> None:
    from chalicelib.domain.framing import ImageAdjust
    from chalicelib.scene.framing import adjusted_png

    photo = corners_photo()
    grey = rgb(adjusted_png(photo, ImageAdjust(greyscale=True)))
    assert (grey[..., 0] == grey[..., 1]).all() and (grey[..., 1] == grey[..., 2]).all()
    assert near(grey[5, 5], (76, 76, 76), 2)  # red's luma (Rec. 601)
    lighter = rgb(adjusted_png(photo, ImageAdjust(brightness=0.5)))
    assert near(lighter[95, 195], (128, 128, 128), 2)  # black half way to white
    darker = rgb(adjusted_png(photo, ImageAdjust(brightness=-0.5)))
    assert near(darker[50, 100], (128, 128, 128), 2)  # white half way to black
    flat = rgb(adjusted_png(photo, ImageAdjust(contrast=0.0)))
    assert np.ptp(flat) <= 1  # no contrast left: one grey


def test_the_scene_draws_the_adjusted_photo() -> None:
    png = corners_photo()
    doc = product({**PHOTO_ZONE, "width_mm": 40, "height_mm": 20, "adjustments": ["greyscale"]})
    facts, _ = verify_image_bytes(png)
    info = ImageInfo("png", facts.width_px, facts.height_px, len(png), facts.sha256)
    given = ZoneInput.model_validate({"asset_id": "img_photo", "adjust": {"greyscale": True}})
    result = validate_inputs(doc, {"photo": given}, FakeCatalog(images={"img_photo": info}))
    assert result.valid, result.errors
    scene = build_scene(
        build_spec("prd_x", 1, doc, result), doc, FakeResources({"img_photo": png}), mockup=False
    )
    (item,) = scene.items
    drawn = rgb(item.image.png)  # type: ignore[union-attr]
    assert (drawn[..., 0] == drawn[..., 2]).all() and not near(drawn[5, 5], RED)
