"""The DXF a laser runs as is: read back with ezdxf, it has units, the profile's layers and
colours, only closed LWPOLYLINEs, the scene's geometry to 0.05 mm (y up, mirrored or in inches
per profile), no duplicates, a clean audit and the same bytes every time. Below it, the
geometry it is made of: flattening within 0.01 mm, kerf offsets and stencil bridges.
"""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Sequence
from itertools import pairwise
from typing import TYPE_CHECKING

import pytest

from chalicelib.domain.layout import Box
from chalicelib.domain.personalization import ZoneInput
from chalicelib.scene import flatten as geo
from chalicelib.scene.dxf import to_dxf
from chalicelib.scene.model import ColorItem, Scene, TextItem
from chalicelib.scene.outline import Segment, bounds
from tests.conftest import ROOT
from tests.support.dxf import (
    CUSTOM,
    CUT_TEXT,
    LASER,
    LETTERS,
    MIXED,
    PROFILES,
    points,
    polylines,
    profile,
    read,
    sha256_in_other_processes,
)
from tests.support.scene import BIRTHDAY, CORD_ZONE, PHOTO_ZONE, TEXT_ZONE, scene_for

if TYPE_CHECKING:
    pass












def y_up(box: Box, scene: Scene) -> tuple[float, float, float, float]:
    return box.x_min, scene.height_mm - box.y_max, box.x_max, scene.height_mm - box.y_min


def text_item(scene: Scene) -> TextItem:
    return next(i for i in scene.items if isinstance(i, TextItem))


# --- the file a workshop opens ------------------------------------------------------------


@pytest.mark.parametrize(("units", "insunits", "measurement"), [("mm", 4, 1), ("in", 1, 0)])
def test_header_states_the_profile_units(units: str, insunits: int, measurement: int) -> None:
    doc = read(to_dxf(MIXED, profile(units=units)))
    assert doc.dxfversion >= "AC1024"  # R2010 or newer
    assert doc.header["$INSUNITS"] == insunits
    assert doc.header["$MEASUREMENT"] == measurement


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_layers_and_colours_follow_the_profile(name: str) -> None:
    chosen = PROFILES[name]
    doc = read(to_dxf(MIXED, chosen))
    for op in chosen.operations.values():
        layer = doc.layers.get(op.layer)
        assert layer.color == op.aci
        assert layer.rgb == tuple(int(op.rgb[i : i + 2], 16) for i in (1, 3, 5))
    engrave, cut = chosen.operations["engrave"], chosen.operations["cut"]
    assert {e.dxf.layer for e in polylines(doc)} == {engrave.layer, cut.layer}
    for entity in polylines(doc):
        op = engrave if entity.dxf.layer == engrave.layer else cut
        assert entity.dxf.color == op.aci and entity.rgb == doc.layers.get(op.layer).rgb


def test_switching_profiles_changes_names_and_colours_not_geometry() -> None:
    laser, custom = read(to_dxf(MIXED, LASER)), read(to_dxf(MIXED, CUSTOM))
    assert [points(e) for e in polylines(laser)] == [points(e) for e in polylines(custom)]
    assert next(e.dxf.layer for e in polylines(custom)) == "Gravur"


def test_only_closed_lwpolylines_on_machine_layers_and_nothing_else() -> None:
    doc = read(to_dxf(MIXED, LASER))
    entities = list(doc.modelspace())
    machine = {op.layer for op in LASER.operations.values()}
    assert entities and all(e.dxftype() == "LWPOLYLINE" for e in entities)
    assert len(polylines(doc)) == len(entities)
    assert all(e.closed and e.dxf.layer in machine for e in polylines(doc))
    assert all(len(points(e)) >= 3 for e in polylines(doc))
    assert {layer.dxf.name for layer in doc.layers} <= machine | {"0", "Defpoints"}
    assert len(doc.blocks.get("*Model_Space")) == len(entities)


