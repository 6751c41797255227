"""Monograms: two or three initials set as one mark, sized to the zone, with an optional frame.

The shopper types the initials in natural order (first, middle, last: "JAM" for John Adam
Miller). The zone's layout decides what is shown, left to right:

- ``first-last-middle`` (the classic): first, LAST, middle — "J M A", the surname's initial in
  the centre, ``ratio`` times larger. Exactly three initials.
- ``couple``: typed partner one, partner two, shared surname — shown partner one, SURNAME,
  partner two, the surname's initial centred and larger. Exactly three initials.
- ``block``: two or three initials, equal size, in the order typed.

Geometry (mm, y down from the zone's top-left corner): every letter's ink is centred vertically
on the zone's middle line; the large letter's ink is centred on the zone's centre (the others
sit ``gap_mm`` from its ink either side), a block's whole ink run is centred. The letters fit a
box inside the zone: the zone itself without a frame, the square inside a circle frame, the
rectangle of half diagonals inside a diamond. The size is the largest on the 0.01 mm grid that
fits (width and height grow linearly with it, so it is computed, not searched); below
``min_size_mm`` the layout does not fit. Each initial is one glyph from the font's cmap: no
shaping is needed for a single letter, and its outline is exactly what the frame surrounds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.charsets import charset_issue, resolve_charset
from chalicelib.domain.text import TextIssue, graphemes, normalize_text
from chalicelib.domain.zone import MonogramZone
from chalicelib.fonts import LoadedFont

SIZE_STEP_MM = 0.01
_DECIMALS = 4
_EPS = 1e-9


@dataclass(frozen=True)
class MonogramLetter:
    char: str
    glyph: str
    size_mm: float  # font size of this letter (the large one is ratio × the others)
    x_mm: float  # pen origin
    baseline_mm: float


@dataclass(frozen=True)
class MonogramLayout:
    font_id: str
    font_sha256: str
    size_mm: float  # the small letters' size
    letters: tuple[MonogramLetter, ...]  # left to right as displayed
    fits: bool


class MonogramCountInvalid(ValueError):
    """The typed initials are not a count the zone's layout takes."""

    def __init__(self, count: int, allowed: tuple[int, ...]) -> None:
        super().__init__(f"{count} initials; this monogram takes {allowed}")
        self.count = count
        self.allowed = allowed


def allowed_counts(zone: MonogramZone) -> tuple[int, ...]:
    return (2, 3) if zone.layout == "block" else (3,)


def display_order(zone: MonogramZone, initials: str) -> list[tuple[str, bool]]:
    """The initials left to right as shown, each with whether it is the large one."""
    letters = graphemes(initials)
    if len(letters) not in allowed_counts(zone):
        raise MonogramCountInvalid(len(letters), allowed_counts(zone))
    if zone.layout == "block":
        return [(ch, False) for ch in letters]
    first, second, last = letters
    return [(first, False), (last, True), (second, False)]


def read_initials(zone: MonogramZone, typed: str) -> tuple[str, list[TextIssue]]:
    """The initials as the layout takes them (normalized like any text, upper-cased, spaces
    dropped) and what is wrong with them: characters outside the zone's charset, anything but
    letters, a count the layout does not take."""
    norm = normalize_text(typed[:64], case="upper", emoji="deny")
    initials = "".join(norm.normalized.split())
    issues = list(norm.issues)
    outside = charset_issue(initials, resolve_charset(zone.charset, zone.charset_extra))
    if outside is not None:
        issues.append(outside)
    not_letters = sorted({ch for ch in initials if not ch.isalpha()})
    if not_letters:
        issues.append(
            TextIssue("monogram.not_letters", "Initials are letters.", {"characters": not_letters})
        )
    count, allowed = len(graphemes(initials)), allowed_counts(zone)
    if count not in allowed:
        issues.append(
            TextIssue(
                "monogram.wrong_count",
                f"This monogram takes {' or '.join(map(str, allowed))} initials.",
                {"count": count, "allowed": list(allowed)},
            )
        )
    return initials, issues


