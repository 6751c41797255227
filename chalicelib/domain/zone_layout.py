"""How a text zone's text is set: the layout engine of a spec version, options and auto-fit.

Validation, auto-fit and the scene builder all come here, so they set text the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chalicelib.domain.features import resolve_features
from chalicelib.domain.layout import Layout, LayoutOptions, fit_text
from chalicelib.domain.lines import Shaping
from chalicelib.domain.zone import TextZone
from chalicelib.fonts import LoadedFont

# Specs of version 1 were laid out one glyph per character with pair kerning; version 2 shapes
# with HarfBuzz. New validations lay out for the latest version; a stored spec keeps its own.
LATEST_SPEC_VERSION = 2


def zone_shaping(zone: TextZone, spec_version: int, chosen: Sequence[str] = ()) -> Shaping | None:
    """HarfBuzz shaping for version 2 and later (direction, the zone's features and the
    shopper's chosen options), None (the version 1 engine) before."""
    if spec_version < 2:
        return None
    features = resolve_features(zone.features, zone.feature_choices, chosen)
    return Shaping(direction=zone.direction, features=features)


def zone_layout_options(zone: TextZone, shaping: Shaping | None = None) -> LayoutOptions:
    """How text is set in this zone; validation and the renderers share it so they agree."""
    return LayoutOptions(
        width_mm=zone.width_mm,
        height_mm=zone.height_mm,
        align=zone.align,
        valign=zone.valign,
        wrap=zone.wrap,
        max_lines=zone.max_lines,
        shaping=shaping,
        path=zone.path,
    )


def fit_zone(
    zone: TextZone, text: str, font: LoadedFont, size: float | None, shaping: Shaping | None
) -> Layout:
    return fit_text(
        text,
        font,
        zone_layout_options(zone, shaping),
        min_size_mm=zone.min_size_mm,
        max_size_mm=zone.max_size_mm,
        size_mm=size or zone.size_mm,
        fit=zone.fit,
    )


def layout_summary(layout: Layout) -> dict[str, Any]:
    return {
        "font_size_mm": layout.font_size_mm,
        "lines": [line.text for line in layout.lines],
        "width_mm": layout.width_mm,
        "height_mm": layout.height_mm,
        "fits": layout.fits,
        "problems": list(layout.problems),
    }
