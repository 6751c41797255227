"""Preview time of the render pipeline against a naive ``cairosvg.svg2png`` of the same SVG.

Run: ``.venv/bin/python -m bench.render_bench [--runs N] [--long-side PX]``. Prints a table and
writes ``bench/results/render.json``. The pipeline is timed from the scene (scene -> SVG ->
raster -> JPEG); the naive baseline gets the finished SVG (images already resampled to the
preview, as our rasterizers get it) for free, so the ratio is, if anything, in its favour.
"cold" clears the resampled-image cache before every run (a photo never seen by this worker);
"warm" is a repeat preview (the product's mockup photo, a shopper editing their text).
Goal: pipeline ≤ 0.25 × naive.
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import platform
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.report import Row, median_ms, paired_median_ms
from chalicelib import fonts
from chalicelib.domain.imaging import verify_image_bytes
from chalicelib.domain.personalization import ImageInfo, ZoneInput, validate_inputs
from chalicelib.domain.spec import build_spec
from chalicelib.domain.zone import ProductDoc
from chalicelib.scene.build import build_scene, clear_verified_cache
from chalicelib.scene.model import Scene
from chalicelib.scene.raster import CairoRasterizer, ResvgRasterizer
from chalicelib.scene.render import PreviewOptions, preview_size, render_preview
from chalicelib.scene.svg import clear_image_cache, to_svg

RESULTS = Path(__file__).resolve().parent / "results" / "render.json"
GOAL = 0.25


class _Resources:
    def __init__(self, images: dict[str, bytes]) -> None:
        self.images = images

    def font(self, font_id: str, sha256: str) -> fonts.LoadedFont:
        return fonts.get_font(font_id)

    def image(self, asset_id: str, sha256: str) -> bytes:
        return self.images[asset_id]

    def base_image(self, asset_id: str) -> bytes:
        return self.images[asset_id]


class _Catalog:
    profanity_allow: tuple[str, ...] = ()
    profanity_deny: tuple[str, ...] = ()

    def __init__(self, infos: dict[str, ImageInfo]) -> None:
        self.infos = infos

    def font(self, font_id: str) -> fonts.LoadedFont:
        return fonts.get_font(font_id)

    def image(self, asset_id: str) -> ImageInfo:
        return self.infos[asset_id]


def _photo(width: int, height: int) -> bytes:
    """A photo-like image (gradients plus blurred grain), verified like an upload."""
    from PIL import Image, ImageChops, ImageFilter

    gradient = Image.linear_gradient("L").resize((width, height))
    grain = Image.effect_noise((width, height), 24).filter(ImageFilter.GaussianBlur(1.5))
    texture = ImageChops.add(gradient, grain, scale=2.0)
    flipped = gradient.transpose(Image.Transpose.ROTATE_180)
    image = Image.merge("RGB", (texture, grain, flipped))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return verify_image_bytes(out.getvalue())[1]


def _zones() -> list[dict[str, Any]]:
    text = {"kind": "text", "max_chars": 40, "max_lines": 2, "charset": ["latin"]}
    return [
        {**text, "id": "name", "name": "Name", "x_mm": 10, "y_mm": 20, "width_mm": 100,
         "height_mm": 24, "rotation_deg": -6, "max_size_mm": 14, "colors": ["#1A3C8B"]},
        {"id": "photo", "name": "Photo", "kind": "image", "x_mm": 70, "y_mm": 48,
         "width_mm": 40, "height_mm": 30, "rotation_deg": 8, "min_dpi": 0},
        {"id": "cord", "name": "Cord", "kind": "color", "x_mm": 10, "y_mm": 52, "width_mm": 40,
         "height_mm": 20, "colors": ["#C81E1E"]},
    ]  # fmt: skip


def scenes() -> dict[str, Callable[[], Scene]]:
    """Scene builders: a text-only mug, and a mug mockup with a photo, a colour, a base image."""
    images = {"img_photo": _photo(1600, 1200), "img_base": _photo(2400, 1600)}
    infos: dict[str, ImageInfo] = {}
    for asset_id, png in images.items():
        facts = verify_image_bytes(png)[0]
        infos[asset_id] = ImageInfo("png", facts.width_px, facts.height_px, len(png), facts.sha256)
    built: dict[str, Callable[[], Scene]] = {}
    for name, zones, base in (
        ("text", _zones()[:1], None),
        ("mockup", _zones(), "img_base"),
    ):
        doc = ProductDoc.model_validate(
            {"name": "Mug", "sku": "MUG-1", "width_mm": 120, "height_mm": 80, "zones": zones,
             "base_image_asset_id": base}
        )  # fmt: skip
        inputs = {
            "name": ZoneInput(text="Happy Birthday,\nAVA!"),
            "photo": ZoneInput(asset_id="img_photo"),
            "cord": ZoneInput(color="#C81E1E"),
        }
        result = validate_inputs(doc, {z["id"]: inputs[z["id"]] for z in zones}, _Catalog(infos))
        assert result.valid, result.errors
        spec = build_spec("prd_bench", 1, doc, result)
        built[name] = functools.partial(build_scene, spec, doc, _Resources(images), mockup=True)
    return built


def measure(build: Callable[[], Scene], long_side: int, runs: int) -> dict[str, float]:
    import cairosvg  # type: ignore[import-untyped]

    def build_cold() -> Scene:
        clear_verified_cache()
        return build()

    build_ms = {
        "build_cold_ms": median_ms(build_cold, runs)[0],
        "build_warm_ms": median_ms(build, runs)[0],
    }
    scene = build()
    options = PreviewOptions(long_side_px=long_side, format="jpeg")
    width, height = preview_size(scene, long_side)
    svg = to_svg(scene, background="#FFFFFF", size_px=(width, height))
    cairo, resvg = CairoRasterizer(), ResvgRasterizer()

    def cold() -> object:
        clear_image_cache()
        return render_preview(scene, options, cairo)

    warm_ms, naive_ms = paired_median_ms(
        lambda: render_preview(scene, options, cairo),
        lambda: cairosvg.svg2png(bytestring=svg.encode(), output_width=width),
        runs,
    )
    row: dict[str, float] = {
        "pipeline_cairo_warm_ms": warm_ms,
        "pipeline_cairo_cold_ms": median_ms(cold, runs)[0],
        "pipeline_resvg_warm_ms": median_ms(lambda: render_preview(scene, options, resvg), runs)[0],
        "naive_svg2png_ms": naive_ms,
        **build_ms,
        "svg_bytes": len(svg),
        "width_px": width,
        "height_px": height,
    }
    for key in ("cairo_warm", "cairo_cold", "resvg_warm"):
        row[f"ratio_{key}"] = row[f"pipeline_{key}_ms"] / row["naive_svg2png_ms"]
    return row


def rows(runs: int, long_side: int = 1000) -> list[Row]:
    """The runner's rows: each scene warm, the mockup also with a never-seen photo."""
    measured = {name: measure(build, long_side, runs) for name, build in scenes().items()}
    vs = "cairosvg.svg2png of the same SVG"
    out = [
        Row(f"preview render, {name} scene ({long_side} px, warm)", r["pipeline_cairo_warm_ms"],
            r["naive_svg2png_ms"], "ms", vs)
        for name, r in measured.items()
    ]  # fmt: skip
    mockup = measured["mockup"]
    out.append(
        Row("preview render, mockup scene (photo never seen)", mockup["pipeline_cairo_cold_ms"],
            mockup["naive_svg2png_ms"], "ms", vs)
    )  # fmt: skip
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--long-side", type=int, default=1000)
    args = parser.parse_args(argv)
    rows = {name: measure(build, args.long_side, args.runs) for name, build in scenes().items()}
    print(f"preview, long side {args.long_side} px, median of {args.runs} runs (goal ≤ {GOAL}×)")
    header = ("scene", "size", "warm", "cold", "resvg", "svg2png", "warm/naive", "cold/naive")
    print("{:<8} {:>9} {:>9} {:>9} {:>9} {:>9} {:>11} {:>11}".format(*header))
    for name, r in rows.items():
        print(
            f"{name:<8} {r['width_px']:>4}x{r['height_px']:<4} "
            f"{r['pipeline_cairo_warm_ms']:>7.1f}ms {r['pipeline_cairo_cold_ms']:>7.1f}ms "
            f"{r['pipeline_resvg_warm_ms']:>7.1f}ms {r['naive_svg2png_ms']:>7.1f}ms "
            f"{r['ratio_cairo_warm']:>10.2f}× {r['ratio_cairo_cold']:>10.2f}×"
        )
    print("scene build (spec -> scene, not in the ratio): cold (image verified) / warm (cached)")
    for name, r in rows.items():
        print(f"{name:<8} {r['build_cold_ms']:>8.1f}ms / {r['build_warm_ms']:.1f}ms")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "long_side_px": args.long_side,
        "runs": args.runs,
        "goal_ratio": GOAL,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "scenes": rows,
    }
    RESULTS.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
