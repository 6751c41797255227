"""Connectors of cut names (bar, outline, ring) and the checks validate runs on them, on
Debian's Dancing Script; plus the cut files' bytes across processes."""

from __future__ import annotations

import hashlib
import math
import subprocess
import tempfile
from pathlib import Path

import pytest

from chalicelib.domain.profile import BUILTIN
from chalicelib.scene import polygon_ops as ops
from chalicelib.scene.connectors import ConnectorError, cut_shape, local_bbox
from chalicelib.scene.cut_checks import check_cut_item
from chalicelib.scene.dxf import to_dxf
from chalicelib.scene.machine import machine_paths, welded
from chalicelib.scene.model import Scene
from chalicelib.scene.vector_svg import to_machine_svg
from tests.support.cut_geometry import script_item
from tests.support.dxf import sha256_in_other_processes

LASER = BUILTIN["laser-default"]


def pieces(region: ops.Region) -> list[ops.Part]:
    return ops.parts(region)


def test_bar_joins_every_letter_and_the_i_dot_into_one_piece() -> None:
    item = script_item("Isabella Mia", connect="bar", bar_mm=1.2)
    assert len(pieces(welded(item))) > 2  # I, the i-dot and the words are apart as drawn
    assert len(pieces(cut_shape(item).cut)) == 1


def test_the_bar_lies_along_the_baseline_of_a_turned_zone() -> None:
    flat = script_item("Isabella", connect="bar", bar_mm=1.0)
    turned = script_item("Isabella", angle_deg=30, connect="bar", bar_mm=1.0)
    # In the zone's own frame the turned name is the flat one: same box, same area.
    assert local_bbox(turned.frame, cut_shape(turned).cut) == pytest.approx(
        local_bbox(flat.frame, cut_shape(flat).cut), abs=0.01
    )
    assert ops.area_mm2(cut_shape(turned).cut) == pytest.approx(
        ops.area_mm2(cut_shape(flat).cut), rel=1e-3
    )
    # ...and the bar runs along its baseline: solid from the first letter to the last, 1 mm high
    baseline = turned.baselines_mm[0]
    x0, _, x1, _ = local_bbox(turned.frame, welded(turned))
    shape = cut_shape(turned).cut
    for k in range(1, 20):
        x = x0 + (x1 - x0) * k / 20
        for y in (baseline - 0.45, baseline, baseline + 0.45):
            assert inside(shape, turned.frame.apply(x, y)), (x, y)
        assert not inside(
            ops.difference(shape, welded(turned)), turned.frame.apply(x, baseline + 0.6)
        )


def inside(region: ops.Region, point: tuple[float, float]) -> bool:
    x, y = point
    dot = ops.region([[(x - 0.005, y - 0.005), (x + 0.005, y - 0.005), (x + 0.005, y + 0.005)]])
    return ops.area_mm2(ops.intersection(region, dot)) == pytest.approx(ops.area_mm2(dot))


def test_outline_cuts_one_border_and_engraves_the_letters_on_it() -> None:
    item = script_item("Isabella Mia", connect="outline", outline_mm=3.0)
    shape = cut_shape(item)
    (border,) = pieces(shape.cut)
    assert border.holes == ()
    text = welded(item)
    assert ops.difference(text, shape.cut) == ()  # every letter lies on the border piece
    tx0, ty0, tx1, ty1 = local_bbox(item.frame, text)
    bx0, by0, bx1, by1 = local_bbox(item.frame, shape.cut)
    assert (tx0 - bx0, ty0 - by0, bx1 - tx1, by1 - ty1) == pytest.approx((3, 3, 3, 3), abs=0.01)
    paths = machine_paths(Scene(200, 40, None, (item,)), LASER)
    assert [p.depth for p in paths if p.operation == "cut"] == [0]
    assert len([p for p in paths if p.operation == "engrave"]) >= len(shape.engrave)


@pytest.mark.parametrize("end", ["start", "end"])
def test_a_ring_is_a_hole_of_the_inner_diameter_joined_to_the_first_or_last_letter(
    end: str,
) -> None:
    ring = {"end": end, "inner_diameter_mm": 3.0, "wall_mm": 1.2}
    item = script_item("Isabella", connect="bar", ring=ring)
    (piece,) = pieces(cut_shape(item).cut)
    plain = cut_shape(script_item("Isabella", connect="bar"))
    # the ring's hole: the round one (a circle's area over its box is pi/4)
    (hole,) = [h for h in piece.holes if abs(ops.area_mm2(h)) > 5]
    x0, y0, x1, y1 = local_bbox(item.frame, ((tuple(reversed(hole))),))
    assert (x1 - x0, y1 - y0) == pytest.approx((3.0, 3.0), abs=0.01)
    assert abs(ops.area_mm2(hole)) == pytest.approx(math.pi * 1.5**2, rel=0.01)
    text_x0, _, text_x1, _ = local_bbox(item.frame, plain.cut)
    centre = (x0 + x1) / 2
    middle = (text_x0 + text_x1) / 2
    assert centre < text_x0 + 5 if end == "start" else centre > text_x1 - 5
    assert (centre < middle) == (end == "start")
    assert ops.intersection(((tuple(reversed(hole))),), plain.cut) == ()  # the hole is clear


