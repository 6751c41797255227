"""The product's die line: its shapes, the checks on it, and where it goes in every file."""

from __future__ import annotations

import io
import math
import re
from typing import Any

import pytest

from chalicelib.domain.dieline import DieLine, die_line_issues, die_polygon, die_segments
from chalicelib.domain.personalization import ZoneInput
from chalicelib.domain.profile import BUILTIN
from chalicelib.domain.zone import ProductDoc, product_issues
from chalicelib.scene.dxf import to_dxf
from chalicelib.scene.pdf import to_pdf
from chalicelib.scene.svg import to_svg
from chalicelib.scene.vector_svg import to_machine_svg
from tests.support.dxf import points, polylines, read
from tests.support.scene import TEXT_ZONE, scene_for

LASER = BUILTIN["laser-default"]
HEART = {"shape": "heart", "x_mm": 2, "y_mm": 3, "width_mm": 76.0, "height_mm": 50.0}
# A zone well inside the heart's upper middle (the heart spans 2..78 × 3..53 on 80 × 60).
INSIDE = {**TEXT_ZONE, "process": "engrave", "x_mm": 22, "y_mm": 16, "width_mm": 36,
          "height_mm": 10, "max_size_mm": 8}  # fmt: skip


def heart_scene(mockup: bool = False, **die: Any) -> Any:
    return scene_for(
        INSIDE, inputs={"name": ZoneInput(text="Ava")}, mockup=mockup, die_line={**HEART, **die}
    )


def bbox(pts: list[tuple[float, float]]) -> tuple[float, float, float, float]:
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return min(xs), min(ys), max(xs), max(ys)


@pytest.mark.parametrize("shape", ["rectangle", "circle", "ellipse", "heart", "hexagon"])
def test_every_built_in_shape_fills_its_box(shape: str) -> None:
    die = DieLine(shape=shape, x_mm=5, y_mm=5, width_mm=30.0, height_mm=30.0, corner_radius_mm=4)
    assert bbox(die_polygon(die)) == pytest.approx((5, 5, 35, 35), abs=0.02)


def test_the_heart_is_the_last_cut_on_the_cut_layer_at_its_size_in_mm() -> None:
    scene = heart_scene()
    cut = polylines(read(to_dxf(scene, LASER)), "CUT")
    heart = points(cut[-1])
    x0, y0, x1, y1 = bbox(heart)
    assert (x1 - x0, y1 - y0) == pytest.approx((76, 50), abs=0.02)
    assert (x0, scene.height_mm - y1) == pytest.approx((2, 3), abs=0.02)  # y up in the DXF
    # a heart, not a box: the notch at the top middle and the tip at the bottom middle
    h = scene.height_mm
    top_middle = [p for p in heart if abs(p[0] - 40) < 0.5]
    assert min(p[1] for p in top_middle) == pytest.approx(h - 53, abs=0.05)  # the tip
    assert max(p[1] for p in top_middle) < h - 3 - 5  # the notch dips well below the lobes
    pairs = zip(heart, heart[1:] + heart[:1], strict=True)
    area = 0.5 * abs(sum(a[0] * b[1] - b[0] * a[1] for a, b in pairs))
    assert 0.5 * 76 * 50 < area < 0.85 * 76 * 50


def test_kerf_grows_the_die_line_by_half_the_kerf() -> None:
    kerfed = LASER.model_copy(update={"kerf_mm": 0.2})
    heart = points(polylines(read(to_dxf(heart_scene(), kerfed)), "CUT")[-1])
    x0, y0, x1, y1 = bbox(heart)
    assert x1 - x0 == pytest.approx(76.2, abs=0.02)
    assert 50.2 - 0.02 < y1 - y0 < 50.2 + 0.1  # the tip's miter reaches a little further


def test_the_machine_svg_cuts_the_die_line_too() -> None:
    svg = to_machine_svg(heart_scene(), LASER)
    cut_group = re.search(r'<g id="CUT"[^>]*>(.*?)</g>', svg)
    assert cut_group and cut_group.group(1).count("<path") == 1


def test_the_print_pdf_strokes_the_die_line_in_a_cutcontour_spot_colour() -> None:
    pdf = to_pdf(heart_scene(), bleed_mm=3, crop_marks=True)
    assert b"/Separation /CutContour" in pdf and b"/Separation /All" in pdf
    from pypdf import PdfReader

    content = PdfReader(io.BytesIO(pdf)).pages[0].get_contents()
    assert content is not None and b"/CutContour CS 1 SCN" in content.get_data()
    plain = to_pdf(scene_for(INSIDE, inputs={"name": ZoneInput(text="Ava")}))
    assert b"CutContour" not in plain


def test_previews_draw_the_silhouette_and_production_files_do_not() -> None:
    assert 'stroke="#8C8C8C"' in to_svg(heart_scene(mockup=True))
    assert "stroke=" not in to_svg(heart_scene(mockup=False))


def test_previews_by_cairo_draw_it_like_the_svg() -> None:
    import dataclasses

    from PIL import ImageChops

    from chalicelib.scene.raster import CairoRasterizer

    cairo = CairoRasterizer()
    scene = heart_scene(mockup=True)
    bare = dataclasses.replace(scene, silhouette=False)

    def drawn(image: Any) -> int:  # pixels the silhouette adds
        diff = ImageChops.difference(
            image, cairo.render_scene(bare, 400, 300, bleed_mm=0.0, background=None)
        )
        return diff.getchannel("A").point(lambda a: 255 if a > 64 else 0).histogram()[255]

    direct = drawn(cairo.render_scene(scene, 400, 300, bleed_mm=0.0, background=None))
    via_svg = drawn(cairo.render(to_svg(scene), 400, 300))
    assert (
        direct > 300 and abs(direct - via_svg) < 0.25 * direct
    )  # both draw it (anti-aliasing differs)


