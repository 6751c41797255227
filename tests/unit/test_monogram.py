"""Monogram zones (issue 17): display order per layout, the surname initial centred and larger
by the zone's ratio (measured on the drawn outlines), the frame drawn as outlines into the SVG
and the DXF, the charset and count rules, and production refusing a moved letter."""

from __future__ import annotations

import copy
import io
import math
import re
from typing import Any

import pytest

from chalicelib.domain.personalization import ZoneInput, validate_inputs
from chalicelib.domain.profile import BUILTIN
from chalicelib.domain.spec import DesignSpec, build_spec
from chalicelib.domain.zone import ProductDoc, product_issues
from chalicelib.scene.build import build_scene
from chalicelib.scene.dxf import prepare_ezdxf_import, to_dxf
from chalicelib.scene.model import RenderError, Scene, TextItem
from chalicelib.scene.outline import TextOutline, bounds
from chalicelib.scene.svg import to_svg
from tests.unit.test_scripts import DEBIAN_FONTS, BrandFonts, debian_font

# A 60 mm square zone at (20, 20) on a 100 mm plate: its centre is the artboard's (50, 50).
X0 = Y0 = 20.0
SIDE = 60.0
UM = 1e-3


def plate(**changes: Any) -> ProductDoc:
    zone = {
        "id": "mono",
        "name": "Monogram",
        "kind": "monogram",
        "process": "engrave",
        "x_mm": X0,
        "y_mm": Y0,
        "width_mm": SIDE,
        "height_mm": SIDE,
        "fonts": ["amiri"],
        "ratio": 1.6,
        **changes,
    }
    return ProductDoc.model_validate(
        {"name": "Plate", "sku": "M-1", "width_mm": 100, "height_mm": 100, "zones": [zone]}
    )


def spec_for(text: str, doc: ProductDoc) -> dict[str, Any]:
    result = validate_inputs(doc, {"mono": ZoneInput(text=text)}, BrandFonts())
    assert result.valid, result.errors
    return build_spec("prd_plate", 1, doc, result)


def scene_for(text: str, **changes: Any) -> Scene:
    doc = plate(**changes)
    return build_scene(spec_for(text, doc), doc, BrandFonts(), mockup=False)


def letters(scene: Scene) -> list[tuple[str, Any]]:
    item = next(i for i in scene.items if isinstance(i, TextItem))
    return [(g.char, bounds(TextOutline((g,)))) for g in item.outline.glyphs if g.glyph != "frame"]


def test_jam_first_last_middle_shows_j_m_a_with_the_m_centred_and_larger_by_the_ratio() -> None:
    shown = letters(scene_for("jam"))  # typed lower case: initials are upper-cased
    assert [char for char, _ in shown] == ["J", "M", "A"]
    (_, j), (_, m), (_, a) = shown
    assert (m.x_min + m.x_max) / 2 == pytest.approx(50.0, abs=UM)
    assert (m.y_min + m.y_max) / 2 == pytest.approx(50.0, abs=UM)
    font = debian_font("amiri")
    _, y0, _, y1 = font.glyph_bounds(font.glyph_for("M")) or (0, 0, 0, 0)
    small = next(
        s["size_mm"] for s in spec_for("JAM", plate())["zones"]["mono"]["layout"]["letters"]
    )
    assert (m.y_max - m.y_min) / ((y1 - y0) * small / font.units_per_em) == pytest.approx(1.6)
    assert j.x_max < m.x_min and m.x_max < a.x_min  # side letters either side, not overlapping
    for box in (j, a):
        assert (box.y_min + box.y_max) / 2 == pytest.approx(50.0, abs=UM)
    assert j.x_min >= X0 - UM and a.x_max <= X0 + SIDE + UM


def test_a_couple_shows_the_shared_surname_initial_centred_between_the_partners() -> None:
    shown = letters(scene_for("AJM", layout="couple"))  # Anna, Jonas, surname Miller
    assert [char for char, _ in shown] == ["A", "M", "J"]
    m = shown[1][1]
    assert (m.x_min + m.x_max) / 2 == pytest.approx(50.0, abs=UM)


