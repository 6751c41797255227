"""Text along a circular arc (issue 17): glyph origins on the circle, rotations following the
arc length of HarfBuzz's own advances (shaped here with uharfbuzz directly, not our code),
auto-fit to the arc, right-to-left reading order along the curve, the DXF ink inside the ring
the font's metrics allow, the spec's record of the path and the 422s of bad paths."""

from __future__ import annotations

import copy
import io
import math
from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.domain.layout import Layout
from chalicelib.domain.personalization import ZoneInput, validate_inputs
from chalicelib.domain.profile import BUILTIN
from chalicelib.domain.spec import DesignSpec, build_spec
from chalicelib.domain.zone import ProductDoc, product_issues
from chalicelib.scene.build import build_scene
from chalicelib.scene.dxf import prepare_ezdxf_import, to_dxf
from chalicelib.scene.model import RenderError
from tests.unit.test_scripts import DEBIAN_FONTS, BrandFonts, debian_font

CX = CY = 50.0  # a round 100 mm coaster; the zone covers it, so zone and artboard frames agree
RADIUS = 38.0
UM = 1e-3


def coaster(text_path: dict[str, Any] | None = None, **changes: Any) -> ProductDoc:
    path = {"cx_mm": CX, "cy_mm": CY, "radius_mm": RADIUS, "span_deg": 180.0}
    zone = {
        "id": "name",
        "name": "Name",
        "kind": "text",
        "process": "engrave",
        "x_mm": 0,
        "y_mm": 0,
        "width_mm": 100,
        "height_mm": 100,
        "max_chars": 60,
        "min_size_mm": 2,
        "max_size_mm": 9,
        "fonts": list(DEBIAN_FONTS),
        "charset": ["latin", "arabic", "hebrew"],
        "profanity": "off",
        "path": {**path, **(text_path or {})},
        **changes,
    }
    return ProductDoc.model_validate(
        {"name": "Coaster", "sku": "C-1", "width_mm": 100, "height_mm": 100, "zones": [zone]}
    )


def laid_out(text: str, font: str, doc: ProductDoc) -> tuple[Layout, dict[str, Any]]:
    result = validate_inputs(doc, {"name": ZoneInput(text=text, font=font)}, BrandFonts())
    assert result.valid, result.errors
    return result.layouts["name"], build_spec("prd_coaster", 1, doc, result)


def hb_pens(font_id: str, text: str) -> tuple[list[float], list[int], float]:
    """Pen x (advances summed plus x offset) and clusters in visual order, straight from
    uharfbuzz, and the font's units per em."""
    import uharfbuzz as hb

    blob = hb.Blob(DEBIAN_FONTS[font_id].read_bytes())
    face = hb.Face(blob)
    font = hb.Font(face)
    buf = hb.Buffer()
    buf.add_str(text)
    buf.guess_segment_properties()
    hb.shape(font, buf, {})
    pens, clusters, pen = [], [], 0
    for info, pos in zip(buf.glyph_infos, buf.glyph_positions, strict=True):
        pens.append(pen + pos.x_offset)
        clusters.append(info.cluster)
        pen += pos.x_advance
    return pens, clusters, face.upem


def clockwise_from_top(x: float, y: float) -> float:
    """Angle of a point about the centre, degrees clockwise from 12 o'clock (y down)."""
    return math.degrees(math.atan2(x - CX, -(y - CY)))


def test_each_glyph_origin_is_on_the_circle_and_turned_by_the_arc_length_of_its_advance() -> None:
    text = "Rosalind Hartley"
    layout, _ = laid_out(text, "kaushan", coaster())
    pens, _, upem = hb_pens("kaushan", text)
    glyphs = layout.glyphs
    assert len(glyphs) == len(pens) == len(text)  # one glyph per letter and space here
    scale = layout.font_size_mm / upem
    for glyph, pen in zip(glyphs, pens, strict=True):
        assert math.hypot(glyph.x_mm - CX, glyph.y_mm - CY) == pytest.approx(RADIUS, abs=UM)
        expected = glyphs[0].rotation_deg + math.degrees((pen - pens[0]) * scale / RADIUS)
        assert glyph.rotation_deg == pytest.approx(expected, abs=1e-6)
        # the tangent there: the glyph's rotation is its origin's angle on the circle
        assert clockwise_from_top(glyph.x_mm, glyph.y_mm) == pytest.approx(
            glyph.rotation_deg, abs=UM / RADIUS * 180 / math.pi
        )
    # centred on 12 o'clock: the ink's ends sit at equal angles either side of the top
    assert glyphs[0].rotation_deg < 0 < glyphs[-1].rotation_deg


