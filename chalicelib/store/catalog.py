"""The brand's view of fonts, images and words, as personalization validation needs it."""

from __future__ import annotations

from chalicelib import fonts
from chalicelib.domain.personalization import ImageInfo
from chalicelib.fonts import LoadedFont
from chalicelib.store import assets, brands


class BrandCatalog:
    """Implements ``personalization.Catalog`` for one brand; every lookup is brand-scoped."""

    def __init__(self, brand_id: str) -> None:
        self.brand_id = brand_id
        brand = brands.get_brand(brand_id)
        self.profanity_allow = brand.profanity_allow
        self.profanity_deny = brand.profanity_deny

    def font(self, font_id: str) -> LoadedFont:
        return assets.load_font(self.brand_id, font_id)

    def image(self, asset_id: str) -> ImageInfo:
        asset = assets.get_ready_image(self.brand_id, asset_id)
        facts = asset.facts
        return ImageInfo(
            format=str(facts["format"]),
            width_px=int(facts["width_px"]),
            height_px=int(facts["height_px"]),
            bytes=int(facts["bytes"]),
            sha256=str(facts["sha256"]),
        )


def known_font_ids(brand_id: str) -> set[str]:
    """Fonts a brand may name in a zone: the bundled set and its own verified uploads."""
    bundled = {info.font_id for info in fonts.list_fonts()}
    return bundled | {a.asset_id for a in assets.brand_fonts(brand_id)}