def test_a_ring_with_nothing_at_mid_height_cannot_attach() -> None:
    item = script_item("=", size_mm=30, ring={"inner_diameter_mm": 3.0, "wall_mm": 0.3})
    assert len(pieces(welded(item))) == 2  # two bars, nothing between them
    with pytest.raises(ConnectorError) as caught:
        cut_shape(item)
    assert caught.value.code == "cut.ring_cannot_attach" and caught.value.field == "cut.ring"
    report = check_cut_item(item, "=", LASER, (200, 40))
    assert [(f.code, f.error, f.params) for f in report.findings] == [
        ("cut.ring_cannot_attach", True, {"field": "cut.ring"})
    ]


def test_mia_welded_reports_the_i_dot_island_by_its_index() -> None:
    report = check_cut_item(script_item("Mia"), "Mia", LASER, (200, 40))
    islands = [f for f in report.findings if f.code == "cut.island"]
    assert report.parts == len(islands) + 1
    dot = [f for f in islands if f.params["characters"] == [{"index": 1, "char": "i"}]]
    assert dot and not dot[0].error and "fall off" in dot[0].message


def test_a_one_and_a_half_mm_name_is_too_thin_at_a_third_of_a_mm() -> None:
    profile = LASER.model_copy(update={"min_feature_mm": 0.3})
    small = check_cut_item(script_item("Isabella", size_mm=1.5), "Isabella", profile, (200, 40))
    thin = [f for f in small.findings if f.code == "cut.too_thin"]
    assert thin and thin[0].error
    x, y = thin[0].params["at_mm"]
    assert 0 <= x <= 200 and 0 <= y <= 40
    big = check_cut_item(script_item("Isabella", size_mm=30), "Isabella", profile, (200, 40))
    assert not [f for f in big.findings if f.code == "cut.too_thin"]


def test_a_counter_smaller_than_the_kerf_is_reported_with_its_letter() -> None:
    profile = LASER.model_copy(update={"kerf_mm": 0.6})
    report = check_cut_item(script_item("Bob", size_mm=3), "Bob", profile, (200, 40))
    (small,) = [f for f in report.findings if f.code == "cut.hole_smaller_than_kerf"]
    chars = {c["char"] for c in small.params["characters"]}
    assert "o" in chars and "B" not in chars  # B's counters are larger than the kerf


def test_a_ring_beyond_the_product_is_reported() -> None:
    plain = script_item("Isabella", size_mm=20)
    _, _, right, _ = local_bbox(plain.frame, welded(plain))
    artboard = (right + 1.0, 40.0)  # the name fits, with 1 mm to spare on the right
    assert not [
        f
        for f in check_cut_item(plain, "Isabella", LASER, artboard).findings
        if f.code == "cut.outside_artboard"
    ]
    ring = script_item("Isabella", size_mm=20, ring={"end": "end", "inner_diameter_mm": 4})
    report = check_cut_item(ring, "Isabella", LASER, artboard)
    assert "cut.outside_artboard" in {f.code for f in report.findings}


def test_cut_files_of_a_script_name_are_the_same_bytes_in_every_process() -> None:
    digests = sha256_in_other_processes("tests.unit.test_connectors", "cut_files()")
    assert digests == {hashlib.sha256(cut_files()).hexdigest()}


def cut_files() -> bytes:
    """DXF and machine SVG of a welded, bridged, kerfed script name with a bar and a ring."""
    item = script_item(
        "Isabella Mia", angle_deg=12, connect="bar", ring={"end": "end", "wall_mm": 1.5}
    )
    scene = Scene(200, 40, None, (item,))
    profile = LASER.model_copy(update={"kerf_mm": 0.15, "stencil_bridges": True})
    return to_dxf(scene, profile) + to_machine_svg(scene, profile).encode()


@pytest.mark.parametrize("writer", ["svg", "cairo", "pdf"])
def test_pictures_show_the_bar_the_machine_cuts(writer: str) -> None:
    """What the shopper sees is what the machine makes: the bar is in the preview too."""
    bar = script_item("Isabella", connect="bar", bar_mm=1.2)
    plain = script_item("Isabella")
    assert bar.connector and not plain.connector
    # a point on the bar, between two letters, where no letter has ink
    baseline, (x0, _, x1, _) = bar.baselines_mm[0], local_bbox(bar.frame, welded(bar))
    spot = next(
        bar.frame.apply(x, baseline)
        for x in (x0 + (x1 - x0) * k / 200 for k in range(10, 190))
        if not inside(welded(bar), bar.frame.apply(x, baseline))
        and not inside(welded(bar), bar.frame.apply(x - 0.3, baseline))
        and not inside(welded(bar), bar.frame.apply(x + 0.3, baseline))
    )
    for item, inked in ((bar, True), (plain, False)):
        alpha = _alpha_at(Scene(200, 40, None, (item,)), spot, writer)
        assert (alpha > 200) if inked else (alpha < 60), (writer, inked, alpha)