def test_the_dxf_ink_lies_between_the_descender_and_ascender_circles() -> None:
    doc = coaster()
    _, spec = laid_out("Rosalind Hartley", "kaushan", doc)
    scene = build_scene(spec, doc, BrandFonts(), mockup=False)
    prepare_ezdxf_import()
    from ezdxf.filemanagement import read as read_dxf

    drawing = read_dxf(io.StringIO(to_dxf(scene, BUILTIN["laser-default"]).decode("utf-8")))
    points = [
        (float(x), float(y))
        for e in drawing.modelspace().query("LWPOLYLINE")
        for x, y in e.get_points(format="xy")
    ]
    font = debian_font("kaushan")
    size = spec["zones"]["name"]["layout"]["font_size_mm"]
    low = RADIUS + font.descender * size / font.units_per_em
    high = RADIUS + font.ascender * size / font.units_per_em
    distances = [math.hypot(x - CX, y - (100 - CY)) for x, y in points]  # DXF's y points up
    assert len(points) > 100
    assert low - UM <= min(distances) and max(distances) <= high + UM
    assert max(distances) > RADIUS + 0.5 * size  # the capitals really rise outward


def test_svg_and_dxf_draw_the_scenes_bent_outlines() -> None:
    """Every writer draws the scene's contours: the SVG carries the turned glyphs' paths as the
    scene has them, the DXF's ink box is the scene's within the flattening tolerance."""
    from chalicelib.scene.flatten import TOLERANCE_MM
    from chalicelib.scene.model import TextItem
    from chalicelib.scene.outline import TextOutline, bounds, to_svg_path_d
    from chalicelib.scene.svg import to_svg

    doc = coaster({"center_deg": 30})
    _, spec = laid_out("Rosalind Hartley", "kaushan", doc)
    scene = build_scene(spec, doc, BrandFonts(), mockup=False)
    item = next(i for i in scene.items if isinstance(i, TextItem))
    assert item.outline.glyphs[0].glyph != item.outline.glyphs[1].glyph
    for glyph in item.outline.glyphs[:2]:  # turned differently, each drawn as the scene has it
        assert to_svg_path_d(TextOutline((glyph,))) in to_svg(scene)
    box = bounds(item.outline)
    assert box is not None
    prepare_ezdxf_import()
    from ezdxf.filemanagement import read as read_dxf

    drawing = read_dxf(io.StringIO(to_dxf(scene, BUILTIN["laser-default"]).decode("utf-8")))
    pts = [
        (float(px), 100 - float(py))  # back to y down
        for e in drawing.modelspace().query("LWPOLYLINE")
        for px, py in e.get_points(format="xy")
    ]
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    for dxf_edge, scene_edge in zip(
        (min(xs), min(ys), max(xs), max(ys)),
        (box.x_min, box.y_min, box.x_max, box.y_max),
        strict=True,
    ):
        assert dxf_edge == pytest.approx(scene_edge, abs=TOLERANCE_MM)