def test_images_are_never_written() -> None:
    photo_only = scene_for(PHOTO_ZONE, inputs={"photo": ZoneInput(asset_id="img_photo")})
    doc = read(to_dxf(photo_only, LASER))
    assert list(doc.modelspace()) == []
    assert not any(e.dxftype() in ("IMAGE", "IMAGEDEF") for e in doc.objects)


def test_text_geometry_has_the_scene_ink_bbox_y_up() -> None:
    for rotation in (0, 30):
        scene = scene_for(
            {**TEXT_ZONE, "process": "engrave", "rotation_deg": rotation},
            inputs={"name": ZoneInput(text=BIRTHDAY)},
        )
        ink = bounds(text_item(scene).outline)
        assert ink is not None
        doc = read(to_dxf(scene, LASER))
        got = geo.bbox([p for e in polylines(doc, "ENGRAVE") for p in points(e)])
        assert got == pytest.approx(y_up(ink, scene), abs=0.05)


def test_colour_zone_is_its_rectangle_turned_like_the_zone() -> None:
    flat = scene_for(CORD_ZONE, inputs={"cord": ZoneInput(color="#2E8B57")})
    (entity,) = polylines(read(to_dxf(flat, LASER)), "PRINT")
    x, y, w, h = (CORD_ZONE[k] for k in ("x_mm", "y_mm", "width_mm", "height_mm"))
    assert geo.bbox(points(entity)) == pytest.approx((x, 56 - y - h, x + w, 56 - y), abs=0.05)
    item = next(i for i in MIXED.items if isinstance(i, ColorItem))
    corners = {
        (round(cx, 3), round(56 - cy, 3)) for cx, cy in geo.rect_ring(item.rect, item.transform)
    }
    (turned,) = polylines(read(to_dxf(MIXED, LASER)), "CUT")
    assert set(points(turned)) == corners


def test_audit_of_the_file_read_back_is_clean() -> None:
    for scene in (MIXED, LETTERS):
        auditor = read(to_dxf(scene, profile(stencil_bridges=True, kerf_mm=0.1))).audit()
        assert auditor.has_errors is False and len(auditor.fixes) == 0


def test_identical_zones_are_cut_once_and_no_polyline_repeats() -> None:
    twin = {**CORD_ZONE, "id": "twin", "process": "cut"}
    scene = scene_for(
        {**CORD_ZONE, "process": "cut"},
        twin,
        inputs={"cord": ZoneInput(color="#2E8B57"), "twin": ZoneInput(color="#FFD700")},
    )
    assert len(polylines(read(to_dxf(scene, LASER)), "CUT")) == 1
    for data in (to_dxf(MIXED, LASER), to_dxf(LETTERS, LASER)):
        keys = [(e.dxf.layer, geo.canonical(tuple(points(e)))) for e in polylines(read(data))]
        assert len(keys) == len(set(keys))


def test_same_scene_gives_the_same_bytes_without_dates_or_guids() -> None:
    first = to_dxf(MIXED, LASER)
    assert first == to_dxf(MIXED, LASER)
    lines = first.decode("utf-8").splitlines()
    written = {lines[i]: lines[i + 2] for i in range(len(lines) - 2) if lines[i].startswith("$")}
    assert written["$TDCREATE"] == written["$TDUPDATE"] == "2451545.0"  # ezdxf's fixed date
    assert (
        written["$VERSIONGUID"]
        == written["$FINGERPRINTGUID"]
        == "{" + "0" * 8 + "-0000" * 3 + "-" + "0" * 12 + "}"
    )


def test_coordinates_are_rounded_to_a_micrometre() -> None:
    for entity in polylines(read(to_dxf(MIXED, LASER))):
        assert all(round(v, 3) == v for p in points(entity) for v in p)


