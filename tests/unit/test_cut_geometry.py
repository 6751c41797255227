"""Cut-ready geometry (Clipper on a 1 µm grid): nonzero glyphs, welded letters, kerf offsets
that merge touching letters, stencil bridges across the strokes at any angle.

Script text comes from Debian's ``fonts-dancingscript`` (a connected script: its letters
overlap where they join, which is what welding is for).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import combinations
from typing import Any

import pytest

from chalicelib.domain.personalization import ZoneInput
from chalicelib.domain.profile import BUILTIN
from chalicelib.scene import flatten as geo
from chalicelib.scene import polygon_ops as ops
from chalicelib.scene.machine import cut_region, glyph_regions, machine_paths, welded
from chalicelib.scene.model import Affine, Scene, TextItem
from tests.support.cut_geometry import script_item
from tests.support.scene import TEXT_ZONE, scene_for

LASER = BUILTIN["laser-default"]
CUT_TEXT = {**TEXT_ZONE, "process": "cut", "charset": ["latin", "digits"], "max_size_mm": 12}
COUNTERS = "ABDOPQR8"


def square(x: float, y: float, size: float, clockwise: bool = False) -> geo.Ring:
    ring = ((x, y), (x + size, y), (x + size, y + size), (x, y + size))
    return (ring[0], *reversed(ring[1:])) if clockwise else ring


def bbox_mm(path: ops.Path) -> tuple[float, float, float, float]:
    return geo.bbox(ops.to_ring(path))


def overlap_mm2(a: ops.Region, b: ops.Region) -> float:
    return ops.area_mm2(ops.intersection(a, b))


def crossings(ring: Sequence[Any]) -> int:
    """Pairs of non-adjacent edges that cross (an independent O(n²) check)."""

    def side(a: Any, b: Any, c: Any) -> float:
        return float((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]))

    n, count = len(ring), 0
    for i in range(n):
        a, b = ring[i], ring[(i + 1) % n]
        for j in range(i + 2, n - (i == 0)):
            c, d = ring[j], ring[(j + 1) % n]
            if side(c, d, a) * side(c, d, b) < 0 and side(a, b, c) * side(a, b, d) < 0:
                count += 1
    return count


# --- nonzero glyphs and welding -------------------------------------------------------------


def test_overlapping_contours_of_one_glyph_become_one_outline_not_a_hole() -> None:
    # Two strokes of one glyph drawn over each other: even-odd would punch a hole.
    fill = ops.region([square(0, 0, 10), square(5, 5, 10)])
    (part,) = ops.parts(fill)
    assert part.holes == ()
    assert ops.area_mm2(fill) == pytest.approx(175)


@pytest.mark.parametrize("outline_clockwise", [True, False])  # TrueType vs CFF winding
def test_a_counter_drawn_against_the_outline_stays_a_hole(outline_clockwise: bool) -> None:
    outline = square(0, 0, 10, clockwise=outline_clockwise)
    against = ops.region([outline, square(3, 3, 4, clockwise=not outline_clockwise)])
    assert len(ops.parts(against)[0].holes) == 1
    along = ops.region([outline, square(3, 3, 4, clockwise=outline_clockwise)])
    assert ops.parts(along)[0].holes == ()  # nonzero: the same turn fills, as fonts mean it


def test_isabella_in_script_welds_into_pieces_that_never_overlap() -> None:
    item = script_item("Isabella")
    glyphs = glyph_regions(item)
    # the script's letters do overlap where they join: cut as they are, joins would be cut
    assert any(overlap_mm2(a, b) > 0.01 for a, b in combinations(glyphs, 2))
    pieces = ops.parts(welded(item))
    for a, b in combinations(pieces, 2):
        assert overlap_mm2(a.region, b.region) == 0
    assert len(pieces) < len(glyphs)
    assert ops.area_mm2(welded(item)) == pytest.approx(ops.area_mm2(ops.union(*glyphs)))


def test_cut_paths_of_a_welded_name_are_simple_and_distinct() -> None:
    scene = Scene(200, 40, None, (script_item("Isabella"),))
    paths = [p for p in machine_paths(scene, LASER) if p.operation == "cut"]
    rings = [geo.canonical(p.ring) for p in paths]
    assert len(set(rings)) == len(rings)
    assert all(crossings(r) == 0 for r in rings)
    depths = [p.depth for p in paths]
    assert depths == sorted(depths, reverse=True)  # holes before outlines


def test_engraved_letters_stay_one_fill_per_glyph() -> None:
    item = script_item("Isabella")
    engraved = TextItem(item.zone_id, "engrave", item.color, item.outline)
    outlines = [p for p in machine_paths(Scene(200, 40, None, (engraved,)), LASER) if p.depth == 0]
    assert len(outlines) >= len(glyph_regions(item))


# --- kerf -----------------------------------------------------------------------------------


@pytest.mark.parametrize("hole_clockwise", [True, False])
def test_kerf_grows_an_outer_square_and_shrinks_its_hole(hole_clockwise: bool) -> None:
    fill = ops.region([square(0, 0, 10), square(3, 3, 4, clockwise=True)])
    if not hole_clockwise:
        fill = ops.region([square(0, 0, 10, clockwise=True), square(3, 3, 4)])
    (grown,) = ops.parts(ops.kerf_offset(fill, 0.2))
    assert bbox_mm(grown.outer) == pytest.approx((-0.1, -0.1, 10.1, 10.1))
    assert bbox_mm(grown.holes[0]) == pytest.approx((3.1, 3.1, 6.9, 6.9))
    (stencil,) = ops.parts(ops.kerf_offset(fill, 0.2, part_is_fill=False))
    assert bbox_mm(stencil.outer) == pytest.approx((0.1, 0.1, 9.9, 9.9))
    assert bbox_mm(stencil.holes[0]) == pytest.approx((2.9, 2.9, 7.1, 7.1))


def test_a_hole_smaller_than_the_kerf_is_refused_with_a_code() -> None:
    fill = ops.region([square(0, 0, 10), square(5, 5, 0.1, clockwise=True)])
    with pytest.raises(geo.GeometryError) as caught:
        ops.kerf_offset(fill, 0.3)
    assert caught.value.code == "geometry.hole_smaller_than_kerf"


def test_a_slot_narrower_than_the_kerf_closes_instead_of_crossing_itself() -> None:
    comb = ((0, 0), (10, 0), (10, 5), (5.05, 5), (5.05, 1), (4.95, 1), (4.95, 5), (0, 5))
    (grown,) = ops.parts(ops.offset(ops.region([comb]), 0.2))
    assert grown.holes == () and crossings(grown.outer) == 0
    assert bbox_mm(grown.outer) == pytest.approx((-0.2, -0.2, 10.2, 5.2))


def test_kerf_on_touching_letters_merges_them_into_one_contour() -> None:
    # Two letters 0.1 mm apart: separate parts as drawn, one contour once the beam's half
    # width (0.15 mm) is added on both sides; the old per-contour offset gave two crossing ones.
    fill = ops.region([square(0, 0, 5), square(5.1, 0, 5)])
    assert len(ops.parts(fill)) == 2
    (merged,) = ops.parts(ops.kerf_offset(fill, 0.3))
    assert bbox_mm(merged.outer) == pytest.approx((-0.15, -0.15, 10.25, 5.15))
    assert crossings(merged.outer) == 0


def test_kerf_offsets_of_glyphs_are_simple_polygons() -> None:
    for font in ("lato-regular", "source-serif-pro-regular"):
        scene = scene_for(
            {**CUT_TEXT, "fonts": [font], "charset": ["latin", "digits"], "charset_extra": "&@"},
            inputs={"name": ZoneInput(text="Rage&@ 8", font=font)},
        )
        (item,) = scene.items
        assert isinstance(item, TextItem)
        for kerf in (0.1, 0.3):
            moved = ops.kerf_offset(welded(item), kerf)
            assert all(crossings(p) == 0 for p in moved)
            assert ops.area_mm2(moved) > ops.area_mm2(welded(item))


# --- stencil bridges ------------------------------------------------------------------------


def test_every_counter_of_the_stencil_letters_is_bridged() -> None:
    for font in ("lato-regular", "caladea-regular", "source-serif-pro-regular"):
        scene = scene_for(
            {**CUT_TEXT, "fonts": [font]}, inputs={"name": ZoneInput(text=COUNTERS, font=font)}
        )
        (item,) = scene.items
        assert isinstance(item, TextItem)
        fill = welded(item)
        assert any(p.holes for p in ops.parts(fill))
        bridged = ops.stencil_bridges(fill, 1.5)
        assert all(p.holes == () for p in ops.parts(bridged)), font
        assert all(crossings(p) == 0 for p in bridged)


def test_an_o_becomes_two_halves_a_bridge_width_apart() -> None:
    scene = scene_for(CUT_TEXT, inputs={"name": ZoneInput(text="O")})
    (item,) = scene.items
    assert isinstance(item, TextItem)
    left, right = ops.parts(ops.stencil_bridges(welded(item), 1.5))
    assert bbox_mm(right.outer)[0] - bbox_mm(left.outer)[2] == pytest.approx(1.5, abs=2e-3)
    assert ops.area_mm2(left.region) + ops.area_mm2(right.region) < ops.area_mm2(welded(item))


def test_bridges_on_a_rotated_zone_cross_the_stroke_not_the_artboard() -> None:
    # "O" turned 30°: the channels run along the text's vertical, so turned back by -30° the
    # two halves are a bridge width apart side by side, and each channel's walls are parallel
    # to the text's vertical, not to the artboard's.
    scene = scene_for({**CUT_TEXT, "rotation_deg": 30}, inputs={"name": ZoneInput(text="O")})
    (item,) = scene.items
    assert isinstance(item, TextItem) and item.angle_deg == 30
    bridged = cut_region(item, LASER.model_copy(update={"stencil_bridges": True}))
    back = Affine.rotation_about(-30, 40, 20)  # about the zone's centre, as the zone turns
    halves = [
        geo.bbox([back.apply(*p) for p in ops.to_ring(part.outer)]) for part in ops.parts(bridged)
    ]
    assert len(halves) == 2
    (_, _, l1, _), (r0, _, _, _) = sorted(halves)
    assert r0 - l1 == pytest.approx(1.5, abs=0.01)
    # a vertical band on the artboard (the old behaviour) would leave a slanted gap instead
    vertical = ops.stencil_bridges(welded(item), 1.5, 0.0)
    slanted = sorted(
        geo.bbox([back.apply(*p) for p in ops.to_ring(part.outer)]) for part in ops.parts(vertical)
    )
    assert slanted[1][0] - slanted[0][2] < 1.4


def test_same_geometry_on_every_run_is_on_the_micrometre_grid() -> None:
    item = script_item("Isabella")
    first, second = cut_region(item, LASER), cut_region(script_item("Isabella"), LASER)
    assert first == second
    for path in first:
        for x, y in ops.to_ring(path):
            assert math.isclose(round(x, 3), x, abs_tol=1e-12)
            assert math.isclose(round(y, 3), y, abs_tol=1e-12)
