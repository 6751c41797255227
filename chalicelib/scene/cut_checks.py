"""Manufacturability checks of cut text, for the shopper at validate time and for the workshop.

The shopper must hear before ordering what the workshop would find: that the dot of the 'i'
falls out of the sheet, that strokes are thinner than the laser can leave standing. So validate
runs the same geometry the pack uses (:mod:`chalicelib.scene.connectors`) on the zone's layout
and reports, by character (index into the normalized text):

- ``cut.island``: a piece that would come out on its own (an i-dot, an accent, a letter that
  touches nothing); an error when the zone's ``cut.one_part`` says so, else a warning;
- ``cut.letters_overlap`` (``connect: none``): letters that overlap cannot be cut apart;
- ``cut.too_thin``: ink narrower than the profile's ``min_feature_mm`` (what a morphological
  opening, offset in then out by half of it, removes), located;
- ``cut.gap_too_narrow``: gaps narrower than it (what a closing fills), a warning;
- ``cut.hole_smaller_than_kerf``, ``cut.outside_artboard``, a connector that cannot attach
  (``cut.ring_cannot_attach``), a counter a stencil cannot bridge.

Only zones whose process is cut run here, and only their import pays for Clipper.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chalicelib.domain.dieline import die_segments
from chalicelib.domain.personalization import Result
from chalicelib.domain.profile import ProfileDoc
from chalicelib.domain.zone import ProductDoc, TextZone
from chalicelib.fonts import LoadedFont
from chalicelib.scene import flatten as geo
from chalicelib.scene import polygon_ops as ops
from chalicelib.scene.build import text_item
from chalicelib.scene.connectors import ConnectorError, cut_shape, glyph_fills
from chalicelib.scene.model import TextItem
from chalicelib.scene.outline import GlyphOutline, Segment

_SLACK_MM = 0.002
# Validate's time for the cut checks of one request; the slow ones past it are left to the pack.
CHECK_BUDGET_S = 0.5
CHECKS = ("parts", "min_feature", "gaps", "holes_vs_kerf", "artboard", "bridges")


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    error: bool
    params: dict[str, Any]


@dataclass(frozen=True)
class CutReport:
    """What the checks found on one cut zone; ``parts`` is how many pieces it yields."""

    zone_id: str
    connect: str
    parts: int
    findings: tuple[Finding, ...]
    checks: tuple[str, ...] = field(default=CHECKS)

    def as_dict(self) -> dict[str, Any]:
        return {
            "zone_id": self.zone_id,
            "connect": self.connect,
            "parts": self.parts,
            "checks": list(self.checks),
            "findings": [
                {"code": f.code, "severity": "error" if f.error else "warning", **f.params}
                for f in self.findings
            ],
        }


@dataclass(frozen=True)
class _Glyph:
    index: int  # into the normalized text
    char: str
    fill: ops.Region

    def ref(self) -> dict[str, Any]:
        return {"index": self.index, "char": self.char}


def check_cut_item(
    item: TextItem,
    text: str,
    profile: ProfileDoc,
    artboard_mm: tuple[float, float],
    deadline: float | None = None,
    die_line: geo.Ring | None = None,
) -> CutReport:
    """Every check on one cut text item; ``text`` is the normalized text it shows.

    ``deadline`` (``time.monotonic()``) is validate's budget: the slow checks (minimum feature,
    bridges) that would start after it are skipped with a ``cut.checks_incomplete`` warning;
    the pack worker, which has no deadline, runs them all. ``die_line``: the product's outline
    (flattened), which the cut shape must stay inside.
    """
    options = item.cut
    connect = options.connect if options else "weld"
    fills = glyph_fills(item)
    glyphs = _indexed(fills, text)
    try:
        shape = cut_shape(item, fills).cut
    except ConnectorError as exc:
        finding = Finding(exc.code, str(exc), True, {"field": exc.field})
        return CutReport(item.zone_id, connect, 0, (finding,))
    pieces = ops.parts(shape)
    findings = _islands(pieces, glyphs, one_part=bool(options and options.one_part))
    if connect == "none":
        findings += _overlaps(glyphs)
    findings += _holes(pieces, glyphs, profile.kerf_mm)
    findings += _artboard(shape, artboard_mm)
    if die_line is not None:
        findings += _die_line(shape, die_line)
    if deadline is not None and time.monotonic() > deadline:
        skipped = ["min_feature", "gaps", "bridges"]
        findings.append(
            Finding(
                "cut.checks_incomplete",
                "This design took too long to check here; the workshop's pack checks it in full.",
                False,
                {"skipped": skipped},
            )
        )
        ran = tuple(c for c in CHECKS if c not in skipped)
        return CutReport(item.zone_id, connect, len(pieces), tuple(findings), ran)
    findings += _features(shape, glyphs, profile.min_feature_mm)
    if profile.stencil_bridges:
        try:
            ops.stencil_bridges(shape, profile.bridge_width_mm, item.angle_deg)
        except geo.GeometryError as exc:
            findings.append(Finding("cut." + exc.code.split(".")[-1], str(exc), True, {}))
    return CutReport(item.zone_id, connect, len(pieces), tuple(findings))


def _indexed(fills: list[tuple[GlyphOutline, ops.Region]], text: str) -> list[_Glyph]:
    """Each glyph with the index of its character in the text: the layout's own (HarfBuzz
    clusters, right-to-left runs), else the next occurrence in reading order."""
    out, position = [], 0
    for glyph, fill in fills:
        if glyph.index >= 0:
            out.append(_Glyph(glyph.index, glyph.char, fill))
            continue
        found = text.find(glyph.char, position) if glyph.char else -1
        index = found if found >= 0 else position
        position = index + max(len(glyph.char), 1) if found >= 0 else position
        out.append(_Glyph(index, glyph.char, fill))
    return out


def _touching(region: ops.Region, glyphs: list[_Glyph]) -> list[_Glyph]:
    """The glyphs whose fill overlaps ``region`` (boxes first: most glyphs are far away)."""
    if not region:
        return []
    box = _box(region)
    return [
        g for g in glyphs if _boxes_meet(box, _box(g.fill)) and ops.intersection(g.fill, region)
    ]


def _box(region: ops.Region) -> tuple[int, int, int, int]:
    xs = [x for path in region for x, _ in path]
    ys = [y for path in region for _, y in path]
    return min(xs), min(ys), max(xs), max(ys)


def _boxes_meet(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def _islands(pieces: list[ops.Part], glyphs: list[_Glyph], *, one_part: bool) -> list[Finding]:
    """Every piece but the largest is reported with the characters it is made of."""
    if len(pieces) < 2:
        return []
    main = max(pieces, key=lambda p: ops.area_mm2(p.region))
    findings = []
    for piece in pieces:
        if piece is main:
            continue
        chars = _touching(piece.region, glyphs)
        share = [(g, ops.area_mm2(ops.intersection(g.fill, piece.region))) for g in chars]
        partial = [g for g, inside in share if inside < ops.area_mm2(g.fill) / 2]
        if partial:
            names = ", ".join(f"'{g.char}'" for g in partial)
            message = (
                f"A piece of {names} (its dot or accent) would fall off: "
                "pick the bar connector or another font."
            )
        else:
            names = ", ".join(f"'{g.char}'" for g in chars) or "a connector"
            message = f"{names} touches no other letter and would be a separate piece."
        findings.append(
            Finding(
                "cut.island",
                message,
                one_part,
                {"characters": [g.ref() for g in chars], "parts": len(pieces)},
            )
        )
    return findings


def _overlaps(glyphs: list[_Glyph]) -> list[Finding]:
    findings = []
    for i, a in enumerate(glyphs):
        for b in glyphs[i + 1 :]:
            if ops.area_mm2(ops.intersection(a.fill, b.fill)) > geo.NOISE_AREA_MM2:
                findings.append(
                    Finding(
                        "cut.letters_overlap",
                        f"'{a.char}' and '{b.char}' overlap: they cannot be cut apart.",
                        False,
                        {"characters": [a.ref(), b.ref()]},
                    )
                )
    return findings


def _features(shape: ops.Region, glyphs: list[_Glyph], min_mm: float) -> list[Finding]:
    """Strokes (opening) and gaps (closing) narrower than ``min_mm``, by character."""
    if min_mm <= 0:
        return []
    half, noise = min_mm / 2, min_mm * min_mm / 2
    # The way back goes 2 µm further, so the grid's rounding leaves no sliver along every edge.
    thin = ops.difference(shape, ops.offset(ops.offset(shape, -half), half + _SLACK_MM))
    gaps = ops.difference(ops.offset(ops.offset(shape, half), -half - _SLACK_MM), shape)
    findings = []
    for region, code, error, what in (
        (thin, "cut.too_thin", True, "Strokes are thinner"),
        (gaps, "cut.gap_too_narrow", False, "Gaps are narrower"),
    ):
        spots = [p for p in ops.parts(region) if ops.area_mm2(p.region) >= noise]
        if not spots:
            continue
        found = ops.union(*(s.region for s in spots))
        if not error:  # a gap lies between glyphs: grow it a little to reach them
            found = ops.offset(found, 0.01)
        chars = _touching(found, glyphs)
        worst = max(spots, key=lambda p: ops.area_mm2(p.region))
        x0, y0, x1, y1 = geo.bbox(ops.to_ring(worst.outer))
        findings.append(
            Finding(
                code,
                f"{what} than the {min_mm:g} mm the workshop can make.",
                error,
                {
                    "min_feature_mm": min_mm,
                    "characters": [g.ref() for g in chars],
                    "at_mm": [round((x0 + x1) / 2, 3), round((y0 + y1) / 2, 3)],
                    "area_mm2": round(sum(ops.area_mm2(s.region) for s in spots), 3),
                },
            )
        )
    return findings


def _holes(pieces: list[ops.Part], glyphs: list[_Glyph], kerf_mm: float) -> list[Finding]:
    if kerf_mm <= 0:
        return []
    small = [
        (h,) for p in pieces for h in p.holes if not ops.offset((tuple(reversed(h)),), -kerf_mm / 2)
    ]
    if not small:
        return []
    chars = _touching(ops.offset(ops.union(*small), 0.01), glyphs)
    return [
        Finding(
            "cut.hole_smaller_than_kerf",
            f"A hole is smaller than the laser's kerf ({kerf_mm:g} mm): it would burn away.",
            True,
            {"characters": [g.ref() for g in chars], "kerf_mm": kerf_mm},
        )
    ]


def _die_line(shape: ops.Region, die_line: geo.Ring) -> list[Finding]:
    outside = ops.difference(shape, ops.region([die_line]))
    if ops.area_mm2(outside) <= geo.NOISE_AREA_MM2:
        return []
    x0, y0, x1, y1 = geo.bbox([p for path in outside for p in ops.to_ring(path)])
    return [
        Finding(
            "cut.outside_die_line",
            "The cut shape (with its connectors) reaches beyond the product's outline.",
            True,
            {"bounds_mm": [round(v, 3) for v in (x0, y0, x1, y1)]},
        )
    ]


def _artboard(shape: ops.Region, artboard_mm: tuple[float, float]) -> list[Finding]:
    if not shape:
        return []
    width, height = artboard_mm
    x0, y0, x1, y1 = geo.bbox([p for path in shape for p in ops.to_ring(path)])
    if x0 >= 0 and y0 >= 0 and x1 <= width and y1 <= height:
        return []
    return [
        Finding(
            "cut.outside_artboard",
            "The cut shape (with its connectors) reaches beyond the product.",
            True,
            {"bounds_mm": [round(v, 3) for v in (x0, y0, x1, y1)]},
        )
    ]


def check_cut_zones(
    product: ProductDoc,
    result: Result,
    font_for: Callable[[str], LoadedFont],
    profile: ProfileDoc,
) -> list[CutReport]:
    """Check every cut text zone that validated, and add the findings to ``result`` (errors
    and warnings by zone, like every other rule). Zones that are not cut are skipped."""
    reports = []
    deadline = time.monotonic() + CHECK_BUDGET_S
    for zone in product.zones:
        if not (isinstance(zone, TextZone) and zone.process == "cut"):
            continue
        layout, given = result.layouts.get(zone.id), result.normalized_inputs.get(zone.id)
        if layout is None or given is None:
            continue
        item = text_item(zone, layout, font_for(given["font"]), given["color"])
        side = product.side_of(zone)  # the artboard and die line of the zone's own side
        die = None
        if side.die_line is not None:
            die = tuple(
                geo.flatten(tuple(Segment(s.op, s.points) for s in die_segments(side.die_line)))
            )
        artboard = (side.width_mm, side.height_mm)
        report = check_cut_item(item, given["text"], profile, artboard, deadline, die)
        for finding in report.findings:
            result.add(zone.id, finding.code, finding.message, not finding.error, **finding.params)
        reports.append(report)
    return reports