def summary(layout: MonogramLayout) -> dict[str, Any]:
    """What validate answers about a monogram's layout."""
    return {
        "font_size_mm": layout.size_mm,
        "letters": [letter.char for letter in layout.letters],
        "fits": layout.fits,
    }


def letter_box(zone: MonogramZone) -> tuple[float, float]:
    """Width and height available to the letters inside the frame."""
    w, h = zone.width_mm, zone.height_mm
    if zone.frame == "circle":
        side = (min(w, h) - 2 * zone.frame_mm) / math.sqrt(2)
        return side - 2 * zone.gap_mm, side - 2 * zone.gap_mm
    if zone.frame == "diamond":
        return w / 2 - 2 * zone.frame_mm, h / 2 - 2 * zone.frame_mm
    return w, h


def layout_monogram(
    zone: MonogramZone, initials: str, font: LoadedFont, size_mm: float | None = None
) -> MonogramLayout:
    """The monogram at the largest size that fits (or at ``size_mm``, to reproduce a spec)."""
    shown = display_order(zone, initials)
    units = font.units_per_em
    boxes = [font.glyph_bounds(font.glyph_for(ch)) or (0.0, 0.0, 0.0, 0.0) for ch, _ in shown]
    factors = [zone.ratio if big else 1.0 for _, big in shown]
    unit_widths = [(b[2] - b[0]) * k / units for b, k in zip(boxes, factors, strict=True)]
    big = any(large for _, large in shown)
    if size_mm is None:
        size_mm, fits = _fitted_size(zone, boxes, factors, unit_widths, big, units)
    else:
        fits = True
    inks = [(b, size_mm * k / units) for b, k in zip(boxes, factors, strict=True)]
    widths = [w * size_mm for w in unit_widths]
    centre_x, centre_y = zone.width_mm / 2, zone.height_mm / 2
    if big:  # display order is always small, LARGE, small: the large ink centred
        lefts = [
            centre_x - widths[1] / 2 - zone.gap_mm - widths[0],
            centre_x - widths[1] / 2,
            centre_x + widths[1] / 2 + zone.gap_mm,
        ]
    else:
        total = sum(widths) + zone.gap_mm * (len(widths) - 1)
        lefts = [
            centre_x - total / 2 + sum(widths[:i]) + zone.gap_mm * i for i in range(len(widths))
        ]
    letters = tuple(
        MonogramLetter(
            ch,
            font.glyph_for(ch),
            _r(s * units),
            _r(left - b[0] * s),
            _r(centre_y + (b[3] + b[1]) * s / 2),
        )
        for (ch, _), (b, s), left in zip(shown, inks, lefts, strict=True)
    )
    return MonogramLayout(font.font_id, font.sha256, _r(size_mm), letters, fits)


def _fitted_size(
    zone: MonogramZone,
    boxes: list[tuple[float, float, float, float]],
    factors: list[float],
    unit_widths: list[float],
    big: bool,
    units: int,
) -> tuple[float, bool]:
    """Largest grid size whose letters fit the box: the large letter is centred, so each half
    must hold half of it, a gap and the wider side letter; a block's whole run is centred."""
    box_w, box_h = letter_box(zone)
    gaps = zone.gap_mm * (len(unit_widths) - 1)
    if big:
        half = unit_widths[1] / 2 + max(unit_widths[0], unit_widths[2])
        by_width = (box_w / 2 - zone.gap_mm) / half if half else math.inf
    else:
        total = sum(unit_widths)
        by_width = (box_w - gaps) / total if total else math.inf
    tallest = max((b[3] - b[1]) * k for b, k in zip(boxes, factors, strict=True)) / units
    by_height = box_h / tallest if tallest else math.inf
    best = min(zone.max_size_mm, by_width, by_height)
    grid = math.floor(best / SIZE_STEP_MM + _EPS) * SIZE_STEP_MM
    if grid < zone.min_size_mm - _EPS:
        return zone.min_size_mm, False
    return _r(grid), True


def _r(value: float) -> float:
    return round(value, _DECIMALS) + 0.0
