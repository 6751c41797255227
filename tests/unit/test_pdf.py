"""The production PDF: true size, the boxes a print shop checks, no fonts, deterministic bytes;
crop marks outside the bleed when a profile asks; the effective DPI of every placed image.

The structure is checked with a few regular expressions and parsed by pypdf (a test-only
dependency); poppler's ``pdftoppm`` (installed by ``make test``) renders the page for comparison
with the final PNG, which proves the paths, the quadratic-to-cubic conversion and the placement.
"""

from __future__ import annotations

import io
import re
import subprocess
import zlib
from itertools import pairwise
from pathlib import Path

import pypdf
import pytest
from PIL import Image, ImageChops, ImageStat

from chalicelib.domain.personalization import ZoneInput
from chalicelib.scene.checks import image_dpi_report
from chalicelib.scene.model import Scene, TextItem
from chalicelib.scene.pdf import CROP_MARGIN_MM, PT_PER_MM, to_pdf
from chalicelib.scene.pdfdoc import contour_ops
from chalicelib.scene.raster import flatten
from chalicelib.scene.render import FinalOptions, render_final
from tests.support.scene import (
    BIRTHDAY,
    CORD_ZONE,
    HOSTILE,
    PHOTO_ZONE,
    TEXT_ZONE,
    birthday_scene,
    decode,
    scene_for,
)

ROTATED = scene_for(
    {**TEXT_ZONE, "rotation_deg": -8, "profanity": "off"},
    {**PHOTO_ZONE, "rotation_deg": 15},
    CORD_ZONE,
    inputs={
        "name": ZoneInput(text=BIRTHDAY, color="#1A3C8B"),
        "photo": ZoneInput(asset_id="img_photo"),
        "cord": ZoneInput(color="#FFD700"),
    },
)

CFF = scene_for(  # Source Serif Pro is a CFF font: cubic outlines, unlike Lato's quadratics
    {**TEXT_ZONE, "fonts": ["source-serif-pro-regular"], "rotation_deg": 12},
    inputs={"name": ZoneInput(text=BIRTHDAY, font="source-serif-pro-regular")},
)


def _box(pdf: bytes, name: str) -> list[float]:
    found = re.search(rb"/" + name.encode() + rb" \[([-0-9. ]+)\]", pdf)
    assert found is not None, name
    return [float(v) for v in found.group(1).split()]


def _streams(pdf: bytes) -> list[bytes]:
    return [
        zlib.decompress(m.group(1))
        for m in re.finditer(rb"stream\n(.*?)\nendstream", pdf, flags=re.DOTALL)
    ]


def test_boxes_trim_is_the_artboard_and_bleed_grows_it() -> None:
    pdf = to_pdf(birthday_scene(), bleed_mm=3)
    assert pdf.startswith(b"%PDF-1.4\n") and pdf.endswith(b"%%EOF\n")
    k = PT_PER_MM
    media = [0, 0, 86 * k, 62 * k]  # 80 × 56 mm + 3 mm each side
    assert _box(pdf, "MediaBox") == pytest.approx(media, abs=1e-3)
    assert _box(pdf, "BleedBox") == pytest.approx(media, abs=1e-3)
    assert _box(pdf, "TrimBox") == pytest.approx([3 * k, 3 * k, 83 * k, 59 * k], abs=1e-3)


def test_without_bleed_all_boxes_are_the_artboard() -> None:
    pdf = to_pdf(birthday_scene())
    artboard = [0, 0, 80 * PT_PER_MM, 56 * PT_PER_MM]
    for name in ("MediaBox", "BleedBox", "TrimBox"):
        assert _box(pdf, name) == pytest.approx(artboard, abs=1e-3)


def test_xref_offsets_point_at_their_objects() -> None:
    pdf = to_pdf(ROTATED, bleed_mm=2)
    start = int(re.findall(rb"startxref\n(\d+)", pdf)[-1])
    assert pdf[start:].startswith(b"xref\n")
    offsets = re.findall(rb"(\d{10}) 00000 n ", pdf[start:])
    assert len(offsets) == 5  # catalog, pages, page, content, one image
    for number, offset in enumerate(offsets, start=1):
        assert pdf[int(offset) :].startswith(f"{number} 0 obj\n".encode())


def test_no_fonts_and_no_user_text_only_paths() -> None:
    zone = {**TEXT_ZONE, "profanity": "off"}
    pdf = to_pdf(scene_for(zone, inputs={"name": ZoneInput(text=HOSTILE)}))
    content = _streams(pdf)[0]
    assert b"/Font" not in pdf and b"Tj" not in content and b"BT" not in content
    assert b"script" not in pdf and b"script" not in content
    assert content.count(b" c\n") + content.count(b" c ") > 10 and content.rstrip().endswith(b"Q")


