"""Dithering an 80 × 80 mm photo at 254 DPI (800 × 800 px), warm, per method, next to Pillow.

Run: ``.venv/bin/python -m bench.dither_bench [--runs N]``. Prints a table and writes
``bench/results/dither.json``. The baseline is Pillow's own Floyd–Steinberg
(``Image.convert("1")``, C code, one method only), timed in the same run on the same pixels:
it is the floor a compiled scan reaches, and our numpy wavefront scan should stay within a
small multiple of it. Goal (issue 21): ≤ 150 ms per error-diffusion method on this image.
"""

from __future__ import annotations

import argparse
import functools
import json
import platform
from pathlib import Path

import numpy as np

from bench.report import Row, machine, paired_median_ms, table
from chalicelib.scene.dither import METHODS, dither

RESULTS = Path(__file__).resolve().parent / "results" / "dither.json"
SIDE_PX = 800  # 80 mm at 254 DPI
GOAL_MS = 150.0
ERROR_DIFFUSION = ("floyd_steinberg", "jarvis", "stucki", "atkinson")


def photo_grey(side: int = SIDE_PX) -> np.ndarray:
    """A photo-like grey image: a diagonal gradient, a soft blob and fine grain (seeded)."""
    ys, xs = np.mgrid[0:side, 0:side] / side
    blob = np.exp(-((xs - 0.6) ** 2 + (ys - 0.4) ** 2) / 0.05)
    grain = np.random.default_rng(21).normal(0.0, 0.04, (side, side))
    grey: np.ndarray = np.clip(0.15 + 0.5 * (xs + ys) / 2 + 0.35 * blob + grain, 0.0, 1.0)
    return grey


def rows(runs: int) -> list[Row]:
    """Each method against Pillow's ``convert("1")`` of the same pixels, measured in turn."""
    from PIL import Image

    grey = photo_grey()
    image = Image.fromarray(np.rint(grey * 255).astype(np.uint8), mode="L")
    out = []
    for method in METHODS:
        ours, pillow = paired_median_ms(
            functools.partial(dither, grey, method), functools.partial(image.convert, "1"), runs
        )
        goal = f"; goal ≤ {GOAL_MS:.0f} ms" if method in ERROR_DIFFUSION else ""
        out.append(Row(f"dither 800×800 px: {method}", ours, pillow, "ms",
                       f"Pillow convert('1') (C Floyd–Steinberg){goal}"))  # fmt: skip
    for method in ERROR_DIFFUSION:  # the opt-in serpentine scan: a Python step per pixel
        ours, pillow = paired_median_ms(
            functools.partial(dither, grey, method, serpentine=True),  # type: ignore[arg-type]
            functools.partial(image.convert, "1"),
            runs,
        )
        out.append(Row(f"dither 800×800 px: {method}, serpentine", ours, pillow, "ms",
                       "Pillow convert('1'); opt-in, no goal (sequential scan)"))  # fmt: skip
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    measured = rows(args.runs)
    print(table(measured))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "side_px": SIDE_PX,
        "runs": args.runs,
        "goal_ms": GOAL_MS,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "machine": machine(),
        "rows": [r.as_json() for r in measured],
    }
    RESULTS.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