def test_block_sets_equal_letters_in_typed_order_centred_as_a_group() -> None:
    doc = plate(layout="block")
    spec = spec_for("JM", doc)
    sizes = {s["size_mm"] for s in spec["zones"]["mono"]["layout"]["letters"]}
    assert len(sizes) == 1
    shown = letters(build_scene(spec, doc, BrandFonts(), mockup=False))
    assert [char for char, _ in shown] == ["J", "M"]
    left, right = shown[0][1], shown[1][1]
    assert (left.x_min + right.x_max) / 2 == pytest.approx(50.0, abs=UM)


def test_the_letters_grow_to_fill_the_zone_and_stay_inside_a_circle_frame() -> None:
    bare = spec_for("JAM", plate())["zones"]["mono"]["layout"]["font_size_mm"]
    framed = spec_for("JAM", plate(frame="circle"))["zones"]["mono"]["layout"]["font_size_mm"]
    assert framed < bare
    shown = letters(scene_for("JAM", frame="circle", frame_mm=1.0))
    inner = SIDE / 2 - 1.0
    for _, box in shown:
        for x, y in ((box.x_min, box.y_min), (box.x_max, box.y_max)):
            assert math.hypot(x - 50, y - 50) < inner  # the letters' boxes sit inside the ring


def test_a_circle_frame_is_a_ring_of_outlines_in_the_dxf_and_the_svg() -> None:
    scene = scene_for("JAM", frame="circle", frame_mm=1.0)
    prepare_ezdxf_import()
    from ezdxf.filemanagement import read as read_dxf

    drawing = read_dxf(io.StringIO(to_dxf(scene, BUILTIN["laser-default"]).decode("utf-8")))
    radii = []
    for entity in drawing.modelspace().query("LWPOLYLINE"):
        pts = [(float(x), float(y)) for x, y in entity.get_points(format="xy")]
        distances = [math.hypot(x - 50, y - 50) for x, y in pts]
        if max(distances) - min(distances) < 0.02:  # a circle about the zone's centre
            radii.append(round(sum(distances) / len(distances), 1))
    assert sorted(radii) == [SIDE / 2 - 1.0, SIDE / 2]
    svg = to_svg(scene)
    assert re.search(r"M50 20C", svg)  # the ring starts at the top of the outer circle


def test_a_diamond_frame_has_its_points_on_the_zone_edges() -> None:
    scene = scene_for("JAM", frame="diamond")
    item = next(i for i in scene.items if isinstance(i, TextItem))
    frame = next(g for g in item.outline.glyphs if g.glyph == "frame")
    outer = [s.points[-1] for s in frame.contours[0]]
    assert sorted(outer) == sorted([(50.0, 20.0), (80.0, 50.0), (50.0, 80.0), (20.0, 50.0)])


@pytest.mark.parametrize(
    ("text", "changes", "code"),
    [
        ("JΩM", {}, "text.disallowed_characters"),
        ("J1M", {"charset": ["latin", "digits"]}, "monogram.not_letters"),
        ("JM", {}, "monogram.wrong_count"),
        ("JAMS", {"layout": "block"}, "monogram.wrong_count"),
        ("JAM", {"fonts": ["amiri"], "min_size_mm": 40}, "text.does_not_fit"),
    ],
)
def test_bad_initials_are_refused_with_a_stable_code(
    text: str, changes: dict[str, Any], code: str
) -> None:
    result = validate_inputs(plate(**changes), {"mono": ZoneInput(text=text)}, BrandFonts())
    assert not result.valid
    assert code in [e["code"] for e in result.errors]


def test_production_refuses_a_letter_moved_by_more_than_a_micrometre() -> None:
    doc = plate()
    spec = spec_for("JAM", doc)
    DesignSpec.model_validate(spec)
    moved = copy.deepcopy(spec)
    moved["zones"]["mono"]["layout"]["letters"][1]["x_mm"] += 2 * UM
    with pytest.raises(RenderError) as caught:
        build_scene(moved, doc, BrandFonts(), mockup=False)
    assert caught.value.code == "render.layout_mismatch"


def test_unknown_fonts_and_charsets_of_a_monogram_zone_are_product_issues() -> None:
    issues = product_issues(plate(fonts=["nope"], charset=["klingon"]), set(DEBIAN_FONTS))
    assert {i["code"] for i in issues} >= {"zone.unknown_font", "zone.unknown_charset"}