def _alpha_at(scene: Scene, point: tuple[float, float], writer: str) -> int:
    """Alpha of the pixel at ``point`` (mm) at 10 px/mm, through one of the picture writers."""
    import io as _io

    from PIL import Image

    from chalicelib.scene.raster import CairoRasterizer
    from chalicelib.scene.svg import to_svg

    size = (2000, 400)
    if writer == "svg":
        image = CairoRasterizer().render(to_svg(scene), *size)
    elif writer == "cairo":
        image = CairoRasterizer().render_scene(scene, *size, bleed_mm=0.0, background=None)
    else:
        from chalicelib.scene.pdf import to_pdf

        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "page.pdf").write_bytes(to_pdf(scene))
            subprocess.run(
                ["pdftoppm", "-r", "254", "-png", "-singlefile", "page.pdf", "page"],
                cwd=tmp,
                check=True,
            )
            page = Image.open(_io.BytesIO((Path(tmp) / "page.png").read_bytes())).convert("L")
        value = page.getpixel((round(point[0] * 10), round(point[1] * 10)))
        assert isinstance(value, int)
        return 255 - value  # black ink on white paper
    pixel = image.getpixel((round(point[0] * 10), round(point[1] * 10)))
    assert isinstance(pixel, tuple)
    return int(pixel[3])


def test_islands_name_the_character_index_in_the_whole_text() -> None:
    """Spaces and earlier letters count: the i of "Ana Mia" is character 5."""
    report = check_cut_item(script_item("Ana Mia"), "Ana Mia", LASER, (200, 40))
    refs = [f.params["characters"] for f in report.findings if f.code == "cut.island"]
    assert [{"index": 5, "char": "i"}] in refs


def test_past_validates_budget_the_slow_checks_are_left_to_the_pack() -> None:
    import time

    profile = LASER.model_copy(update={"min_feature_mm": 0.3})
    item = script_item("Isabella", size_mm=1.5)
    late = check_cut_item(item, "Isabella", profile, (200, 40), deadline=time.monotonic() - 1)
    assert [f.code for f in late.findings if f.code.startswith("cut.checks")] == [
        "cut.checks_incomplete"
    ]
    assert "min_feature" not in late.checks and "parts" in late.checks
    assert not [f for f in late.findings if f.code == "cut.too_thin"]
    full = check_cut_item(item, "Isabella", profile, (200, 40))  # the pack: no deadline
    assert [f for f in full.findings if f.code == "cut.too_thin"]


def test_a_ring_beyond_the_die_line_is_reported() -> None:
    item = script_item("Isabella", size_mm=20, ring={"end": "end", "inner_diameter_mm": 4})
    _, _, right, _ = local_bbox(item.frame, welded(item))
    die = ((0.0, 0.0), (right + 1.0, 0.0), (right + 1.0, 40.0), (0.0, 40.0))  # the name fits
    report = check_cut_item(item, "Isabella", LASER, (200, 40), die_line=die)
    assert "cut.outside_die_line" in {f.code for f in report.findings}
    plain = script_item("Isabella", size_mm=20)
    codes = {
        f.code for f in check_cut_item(plain, "Isabella", LASER, (200, 40), die_line=die).findings
    }
    assert "cut.outside_die_line" not in codes


def test_outline_can_cut_the_letters_out_of_the_border_as_inner_contours() -> None:
    engraved = cut_shape(script_item("Isabella", connect="outline"))
    cut = cut_shape(script_item("Isabella", connect="outline", outline_text="cut"))
    assert cut.engrave == () and engraved.engrave
    text = welded(script_item("Isabella"))
    assert ops.area_mm2(cut.cut) == pytest.approx(
        ops.area_mm2(engraved.cut) - ops.area_mm2(text), rel=1e-3
    )
    border = max(pieces(cut.cut), key=lambda p: ops.area_mm2(p.region))
    assert border.depth == 0 and len(border.holes) >= 2  # the letters are holes in the border
    paths = machine_paths(
        Scene(200, 40, None, (script_item("Isabella", connect="outline", outline_text="cut"),)),
        LASER,
    )
    assert not [p for p in paths if p.operation == "engrave"]
    depths = [p.depth for p in paths]
    assert depths == sorted(depths, reverse=True) and depths[-1] == 0  # inner before outer