def _point(ctrl: list[tuple[float, float]], t: float) -> tuple[float, float]:
    while len(ctrl) > 1:
        ctrl = [(a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t) for a, b in pairwise(ctrl)]
    return ctrl[0]


def test_quadratic_segments_become_the_same_curves_as_cubics() -> None:
    item = birthday_scene().items[0]
    assert isinstance(item, TextItem)
    checked = 0
    for contour in item.contours:
        operands = [float(v) for v in re.findall(r"-?[0-9.]+", contour_ops(contour))]
        current = contour[0].points[0]
        for segment in contour:
            n = 6 if segment.op in ("Q", "C") else 2  # a Q is written as a cubic: 3 points
            values, operands = operands[:n], operands[n:]
            if segment.op == "Q":
                cubic = [current, *zip(values[::2], values[1::2], strict=True)]
                quadratic = [current, *segment.points]
                for t in (0.25, 0.5, 0.75):
                    assert _point(cubic, t) == pytest.approx(_point(quadratic, t), abs=2e-4)
                checked += 1
            current = segment.points[-1]
        assert operands == []
    assert checked > 50  # Lato is TrueType: plenty of quadratic segments


def test_images_carry_an_smask_only_with_alpha_and_are_stored_once() -> None:
    pdf = to_pdf(ROTATED)
    assert pdf.count(b"/Subtype /Image") == 1  # an opaque photo: no SMask object
    assert b"/SMask" not in pdf and b"/ColorSpace /DeviceRGB" in pdf


def test_same_scene_gives_the_same_pdf_bytes_and_no_dates() -> None:
    first, second = to_pdf(ROTATED, bleed_mm=3), to_pdf(ROTATED, bleed_mm=3)
    assert first == second
    assert b"CreationDate" not in first and b"ModDate" not in first
    assert re.search(rb"/ID \[<([0-9a-f]{32})> <\1>\]", first)


def test_pdf_opens_in_pypdf_when_it_is_installed() -> None:
    page = pypdf.PdfReader(io.BytesIO(to_pdf(ROTATED, bleed_mm=3))).pages[0]
    assert float(page.trimbox.width) == pytest.approx(80 * PT_PER_MM, abs=1e-3)


@pytest.mark.parametrize("scene", [ROTATED, CFF], ids=["truetype-image-colour", "cff"])
def test_poppler_draws_the_pdf_like_the_final_png(scene: Scene, tmp_path: Path) -> None:
    png, pdf = render_final(scene, FinalOptions(dpi=100, bleed_mm=2))
    (tmp_path / "final.pdf").write_bytes(pdf.data)
    subprocess.run(
        ["pdftoppm", "-r", "100", "-png", "-singlefile", "final.pdf", "page"],
        cwd=tmp_path,
        check=True,
        timeout=60,
    )
    page = Image.open(tmp_path / "page.png").convert("RGB")
    final = flatten(decode(png.data).convert("RGBA"))
    size = (min(page.width, final.width), min(page.height, final.height))  # ±1 px of rounding
    box = (0, 0, *size)
    diff = ImageStat.Stat(ImageChops.difference(page.crop(box), final.crop(box))).mean
    assert max(diff) < 3.0, diff


# --- crop marks --------------------------------------------------------------------------------


def _page(pdf: bytes) -> pypdf.PageObject:
    return pypdf.PdfReader(io.BytesIO(pdf)).pages[0]


def _rect(box: pypdf.generic.RectangleObject) -> list[float]:
    return [float(v) for v in (box.left, box.bottom, box.right, box.top)]


def test_crop_marks_grow_the_media_box_and_keep_trim_and_bleed_exact() -> None:
    page = _page(to_pdf(birthday_scene(), bleed_mm=3, crop_marks=True))
    k, m = PT_PER_MM, CROP_MARGIN_MM
    assert _rect(page.trimbox) == pytest.approx(
        [(m + 3) * k, (m + 3) * k, (m + 83) * k, (m + 59) * k], abs=1e-3
    )
    assert _rect(page.bleedbox) == pytest.approx(
        [m * k, m * k, (m + 86) * k, (m + 62) * k], abs=1e-3
    )
    assert _rect(page.mediabox) == pytest.approx(
        [0, 0, (2 * m + 86) * k, (2 * m + 62) * k], abs=1e-3
    )
    assert float(page.trimbox.width) == pytest.approx(80 * k, abs=1e-3)  # true size, in points
    assert "/Font" not in page["/Resources"]


def _content(pdf: bytes) -> bytes:
    content = _page(pdf).get_contents()
    assert content is not None
    return bytes(content.get_data())


def _mark_segments(pdf: bytes) -> tuple[bytes, list[list[float]]]:
    """The crop-mark block of the content stream and its ``x0 y0 m x1 y1 l`` segments."""
    data = _content(pdf)
    marks = data[data.index(b"/Reg CS") :]
    pattern = rb"(-?[0-9.]+) (-?[0-9.]+) m (-?[0-9.]+) (-?[0-9.]+) l"
    return marks, [[float(v) for v in m] for m in re.findall(pattern, marks)]


