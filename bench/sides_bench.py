"""Previews of a product with sides against today's single-side preview, in one run.

Run: ``.venv/bin/python -m bench.sides_bench [--runs N]``. Prints a table and writes
``bench/results/sides.json``. Both paths start from the spec, as a render worker does:

* today: a one-sided heart pendant (no ``sides``; 40 × 36 mm, heart die line, a name
  engraved): ``build_scene`` then ``render_preview``;
* ours: the same pendant with a back side (a date engraved, mirrored for the machine):
  ``side_scenes`` then the labelled contact sheet of both sides (the ``side: "all"`` preview),
  reported per side. Goal: ≤ 1.5× today's single side per side.

Also: one side of the two-sided product (``side: "back"``) against today's preview, which
should cost the same.
"""

from __future__ import annotations

import argparse
import functools
import json
import platform
from pathlib import Path
from typing import Any

from bench.render_bench import _Catalog, _Resources
from bench.report import Row, machine, paired_median_ms, table
from chalicelib.domain.personalization import ZoneInput, validate_inputs
from chalicelib.domain.spec import build_spec
from chalicelib.domain.zone import ProductDoc
from chalicelib.scene.build import build_scene, side_scenes
from chalicelib.scene.contact_sheet import contact_sheet
from chalicelib.scene.raster import CairoRasterizer
from chalicelib.scene.render import PreviewOptions, render_preview

RESULTS = Path(__file__).resolve().parent / "results" / "sides.json"
GOAL = 1.5
HEART = {"shape": "heart", "x_mm": 1, "y_mm": 1, "width_mm": 38, "height_mm": 34}


def _zone(zone_id: str, side: str | None) -> dict[str, Any]:
    zone = {"id": zone_id, "name": zone_id.title(), "kind": "text", "process": "engrave",
            "x_mm": 8, "y_mm": 10, "width_mm": 24, "height_mm": 9, "max_chars": 20,
            "max_size_mm": 7, "charset": ["latin"]}  # fmt: skip
    return {**zone, "side": side} if side else zone


def _products() -> tuple[ProductDoc, ProductDoc]:
    base = {"name": "Pendant", "sku": "PEND-1", "width_mm": 40, "height_mm": 36}
    today = ProductDoc.model_validate({**base, "die_line": HEART, "zones": [_zone("name", None)]})
    sides = [
        {"id": "front", "name": "Front", "width_mm": 40, "height_mm": 36, "die_line": HEART},
        {"id": "back", "name": "Back", "width_mm": 40, "height_mm": 36, "die_line": HEART,
         "flip": "horizontal"},
    ]  # fmt: skip
    two = ProductDoc.model_validate(
        {**base, "sides": sides, "zones": [_zone("name", "front"), _zone("date", "back")]}
    )
    return today, two


def _spec(doc: ProductDoc, texts: dict[str, str]) -> dict[str, Any]:
    inputs = {zone_id: ZoneInput(text=text) for zone_id, text in texts.items()}
    result = validate_inputs(doc, inputs, _Catalog({}))
    assert result.valid, result.errors
    return build_spec("prd_bench", 1, doc, result)


def measure(runs: int, long_side: int = 1000) -> dict[str, float]:
    options = PreviewOptions(long_side_px=long_side, format="jpeg")
    cairo, resources = CairoRasterizer(), _Resources({})
    today, two = _products()
    today_spec = _spec(today, {"name": "Ava & Noah"})
    two_spec = _spec(two, {"name": "Ava & Noah", "date": "12.06.2026"})

    def single() -> None:
        render_preview(build_scene(today_spec, today, resources, mockup=True), options, cairo)

    def every_side() -> None:
        scenes = side_scenes(two_spec, two, resources, mockup=True)
        contact_sheet(scenes, ["Front", "Back"], options, cairo)

    back = functools.partial(
        lambda: render_preview(
            build_scene(two_spec, two, resources, mockup=True, side="back"), options, cairo
        )
    )
    sheet, flat = paired_median_ms(every_side, single, runs)
    one_side, flat_again = paired_median_ms(back, single, runs)
    return {
        "contact_sheet_ms": sheet,
        "single_side_ms": flat,
        "per_side_ratio": sheet / 2 / flat,
        "one_side_of_two_ms": one_side,
        "single_side_ms_second_pairing": flat_again,
    }


def rows(runs: int, long_side: int = 1000) -> list[Row]:
    m = measure(runs, long_side)
    vs = "today's single-side preview (spec to JPEG)"
    return [
        Row("preview of every side, 2-sided pendant, per side", m["contact_sheet_ms"] / 2,
            m["single_side_ms"], "ms", vs),
        Row("preview of one side of a 2-sided pendant", m["one_side_of_two_ms"],
            m["single_side_ms_second_pairing"], "ms", vs),
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--long-side", type=int, default=1000)
    args = parser.parse_args(argv)
    measured = rows(args.runs, args.long_side)
    print(f"side previews, long side {args.long_side} px, median of {args.runs} runs "
          f"(goal per side ≤ {GOAL}× today's single side)")  # fmt: skip
    print(table(measured))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "long_side_px": args.long_side,
        "runs": args.runs,
        "goal_ratio_per_side": GOAL,
        "python": platform.python_version(),
        "machine": machine(),
        "rows": [r.as_json() for r in measured],
    }
    RESULTS.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
