"""Final render + manufacturing pack per order item, warm (what one export worker spends).

Times, for a text item and a photo item, each file the pack holds (PNG at the profile DPI, the
print PDF, the machine SVG and DXF, the job sheet) and the deterministic zip. "Warm" means the
worker has already decoded the item's photos and loaded its fonts, as after its first item.
Run: ``.venv/bin/python -m bench.pack_bench [--runs N]``; writes bench/results/pack.json.
"""

from __future__ import annotations

import argparse
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.render_bench import scenes
from bench.report import Row, median_ms, paired_median_ms
from chalicelib.domain.pack import PackFile, zip_pack
from chalicelib.domain.profile import BUILTIN
from chalicelib.domain.render_options import FinalOptions, PreviewOptions
from chalicelib.scene.dxf import to_dxf
from chalicelib.scene.jobsheet import JobSheet, job_sheet_pdf
from chalicelib.scene.model import Scene
from chalicelib.scene.pdf import to_pdf
from chalicelib.scene.raster import default_rasterizer
from chalicelib.scene.render import final_size, render_final, render_preview
from chalicelib.scene.svg import to_svg
from chalicelib.scene.vector_svg import to_machine_svg

RESULTS = Path(__file__).resolve().parent / "results" / "pack.json"


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
    outputs: dict[str, bytes] = {"png": steps["png"]()}  # also the warm-up of both finals
    naive_files = naive_final(scene)
    figures["png"], figures["naive_final"] = paired_median_ms(
        steps.pop("png"), lambda: naive_final(scene), runs, warm_up=False
    )
    for step, fn in steps.items():
        figures[step], outputs[step] = median_ms(fn, runs)
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
    figures["zip"], archive = median_ms(lambda: zip_pack(files, manifest, "item"), runs)
    figures["total"] = round(sum(v for k, v in figures.items() if k != "naive_final"), 1)
    figures["zip_bytes"] = len(archive)
    figures["naive_zip"], naive = median_ms(lambda: naive_zip(naive_files), runs)
    figures["naive_zip_bytes"] = len(naive)
    return figures


def naive_final(scene: Scene) -> dict[str, bytes]:
    """A first script's final: the scene's SVG through cairosvg to a 300 DPI PNG and a PDF."""
    import cairosvg  # type: ignore[import-untyped]

    options = FinalOptions(dpi=BUILTIN["print-default"].print_dpi)
    width, height = final_size(scene, options)
    svg = to_svg(scene, bleed_mm=options.bleed_mm, size_px=(width, height))
    return {
        "item.png": cairosvg.svg2png(bytestring=svg.encode(), output_width=width,
                                     output_height=height),
        "item.pdf": cairosvg.svg2pdf(bytestring=to_svg(scene, bleed_mm=options.bleed_mm).encode()),
        "item.svg": svg.encode(),
    }  # fmt: skip


def naive_zip(files: dict[str, bytes]) -> bytes:
    """...and its pack: those files deflated into a zip. Fewer files than ours (no DXF, machine
    SVG, job sheet or manifest) and nothing checked, so the comparison is in its favour."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def rows(runs: int) -> list[Row]:
    measured = {name: measure(name, build, runs) for name, build in scenes().items()}
    out = []
    for name, f in measured.items():
        out += [
            Row(f"final render (300 DPI PNG + PDF), {name} scene", f["png"], f["naive_final"],
                "ms", "cairosvg svg2png + svg2pdf"),
            Row(f"final render + pack per item, {name} scene", f["total"],
                f["naive_final"] + f["naive_zip"], "ms", "cairosvg PNG + PDF, zipfile"),
        ]  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"pack per item, warm, median of {args.runs} (ms; print-default 300 DPI, 120x80 mm)")
    results = {name: measure(name, build, args.runs) for name, build in scenes().items()}
    for name, figures in results.items():
        print(f"{name:8s} " + "  ".join(f"{k} {v:8.1f}" for k, v in figures.items()))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
