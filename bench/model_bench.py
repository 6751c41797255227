"""The 3D / AR model render against the final render of the same design, in one run.

Run: ``.venv/bin/python -m bench.model_bench [--runs N]``. Prints a table and writes
``bench/results/model.json``. The plaque is the tests' box model (a 120 × 40 mm top face with
UVs, tests/support/models3d.py) with a name engraved on light wood. Ours: what a ``model``
render does after loading its inputs — the texture bake on the material look (2048 px long
side), the GLB rewrite and the USDZ; warm (the material's surface and the parsed model cached,
as in a worker that served this product before) and cold. Baseline: the final of the same
design (300 DPI PNG and the vector PDF), timed in turn. Goal: ≤ 1.5× the final.
"""

from __future__ import annotations

import argparse
import json
import platform
from pathlib import Path

from bench.render_bench import _Catalog, _Resources
from bench.report import Row, machine, paired_median_ms, table
from chalicelib.domain.gltf import verify_model_bytes
from chalicelib.domain.personalization import ZoneInput, validate_inputs
from chalicelib.domain.render_options import FinalOptions, ModelOptions
from chalicelib.domain.spec import build_spec
from chalicelib.domain.zone import ProductDoc
from chalicelib.scene import material_look, model3d
from chalicelib.scene.build import build_scene
from chalicelib.scene.model3d import render_model
from chalicelib.scene.raster import CairoRasterizer
from chalicelib.scene.render import render_final
from tests.support.models3d import plaque_glb

RESULTS = Path(__file__).resolve().parent / "results" / "model.json"
GOAL = 1.5
ZONE = {"id": "name", "name": "Name", "kind": "text", "process": "engrave", "x_mm": 8,
        "y_mm": 10, "width_mm": 104, "height_mm": 20, "max_chars": 30, "max_size_mm": 16,
        "colors": ["#000000"], "charset": ["latin"]}  # fmt: skip


def measure(runs: int) -> dict[str, float]:
    glb = plaque_glb()
    facts = verify_model_bytes(glb).to_dict()
    doc = ProductDoc.model_validate(
        {
            "name": "Desk plaque",
            "sku": "PLQ-1",
            "width_mm": 120,
            "height_mm": 40,
            "material": "wood_light",
            "zones": [ZONE],
            "model": {"asset_id": "ast_0123456789abcdef", "material": "Face"},
        }
    )
    result = validate_inputs(doc, {"name": ZoneInput(text="Ada Lovelace")}, _Catalog({}))
    assert result.valid, result.errors
    spec = build_spec("prd_bench", 1, doc, result)
    scene = build_scene(spec, doc, _Resources({}), mockup=False)
    assert doc.model is not None
    ref, cairo, options = doc.model, CairoRasterizer(), ModelOptions()

    def model() -> None:
        render_model({"front": scene}, doc, ref, facts, glb, options, cairo)

    def model_cold() -> None:  # a worker's first render of this product: nothing cached
        material_look.clear_cache()
        model3d._PARSED.clear()
        model()

    def final() -> None:
        render_final(scene, FinalOptions(), cairo)

    warm, final_ms = paired_median_ms(model, final, runs)
    cold, final_cold = paired_median_ms(model_cold, final, runs)
    return {"model_warm_ms": warm, "model_cold_ms": cold, "final_ms": final_ms,
            "final_cold_pairing_ms": final_cold}  # fmt: skip


def rows(runs: int) -> list[Row]:
    m = measure(runs)
    vs = "final render (300 DPI PNG + PDF) of the same design"
    return [
        Row("model render: texture bake + GLB + USDZ, wood plaque (warm)", m["model_warm_ms"],
            m["final_ms"], "ms", vs),
        Row("model render: texture bake + GLB + USDZ, wood plaque (cold)", m["model_cold_ms"],
            m["final_cold_pairing_ms"], "ms", vs),
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args(argv)
    measured = rows(args.runs)
    print(f"model render vs final, median of {args.runs} runs (goal ≤ {GOAL}× the final)")
    print(table(measured))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "runs": args.runs,
        "goal_ratio": GOAL,
        "python": platform.python_version(),
        "machine": machine(),
        "rows": [r.as_json() for r in measured],
    }
    RESULTS.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
