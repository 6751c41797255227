"""Font specimens for pickers: a sample drawn as outlines in a tiny standalone SVG.

The widget shows fonts without downloading them and without the browser ever shaping text, so
what the shopper picks from is drawn by the same layout and outline code as the production file
(HarfBuzz shaping, as new specs use). The sample is the family name, or a short name in the
script a zone allows when the font draws it (an Arabic font is shown joined, in Arabic).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from chalicelib.fonts import LoadedFont, missing_characters

SPECIMEN_HEIGHT_MM = 10.0
# A short name per script charset, shown when a zone offering the font allows that script.
SCRIPT_SAMPLES = {"arabic": "أحمد", "hebrew": "נועה", "devanagari": "प्रिया"}


def specimen_text(font: LoadedFont, family: str, charsets: Iterable[str]) -> str:
    """The first script sample the zones allow and the font draws, else the family name."""
    for name in charsets:
        sample = SCRIPT_SAMPLES.get(name)
        if sample and not missing_characters(font, sample):
            return sample
    return family


def specimen_svg(font: LoadedFont, text: str) -> str:
    return _specimen(font.sha256, font, text)


@lru_cache(maxsize=256)
def _specimen(sha256: str, font: LoadedFont, text: str) -> str:
    from chalicelib.domain.layout import LayoutOptions, layout_text
    from chalicelib.domain.lines import Shaping
    from chalicelib.scene.outline import outline_layout, to_svg_path_d

    size = SPECIMEN_HEIGHT_MM * 0.7
    shaping = Shaping()
    wide = LayoutOptions(1000.0, SPECIMEN_HEIGHT_MM, align="left", shaping=shaping)
    measured = layout_text(text, font, size, wide)
    width = round(max(measured.width_mm, 1.0) + 1.0, 3)
    layout = layout_text(
        text,
        font,
        size,
        LayoutOptions(width, SPECIMEN_HEIGHT_MM, align="center", shaping=shaping),
    )
    d = to_svg_path_d(outline_layout(layout, font), decimals=2)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {SPECIMEN_HEIGHT_MM}" '
        f'width="{width}mm" height="{SPECIMEN_HEIGHT_MM}mm"><path d="{d}"/></svg>'
    )
