"""The machine SVG: true size in mm (or inches), a viewBox in mm, one layer group per operation
named and coloured by the profile, hairline cuts, text as the scene's own outline paths, images
only where a raster belongs, the same text every time."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from chalicelib.domain.personalization import ZoneInput
from chalicelib.domain.profile import BUILTIN, ProfileDoc
from chalicelib.scene.dxf import machine_paths
from chalicelib.scene.model import TextItem
from chalicelib.scene.outline import to_svg_path_d
from chalicelib.scene.svg import DECIMALS
from chalicelib.scene.vector_svg import to_machine_svg
from tests.support.dxf import CUSTOM, CUT_TEXT, LASER, LETTERS, MIXED, PROFILES, profile
from tests.support.scene import BIRTHDAY, CORD_ZONE, HOSTILE, PHOTO_ZONE, TEXT_ZONE, scene_for

NS = {"svg": "http://www.w3.org/2000/svg"}
INKSCAPE = "{http://www.inkscape.org/namespaces/inkscape}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def layers(root: ET.Element) -> list[ET.Element]:
    return root.findall("svg:g", NS)


def layer(root: ET.Element, name: str) -> ET.Element:
    found = root.find(f"svg:g[@id='{name}']", NS)
    assert found is not None, name
    return found


def test_root_is_the_true_size_in_mm_with_a_viewbox_in_mm() -> None:
    root = parse(to_machine_svg(MIXED, LASER))
    assert (root.get("width"), root.get("height")) == ("80mm", "56mm")
    assert root.get("viewBox") == "0 0 80 56"


def test_inches_profile_sizes_the_root_in_inches_and_keeps_mm_inside() -> None:
    root = parse(to_machine_svg(MIXED, profile(units="in")))
    assert (root.get("width"), root.get("height")) == ("3.149606in", "2.204724in")
    assert root.get("viewBox") == "0 0 80 56"


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_one_layer_group_per_operation_named_and_coloured_by_the_profile(name: str) -> None:
    chosen: ProfileDoc = PROFILES[name]
    groups = layers(parse(to_machine_svg(MIXED, chosen)))
    ops = [chosen.operations[op] for op in ("print", "engrave", "score", "cut")]
    assert [g.get("id") for g in groups] == [op.layer for op in ops]
    assert all(g.get(f"{INKSCAPE}label") == g.get("id") for g in groups)
    by_id = {g.get("id"): g for g in groups}
    cut, score = by_id[chosen.operations["cut"].layer], by_id[chosen.operations["score"].layer]
    for group, op in ((cut, chosen.operations["cut"]), (score, chosen.operations["score"])):
        assert (group.get("stroke"), group.get("stroke-width"), group.get("fill")) == (
            op.rgb,
            "0.01",
            "none",
        )
    engrave = by_id[chosen.operations["engrave"].layer]
    assert engrave.get("fill") == chosen.operations["engrave"].rgb


def test_switching_profiles_changes_names_and_colours_not_geometry() -> None:
    def geometry(svg: str) -> list[str]:
        return re.findall(r' d="([^"]+)"|<rect [^>]+>', svg)

    laser, custom = to_machine_svg(MIXED, LASER), to_machine_svg(MIXED, CUSTOM)
    assert geometry(laser) == geometry(custom) and laser != custom
    assert 'id="Gravur"' in custom and 'stroke="#00FF00"' in custom


def test_text_is_the_scene_outline_as_paths_never_text() -> None:
    zone = {**TEXT_ZONE, "process": "engrave", "profanity": "off"}
    scene = scene_for(zone, inputs={"name": ZoneInput(text=HOSTILE)})
    svg = to_machine_svg(scene, LASER)
    assert "<text" not in svg and "script" not in svg and HOSTILE not in svg
    item = scene.items[0]
    assert isinstance(item, TextItem)
    (path,) = layer(parse(svg), "ENGRAVE").findall("svg:path", NS)
    assert path.get("d") == to_svg_path_d(item.outline, decimals=DECIMALS)


def test_cut_text_is_the_welded_polygons_as_hairlines_in_the_cut_group() -> None:
    root = parse(to_machine_svg(LETTERS, LASER))
    paths = layer(root, "CUT").findall("svg:path", NS)
    cut = [p for p in machine_paths(LETTERS, LASER) if p.operation == "cut"]
    assert len(paths) == len(cut) > 8  # one closed path per contour, as the DXF cuts them
    for path in paths:
        assert path.get("fill") is None and path.get("stroke") is None  # the layer's hairline
        assert not re.search("[CQ]", path.get("d") or "")
    assert not layer(root, "ENGRAVE").findall("svg:path", NS)


def test_print_items_keep_the_shoppers_colours() -> None:
    scene = scene_for(
        TEXT_ZONE,
        CORD_ZONE,
        inputs={
            "name": ZoneInput(text=BIRTHDAY, color="#1A3C8B"),
            "cord": ZoneInput(color="#FFD700"),
        },
    )
    group = layer(parse(to_machine_svg(scene, LASER)), "PRINT")
    assert group.get("fill") is None
    fills = [e.get("fill") for e in group.iter() if e.get("fill")]
    assert fills == ["#1A3C8B", "#FFD700"]


def test_images_go_to_print_or_engrave_never_to_cut() -> None:
    inputs = {"photo": ZoneInput(asset_id="img_photo")}
    for process, group in (("print", "PRINT"), ("engrave", "ENGRAVE"), ("cut", None)):
        svg = to_machine_svg(scene_for({**PHOTO_ZONE, "process": process}, inputs=inputs), LASER)
        root = parse(svg)
        holders = [g.get("id") for g in layers(root) if g.findall(".//svg:image", NS)]
        assert holders == ([group] if group else [])
        assert svg.count("<image") == (1 if group else 0)


def test_same_scene_gives_the_same_svg() -> None:
    assert to_machine_svg(MIXED, LASER) == to_machine_svg(MIXED, LASER)


def test_mirror_flips_every_layer_about_the_artboard_centre() -> None:
    groups = layers(parse(to_machine_svg(MIXED, profile(mirror=True))))
    assert {g.get("transform") for g in groups} == {"matrix(-1 0 0 1 80 0)"}
    assert all(g.get("transform") is None for g in layers(parse(to_machine_svg(MIXED, LASER))))


def test_kerf_and_bridges_make_the_cut_layer_the_dxf_polygons() -> None:
    stencil = profile(stencil_bridges=True, kerf_mm=0.1)
    paths = layer(parse(to_machine_svg(LETTERS, stencil)), "CUT").findall("svg:path", NS)
    cut = [p for p in machine_paths(LETTERS, stencil) if p.operation == "cut"]
    assert len(paths) == len(cut) > 8
    for path, machine in zip(paths, cut, strict=True):
        d = path.get("d") or ""
        assert d.startswith("M") and d.endswith("Z") and not re.search("[CQ]", d)
        assert d.count("L") == len(machine.ring) - 1


def test_engraved_text_keeps_its_curves_even_with_a_stencil_profile() -> None:
    scene = scene_for({**CUT_TEXT, "process": "engrave"}, inputs={"name": ZoneInput(text="O")})
    svg = to_machine_svg(scene, profile(stencil_bridges=True, kerf_mm=0.2))
    (path,) = layer(parse(svg), "ENGRAVE").findall("svg:path", NS)
    assert re.search("[CQ]", path.get("d") or "")


def test_print_profile_layers_are_the_builtin_print_names() -> None:
    ids = [g.get("id") for g in layers(parse(to_machine_svg(MIXED, BUILTIN["print-default"])))]
    assert ids == ["ARTWORK", "ENGRAVE", "SCORE", "CUTCONTOUR"]
