"""Helpers shared by several test modules (from tests.unit.test_scripts)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from chalicelib.domain.personalization import ImageInfo
from chalicelib.domain.zone import ProductDoc
from chalicelib.errors import NotFound
from chalicelib.fonts import LoadedFont

DEBIAN_FONTS = {
    "amiri": Path("/usr/share/fonts/opentype/fonts-hosny-amiri/Amiri-Regular.ttf"),
    "david": Path("/usr/share/fonts/truetype/culmus/DavidCLM-Medium.otf"),
    "lohit": Path("/usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf"),
    "kaushan": Path("/usr/share/fonts/opentype/kaushanscript/KaushanScript-Regular.otf"),
}


@functools.cache
def debian_font(font_id: str) -> LoadedFont:
    return LoadedFont.from_path(DEBIAN_FONTS[font_id], font_id)


class BrandFonts:
    """Catalog and scene resources serving the Debian fonts as a brand's uploaded fonts."""

    profanity_allow: tuple[str, ...] = ()
    profanity_deny: tuple[str, ...] = ()

    def font(self, font_id: str, sha256: str = "") -> LoadedFont:
        if font_id not in DEBIAN_FONTS:
            raise NotFound("no such font", code="font.unknown")
        return debian_font(font_id)

    def image(self, asset_id: str, sha256: str = "") -> ImageInfo:
        raise NotFound("no images here", code="asset.not_found")

    def base_image(self, asset_id: str) -> bytes:
        raise NotFound("no images here", code="asset.not_found")


def name_zone(**changes: Any) -> dict[str, Any]:
    return {
        "id": "name",
        "name": "Name",
        "kind": "text",
        "process": "engrave",
        "x_mm": 10,
        "y_mm": 10,
        "width_mm": 120,
        "height_mm": 40,
        "max_chars": 20,
        "min_size_mm": 4,
        "max_size_mm": 20,
        "fonts": list(DEBIAN_FONTS),
        "charset": ["latin", "arabic", "hebrew", "devanagari"],
        "profanity": "off",
        **changes,
    }


def pendant(**changes: Any) -> ProductDoc:
    return ProductDoc.model_validate(
        {
            "name": "Pendant",
            "sku": "P-1",
            "width_mm": 140,
            "height_mm": 60,
            "zones": [name_zone(**changes)],
        }
    )
