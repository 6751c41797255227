"""The production PDF: true size, the boxes a print shop checks, no fonts, deterministic bytes.

The structure is checked with a few regular expressions and parsed by pypdf (a test-only
dependency); poppler's ``pdftoppm`` (installed by ``make test``) renders the page for comparison
with the final PNG, which proves the paths, the quadratic-to-cubic conversion and the placement.
"""

from __future__ import annotations

import re
import subprocess
import zlib
from itertools import pairwise
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from chalicelib.domain.personalization import ZoneInput
from chalicelib.scene import pdf as pdf_module
from chalicelib.scene.model import Scene, TextItem
from chalicelib.scene.pdf import PT_PER_MM, to_pdf
from chalicelib.scene.raster import flatten
from chalicelib.scene.render import FinalOptions, render_final
from tests.unit.test_scene import (
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
        operands = [float(v) for v in re.findall(r"-?[0-9.]+", pdf_module._contour_ops(contour))]
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
    import pypdf

    page = pypdf.PdfReader(__import__("io").BytesIO(to_pdf(ROTATED, bleed_mm=3))).pages[0]
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
