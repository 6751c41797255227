"""Shaping + outlining a 20-character name, warm: HarfBuzz (spec version 2) next to the old
Latin-only layout (spec version 1: cmap + pair kerning), in the same run; and a 30-character
line laid out on a circular arc next to the same line laid out straight (goal: ≤ 1.5×).

Run: ``.venv/bin/python -m bench.shaping_bench [--runs N]``. Prints a table and writes
``bench/results/shaping.json``.

Two measures per script, at one size, after a warm-up call (font parsed, glyph bounds cached,
uharfbuzz imported): :func:`layout_text` alone (bidi levels, script runs, HarfBuzz per run,
glyph ink: what validation and auto-fit pay per size tried), and that plus :func:`outline_layout`
(the glyph outlines in mm every writer uses; fontTools drawing dominates it, for both engines).
The baseline is the version 1 engine on the Latin name with the bundled Lato, paired run by run.
Latin uses the bundled Lato; Arabic and Devanagari use Debian's Amiri and Lohit Devanagari
(installed by ``make bench``/``make test``), loaded as a brand's uploaded font would be; a
script whose font is absent is reported as skipped, not guessed. Goal: ≤ 2 ms per name.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bench.report import Row, paired_median_ms
from chalicelib import fonts
from chalicelib.domain.layout import Layout, LayoutOptions, layout_text
from chalicelib.domain.lines import Shaping
from chalicelib.domain.zone import ArcPath
from chalicelib.scene.outline import outline_layout

RESULTS = Path(__file__).resolve().parent / "results" / "shaping.json"
GOAL_MS = 2.0
LATIN = "Maximilian Alexander"
NAMES = {
    "Latin": (LATIN, None),
    "Arabic": (
        "محمد عبد الله الأحمد",
        Path("/usr/share/fonts/opentype/fonts-hosny-amiri/Amiri-Regular.ttf"),
    ),
    "Devanagari": (
        "प्रियंका शर्मा वर्मा",
        Path("/usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf"),
    ),
}
OPTIONS = LayoutOptions(width_mm=200, height_mm=30)
ARC_TEXT = "Maximilian Alexander von Hagen"
ARC = ArcPath(cx_mm=100, cy_mm=100, radius_mm=60, span_deg=300)
ARC_GOAL_RATIO = 1.5


def _font(path: Path | None) -> fonts.LoadedFont | None:
    if path is None:
        return fonts.get_font(fonts.DEFAULT_FONT_ID)
    return fonts.LoadedFont.from_path(path, path.stem.lower()) if path.is_file() else None


def _lay(text: str, font: fonts.LoadedFont, shaping: Shaping | None) -> Layout:
    options = LayoutOptions(OPTIONS.width_mm, OPTIONS.height_mm, shaping=shaping)
    return layout_text(text, font, 10, options)


def _set(text: str, font: fonts.LoadedFont, shaping: Shaping | None) -> Layout:
    layout = _lay(text, font, shaping)
    outline_layout(layout, font)
    return layout


def rows(runs: int) -> list[Row]:
    """One row per script: HarfBuzz shaping + outlines against v1 Latin layout + outlines."""
    lato = fonts.get_font(fonts.DEFAULT_FONT_ID)
    out: list[Row] = []
    for script, (text, path) in NAMES.items():
        assert len(text) == 20, (script, len(text))
        font = _font(path)
        if font is None:
            continue
        for label, step in (("shape", _lay), ("shape + outline", _set)):
            ours, old = paired_median_ms(
                lambda step=step, text=text, font=font: step(text, font, Shaping()),  # type: ignore[misc]
                lambda step=step: step(LATIN, lato, None),  # type: ignore[misc]
                runs,
            )
            vs = "v1 cmap+kerning, Latin name" + (" + outline" if step is _set else "")
            out.append(Row(f"{label}: 20-char {script} name (warm)", ours, old, "ms", vs))
    out.append(arc_row(lato, runs))
    return out


def arc_row(font: fonts.LoadedFont, runs: int) -> Row:
    """The arc's cost over a straight line: per-glyph placement on the circle and rotated ink."""
    assert len(ARC_TEXT) == 30
    straight = LayoutOptions(OPTIONS.width_mm, OPTIONS.height_mm, shaping=Shaping())
    bent = LayoutOptions(OPTIONS.width_mm, OPTIONS.height_mm, shaping=Shaping(), path=ARC)
    ours, old = paired_median_ms(
        lambda: layout_text(ARC_TEXT, font, 10, bent),
        lambda: layout_text(ARC_TEXT, font, 10, straight),
        runs,
    )
    vs = f"same line straight (goal ≤ {ARC_GOAL_RATIO}×)"
    return Row("layout: 30-char line on an arc (warm)", ours, old, "ms", vs)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args(argv)
    measured = rows(args.runs)
    print(f"median of {args.runs} paired runs, goal ≤ {GOAL_MS} ms per name")
    for row in measured:
        print(f"{row.measure:<48} {row.ours:>7.3f} ms   {row.vs} {row.baseline:>7.3f} ms")
    skipped = [s for s, (_, p) in NAMES.items() if p is not None and not p.is_file()]
    if skipped:
        print(f"skipped (font not installed): {', '.join(skipped)}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    report = {"runs": args.runs, "rows": [r.as_json() for r in measured], "skipped": skipped}
    RESULTS.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
