"""Weld + manufacturability checks of a 12-letter script name: Clipper (ours) against GEOS.

Run: ``.venv/bin/python -m bench.geometry_bench [--runs N]``. Prints a small table.

Why this bench exists: cut geometry needed a maintained library for booleans and offsets, and
validate (an API call) runs the checks, so the choice was made on three figures measured here,
in the same run: the time of the same weld and checks in each library, and the cold import of
each in a fresh interpreter (the API's cold start pays it on the first cut zone).

- **ours**: :func:`chalicelib.scene.cut_checks.check_cut_item` — glyphs resolved with the
  nonzero rule, welded, parts and islands by character, opening and closing at
  ``min_feature_mm`` 0.3, holes against a 0.15 mm kerf; Clipper on a 1 µm grid.
- **GEOS**: the same steps with shapely 2 (``unary_union``, ``buffer`` with mitre joins,
  ``set_precision`` to 1 µm after each step), from the same flattened rings. shapely is a
  test-only dependency (requirements-dev.txt): it pulls numpy into whatever imports it.

The name is set in Debian's Dancing Script when installed (a connected script, the case welding
is for), else in the bundled Lato.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.report import Row, paired_median_ms
from chalicelib import fonts
from chalicelib.domain.layout import layout_text
from chalicelib.domain.profile import BUILTIN
from chalicelib.domain.zone import TextZone
from chalicelib.domain.zone_layout import zone_layout_options
from chalicelib.scene import flatten as geo
from chalicelib.scene.build import text_item
from chalicelib.scene.cut_checks import check_cut_item
from chalicelib.scene.model import TextItem

NAME = "Alessandrina"  # 12 letters
DANCING = Path("/usr/share/fonts/opentype/dancingscript/DancingScript-Regular.otf")
PROFILE = BUILTIN["laser-default"].model_copy(update={"min_feature_mm": 0.3, "kerf_mm": 0.15})
ARTBOARD = (200.0, 40.0)


def script_name() -> tuple[TextItem, str]:
    """The name at 10 mm in a 200 × 40 mm cut zone; which font it is set in."""
    if DANCING.exists():
        font, label = fonts.LoadedFont.from_path(DANCING, "dancing-script"), "Dancing Script"
    else:
        font, label = fonts.get_font("lato-regular"), "Lato (fonts-dancingscript missing)"
    zone = TextZone.model_validate(
        {"id": "name", "name": "Name", "kind": "text", "process": "cut", "x_mm": 0, "y_mm": 0,
         "width_mm": 200, "height_mm": 40, "fonts": [font.font_id], "max_size_mm": 40}
    )  # fmt: skip
    layout = layout_text(NAME, font, 10.0, zone_layout_options(zone))
    return text_item(zone, layout, font, "#000000"), label


def geos_weld_and_checks(item: TextItem, min_mm: float, kerf_mm: float) -> dict[str, Any]:
    """The same steps as ours, with shapely 2 (imported here: it loads numpy)."""
    import shapely
    from shapely.geometry import Polygon

    def snap(g: Any) -> Any:
        return shapely.set_precision(g, geo.GRID_MM)

    glyphs = []
    for glyph in item.outline.glyphs:
        rings = geo.flatten_all(glyph.contours)
        if not rings:
            continue
        # nonzero for one glyph: the outlines' union minus the counters drawn the other way
        turn = 1 if geo.signed_area(max(rings, key=lambda r: abs(geo.signed_area(r)))) > 0 else -1
        outer = [Polygon(r) for r in rings if geo.signed_area(r) * turn > 0]
        inner = [Polygon(r) for r in rings if geo.signed_area(r) * turn < 0]
        fill = shapely.unary_union(outer)
        if inner:
            fill = fill.difference(shapely.unary_union(inner))
        glyphs.append(snap(fill))
    shape = snap(shapely.unary_union(glyphs))
    pieces = list(getattr(shape, "geoms", [shape]))
    main = max(pieces, key=lambda p: p.area)
    islands = [[i for i, g in enumerate(glyphs) if g.intersects(p)] for p in pieces if p != main]
    half = min_mm / 2
    opened = snap(snap(shape.buffer(-half, join_style="mitre", mitre_limit=2)).buffer(
        half, join_style="mitre", mitre_limit=2))  # fmt: skip
    closed = snap(snap(shape.buffer(half, join_style="mitre", mitre_limit=2)).buffer(
        -half, join_style="mitre", mitre_limit=2))  # fmt: skip
    thin = snap(shape.difference(opened))
    gaps = snap(closed.difference(shape))
    noise = min_mm * min_mm / 2
    holes = [h for p in pieces for h in p.interiors if Polygon(h).buffer(-kerf_mm / 2).is_empty]
    return {
        "parts": len(pieces),
        "islands": islands,
        "thin": [g for g in getattr(thin, "geoms", [thin]) if g.area >= noise],
        "gaps": [g for g in getattr(gaps, "geoms", [gaps]) if g.area >= noise],
        "holes": holes,
    }


def cold_import_ms(module: str) -> float:
    """Import time of ``module`` in a fresh interpreter (python -X importtime, cumulative)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = [line for line in done.stderr.splitlines() if line.rstrip().endswith(f"| {module}")]
    return int(lines[-1].split("|")[1]) / 1000 if lines else float("nan")


def rows(runs: int) -> list[Row]:
    item, label = script_name()
    ours_ms, geos_ms = paired_median_ms(
        lambda: check_cut_item(item, NAME, PROFILE, ARTBOARD),
        lambda: geos_weld_and_checks(item, PROFILE.min_feature_mm, PROFILE.kerf_mm),
        runs,
    )
    vs = "shapely 2.2 (GEOS), same steps"
    return [
        Row(f"Cut weld + checks, 12-letter name ({label})", ours_ms, geos_ms, "ms", vs),
        Row("Geometry library cold import", cold_import_ms("pyclipper"),
            cold_import_ms("shapely"), "ms", "import shapely (numpy included)"),
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args(argv)
    item, label = script_name()
    ours = check_cut_item(item, NAME, PROFILE, ARTBOARD)
    geos = geos_weld_and_checks(item, PROFILE.min_feature_mm, PROFILE.kerf_mm)
    print(f"{NAME!r} in {label}: parts ours {ours.parts}, GEOS {geos['parts']}")
    for row in rows(args.runs):
        ratio = f"{row.ratio:.2f}×" if row.ratio is not None else "-"
        print(f"{row.measure:<60} {row.ours:>8.1f} {row.unit}  vs {row.baseline:>8.1f}  {ratio}")


if __name__ == "__main__":
    main()
