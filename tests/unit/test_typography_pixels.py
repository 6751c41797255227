"""The production geometry of a shaped name, drawn to pixels, is what HarfBuzz itself draws.

For each script the name goes shopper input → version 2 spec → scene → the pack's DXF; the DXF's
closed polylines are filled (nonzero winding, as fonts fill) and compared with Debian's
``hb-view`` rendering of the same string with the same font file, both at one em = 240 px,
cropped to their ink and aligned (best of a few pixels' shift, for rounding of the baseline).
Intersection over union must be high; the version 1 engine (one glyph per
character, no shaping) on the same Arabic name must score far lower, which shows the comparison
can tell shaped from unshaped text (the reference notes ~11 % overlap for unshaped محمد).

Debian's hb-view (HarfBuzz 6.0, cairo) draws nothing higher than one em above the baseline:
Amiri's damma (outline up to 1149 units of 1000, as fontTools, FreeType and HarfBuzz's own
extents all say, at dy 0 in hb-shape) comes out cut at exactly 1000 units whatever the font
extents or margin. Both masks are therefore compared below that line.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw

from chalicelib.domain.personalization import ZoneInput, validate_inputs
from chalicelib.domain.profile import BUILTIN
from chalicelib.domain.spec import build_spec
from chalicelib.scene.build import build_scene
from chalicelib.scene.dxf import to_dxf
from tests.support.dxf import points, polylines, read
from tests.support.scripts import DEBIAN_FONTS, BrandFonts, pendant

SHIFT_PX = 3
PX_PER_MM = 12
SIZE_MM = 20  # so one em is 240 px in both images
EM_PX = SIZE_MM * PX_PER_MM
HB_BASELINE = 600  # hb-view's --font-extents ascent is in pixels: the baseline's row


def dxf_mask(text: str, font: str, spec_version: int = 2) -> np.ndarray[Any, Any]:
    doc = pendant(fit="none", default_size_mm=SIZE_MM)
    inputs = {"name": ZoneInput(text=text, font=font)}
    result = validate_inputs(doc, inputs, BrandFonts(), spec_version=spec_version)
    assert result.valid, result.errors
    scene = build_scene(build_spec("prd_px", 1, doc, result), doc, BrandFonts(), mockup=False)
    drawing = read(to_dxf(scene, BUILTIN["laser-default"]))
    size = (int(scene.width_mm * PX_PER_MM), int(scene.height_mm * PX_PER_MM))
    winding = np.zeros((size[1], size[0]), dtype=np.int32)
    for entity in polylines(drawing):
        ring = points(entity)
        closing = zip(ring, [*ring[1:], ring[0]], strict=True)
        area = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in closing)
        layer = Image.new("L", size, 0)
        scaled = [(x * PX_PER_MM, (scene.height_mm - y) * PX_PER_MM) for x, y in ring]
        ImageDraw.Draw(layer).polygon(scaled, fill=1)
        winding += np.asarray(layer, dtype=np.int32) * (1 if area > 0 else -1)
    zone = doc.zones[0]
    baseline = (zone.y_mm + result.layouts["name"].lines[0].baseline_mm) * PX_PER_MM
    return normalized(below_one_em(winding != 0, round(baseline)))


def hb_view_mask(text: str, font: str, tmp: Path, *args: str) -> np.ndarray[Any, Any]:
    out = tmp / "hb.png"
    subprocess.run(
        [
            *("hb-view", str(DEBIAN_FONTS[font]), text, "-O", "png", "-o", str(out)),
            *(f"--font-size={EM_PX}", "--margin=0", f"--font-extents={HB_BASELINE},300,0"),
            *args,
        ],
        check=True,
        capture_output=True,
    )
    image = Image.open(out).convert("L")
    return normalized(below_one_em(np.asarray(image) < 128, HB_BASELINE))


def below_one_em(mask: np.ndarray[Any, Any], baseline_row: int) -> np.ndarray[Any, Any]:
    clipped = mask.copy()
    clipped[: max(0, baseline_row - EM_PX)] = False
    return clipped


def normalized(mask: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Crop to the ink, so placement on the page drops out (the scale is the same)."""
    rows, cols = np.nonzero(mask)
    assert rows.size, "nothing was drawn"
    return mask[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]


def iou(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any]) -> float:
    """Best intersection over union over shifts of up to :data:`SHIFT_PX` pixels."""
    height = max(a.shape[0], b.shape[0]) + 2 * SHIFT_PX
    width = max(a.shape[1], b.shape[1]) + 2 * SHIFT_PX
    fixed = np.zeros((height, width), dtype=bool)
    fixed[SHIFT_PX : SHIFT_PX + a.shape[0], SHIFT_PX : SHIFT_PX + a.shape[1]] = a
    best = 0.0
    for dy in range(2 * SHIFT_PX + 1):
        for dx in range(2 * SHIFT_PX + 1):
            moved = np.zeros_like(fixed)
            moved[dy : dy + b.shape[0], dx : dx + b.shape[1]] = b
            best = max(best, float((fixed & moved).sum() / (fixed | moved).sum()))
    return best


CASES = [
    ("محمد", "amiri", ("--direction=rtl", "--script=Arab", "--language=ar")),
    ("عَبْدُ اللّٰه", "amiri", ("--direction=rtl", "--script=Arab", "--language=ar")),
    ("שָׁלוֹם", "david", ("--direction=rtl", "--script=Hebr", "--language=he")),
    ("क्षत्रिय किशोर", "lohit", ("--direction=ltr", "--script=Deva", "--language=hi")),
    ("Office", "kaushan", ("--direction=ltr", "--script=Latn", "--language=en")),
]


@pytest.mark.parametrize(("text", "font", "args"), CASES, ids=[c[1] for c in CASES])
def test_pack_geometry_matches_hb_view(
    text: str, font: str, args: tuple[str, ...], tmp_path: Path
) -> None:
    score = iou(dxf_mask(text, font), hb_view_mask(text, font, tmp_path, *args))
    assert score > 0.9, f"{text}: ink overlap {score:.3f}"


def test_the_unshaped_version_1_engine_fails_the_same_comparison(tmp_path: Path) -> None:
    reference = hb_view_mask("محمد", "amiri", tmp_path, *CASES[0][2])
    shaped = iou(dxf_mask("محمد", "amiri"), reference)
    unshaped = iou(dxf_mask("محمد", "amiri", spec_version=1), reference)
    assert unshaped < 0.5 < 0.9 < shaped, (unshaped, shaped)
