"""The files of a product with sides: a scene per side, the PDF's pages (read by poppler), the
DXF per side or per block (read by ezdxf), the side's flip in machine geometry, and the contact
sheet's pixels."""

from __future__ import annotations

import dataclasses
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from chalicelib.domain.pack import PACK_FORMATS
from chalicelib.domain.profile import BUILTIN
from chalicelib.domain.render_options import PreviewOptions
from chalicelib.scene.contact_sheet import contact_sheet
from chalicelib.scene.dxf import SIDE_GAP_MM, to_dxf, to_dxf_blocks
from chalicelib.scene.model import Scene
from chalicelib.scene.pdf import to_pdf, to_pdf_pages
from chalicelib.scene.raster import default_rasterizer
from chalicelib.scene.render import render_preview
from chalicelib.scene.vector_svg import to_machine_svg
from chalicelib.scene.writers import side_files
from tests.support.dxf import points, polylines, read
from tests.support.sides import pendant_scenes

LASER = BUILTIN["laser-default"]
TEXTS = {"name": "Ana", "date": "Ben 2026"}


def _bbox(pts: list[tuple[float, float]]) -> tuple[float, float, float, float]:
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return min(xs), min(ys), max(xs), max(ys)


def test_each_side_is_its_own_scene_with_its_zones_die_line_and_flip() -> None:
    front, back = pendant_scenes(TEXTS)
    assert (front.side_id, back.side_id) == ("front", "back")
    assert [i.zone_id for i in front.items] == ["name"]
    assert [i.zone_id for i in back.items] == ["date"]
    assert front.die_line is not None and back.die_line is None
    assert (front.flip, back.flip) == ("none", "horizontal")
    assert (back.width_mm, back.height_mm) == (30.0, 30.0)


def test_a_side_without_content_gets_no_scene_and_no_files() -> None:
    scenes = pendant_scenes({"name": "Ana"}, content_only=True)
    assert [s.side_id for s in scenes] == ["front"]
    made = side_files(scenes, LASER, default_rasterizer(), ["svg", "dxf"])
    assert [(f.format, f.sides) for f in made] == [("svg", ("front",)), ("dxf", ("front",))]
    # ... while a die line alone is content: a blank back with a heart is still cut
    scenes = pendant_scenes({"name": "Ana"}, content_only=True, back_die_line=True)
    assert [s.side_id for s in scenes] == ["front", "back"]


def test_pack_writers_give_a_file_per_side_and_one_pdf_with_a_page_per_side() -> None:
    scenes = pendant_scenes(TEXTS)
    made = side_files(scenes, LASER, default_rasterizer(), list(PACK_FORMATS))
    assert [(f.format, f.sides) for f in made] == [
        ("png", ("front",)),
        ("png", ("back",)),
        ("pdf", ("front", "back")),
        ("svg", ("front",)),
        ("svg", ("back",)),
        ("dxf", ("front",)),
        ("dxf", ("back",)),
    ]
    blocks = LASER.model_copy(update={"dxf_sides": "blocks"})
    made = side_files(scenes, blocks, default_rasterizer(), ["dxf"])
    assert [(f.format, f.sides) for f in made] == [("dxf", ("front", "back"))]


@pytest.mark.skipif(not shutil.which("pdfinfo"), reason="poppler-utils is not installed")
def test_poppler_reads_a_page_per_side_at_each_sides_size(tmp_path: Path) -> None:
    front, back = pendant_scenes(TEXTS)
    back = dataclasses.replace(back, width_mm=40.0, height_mm=20.0)  # sides may differ in size
    path = tmp_path / "sides.pdf"
    path.write_bytes(to_pdf_pages([front, back]))
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "2", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Pages:           2" in info
    sizes = [line.split(":", 1)[1].split("pts")[0].split(" x ") for line in info.splitlines()
             if line.startswith("Page") and "size:" in line]  # fmt: skip
    mm = [(round(float(w) / 72 * 25.4, 2), round(float(h) / 72 * 25.4, 2)) for w, h in sizes]
    assert mm == [(30.0, 30.0), (40.0, 20.0)]
    # poppler draws something on both pages (the heart and name; the date)
    for page in (1, 2):
        subprocess.run(
            ["pdftoppm", "-f", str(page), "-l", str(page), "-r", "150", "-gray", "-png",
             str(path), str(tmp_path / f"p{page}")],
            check=True, capture_output=True,
        )  # fmt: skip
        (png,) = tmp_path.glob(f"p{page}*.png")
        assert Image.open(png).convert("L").getextrema()[0] < 128


def test_a_one_page_pdf_keeps_its_bytes() -> None:
    front, _ = pendant_scenes(TEXTS)
    assert to_pdf_pages([front]) == to_pdf(front)


def _engraved(data: bytes) -> list[tuple[float, float]]:
    return sorted(p for e in polylines(read(data), "ENGRAVE") for p in points(e))


def _same_points(got: list[tuple[float, float]], expected: list[tuple[float, float]]) -> bool:
    """Every point has its partner within 2 µm (both files round to 1 µm on their own)."""
    if len(got) != len(expected):
        return False
    return all(min(abs(gx - ex) + abs(gy - ey) for ex, ey in expected) <= 0.002 for gx, gy in got)