@pytest.mark.parametrize("bleed_mm", [0.0, 3.0, 8.0])
def test_crop_marks_are_registration_hairlines_outside_the_bleed(bleed_mm: float) -> None:
    pdf = to_pdf(ROTATED, bleed_mm=bleed_mm, crop_marks=True)
    page = _page(pdf)
    bx0, by0, bx1, by1 = _rect(page.bleedbox)
    tx0, ty0, tx1, ty1 = _rect(page.trimbox)
    mx0, my0, mx1, my1 = _rect(page.mediabox)
    marks, segments = _mark_segments(pdf)
    assert marks.startswith(b"/Reg CS 1 SCN 0.25 w") and marks.rstrip().endswith(b"S Q")
    assert len(segments) == 8  # two per trim corner
    for x0, y0, x1, y1 in segments:
        assert x0 == x1 or y0 == y1  # horizontal or vertical
        assert (x0 == x1 and x0 in (pytest.approx(tx0), pytest.approx(tx1))) or (
            y0 == y1 and y0 in (pytest.approx(ty0), pytest.approx(ty1))
        )  # continuing a trim edge
        outside = max(x0, x1) < bx0 or min(x0, x1) > bx1 or max(y0, y1) < by0 or min(y0, y1) > by1
        assert outside, (x0, y0, x1, y1)
        assert mx0 < min(x0, x1) and max(x0, x1) < mx1 and my0 < min(y0, y1) and max(y0, y1) < my1
    space = page["/Resources"]["/ColorSpace"]["/Reg"]
    assert space[0] == "/Separation" and space[1] == "/All"  # registration: every plate
    assert b"/Font" not in pdf


def test_with_crop_marks_the_artwork_is_clipped_to_the_bleed() -> None:
    """Media beyond the bleed would otherwise show artwork that overflows the artboard."""
    pdf = to_pdf(ROTATED, bleed_mm=3, crop_marks=True)
    x0, y0, x1, y1 = _rect(_page(pdf).bleedbox)
    first, second = _content(pdf).split(b"\n")[:2]
    assert first.startswith(b"q ") and first.endswith(b" re W n") and second.endswith(b" cm")
    clip = [float(v) for v in first.split()[1:5]]
    assert clip == pytest.approx([x0, y0, x1 - x0, y1 - y0], abs=1e-3)
    plain = to_pdf(ROTATED, bleed_mm=3)  # without marks the MediaBox itself is the bleed
    assert _content(plain).split(b"\n")[0].endswith(b" cm") and b"/ColorSpace <<" not in plain


def test_poppler_draws_the_marks_in_the_slug_and_nothing_in_the_gap(tmp_path: Path) -> None:
    (tmp_path / "marks.pdf").write_bytes(to_pdf(birthday_scene(), bleed_mm=3, crop_marks=True))
    subprocess.run(
        ["pdftoppm", "-r", "254", "-gray", "-singlefile", "marks.pdf", "page"],  # 10 px per mm
        cwd=tmp_path,
        check=True,
        timeout=60,
    )
    page = Image.open(tmp_path / "page.pgm")
    trim = round((CROP_MARGIN_MM + 3) * 10)  # the trim's top-left corner, in px
    assert page.getpixel((trim - 80, trim)) < 160  # on the top-left horizontal mark (gap 2 mm)
    assert page.getpixel((trim, trim - 80)) < 160  # on the vertical one
    assert page.getpixel((trim - 40, trim)) == 255  # in the bleed: clean
    assert page.getpixel((trim - 80, trim - 80)) == 255  # between the marks: clean


# --- effective DPI of placed images ------------------------------------------------------------


def test_image_dpi_report_measures_the_placed_image_not_the_zone() -> None:
    photo = {"photo": ZoneInput(asset_id="img_photo")}
    # 90 × 60 px covering a 30 × 10 mm zone is enlarged to 30 × 20 mm: 76.2 DPI, not 152.4
    wide = scene_for({**PHOTO_ZONE, "height_mm": 10}, inputs=photo)
    [entry] = image_dpi_report(wide, 300)
    assert entry["zone_id"] == "photo" and (entry["width_px"], entry["height_px"]) == (90, 60)
    assert (entry["placed_width_mm"], entry["placed_height_mm"]) == (30, 20)
    assert entry["effective_dpi"] == 76.2 and entry["required_dpi"] == 300
    assert entry["status"] == "low"
    assert image_dpi_report(wide, 72)[0]["status"] == "ok"
    assert image_dpi_report(ROTATED, 300)[0]["effective_dpi"] == 76.2  # rotation changes nothing
    assert image_dpi_report(birthday_scene(), 300) == []  # no images, nothing to report
