"""Helpers shared by several test modules (from tests.unit.test_cut_geometry)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from chalicelib.domain.layout import layout_text
from chalicelib.domain.zone import TextZone
from chalicelib.domain.zone_layout import zone_layout_options
from chalicelib.fonts import LoadedFont
from chalicelib.scene.build import text_item
from chalicelib.scene.model import TextItem

DANCING = Path("/usr/share/fonts/opentype/dancingscript/DancingScript-Regular.otf")


def script_item(text: str, size_mm: float = 10.0, angle_deg: float = 0.0, **cut: Any) -> TextItem:
    """``text`` in Dancing Script in a 200 × 40 mm cut zone at the artboard's top-left corner,
    turned by ``angle_deg`` about its centre (100, 20), with ``cut`` options."""
    if not DANCING.exists():
        pytest.skip("Debian's fonts-dancingscript is not installed (make test installs it)")
    font = LoadedFont.from_path(DANCING, "dancing-script")
    zone = script_zone(angle_deg, **cut)
    layout = layout_text(text, font, size_mm, zone_layout_options(zone))
    return text_item(zone, layout, font, "#000000")


def script_zone(angle_deg: float = 0.0, **cut: Any) -> TextZone:
    return TextZone.model_validate(
        {
            "id": "name",
            "name": "Name",
            "kind": "text",
            "x_mm": 0,
            "y_mm": 0,
            "width_mm": 200,
            "height_mm": 40,
            "rotation_deg": angle_deg,
            "process": "cut",
            "fonts": ["dancing-script"],
            "max_size_mm": 40,
            "cut": cut or None,
        }
    )
