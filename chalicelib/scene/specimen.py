"""Font specimens for pickers: the family name drawn as outlines in a tiny standalone SVG.

The widget shows fonts without downloading them and without the browser ever shaping text, so
what the shopper picks from is drawn by the same layout and outline code as the production file.
"""

from __future__ import annotations

from functools import lru_cache

from chalicelib.fonts import LoadedFont

SPECIMEN_HEIGHT_MM = 10.0


def specimen_svg(font: LoadedFont, text: str) -> str:
    return _specimen(font.sha256, font, text)


@lru_cache(maxsize=256)
def _specimen(sha256: str, font: LoadedFont, text: str) -> str:
    from chalicelib.domain.layout import LayoutOptions, layout_text
    from chalicelib.scene.outline import outline_layout, to_svg_path_d

    size = SPECIMEN_HEIGHT_MM * 0.7
    wide = LayoutOptions(width_mm=1000.0, height_mm=SPECIMEN_HEIGHT_MM, align="left")
    measured = layout_text(text, font, size, wide)
    width = round(max(measured.width_mm, 1.0) + 1.0, 3)
    layout = layout_text(
        text,
        font,
        size,
        LayoutOptions(width_mm=width, height_mm=SPECIMEN_HEIGHT_MM, align="center"),
    )
    d = to_svg_path_d(outline_layout(layout, font), decimals=2)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {SPECIMEN_HEIGHT_MM}" '
        f'width="{width}mm" height="{SPECIMEN_HEIGHT_MM}mm"><path d="{d}"/></svg>'
    )
