"""Helpers shared by several test modules (from tests.unit.test_shaping)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

KAUSHAN = Path("/usr/share/fonts/opentype/kaushanscript/KaushanScript-Regular.otf")


def hb_shape(path: Path, text: str, *args: str) -> list[tuple[int, int, int]]:
    """(glyph id, pen x + x offset, y offset) per glyph, as Debian's hb-shape prints them."""
    out = subprocess.run(
        ["hb-shape", str(path), text, "--output-format=json", "--no-glyph-names", *args],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pen, glyphs = 0, []
    for g in json.loads(out):
        glyphs.append((g["g"], pen + g["dx"], g["dy"]))
        pen += g["ax"]
    return glyphs
