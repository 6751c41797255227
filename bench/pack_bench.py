"""Final render + manufacturing pack per order item, warm (what one export worker spends).

Times, for a text item and a photo item, each file the pack holds (PNG at the profile DPI, the
print PDF, the machine SVG and DXF, the job sheet) and the deterministic zip. "Warm" means the
worker has already decoded the item's photos and loaded its fonts, as after its first item.
Run: ``.venv/bin/python -m bench.pack_bench [--runs N]``; writes bench/results/pack.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.render_bench import scenes
from chalicelib.domain.pack import PackFile, zip_pack
from chalicelib.domain.profile import BUILTIN
from chalicelib.domain.render_options import FinalOptions, PreviewOptions
from chalicelib.scene.dxf import to_dxf
from chalicelib.scene.jobsheet import JobSheet, job_sheet_pdf
from chalicelib.scene.pdf import to_pdf
from chalicelib.scene.raster import default_rasterizer
from chalicelib.scene.render import render_final, render_preview
from chalicelib.scene.vector_svg import to_machine_svg

RESULTS = Path(__file__).resolve().parent / "results" / "pack.json"


def _ms(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    result = fn()  # warm-up: caches, fonts
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1), result


def measure(name: str, build: Callable[[], Any], runs: int) -> dict[str, float]:
    scene = build()
    profile = BUILTIN["print-default"]
    raster = default_rasterizer()
    steps: dict[str, Callable[[], Any]] = {
        "png": lambda: render_final(scene, FinalOptions(dpi=profile.print_dpi), raster)[0].data,
        "pdf": lambda: to_pdf(scene, bleed_mm=profile.bleed_mm, crop_marks=True),
        "svg": lambda: to_machine_svg(scene, BUILTIN["laser-default"]).encode(),
        "dxf": lambda: to_dxf(scene, BUILTIN["laser-default"]),
        "jobsheet": lambda: job_sheet_pdf(
            JobSheet(
                pack_id="pck_bench",
                order_ref="1001",
                item_ref="1",
                quantity=1,
                product_name="Mug",
                product_sku="MUG-1",
                product_version=1,
                profile_name=profile.name,
                zones=(),
                checks=("bench",),
                thumbnail=render_preview(
                    scene, PreviewOptions(long_side_px=600, format="png"), raster
                ).data,
            )
        ),
    }
    figures: dict[str, float] = {}
    outputs: dict[str, bytes] = {}
    for step, fn in steps.items():
        figures[step], outputs[step] = _ms(fn, runs)
    files = [
        PackFile(f"item.{ext}", data, "application/octet-stream")
        for ext, data in outputs.items()
        if ext != "jobsheet"
    ]
    files.append(PackFile("item-jobsheet.pdf", outputs["jobsheet"], "application/pdf"))
    described = sorted(files, key=lambda f: f.name)
    manifest = {
        "folder": "item",
        "files": [
            {
                "name": f.name,
                "bytes": len(f.data),
                "sha256": f.sha256,
                "content_type": f.content_type,
            }
            for f in described
        ],
    }
    figures["zip"], archive = _ms(lambda: zip_pack(files, manifest, "item"), runs)
    figures["total"] = round(sum(figures.values()), 1)
    figures["zip_bytes"] = len(archive)
    print(f"{name:8s} " + "  ".join(f"{k} {v:8.1f}" for k, v in figures.items()))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"pack per item, warm, median of {args.runs} (ms; print-default 300 DPI, 120x80 mm)")
    results = {name: measure(name, build, args.runs) for name, build in scenes().items()}
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
