"""The workshop's job sheet: one A4 page saying what to make, drawn without a single font.

A shop prints this and lays it beside the machine: order, item, quantity, product, each zone with
its rectangle and process, the text exactly as it will be made (the spec's text, which is what
the shopper approved after normalization), a thumbnail, the checks that passed and the warnings.

Why text as outlines here too: the pack promises "no live fonts" and the production PDF has no
``/Font`` resources; a sheet embedding a font would be the one file that renders differently
on another machine. Labels use the bundled Lato through the same layout and outline code as the
products, so there is no second text engine. The shopper's text is drawn in Lato when Lato has
every character, else in the zone's own font (which validation proved covers it); any character
still missing is spelled ``<U+XXXX>``: a workshop must never read a blank box.

The page always stays one page: blocks that do not fit are cut with a note pointing at
``manifest.json``. The bytes are deterministic (no dates; see :mod:`chalicelib.scene.pdfdoc`).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib import fonts
from chalicelib.domain.layout import LayoutOptions, layout_text
from chalicelib.domain.units import PT_PER_MM
from chalicelib.errors import AtelierError
from chalicelib.scene.model import fmt_number
from chalicelib.scene.outline import outline_layout
from chalicelib.scene.pdfdoc import fill_contours, one_page, rgb

if TYPE_CHECKING:
    from PIL.Image import Image

PAGE_W_MM, PAGE_H_MM = 210.0, 297.0
MARGIN_MM = 15.0
THUMBNAIL_MAX_PX = 800  # ~300 DPI over the 65 mm box: sharp on paper, small in the pack
_BOTTOM_MM = PAGE_H_MM - 24  # below: the truncation note and the footer
_THUMB = (130.0, 24.0, 65.0, 65.0)  # x, y, width, height in mm
_INK, _MUTED, _WARN, _OK = "#000000", "#555555", "#B45309", "#15803D"
_LINE_HEIGHT = 1.25  # × font size
_ZONE_TEXT_LINES = 8
_LABEL_FONT, _BOLD_FONT = "lato-regular", "lato-bold"
PROOF_WIDTH_MM = PAGE_W_MM - 2 * MARGIN_MM - 28


@dataclass(frozen=True)
class SheetZone:
    """One zone as the workshop needs it; ``text``/``font_id`` for text zones, ``color`` for
    text and colour zones, ``note`` for anything else worth a line (e.g. an image's DPI)."""

    zone_id: str
    kind: str
    process: str
    x_mm: float
    y_mm: float
    width_mm: float
    height_mm: float
    rotation_deg: float = 0.0
    text: str | None = None
    font_id: str | None = None
    color: str | None = None
    note: str = ""
    side: str = ""  # the side's name, on a product with several sides


@dataclass(frozen=True)
class JobSheet:
    pack_id: str
    order_ref: str
    item_ref: str
    quantity: int
    product_name: str
    product_sku: str
    product_version: int
    profile_name: str
    zones: tuple[SheetZone, ...]
    checks: tuple[str, ...]
    warnings: tuple[str, ...] = ()
    thumbnail: bytes | None = None  # the preview: PNG, JPEG or WebP (every side, labelled)
    generator: str = ""  # e.g. "atelier 1", printed in the footer
    sides: tuple[str, ...] = ()  # a product with several sides: one line per side
    proof: str = ""  # the shopper's proof confirmation (time, preview sha256), when recorded
    notes: tuple[str, ...] = ()  # e.g. that a 3D / AR preview of this design exists
    options: tuple[str, ...] = ()  # the shopper's choices, e.g. "Chain: Gold"


def job_sheet_pdf(
    sheet: JobSheet, *, zone_fonts: Mapping[str, fonts.LoadedFont] | None = None
) -> bytes:
    """The one-page A4 sheet. ``zone_fonts`` supplies non-bundled zone fonts by id."""
    page = _Page()
    _header(page, sheet)
    images: list[tuple[str, Image]] = []
    if sheet.thumbnail is not None:
        images.append(("Th", _thumbnail(page, sheet.thumbnail)))
    page.y = max(page.y, _THUMB[1] + _THUMB[3]) + 8
    if sheet.proof:  # full width, before anything that may be cut: the SHA-256 stays whole
        page.text("Proof", MARGIN_MM, page.y + 0.6, size=3.2, width=26, color=_MUTED)
        used = page.text(sheet.proof, MARGIN_MM + 28, page.y, size=3.6, width=PROOF_WIDTH_MM)
        page.y += used + 4
    # warnings and checks before the zones: a long zone list may be cut, these must not be
    if sheet.warnings:
        _list(page, "Warnings", sheet.warnings, _WARN)
    _list(page, "Checks passed", sheet.checks, _OK)
    if sheet.notes:
        _list(page, "Notes", sheet.notes, _MUTED)
    _zones(page, sheet.zones, zone_fonts or {})
    _footer(page, sheet)
    k = PT_PER_MM
    matrix = f"{fmt_number(k)} 0 0 {fmt_number(-k)} 0 {fmt_number(PAGE_H_MM * k)} cm"
    content = "\n".join(["q " + matrix, *page.ops, "Q"]).encode("ascii")
    return one_page([("MediaBox", [0.0, 0.0, PAGE_W_MM * k, PAGE_H_MM * k])], content, images)


class _Page:
    """Drawing state in mm, y down from the page's top-left; ``y`` is the flowing cursor.

    ``full`` stops the flow once a block ran into the bottom (a smaller line after a cut one
    would read as if nothing were missing); ``cut`` remembers that anything was left out.
    """

    def __init__(self) -> None:
        self.ops: list[str] = []
        self.y = MARGIN_MM
        self.full = False
        self.cut = False
        self.regular = fonts.get_font(_LABEL_FONT)
        self.bold = fonts.get_font(_BOLD_FONT)

    def text(
        self,
        text: str,
        x: float,
        y: float,
        *,
        size: float,
        width: float,
        font: fonts.LoadedFont | None = None,
        color: str = _INK,
        max_lines: int | None = None,
        bottom: float = _BOTTOM_MM,
    ) -> float:
        """Draw wrapped text with its first line box's top at ``y``; returns the height used.

        Lines past ``max_lines`` or ``bottom`` are dropped and the last kept one ends in "…".
        Characters the font lacks are spelled ``<U+XXXX>`` (an order number, a product name or
        the shopper's text alike), so the sheet never shows a blank box.
        """
        font = font or self.regular
        pitch = size * _LINE_HEIGHT
        lines = _wrap(_spelled_out(text, font), font, size, width)
        allowed = len(lines) if max_lines is None else min(len(lines), max_lines)
        keep = min(allowed, max(0, int((bottom - y) // pitch)))
        if keep < len(lines):
            self.cut = True
            self.full = self.full or keep < allowed
            lines = lines[:keep]
            if lines:
                lines[-1] += " …"
        if not lines:
            return 0.0
        options = LayoutOptions(
            width_mm=width,
            height_mm=pitch * len(lines),
            align="left",
            valign="top",
            line_height=_LINE_HEIGHT,
        )
        layout = layout_text("\n".join(lines), font, size, options)
        # first baseline one ascender below y, whatever the ink: rows line up across columns
        dy = y + font.ascender * size / font.units_per_em - layout.lines[0].baseline_mm
        ops = fill_contours(outline_layout(layout, font).contours, color)
        if ops:
            self.ops.append(f"q 1 0 0 1 {fmt_number(x)} {fmt_number(dy)} cm\n{ops}\nQ")
        return pitch * len(lines)

    def flow(
        self,
        text: str,
        *,
        size: float,
        font: fonts.LoadedFont | None = None,
        color: str = _INK,
        max_lines: int | None = None,
        indent: float = 0.0,
        gap: float = 1.0,
    ) -> None:
        """Text at the cursor across the content width, then the cursor moves below it."""
        if self.full:
            return
        x = MARGIN_MM + indent
        width = PAGE_W_MM - MARGIN_MM - x
        used = self.text(
            text, x, self.y, size=size, width=width, font=font, color=color, max_lines=max_lines
        )
        self.y += used + gap


def _wrap(text: str, font: fonts.LoadedFont, size: float, width: float) -> list[str]:
    """Greedy word wrap by advance widths; a word wider than the line is broken anywhere."""
    limit = width * font.units_per_em / size

    def advance(s: str) -> int:
        return sum(font.advance(font.glyph_for(ch)) for ch in s)

    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if advance(candidate) <= limit:
                line = candidate
                continue
            if line:
                lines.append(line)
            line = ""
            for ch in word:  # only an over-long word reaches here character by character
                if line and advance(line + ch) > limit:
                    lines.append(line)
                    line = ""
                line += ch
        lines.append(line)
    return lines


def _header(page: _Page, sheet: JobSheet) -> None:
    page.flow("Job sheet", size=7.0, font=page.bold, gap=3.0)
    rows = [
        ("Order", sheet.order_ref),
        ("Item", sheet.item_ref),
        ("Quantity", str(sheet.quantity)),
        ("Product", sheet.product_name),
        ("SKU", f"{sheet.product_sku} · version {sheet.product_version}"),
        ("Profile", sheet.profile_name),
        ("Pack", sheet.pack_id),
    ]
    if sheet.options:  # what is not drawn but must be fitted: the chain, the finish...
        rows.insert(5, ("Options", " · ".join(sheet.options)))
    if sheet.sides:
        rows.append(("Sides", " · ".join(sheet.sides)))
    for label, value in rows:
        page.text(label, MARGIN_MM, page.y + 0.6, size=3.2, width=26, color=_MUTED)
        big = label == "Quantity"
        used = page.text(
            value,
            MARGIN_MM + 28,
            page.y,
            size=6.0 if big else 4.2,
            width=_THUMB[0] - MARGIN_MM - 33,
            font=page.bold,
            max_lines=4 if label == "Sides" else 2,
        )
        page.y += used + 1.5


def _thumbnail(page: _Page, data: bytes) -> Image:
    """Decode, flatten on white, bound the size; place it centred in the thumbnail box."""
    from PIL import Image as PILImage

    with PILImage.open(io.BytesIO(data), formats=["PNG", "JPEG", "WEBP"]) as opened:
        image = opened.convert("RGBA")
    if max(image.size) > THUMBNAIL_MAX_PX:
        image.thumbnail((THUMBNAIL_MAX_PX, THUMBNAIL_MAX_PX), PILImage.Resampling.LANCZOS)
    white = PILImage.new("RGBA", image.size, (255, 255, 255, 255))
    image = PILImage.alpha_composite(white, image).convert("RGB")
    x, y, w, h = _THUMB
    scale = min(w / image.width, h / image.height)
    iw, ih = image.width * scale, image.height * scale
    ix, iy = x + (w - iw) / 2, y + (h - ih) / 2
    n = fmt_number
    page.ops.append(f"q {n(iw)} 0 0 {n(-ih)} {n(ix)} {n(iy + ih)} cm /Th Do Q")
    page.ops.append(f"q {rgb(_MUTED)} RG 0.2 w {n(x)} {n(y)} {n(w)} {n(h)} re S Q")
    return image


def _zones(
    page: _Page, zones: tuple[SheetZone, ...], zone_fonts: Mapping[str, fonts.LoadedFont]
) -> None:
    page.flow("Zones", size=5.0, font=page.bold, gap=2.0)
    mm = fmt_number
    for zone in zones:
        if zone.color and not page.full:
            _swatch(page, zone.color)
        title = f"{zone.zone_id} · {zone.kind} · {zone.process}"
        page.flow(f"{title} · {zone.side}" if zone.side else title, size=4.0, font=page.bold)
        rect = (
            f"x {mm(zone.x_mm, 2)}  y {mm(zone.y_mm, 2)}  ·  {mm(zone.width_mm, 2)} × "
            f"{mm(zone.height_mm, 2)} mm  ·  rotation {mm(zone.rotation_deg, 2)}°"
        )
        page.flow(rect, size=3.2, color=_MUTED)
        details = [
            f"font {zone.font_id}" if zone.font_id else "",
            f"colour {zone.color}" if zone.color else "",
            zone.note,
        ]
        if any(details):
            page.flow("  ·  ".join(d for d in details if d), size=3.2, color=_MUTED)
        if zone.text is not None:
            font = _text_font(page, zone, zone_fonts)
            page.flow(zone.text, size=5.5, font=font, indent=4.0, max_lines=_ZONE_TEXT_LINES)
        page.y += 3.0


def _swatch(page: _Page, color: str) -> None:
    """The colour beside the zone's title, outlined so white and pale colours show."""
    x, y, n = PAGE_W_MM - MARGIN_MM - 10, page.y, fmt_number
    page.ops.append(f"q {rgb(color)} rg {rgb(_MUTED)} RG 0.15 w {n(x)} {n(y)} 10 5 re B Q")


def _text_font(
    page: _Page, zone: SheetZone, zone_fonts: Mapping[str, fonts.LoadedFont]
) -> fonts.LoadedFont:
    """Lato when it draws every character (the most readable), else the zone's own font when
    it does (validation proved it covers the text), else Lato, spelling out what is missing."""
    text = zone.text or ""
    if not fonts.missing_characters(page.regular, text):
        return page.regular
    own = zone_fonts.get(zone.font_id or "")
    if own is None and zone.font_id:
        try:
            own = fonts.get_font(zone.font_id)
        except AtelierError:  # not bundled (a brand upload the caller did not pass)
            own = None
    if own is not None and not fonts.missing_characters(own, text):
        return own
    return page.regular


def _spelled_out(text: str, font: fonts.LoadedFont) -> str:
    missing = set(fonts.missing_characters(font, text))
    if not missing:
        return text
    return "".join(f"<U+{ord(c):04X}>" if c in missing else c for c in text)


def _list(page: _Page, title: str, entries: tuple[str, ...], color: str) -> None:
    page.flow(title, size=5.0, font=page.bold, gap=2.0)
    for entry in entries:
        if page.full:
            break
        if color == _OK:
            _tick(page, color)
        else:
            _bullet(page, color)
        page.flow(entry, size=3.6, indent=6.0)
    page.y += 3.0


def _tick(page: _Page, color: str) -> None:
    x, y, n = MARGIN_MM + 0.8, page.y + 0.6, fmt_number
    page.ops.append(
        f"q {rgb(color)} RG 0.45 w 1 J 1 j {n(x)} {n(y + 1.8)} m {n(x + 1.2)} {n(y + 3.0)} l "
        f"{n(x + 3.4)} {n(y + 0.3)} l S Q"
    )


def _bullet(page: _Page, color: str) -> None:
    x, y, n = MARGIN_MM + 1.2, page.y + 1.0, fmt_number
    page.ops.append(f"q {rgb(color)} rg {n(x)} {n(y)} 2.2 2.2 re f Q")


def _footer(page: _Page, sheet: JobSheet) -> None:
    """The cut note and the footer live below ``_BOTTOM_MM``, in room nothing else may use."""
    width = PAGE_W_MM - 2 * MARGIN_MM
    if page.cut:
        note = "Not everything fits on this sheet: see the spec and the production files."
        page.text(
            note, MARGIN_MM, _BOTTOM_MM + 2, size=3.4, width=width, color=_WARN, bottom=PAGE_H_MM
        )
    footer = f"pack {sheet.pack_id}  ·  {sheet.generator or 'atelier'}"
    page.text(
        footer,
        MARGIN_MM,
        PAGE_H_MM - MARGIN_MM + 5,
        size=2.8,
        width=width,
        color=_MUTED,
        bottom=PAGE_H_MM,
    )