def test_inches_profile_scales_everything_by_one_over_25_4() -> None:
    mm = polylines(read(to_dxf(MIXED, LASER)))
    inch = polylines(read(to_dxf(MIXED, profile(units="in"))))
    assert len(mm) == len(inch)
    for a, b in zip(mm, inch, strict=True):
        for (xa, ya), (xb, yb) in zip(points(a), points(b), strict=True):
            assert (xb * 25.4, yb * 25.4) == pytest.approx((xa, ya), abs=1e-3)


def test_mirror_flips_x_about_the_artboard_centre() -> None:
    plain = polylines(read(to_dxf(MIXED, LASER)))
    mirrored = polylines(read(to_dxf(MIXED, profile(mirror=True))))
    assert len(plain) == len(mirrored)
    for a, b in zip(plain, mirrored, strict=True):
        flipped = [(80 - x, y) for x, y in points(a)]
        assert len(flipped) == len(points(b))
        for x, y in points(b):  # each rounds on its own: the same micrometre, give or take one
            assert min(math.hypot(x - fx, y - fy) for fx, fy in flipped) <= 0.0015


def test_engrave_runs_before_cut_and_holes_before_outlines() -> None:
    scene = scene_for(
        {**TEXT_ZONE, "process": "engrave", "y_mm": 2},
        {**CUT_TEXT, "id": "cut", "y_mm": 30},
        inputs={"name": ZoneInput(text="ABC"), "cut": ZoneInput(text="OBO")},
    )
    entities = polylines(read(to_dxf(scene, LASER)))
    layers = [e.dxf.layer for e in entities]
    assert layers == sorted(layers, key=lambda name: name != "ENGRAVE")
    cut = [tuple(points(e)) for e in entities if e.dxf.layer == "CUT"]
    depths = geo.depths(cut)
    assert depths == sorted(depths, reverse=True) and depths[0] == 1 and depths[-1] == 0
    # y up: outlines turn counter-clockwise, holes clockwise
    assert all((geo.signed_area(r) > 0) == (d == 0) for r, d in zip(cut, depths, strict=True))


def test_ezdxf_is_not_imported_on_the_api_path() -> None:
    code = (
        "import app, sys, chalicelib.scene.dxf, chalicelib.scene.vector_svg; "
        "print('ezdxf' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


# --- kerf and stencil bridges in the file -------------------------------------------------


def test_kerf_grows_a_cut_zone_by_half_the_kerf_on_every_side() -> None:
    scene = scene_for({**CORD_ZONE, "process": "cut"}, inputs={"cord": ZoneInput(color="#2E8B57")})
    (plain,) = polylines(read(to_dxf(scene, LASER)))
    (grown,) = polylines(read(to_dxf(scene, profile(kerf_mm=0.2))))
    x0, y0, x1, y1 = geo.bbox(points(plain))
    assert geo.bbox(points(grown)) == pytest.approx(
        (x0 - 0.1, y0 - 0.1, x1 + 0.1, y1 + 0.1), abs=1e-3
    )


def test_stencil_profile_leaves_no_closed_counter_in_the_cut_layer() -> None:
    plain = [tuple(points(e)) for e in polylines(read(to_dxf(LETTERS, LASER)), "CUT")]
    assert sum(d % 2 for d in geo.depths(plain)) == 10  # A B×2 D O P Q R 8×2
    stencil = read(to_dxf(LETTERS, profile(stencil_bridges=True, bridge_width_mm=1.2)))
    bridged = [tuple(points(e)) for e in polylines(stencil, "CUT")]
    assert geo.depths(bridged) == [0] * len(bridged)


def test_bridges_are_not_applied_to_engraved_text() -> None:
    scene = scene_for({**CUT_TEXT, "process": "engrave"}, inputs={"name": ZoneInput(text="O")})
    entities = polylines(read(to_dxf(scene, profile(stencil_bridges=True))))
    assert geo.depths([tuple(points(e)) for e in entities]) == [0, 1]


# --- flattening -----------------------------------------------------------------------------

KAPPA = 0.5522847498  # cubic Bézier control distance for a quarter circle


def circle(r: float, cx: float = 50, cy: float = 50) -> tuple[Segment, ...]:
    k = r * KAPPA
    return (
        Segment("M", ((cx + r, cy),)),
        Segment("C", ((cx + r, cy + k), (cx + k, cy + r), (cx, cy + r))),
        Segment("C", ((cx - k, cy + r), (cx - r, cy + k), (cx - r, cy))),
        Segment("C", ((cx - r, cy - k), (cx - k, cy - r), (cx, cy - r))),
        Segment("C", ((cx + k, cy - r), (cx + r, cy - k), (cx + r, cy))),
    )


def curve_samples(contour: tuple[Segment, ...], steps: int = 400) -> list[tuple[float, float]]:
    """Points along the true curves (de Casteljau), lines included."""
    out, current = [], contour[0].points[0]
    for seg in contour[1:]:
        for i in range(steps + 1):
            ctrl, t = [current, *seg.points], i / steps
            while len(ctrl) > 1:
                ctrl = [
                    (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t) for a, b in pairwise(ctrl)
                ]
            out.append(ctrl[0])
        current = seg.points[-1]
    return out


def distance_to_ring(p: tuple[float, float], ring: Sequence[tuple[float, float]]) -> float:
    best = math.inf
    for a, b in zip(ring, (*ring[1:], ring[0]), strict=True):
        dx, dy = b[0] - a[0], b[1] - a[1]
        t = max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy)))
        best = min(best, math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy))
    return best


