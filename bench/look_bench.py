"""Material-true previews against today's flat single-side preview, in one run.

Run: ``.venv/bin/python -m bench.look_bench [--runs N]``. Prints a table and writes
``bench/results/look.json``. The baseline is today's preview of the same design on the same
artboard (flat ink on white, the die line as a thin line), timed in turn with ours. Rows:

* a two-sided pendant (heart die line, light wood, a name engraved on the front and a date on
  the back): both sides' material previews, per side, against one flat side (goal ≤ 1.5×);
* the same, cold: the wood surface and its burnt finish computed, as for the first preview of
  a product a worker has not seen;
* the "all sides" contact sheet of the same pendant against the flat contact sheet of both;
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
from chalicelib.scene.build import side_scenes
from chalicelib.scene.contact_sheet import contact_sheet
from chalicelib.scene.model import Scene
from chalicelib.scene.raster import CairoRasterizer
from chalicelib.scene.render import PreviewOptions, render_preview

RESULTS = Path(__file__).resolve().parent / "results" / "look.json"
GOAL = 1.5
HEART = {"shape": "heart", "x_mm": 2, "y_mm": 2, "width_mm": 56, "height_mm": 46}
CORNERS = ((520.0, 300.0), (1650.0, 420.0), (1560.0, 1250.0), (430.0, 1100.0))


def _zone(zone_id: str, side: str | None) -> dict[str, Any]:
    return {"id": zone_id, "name": zone_id.title(), "kind": "text", "process": "engrave",
            "x_mm": 14, "y_mm": 16, "width_mm": 32, "height_mm": 12, "max_chars": 20,
            "max_lines": 1, "max_size_mm": 10, "colors": ["#000000"], "charset": ["latin"],
            **({"side": side} if side else {})}  # fmt: skip


def _doc(**extra: Any) -> ProductDoc:
    return ProductDoc.model_validate(
        {"name": "Pendant", "sku": "PEND-1", "width_mm": 60, "height_mm": 50, **extra}
    )


def _spec_scenes(doc: ProductDoc, inputs: dict[str, str], images: dict[str, bytes]) -> list[Scene]:
    given = {zone_id: ZoneInput(text=text) for zone_id, text in inputs.items()}
    result = validate_inputs(doc, given, _Catalog({}))
    assert result.valid, result.errors
    spec = build_spec("prd_bench", 1, doc, result)
    return side_scenes(spec, doc, _Resources(images), mockup=True)


def two_sided() -> list[Scene]:
    """The pendant with a front and a back (60 × 50 mm, heart die line each, light wood)."""
    sides = [{"id": side, "name": side.title(), "width_mm": 60, "height_mm": 50,
              "die_line": HEART} for side in ("front", "back")]  # fmt: skip
    doc = _doc(sides=sides, material="wood_light",
               zones=[_zone("name", "front"), _zone("date", "back")])  # fmt: skip
    return _spec_scenes(doc, {"name": "Ava & Noah", "date": "12.06.2026"}, {})


def today() -> Scene:
    """Today's single-side pendant: the front alone, no material (flat ink, thin die line)."""
    (scene,) = _spec_scenes(_doc(die_line=HEART, zones=[_zone("name", None)]),
                            {"name": "Ava & Noah"}, {})  # fmt: skip
    return scene


def angled() -> Scene:
    """One side on a 2000 × 1400 mockup photo with perspective corners."""
    corners = [list(c) for c in CORNERS]
    side = {"id": "front", "name": "Front", "width_mm": 60, "height_mm": 50,
            "mockup_asset_id": "img_base", "mockup_corners": corners}  # fmt: skip
    doc = _doc(sides=[side], material="wood_light", zones=[_zone("name", None)])
    (scene,) = _spec_scenes(doc, {"name": "Ava & Noah"}, {"img_base": _photo(2000, 1400)})
    return scene


def measure(runs: int, long_side: int = 1000) -> dict[str, float]:
    options = PreviewOptions(long_side_px=long_side, format="jpeg")
    cairo = CairoRasterizer()
    sides, flat = two_sided(), today()

    def preview(scene: Scene) -> Callable[[], object]:
        return functools.partial(render_preview, scene, options, cairo)

    def both() -> None:
        for scene in sides:
            render_preview(scene, options, cairo)

    def both_cold() -> None:
        material_look.clear_cache()
        both()

    def sheet() -> None:
        contact_sheet(sides, ["Front", "Back"], options, cairo)

    flat_sides = [dataclasses.replace(scene, material=None) for scene in sides]

    def flat_sheet() -> None:
        contact_sheet(flat_sides, ["Front", "Back"], options, cairo)

    two_warm, flat_ms = paired_median_ms(both, preview(flat), runs)
    two_cold, flat_cold = paired_median_ms(both_cold, preview(flat), runs)
    sheet_ms, flat_sheet_ms = paired_median_ms(sheet, flat_sheet, runs)
    photo = angled()
    cover = dataclasses.replace(photo, material=None, mockup_corners=None)
    on_photo, flat_photo = paired_median_ms(preview(photo), preview(cover), runs)
    return {
        "two_sides_warm_ms": two_warm,
        "two_sides_cold_ms": two_cold,
        "contact_sheet_ms": sheet_ms,
        "flat_one_side_ms": flat_ms,
        "flat_one_side_cold_pairing_ms": flat_cold,
        "flat_contact_sheet_ms": flat_sheet_ms,
        "angled_photo_ms": on_photo,
        "flat_cover_photo_ms": flat_photo,
    }


def rows(runs: int, long_side: int = 1000) -> list[Row]:
    m = measure(runs, long_side)
    vs = "today's flat preview of one side"
    return [
        Row("material preview, 2-sided wood pendant, per side (warm)", m["two_sides_warm_ms"] / 2,
            m["flat_one_side_ms"], "ms", vs),
        Row("material preview, 2-sided wood pendant, per side (cold)", m["two_sides_cold_ms"] / 2,
            m["flat_one_side_cold_pairing_ms"], "ms", vs),
        Row("material contact sheet of both sides", m["contact_sheet_ms"],
            m["flat_contact_sheet_ms"], "ms", "today's flat contact sheet of both sides"),
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
