"""Helpers shared by several test modules (from tests.unit.test_personalization)."""

from __future__ import annotations

from chalicelib import fonts
from chalicelib.domain.personalization import (
    ImageInfo,
)
from chalicelib.errors import NotFound


class FakeCatalog:
    def __init__(
        self,
        images: dict[str, ImageInfo] | None = None,
        deny: tuple[str, ...] = (),
        allow: tuple[str, ...] = (),
    ) -> None:
        self.images = images or {}
        self.profanity_allow = allow
        self.profanity_deny = deny

    def font(self, font_id: str) -> fonts.LoadedFont:
        return fonts.get_font(font_id)

    def image(self, asset_id: str) -> ImageInfo:
        if asset_id not in self.images:
            raise NotFound("no", code="asset.not_found")
        return self.images[asset_id]


NAME = {
    "id": "name",
    "name": "Name",
    "kind": "text",
    "x_mm": 10,
    "y_mm": 10,
    "width_mm": 120,
    "height_mm": 30,
    "max_chars": 20,
    "min_size_mm": 4,
    "max_size_mm": 20,
    "fonts": ["lato-regular", "caladea-regular"],
    "colors": ["#000000", "#C0C0C0"],
    "required": True,
}


CORD = {
    "id": "cord",
    "name": "Cord",
    "kind": "color",
    "x_mm": 0,
    "y_mm": 150,
    "width_mm": 10,
    "height_mm": 10,
    "colors": ["#FF0000", "#0000FF"],
}
