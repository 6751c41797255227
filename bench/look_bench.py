"""Material-true previews against today's flat single-side preview, in one run.

Run: ``.venv/bin/python -m bench.look_bench [--runs N]``. Prints a table and writes
``bench/results/look.json``. The baseline is today's preview of the same design on the same
artboard (flat ink on white, the die line as a thin line), timed in turn with ours. Rows:

* a two-sided pendant (heart die line, light wood, a name engraved on the front and a date on
  the back): both sides' material previews, per side, against one flat side (goal ≤ 1.5×);
* the same, cold: the wood surface and its burnt finish computed, as for the first preview of
  a product a worker has not seen;
* an angled mockup photo (perspective corners) against the flat preview of the same photo
  cover-fitted behind the artboard.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import platform
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.render_bench import _Catalog, _photo, _Resources
from bench.report import Row, machine, paired_median_ms, table
from chalicelib.domain.personalization import ZoneInput, validate_inputs
from chalicelib.domain.spec import build_spec
from chalicelib.domain.zone import ProductDoc
from chalicelib.scene import material_look
from chalicelib.scene.build import build_scene
from chalicelib.scene.model import Scene
from chalicelib.scene.raster import CairoRasterizer
from chalicelib.scene.render import PreviewOptions, render_preview

RESULTS = Path(__file__).resolve().parent / "results" / "look.json"
GOAL = 1.5
HEART = {"shape": "heart", "x_mm": 2, "y_mm": 2, "width_mm": 56, "height_mm": 46}
CORNERS = ((520.0, 300.0), (1650.0, 420.0), (1560.0, 1250.0), (430.0, 1100.0))


def _zone(zone_id: str, y_mm: float) -> dict[str, Any]:
    return {"id": zone_id, "name": zone_id.title(), "kind": "text", "process": "engrave",
            "x_mm": 14, "y_mm": y_mm, "width_mm": 32, "height_mm": 12, "max_chars": 20,
            "max_lines": 1, "max_size_mm": 10, "colors": ["#000000"],
            "charset": ["latin"]}  # fmt: skip


def _scene(text: str, *, material: str | None, photo: bool = False) -> Scene:
    """One side of the pendant (60 × 50 mm, heart die line, one engraved line); with ``photo``
    the side has a 2000 × 1400 mockup photo instead of a die line."""
    images = {"img_base": _photo(2000, 1400)} if photo else {}
    doc = ProductDoc.model_validate(
        {"name": "Pendant", "sku": "PEND-1", "width_mm": 60, "height_mm": 50,
         "die_line": None if photo else HEART, "zones": [_zone("line", 16)],
         "material": material, "base_image_asset_id": "img_base" if photo else None}
    )  # fmt: skip
    result = validate_inputs(doc, {"line": ZoneInput(text=text)}, _Catalog({}))
    assert result.valid, result.errors
    spec = build_spec("prd_bench", 1, doc, result)
    return build_scene(spec, doc, _Resources(images), mockup=True)


def measure(runs: int, long_side: int = 1000) -> dict[str, float]:
    options = PreviewOptions(long_side_px=long_side, format="jpeg")
    cairo = CairoRasterizer()
    front, back = (
        _scene("Ava & Noah", material="wood_light"),
        _scene("12.06.2026", material="wood_light"),
    )
    today = dataclasses.replace(front, material=None)

    def preview(scene: Scene) -> Callable[[], object]:
        return functools.partial(render_preview, scene, options, cairo)

    def both() -> None:
        render_preview(front, options, cairo)
        render_preview(back, options, cairo)

    def both_cold() -> None:
        material_look.clear_cache()
        both()

    two_warm, flat = paired_median_ms(both, preview(today), runs)
    two_cold, flat_cold = paired_median_ms(both_cold, preview(today), runs)
    angled = dataclasses.replace(_scene("Ava & Noah", material="wood_light", photo=True),
                                 mockup_corners=CORNERS)  # fmt: skip
    cover = dataclasses.replace(angled, material=None, mockup_corners=None)
    on_photo, flat_photo = paired_median_ms(preview(angled), preview(cover), runs)
    return {
        "two_sides_warm_ms": two_warm,
        "two_sides_cold_ms": two_cold,
        "flat_one_side_ms": flat,
        "flat_one_side_ms_cold_pairing": flat_cold,
        "per_side_warm_ratio": two_warm / 2 / flat,
        "per_side_cold_ratio": two_cold / 2 / flat_cold,
        "angled_photo_ms": on_photo,
        "flat_cover_photo_ms": flat_photo,
        "angled_photo_ratio": on_photo / flat_photo,
    }


def rows(runs: int, long_side: int = 1000) -> list[Row]:
    m = measure(runs, long_side)
    vs = "today's flat preview of one side"
    return [
        Row("material preview, 2-sided wood pendant, per side (warm)", m["two_sides_warm_ms"] / 2,
            m["flat_one_side_ms"], "ms", vs),
        Row("material preview, 2-sided wood pendant, per side (cold)", m["two_sides_cold_ms"] / 2,
            m["flat_one_side_ms_cold_pairing"], "ms", vs),
        Row("material preview on an angled mockup photo", m["angled_photo_ms"],
            m["flat_cover_photo_ms"], "ms", "today's preview, photo cover-fitted"),
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--long-side", type=int, default=1000)
    args = parser.parse_args(argv)
    measured = rows(args.runs, args.long_side)
    print(f"material previews, long side {args.long_side} px, median of {args.runs} runs "
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
