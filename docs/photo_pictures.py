"""Draw the photo-engraving picture of the rendering page: a grey ramp through every method.

    .venv/bin/python docs/photo_pictures.py docs/

``photo-dither-ramp.png``: the ramp (white to black, left to right) on top, then the 1-bit
output of each method of ``chalicelib/scene/dither.py`` on the same ramp, each labelled,
enlarged 2× with nearest-neighbour so single dots stay visible.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from chalicelib.scene.dither import METHODS, dither

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
WIDTH, ROW, LABEL, SCALE = 360, 28, 150, 2


def ramp_picture() -> Image.Image:
    grey = np.tile(np.linspace(1.0, 0.0, WIDTH), (ROW, 1))
    rows = [("grey ramp", Image.fromarray(np.rint(grey * 255).astype(np.uint8), "L"))]
    for method in METHODS:
        bits = dither(grey, method, dpi=254, lpi=40, angle_deg=45)
        rows.append((method.replace("_", "-"), Image.fromarray(bits).convert("L")))
    font = ImageFont.truetype(FONT, 13)
    height = len(rows) * (ROW * SCALE + 6) + 6
    sheet = Image.new("L", (LABEL + WIDTH * SCALE + 8, height), 255)
    draw = ImageDraw.Draw(sheet)
    for i, (name, strip) in enumerate(rows):
        y = 6 + i * (ROW * SCALE + 6)
        draw.text((6, y + ROW * SCALE // 2 - 8), name, fill=0, font=font)
        sheet.paste(
            strip.resize((WIDTH * SCALE, ROW * SCALE), Image.Resampling.NEAREST), (LABEL, y)
        )
    return sheet


def main(out: Path) -> None:
    ramp_picture().save(out / "photo-dither-ramp.png", optimize=True)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs"))
