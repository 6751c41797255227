"""The workshop's job sheet: one A4 page, every word an outline, the preview embedded, the same
bytes for the same sheet, and it stays one readable page whatever the shopper typed."""

from __future__ import annotations

import dataclasses
import io
import re
import subprocess
from pathlib import Path

import pypdf
import pytest
from PIL import Image

from chalicelib import fonts
from chalicelib.domain.units import PT_PER_MM
from chalicelib.scene import jobsheet
from chalicelib.scene.jobsheet import JobSheet, SheetZone, job_sheet_pdf
from tests.support.scene import BIRTHDAY, HOSTILE, photo_png

SHEET = JobSheet(
    pack_id="pck_0123456789abcdef0123",
    order_ref="#1001",
    item_ref="2",
    quantity=3,
    product_name="Heart pendant",
    product_sku="PEND-HEART",
    product_version=4,
    profile_name="Laser (default)",
    zones=(
        SheetZone(
            "name", "text", "engrave", 6, 12, 68, 16, -8, BIRTHDAY, "lato-regular", "#1A3C8B"
        ),
        SheetZone("photo", "image", "print", 8, 32, 30, 20, 15, note="90 × 60 px, 76.2 DPI"),
        SheetZone("cord", "color", "print", 50, 36, 20, 12, color="#FFD700"),
    ),
    checks=("fonts match recorded sha256", "layout re-verified"),
    warnings=("photo: 76.2 DPI is below the profile's 300 DPI",),
    thumbnail=photo_png(120, 80),
    generator="atelier 1+renderer.2",
)


def _reader(pdf: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(pdf))


def test_one_a4_page_with_the_thumbnail_and_no_fonts() -> None:
    pdf = job_sheet_pdf(SHEET)
    reader = _reader(pdf)
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert float(page.mediabox.width) == pytest.approx(210 * PT_PER_MM, abs=1e-3)
    assert float(page.mediabox.height) == pytest.approx(297 * PT_PER_MM, abs=1e-3)
    resources = page["/Resources"]
    assert "/Font" not in resources and b"/Font" not in pdf
    thumbnail = resources["/XObject"]["/Th"].get_object()
    assert thumbnail["/Subtype"] == "/Image" and (thumbnail["/Width"], thumbnail["/Height"]) == (
        120,
        80,
    )


def test_every_word_is_an_outline_none_is_text() -> None:
    sheet = dataclasses.replace(
        SHEET, zones=(SheetZone("name", "text", "engrave", 0, 0, 10, 10, text=HOSTILE),)
    )
    content = _reader(job_sheet_pdf(sheet)).pages[0].get_contents()
    assert content is not None
    data = content.get_data()
    assert b"BT" not in data and b"Tj" not in data and b"script" not in data
    assert b"Heart" not in data and b"#1001" not in data
    assert len(re.findall(rb" c\b", data)) > 500  # the curves of every label and value


def test_the_same_sheet_gives_the_same_bytes() -> None:
    first = job_sheet_pdf(SHEET)
    assert first == job_sheet_pdf(dataclasses.replace(SHEET))
    assert b"CreationDate" not in first and b"ModDate" not in first
    assert job_sheet_pdf(dataclasses.replace(SHEET, quantity=4)) != first


def test_a_large_or_transparent_preview_is_flattened_and_bounded() -> None:
    image = Image.new("RGBA", (2000, 1000), (200, 30, 30, 0))
    out = io.BytesIO()
    image.save(out, format="PNG")
    pdf = job_sheet_pdf(dataclasses.replace(SHEET, thumbnail=out.getvalue()))
    thumbnail = _reader(pdf).pages[0]["/Resources"]["/XObject"]["/Th"].get_object()
    assert (thumbnail["/Width"], thumbnail["/Height"]) == (jobsheet.THUMBNAIL_MAX_PX, 400)
    assert "/SMask" not in thumbnail  # on white: the sheet is printed on paper
    no_thumbnail = _reader(job_sheet_pdf(dataclasses.replace(SHEET, thumbnail=None))).pages[0]
    assert not no_thumbnail["/Resources"]["/XObject"]


def _font_for(text: str, font_id: str) -> str:
    page = jobsheet._Page()
    zone = SheetZone("name", "text", "engrave", 0, 0, 10, 10, text=text, font_id=font_id)
    return jobsheet._text_font(page, zone, {}).font_id