def test_a_horizontal_flip_mirrors_the_back_in_the_dxf_and_machine_svg() -> None:
    _, back = pendant_scenes(TEXTS)
    plain = dataclasses.replace(back, flip="none")
    width = back.width_mm
    mirrored = _engraved(to_dxf(back, LASER))
    expected = [(width - x, y) for x, y in _engraved(to_dxf(plain, LASER))]
    assert len(mirrored) > 20
    assert _same_points(mirrored, expected)
    assert not _same_points(mirrored, _engraved(to_dxf(plain, LASER)))  # it did change
    # the profile's mirror composes with the side's flip: both horizontal is the front view
    both = LASER.model_copy(update={"mirror": True})
    assert _engraved(to_dxf(back, both)) == _engraved(to_dxf(plain, LASER))
    assert 'transform="matrix(-1 0 0 1 30 0)"' in to_machine_svg(back, LASER)
    assert "transform=" not in to_machine_svg(plain, LASER)


def test_a_vertical_flip_mirrors_about_the_horizontal_centre_line() -> None:
    _, back = pendant_scenes(TEXTS)
    plain = dataclasses.replace(back, flip="none")
    flipped = dataclasses.replace(back, flip="vertical")
    height = back.height_mm
    expected = [(x, height - y) for x, y in _engraved(to_dxf(plain, LASER))]
    assert _same_points(_engraved(to_dxf(flipped, LASER)), expected)
    assert 'transform="matrix(1 0 0 -1 0 30)"' in to_machine_svg(flipped, LASER)


def test_the_cut_layer_holds_the_heart_die_line_at_its_size() -> None:
    front, _ = pendant_scenes(TEXTS)
    (heart,) = polylines(read(to_dxf(front, LASER)), "CUT")
    x0, y0, x1, y1 = _bbox(points(heart))
    # the heart fills its 28 × 26 mm box at (1, 1) on the 30 mm artboard; DXF y is up
    assert (x0, x1) == pytest.approx((1.0, 29.0), abs=0.01)
    assert (y0, y1) == pytest.approx((30 - 27.0, 30 - 1.0), abs=0.01)
    assert heart.closed


def test_dxf_blocks_hold_each_side_once_placed_side_by_side() -> None:
    front, back = pendant_scenes(TEXTS)
    doc = read(to_dxf_blocks([front, back], LASER))
    inserts = list(doc.modelspace().query("INSERT"))
    assert [(i.dxf.name, tuple(i.dxf.insert)[:2]) for i in inserts] == [
        ("SIDE_front", (0.0, 0.0)),
        ("SIDE_back", (30.0 + SIDE_GAP_MM, 0.0)),
    ]
    own = {
        side.side_id: sorted(
            (e.dxf.layer, tuple(points(e))) for e in polylines(read(to_dxf(side, LASER)))
        )
        for side in (front, back)
    }
    for name, side_id in (("SIDE_front", "front"), ("SIDE_back", "back")):
        block = doc.blocks.get(name)
        got = sorted((e.dxf.layer, tuple(points(e))) for e in block.query("LWPOLYLINE"))
        assert got == own[side_id]  # the side's own file, flip included
    assert doc.modelspace().query("LWPOLYLINE").first is None


def _dark(image: Image.Image) -> int:
    return sum(image.convert("L").point(lambda v: 255 if v < 128 else 0).histogram()[255:])


def test_contact_sheet_shows_every_side_as_its_own_preview_with_its_name() -> None:
    scenes: list[Scene] = pendant_scenes(TEXTS)
    options = PreviewOptions(long_side_px=300, format="png")
    sheet = contact_sheet(scenes, ["Front", "Back"], options)
    image = Image.open(io.BytesIO(sheet.data)).convert("RGB")
    assert (image.width, image.height) == (sheet.width_px, sheet.height_px)
    gap = 12  # max(8, 4 % of 300)
    x = gap
    for scene in scenes:
        alone = Image.open(io.BytesIO(render_preview(scene, options).data)).convert("RGB")
        tile = image.crop((x, gap, x + alone.width, gap + alone.height))
        assert tile.tobytes() == alone.tobytes()  # the side's own preview
        assert _dark(tile) > 50  # ... with its engraving on it
        label = image.crop((x, gap + alone.height, x + alone.width, image.height))
        assert _dark(label) > 20  # the side's name under it
        x += alone.width + gap
    assert x == image.width


INKSCAPE_EXTENSIONS = Path("/usr/share/inkscape/extensions")


@pytest.mark.skipif(
    not (INKSCAPE_EXTENSIONS / "dxf_input.py").exists(), reason="Debian's inkscape is not installed"
)
def test_inkscapes_importer_places_each_sides_block(tmp_path: Path) -> None:
    """An independent reader of the one-file DXF: Inkscape's dxf_input.py turns each side's
    block into a symbol and each INSERT into a <use>, the back 30 + 10 mm to the right."""
    import re

    front, back = pendant_scenes(TEXTS, back_die_line=True)
    (tmp_path / "sides.dxf").write_bytes(to_dxf_blocks([front, back], LASER))
    svg = subprocess.run(
        ["/usr/bin/python3", "dxf_input.py", str(tmp_path / "sides.dxf")],
        cwd=INKSCAPE_EXTENSIONS,
        capture_output=True,
        check=True,
        timeout=120,
    ).stdout.decode("utf-8")
    uses = re.findall(r'<use xlink:href="#(SIDE_\w+)"[^>]*?(?:translate\(([\d.]+), 0\))?"?/>', svg)
    assert [name for name, _ in uses] == ["SIDE_front", "SIDE_back"]
    px_per_mm = 96 / 25.4  # the importer's unit at manual scale 1
    assert float(uses[1][1]) / px_per_mm == pytest.approx(30 + SIDE_GAP_MM, abs=0.01)