def test_inside_text_reads_counter_clockwise_with_tops_towards_the_centre() -> None:
    layout, _ = laid_out("Est. 2026", "kaushan", coaster({"side": "inside", "center_deg": 180}))
    first, last = layout.glyphs[0], layout.glyphs[-1]
    assert first.x_mm < CX < last.x_mm  # left to right along the bottom
    assert first.y_mm > CY and last.y_mm > CY
    for glyph in layout.glyphs:  # upright at the bottom, turned by the angle from 6 o'clock
        angle = clockwise_from_top(glyph.x_mm, glyph.y_mm) % 360
        assert glyph.rotation_deg == pytest.approx(angle - 180, abs=1e-4)
        assert math.hypot(glyph.x_mm - CX, glyph.y_mm - CY) == pytest.approx(RADIUS, abs=UM)
    font = debian_font("kaushan")
    descent = -font.descender * layout.font_size_mm / font.units_per_em
    ink = layout.ink
    assert ink is not None and ink.y_max <= CY + RADIUS + descent  # the letters stand inside
    assert ink.y_min < CY + RADIUS - 0.5 * layout.font_size_mm  # ... rising towards the centre


def test_auto_fit_shrinks_a_long_name_to_the_arc_length() -> None:
    name = "Maximilian Alexander von Habsburg-Lothringen"
    roomy, _ = laid_out(name, "kaushan", coaster({"span_deg": 360}))
    short, _ = laid_out(name, "kaushan", coaster({"span_deg": 120}))
    assert short.fits and short.font_size_mm < roomy.font_size_mm
    span = short.glyphs[-1].rotation_deg - short.glyphs[0].rotation_deg
    assert span <= 120  # every origin lies on the allowed arc
    straight, _ = laid_out(name, "kaushan", coaster(None, path=None, width_mm=80, height_mm=40))
    assert straight.font_size_mm != short.font_size_mm  # sized by the arc, not the zone box


def test_text_too_long_for_the_arc_even_at_the_smallest_size_does_not_fit() -> None:
    doc = coaster({"radius_mm": 5, "span_deg": 40})
    result = validate_inputs(
        doc, {"name": ZoneInput(text="Rosalind", font="kaushan")}, BrandFonts()
    )
    assert not result.valid
    error = next(e for e in result.errors if e["code"] == "text.does_not_fit")
    assert "too_wide" in error["params"]["problems"]


@pytest.mark.parametrize(("font", "text"), [("david", "שלום עולם"), ("amiri", "محمد علي")])
def test_right_to_left_names_read_counter_clockwise_in_the_shaped_order(
    font: str, text: str
) -> None:
    """Outside the top of the circle, the first letter read is the rightmost one: logical
    order runs against the clockwise arc, in exactly HarfBuzz's visual order."""
    layout, _ = laid_out(text, font, coaster())
    _, clusters, _ = hb_pens(font, text)
    by_angle = sorted(layout.glyphs, key=lambda g: g.rotation_deg)
    assert [g.index for g in by_angle] == clusters  # visual order, leftmost (last read) first
    assert by_angle[-1].index == 0  # the first logical letter is the most clockwise
    assert all(
        math.hypot(g.x_mm - CX, g.y_mm - CY) == pytest.approx(RADIUS, abs=0.5) for g in by_angle
    )


def test_the_spec_records_the_path_and_production_refuses_a_different_one() -> None:
    doc = coaster({"tracking_mm": 0.4})
    _, spec = laid_out("Rosalind", "kaushan", doc)
    zone = spec["zones"]["name"]
    assert zone["path"] == {
        "kind": "arc",
        "cx_mm": CX,
        "cy_mm": CY,
        "radius_mm": RADIUS,
        "center_deg": 0.0,
        "span_deg": 180.0,
        "side": "outside",
        "tracking_mm": 0.4,
        "bend": False,
    }
    assert zone["layout"]["lines"][0]["baseline_mm"] == RADIUS
    DesignSpec.model_validate(spec)
    assert build_scene(spec, doc, BrandFonts(), mockup=False).items
    moved = copy.deepcopy(spec)
    moved["zones"]["name"]["layout"]["lines"][0]["x_mm"] += 2 * UM
    other = copy.deepcopy(spec)
    other["zones"]["name"]["path"]["radius_mm"] = 30.0
    for tampered in (moved, other):
        with pytest.raises(RenderError) as caught:
            build_scene(tampered, doc, BrandFonts(), mockup=False)
        assert caught.value.code == "render.layout_mismatch"