def test_the_shoppers_text_is_drawn_in_a_font_that_has_every_character() -> None:
    assert _font_for("Zoé", "amatic-sc-regular") == "lato-regular"  # the readable one first
    assert fonts.missing_characters(fonts.get_font("lato-regular"), "Дмитрий")
    assert _font_for("Дмитрий", "source-serif-pro-regular") == "source-serif-pro-regular"
    assert _font_for("Дима", "brand-upload-7") == "lato-regular"  # unknown: Lato, spelled out
    brand = SheetZone("name", "text", "engrave", 0, 0, 10, 10, text="Дима", font_id="fnt_brand")
    serif = fonts.get_font("source-serif-pro-regular")  # stands in for a brand upload
    assert jobsheet._text_font(jobsheet._Page(), brand, {"fnt_brand": serif}) is serif
    lato = fonts.get_font("lato-regular")
    # nobody can draw it: spelled out, never a blank box
    assert jobsheet._spelled_out("Ava \U0001f600", lato) == "Ava <U+1F600>"
    assert jobsheet._spelled_out("Дa", lato) == "<U+0414>a"
    assert jobsheet._spelled_out("Zoé", lato) == "Zoé"


def _render(pdf: bytes, tmp_path: Path) -> Image.Image:
    (tmp_path / "sheet.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "30", "-png", "-singlefile", "sheet.pdf", "page"],
        cwd=tmp_path,
        check=True,
        timeout=60,
    )
    return Image.open(tmp_path / "page.png").convert("RGB")


def _orange_in_note_strip(page: Image.Image) -> bool:
    """Warning-coloured ink between the flowing area's bottom and the footer."""
    px = page.width / 210
    top, bottom = round((jobsheet._BOTTOM_MM + 1) * px), round((297 - 15) * px)
    strip = page.crop((0, top, page.width, bottom))
    colors = strip.getcolors(maxcolors=strip.width * strip.height) or []
    return any(r > 150 and 60 < g < 140 and b < 60 for _, (r, g, b) in colors)


def test_too_much_for_one_page_is_cut_with_a_note(tmp_path: Path) -> None:
    long_word = "A" * 4096  # one "word" wider than the page: broken anywhere, then cut
    zones = tuple(
        SheetZone(f"z{i}", "text", "engrave", 0, 0, 10, 10, text=long_word) for i in range(50)
    )
    crowded = dataclasses.replace(SHEET, zones=zones, checks=tuple(f"check {i}" for i in range(40)))
    pdf = job_sheet_pdf(crowded)
    assert len(_reader(pdf).pages) == 1
    assert _orange_in_note_strip(_render(pdf, tmp_path))
    assert not _orange_in_note_strip(_render(job_sheet_pdf(SHEET), tmp_path))
    page = jobsheet._Page()
    height = page.text(long_word, 15, 100, size=5.5, width=180, max_lines=8)
    assert height == pytest.approx(8 * 5.5 * 1.25) and page.cut and not page.full


PROOF = "approved by the shopper 2026-12-02 17:30:05 UTC · preview sha256 " + "ab12" * 16


def test_the_shoppers_proof_is_printed_whole_under_the_header(tmp_path: Path) -> None:
    plain = _render(job_sheet_pdf(SHEET), tmp_path)
    proved = _render(job_sheet_pdf(dataclasses.replace(SHEET, proof=PROOF)), tmp_path)
    px = plain.width / 210
    # a full-width band under the thumbnail: ink there only with the proof
    band = (round(15 * px), round(97 * px), round(195 * px), round(107 * px))
    ink = [sum(im.crop(band).convert("L").histogram()[:128]) for im in (plain, proved)]
    assert ink[1] > ink[0] + 20, ink
    lines = jobsheet._wrap(PROOF, jobsheet._Page().regular, 3.6, jobsheet.PROOF_WIDTH_MM)
    assert "ab12" * 16 in lines  # the digest on one line, whole
    assert job_sheet_pdf(SHEET) == job_sheet_pdf(dataclasses.replace(SHEET, proof=""))


def test_a_note_on_the_3d_preview_is_drawn_only_when_there_is_one() -> None:
    from dataclasses import replace

    from chalicelib.domain.zone import ProductDoc
    from chalicelib.jobs.pack_worker import model_notes

    doc = {"name": "Plaque", "sku": "P", "width_mm": 120, "height_mm": 40}
    assert model_notes(ProductDoc.model_validate(doc)) == ()
    with_model = ProductDoc.model_validate({**doc, "model": {"asset_id": "ast_0123456789abcdef"}})
    notes = model_notes(with_model)
    assert len(notes) == 1 and "3D preview" in notes[0] and "ast_0123456789abcdef" in notes[0]
    plain, noted = job_sheet_pdf(SHEET), job_sheet_pdf(replace(SHEET, notes=notes))
    assert job_sheet_pdf(replace(SHEET, notes=())) == plain  # no note: the same bytes as before
    ops = [len(_reader(pdf).pages[0].get_contents().get_data()) for pdf in (plain, noted)]
    assert ops[1] > ops[0] + 2000  # the note's words are drawn (as outlines, like every word)