def product(**over: Any) -> ProductDoc:
    doc = {"name": "Pendant", "sku": "P-1", "width_mm": 80.0, "height_mm": 60.0, "zones": [INSIDE]}
    return ProductDoc.model_validate({**doc, **over})


def codes(doc: ProductDoc) -> dict[str, str]:
    return {i["code"]: i["field"] for i in product_issues(doc, {"lato-regular", "caladea-regular"})}


def test_a_zone_inside_the_heart_passes_and_one_across_its_edge_does_not() -> None:
    assert codes(product(die_line=HEART)) == {}
    corner = {**INSIDE, "x_mm": 2, "y_mm": 3, "width_mm": 20}
    assert codes(product(die_line=HEART, zones=[corner])) == {"zone.outside_die_line": "die_line"}
    margin = {**HEART, "margin_mm": 12.0}  # the zone is closer than that to the edge
    assert "zone.outside_die_line" in codes(product(die_line=margin))


@pytest.mark.parametrize(
    ("die", "code", "field"),
    [
        ({"shape": "path", "path": "M 10 10 L 40 10 L 40 40"}, "dieline.open", "die_line.path"),
        ({"shape": "path", "path": "M 10 10 L 40 10 L 10 40 L 40 40 Z"},
         "dieline.self_intersecting", "die_line.path"),
        ({"shape": "path", "path": "M 10 10 A 5 5 0 0 1 20 20 Z"},
         "dieline.unsupported_path", "die_line.path"),
        ({"shape": "path", "path": "M 10 10 h 3 v 3 h -3 z"}, "dieline.too_small", "die_line"),
        ({**HEART, "x_mm": 10}, "dieline.outside_artboard", "die_line"),
        ({"shape": "rectangle", "width_mm": 40.0, "height_mm": 30.0, "corner_radius_mm": 16},
         "dieline.radius_too_large", "die_line.corner_radius_mm"),
        ({"shape": "circle", "width_mm": 40.0, "height_mm": 30.0}, "dieline.not_round",
         "die_line.height_mm"),
        ({"shape": "heart"}, "dieline.no_box", "die_line.width_mm"),
    ],
)  # fmt: skip
def test_bad_die_lines_name_the_field(die: dict[str, Any], code: str, field: str) -> None:
    found = codes(product(die_line=die, zones=[]))
    assert found.get(code) == field, found


def test_an_svg_path_die_line_is_used_as_drawn_in_mm() -> None:
    die = DieLine(shape="path", path="M10,10 h60 q10 0 10 10 v20 c0 10 -10 10 -10 10 H10 Z")
    assert bbox(die_polygon(die)) == pytest.approx((10, 10, 80, 50), abs=0.05)
    assert die_line_issues(die, (90.0, 60.0), []) == []
    assert math.isclose(die.margin_mm, 2.0)


def test_a_packs_pdf_strokes_every_cut_path_the_dxf_cuts() -> None:
    from pypdf import PdfReader

    from chalicelib.scene.machine import machine_paths

    cut_text = {**INSIDE, "process": "cut", "max_size_mm": 8}
    scene = scene_for(cut_text, inputs={"name": ZoneInput(text="Bob")}, die_line=HEART)
    cut = [p for p in machine_paths(scene, LASER) if p.operation == "cut"]
    assert len(cut) > 3  # B's counters, o's, b's, the outlines and the heart
    content = PdfReader(io.BytesIO(to_pdf(scene, profile=LASER))).pages[0].get_contents()
    assert content is not None
    stroke = content.get_data().split(b"/CutContour CS 1 SCN")[1].split(b"S Q")[0]
    assert stroke.count(b" m ") == len(cut)
    proof = PdfReader(io.BytesIO(to_pdf(scene))).pages[0].get_contents()  # a final render
    assert proof is not None and proof.get_data().count(b"/CutContour CS") == 1  # the heart


@pytest.mark.parametrize("writer", ["svg", "cairo"])
def test_previews_clip_the_design_to_the_die_line(writer: str) -> None:
    from chalicelib.scene.model import Affine, ColorItem, Rect, Scene
    from chalicelib.scene.outline import Segment
    from chalicelib.scene.raster import CairoRasterizer

    die = tuple(Segment(s.op, s.points) for s in die_segments(DieLine.model_validate(HEART)))
    fill = ColorItem("bg", "print", "#2E8B57", Rect(0, 0, 80, 60), Affine())
    cairo = CairoRasterizer()
    pictures = {}
    for silhouette in (True, False):
        scene = Scene(80, 60, None, (fill,), die, silhouette)
        if writer == "svg":
            pictures[silhouette] = cairo.render(to_svg(scene), 160, 120)
        else:
            pictures[silhouette] = cairo.render_scene(
                scene, 160, 120, bleed_mm=0.0, background=None
            )
    corner, centre = (4, 110), (80, 60)  # below the heart's left lobe; inside it (2 px/mm)
    assert pictures[True].getpixel(corner)[3] == 0  # type: ignore[index]
    assert pictures[True].getpixel(centre)[3] == 255  # type: ignore[index]
    assert pictures[False].getpixel(corner)[3] == 255  # type: ignore[index]  # production
