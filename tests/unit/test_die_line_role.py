"""A two-sided part is cut once: a side's ``die_line_role: guide`` puts its die line on the
non-cutting GUIDE layer instead of CUT (the back of the pendant, engraved after the part was cut
from the front's file, placed flipped on that outline). Read back with ezdxf, Inkscape's own DXF
importer and qpdf; a product without the field keeps its files' bytes."""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from chalicelib.domain.personalization import ZoneInput
from chalicelib.domain.profile import BUILTIN
from chalicelib.domain.zone import ProductDoc
from chalicelib.scene.build import side_scenes
from chalicelib.scene.dxf import to_dxf, to_dxf_blocks
from chalicelib.scene.model import Scene
from chalicelib.scene.pdf import to_pdf, to_pdf_pages
from chalicelib.scene.vector_svg import to_machine_svg
from tests.support.dxf import points, polylines, read
from tests.support.scene import FakeResources, make_spec
from tests.support.sides import pendant_doc

LASER = BUILTIN["laser-default"]
TEXTS = {"name": "Ana", "date": "Ben 2026"}
SVG = "{http://www.w3.org/2000/svg}"


def _doc(role: str | None) -> dict[str, Any]:
    doc = pendant_doc(back_die_line=True)
    if role is not None:
        doc["sides"][1]["die_line_role"] = role
    return doc


def _scenes(doc: dict[str, Any]) -> list[Scene]:
    product = ProductDoc.model_validate(copy.deepcopy(doc))
    spec = make_spec(product, {k: ZoneInput(text=v) for k, v in TEXTS.items()})
    return side_scenes(spec, product, FakeResources(), mockup=False, content_only=True)


def _bbox(pts: list[tuple[float, float]]) -> tuple[float, float, float, float]:
    xs, ys = zip(*pts, strict=True)
    return min(xs), min(ys), max(xs), max(ys)


# The heart: 28 x 26 mm at (1, 1) on the 30 mm artboard; DXF y is up. Symmetric, so the back's
# horizontal flip leaves its box where it was.
HEART_BOX = (1.0, 3.0, 29.0, 29.0)


def test_the_back_carries_the_heart_on_guide_and_cuts_nothing() -> None:
    front, back = _scenes(_doc("guide"))
    assert back.die_line_role == "guide"
    drawing = read(to_dxf(back, LASER))
    assert polylines(drawing, "CUT") == []
    (guide,) = polylines(drawing, "GUIDE")
    assert guide.closed
    assert _bbox(points(guide)) == pytest.approx(HEART_BOX, abs=0.01)
    layer = drawing.layers.get("GUIDE")
    assert (layer.dxf.color, guide.dxf.color) == (4, 4)  # cyan: no built-in profile cuts it
    assert len(polylines(drawing, "ENGRAVE")) > 5  # the back's date is still engraved
    # The front still cuts the heart, and has no guide.
    front_drawing = read(to_dxf(front, LASER))
    (heart,) = polylines(front_drawing, "CUT")
    assert _bbox(points(heart)) == pytest.approx(HEART_BOX, abs=0.01)
    assert polylines(front_drawing, "GUIDE") == []
    assert "GUIDE" not in [layer.dxf.name for layer in front_drawing.layers]


def test_the_guide_is_the_die_line_itself_while_the_cut_gets_the_kerf() -> None:
    front, back = _scenes(_doc("guide"))
    kerfed = LASER.model_copy(update={"kerf_mm": 0.2})
    (cut,) = polylines(read(to_dxf(front, kerfed)), "CUT")
    (guide,) = polylines(read(to_dxf(back, kerfed)), "GUIDE")
    # the part, cut 0.1 mm outside the line, comes out at the die line's size: that is where
    # it lies on the back's job
    assert _bbox(points(guide)) == pytest.approx(HEART_BOX, abs=0.01)
    x0, y0, x1, y1 = _bbox(points(cut))
    assert (x0, x1, y1) == pytest.approx((0.9, 29.1, 29.1), abs=0.01)
    assert y0 < 2.91  # the heart's tip moves out more than the 0.1 mm normal offset


def test_one_file_dxf_cuts_only_the_fronts_block() -> None:
    front, back = _scenes(_doc("guide"))
    drawing = read(to_dxf_blocks([front, back], LASER))
    layers = {
        name: sorted({e.dxf.layer for e in drawing.blocks.get(f"SIDE_{name}")})
        for name in ("front", "back")
    }
    assert "CUT" in layers["front"] and "GUIDE" not in layers["front"]
    assert "GUIDE" in layers["back"] and "CUT" not in layers["back"]