def test_a_version_1_spec_cannot_carry_a_path() -> None:
    _, spec = laid_out("Rosalind", "kaushan", coaster())
    spec["spec_version"] = 1
    del spec["zones"]["name"]["shaping"]
    with pytest.raises(ValidationError, match="path needs spec version 2"):
        DesignSpec.model_validate(spec)


@pytest.mark.parametrize("radius", [0, -5])
def test_a_radius_that_is_not_positive_is_refused_naming_the_field(radius: float) -> None:
    with pytest.raises(ValidationError) as caught:
        coaster({"radius_mm": radius})
    assert [e["loc"][-1] for e in caught.value.errors()] == ["radius_mm"]
    assert caught.value.errors()[0]["loc"][-2] == "path"


@pytest.mark.parametrize("on_arc", [True, False])
def test_an_arabic_name_cut_on_the_arc_stays_one_joined_piece(on_arc: bool) -> None:
    """Rigid letters turned to the tangent still overlap at their joins: the weld finds one
    part for one joined word, as it does for the straight name."""
    from chalicelib.scene.cut_checks import check_cut_item
    from chalicelib.scene.model import TextItem

    straight = {} if on_arc else {"path": None}
    doc = coaster(None, process="cut", charset=["arabic"], max_size_mm=14, **straight)
    layout, spec = laid_out("محمد", "amiri", doc)
    assert (layout.glyphs[0].rotation_deg != 0) == on_arc
    scene = build_scene(spec, doc, BrandFonts(), mockup=False)
    item = next(i for i in scene.items if isinstance(i, TextItem))
    report = check_cut_item(item, "محمد", BUILTIN["laser-default"], (100, 100))
    assert report.parts == 1


def test_bent_outlines_follow_the_circle_and_keep_an_arabic_name_joined() -> None:
    """With ``bend`` every outline point sits at the radius its height gives: the ink stays in
    the ring between the descender and ascender circles, and the joined name is one piece."""
    from chalicelib.scene.cut_checks import check_cut_item
    from chalicelib.scene.model import TextItem
    from chalicelib.scene.outline import bounds

    radius = 14.0
    doc = coaster(
        {"radius_mm": radius, "span_deg": 300, "bend": True},
        process="cut",
        charset=["arabic"],
        max_size_mm=12,
    )
    layout, spec = laid_out("محمد", "amiri", doc)
    scene = build_scene(spec, doc, BrandFonts(), mockup=False)
    item = next(i for i in scene.items if isinstance(i, TextItem))
    assert check_cut_item(item, "محمد", BUILTIN["laser-default"], (100, 100)).parts == 1
    font = debian_font("amiri")
    k = layout.font_size_mm / font.units_per_em
    for glyph in item.outline.glyphs:
        straight = font.glyph_bounds(glyph.glyph)
        assert straight is not None
        for contour in glyph.contours:
            for segment in contour:
                x, y = segment.points[-1]  # on-curve points are mapped exactly
                height = math.hypot(x - CX, y - CY) - radius
                assert straight[1] * k - UM <= height <= straight[3] * k + UM
    rigid_doc = coaster({"radius_mm": radius, "span_deg": 300}, process="cut", charset=["arabic"])
    rigid = build_scene(
        laid_out("محمد", "amiri", rigid_doc)[1], rigid_doc, BrandFonts(), mockup=False
    )
    rigid_item = next(i for i in rigid.items if isinstance(i, TextItem))
    assert bounds(rigid_item.outline) != bounds(item.outline)  # bending really changed the shape


def test_a_path_on_a_multi_line_zone_and_an_arc_shorter_than_a_letter_are_product_issues() -> None:
    multi = product_issues(coaster(None, max_lines=2), set(DEBIAN_FONTS))
    assert [(i["field"], i["code"]) for i in multi] == [("zones[0].path", "zone.path_multi_line")]
    tiny = product_issues(coaster({"radius_mm": 1, "span_deg": 10}), set(DEBIAN_FONTS))
    assert [(i["field"], i["code"]) for i in tiny] == [
        ("zones[0].path.span_deg", "zone.path_too_short")
    ]