@pytest.mark.parametrize("radius", [0.8, 5.0, 40.0])
def test_flattened_circle_stays_within_a_hundredth_of_a_millimetre(radius: float) -> None:
    contour = circle(radius)
    ring = geo.flatten(contour)
    written = geo.MachineFrame(100, 100).ring(ring)
    assert written is not None
    for polygon in (ring, written):
        worst = max(distance_to_ring(p, polygon) for p in curve_samples(contour))
        assert worst <= geo.TOLERANCE_MM
    # ...without wasting points: at most twice the chords a perfect circle would need
    fewest = math.pi / math.acos(1 - geo.TOLERANCE_MM / radius)
    assert len(ring) <= 2 * fewest + 8


def test_quadratic_curves_are_flattened_within_tolerance_too() -> None:
    contour = (
        Segment("M", ((0.0, 0.0),)),
        Segment("Q", ((10.0, 20.0), (20.0, 0.0))),
        Segment("L", ((0.0, 0.0),)),
    )
    ring = geo.flatten(contour)
    assert max(distance_to_ring(p, ring) for p in curve_samples(contour)) <= geo.TOLERANCE_MM


def test_zero_length_segments_and_repeated_points_are_dropped() -> None:
    contour = (
        Segment("M", ((0.0, 0.0),)),
        Segment("L", ((0.0, 0.0),)),
        Segment("L", ((10.0, 0.0),)),
        Segment("L", ((10.0, 0.0004),)),  # the same micrometre once rounded
        Segment("Q", ((10.0, 5.0), (10.0, 10.0))),  # a straight "curve"
        Segment("L", ((0.0, 10.0),)),
        Segment("L", ((0.0, 0.0),)),  # back to the start: the ring closes by itself
    )
    written = geo.MachineFrame(20, 20).ring(geo.flatten(contour))
    assert written is not None and written[0] == (0.0, 20.0)
    assert all(a != b for a, b in zip(written, (*written[1:], written[0]), strict=True))
    assert (10.0, 19.999) not in written and (10.0, 20.0) in written


def test_every_process_writes_the_same_bytes() -> None:
    """A redelivered pack may be built by another worker: bytes cannot follow the hash seed."""
    import hashlib

    digests = sha256_in_other_processes("tests.unit.test_dxf", "to_dxf(MIXED, LASER)")
    assert digests == {hashlib.sha256(to_dxf(MIXED, LASER)).hexdigest()}