def test_machine_svg_has_the_heart_as_a_guide_hairline_and_an_empty_cut_layer() -> None:
    front, back = _scenes(_doc("guide"))
    root = ET.fromstring(to_machine_svg(back, LASER))
    groups = {g.get("id"): g for g in root.iter(f"{SVG}g")}
    assert list(groups["CUT"]) == []
    guide = groups["GUIDE"]
    assert (guide.get("stroke"), guide.get("fill")) == ("#00FFFF", "none")
    (path,) = list(guide)
    numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", path.get("d", ""))]
    xs, ys = numbers[0::2], numbers[1::2]
    # SVG y is down: the heart's box at (1, 1), 28 x 26 mm, before the group's flip
    assert (min(xs), min(ys), max(xs), max(ys)) == pytest.approx((1, 1, 29, 27), abs=0.01)
    front_root = ET.fromstring(to_machine_svg(front, LASER))
    assert "GUIDE" not in {g.get("id") for g in front_root.iter(f"{SVG}g")}
    assert len(list(next(g for g in front_root.iter(f"{SVG}g") if g.get("id") == "CUT"))) == 1


@pytest.mark.skipif(not shutil.which("qpdf"), reason="qpdf reads the PDF")
def test_the_pdf_marks_no_cutcontour_on_the_back(tmp_path: Path) -> None:
    """Print-and-cut devices cut the CutContour spot colour: the back's page has none."""
    front, back = _scenes(_doc("guide"))

    def content(data: bytes, name: str) -> str:
        (tmp_path / f"{name}.pdf").write_bytes(data)
        subprocess.run(
            ["qpdf", "--qdf", "--object-streams=disable", f"{name}.pdf", f"{name}.qdf"],
            cwd=tmp_path,
            check=True,
        )
        return (tmp_path / f"{name}.qdf").read_bytes().decode("latin-1")

    assert "/CutContour CS" in content(to_pdf(front, profile=LASER), "front")
    assert "/CutContour" not in content(to_pdf(back, profile=LASER), "back")
    assert "/CutContour" not in content(to_pdf(back), "back_final")
    both = content(to_pdf_pages([front, back], profile=LASER), "both")
    assert both.count("/CutContour CS") == 1


def test_a_product_without_the_field_keeps_its_files_bytes() -> None:
    """Default "cut": the same DXF, machine SVG and PDF as a product that says "cut"."""
    assert ProductDoc.model_validate(_doc(None)).sides[1].die_line_role == "cut"  # type: ignore[index]
    for before, explicit in zip(_scenes(_doc(None)), _scenes(_doc("cut")), strict=True):
        assert to_dxf(before, LASER) == to_dxf(explicit, LASER)
        assert to_machine_svg(before, LASER) == to_machine_svg(explicit, LASER)
        assert to_pdf(before, profile=LASER) == to_pdf(explicit, profile=LASER)
        assert b"GUIDE" not in to_dxf(before, LASER)
        (heart,) = polylines(read(to_dxf(before, LASER)), "CUT")
        assert _bbox(points(heart)) == pytest.approx(HEART_BOX, abs=0.01)


def test_an_unknown_role_is_refused() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="die_line_role"):
        ProductDoc.model_validate(_doc("score"))


INKSCAPE_EXTENSIONS = Path("/usr/share/inkscape/extensions")


@pytest.mark.skipif(
    not (INKSCAPE_EXTENSIONS / "dxf_input.py").exists(), reason="Debian's inkscape is not installed"
)
def test_inkscapes_importer_finds_the_heart_on_the_guide_layer_only(tmp_path: Path) -> None:
    """An independent DXF reader: Inkscape's dxf_input.py makes a layer per DXF layer."""
    _, back = _scenes(_doc("guide"))
    (tmp_path / "back.dxf").write_bytes(to_dxf(back, LASER))
    svg = subprocess.run(
        ["/usr/bin/python3", "dxf_input.py", str(tmp_path / "back.dxf")],
        cwd=INKSCAPE_EXTENSIONS,
        capture_output=True,
        check=True,
        timeout=120,
    ).stdout.decode("utf-8")
    root = ET.fromstring(svg)
    label = "{http://www.inkscape.org/namespaces/inkscape}label"
    layers = {g.get(label): g for g in root.iter(f"{SVG}g") if g.get(label)}
    assert "CUT" not in layers or not list(layers["CUT"].iter(f"{SVG}path"))
    assert len(list(layers["GUIDE"].iter(f"{SVG}path"))) == 1
