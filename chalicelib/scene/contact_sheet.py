"""Every side of a product in one image, labelled: the "all sides" preview and the job sheet's
thumbnail of a product with several sides.

Each side is the very picture :func:`chalicelib.scene.render.render_preview` encodes for it
(:func:`~chalicelib.scene.render.preview_picture`, with whatever look the material gives it),
at one common scale, so a small lid next to a large box looks small; the sides sit left to right
in product order on white, each with its name under it in the bundled Lato. Pillow composes and
labels; the labels are pixels of a picture, never part of a machine file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from chalicelib import fonts
from chalicelib.domain.render_options import PreviewOptions
from chalicelib.scene.render import Output, check_deadline, check_pixels, preview_picture

if TYPE_CHECKING:
    from PIL.ImageFont import FreeTypeFont

    from chalicelib.scene.model import Scene
    from chalicelib.scene.raster import Rasterizer

MIN_SIDE_PX = 64  # the smallest side in a sheet stays readable
_LABEL_FONT = "lato-bold"
_INK = (30, 30, 30)


def contact_sheet(
    scenes: Sequence[Scene],
    names: Sequence[str],
    options: PreviewOptions,
    rasterizer: Rasterizer | None = None,
    *,
    deadline: float | None = None,
) -> Output:
    """The sides side by side, each labelled with its name; ``options.long_side_px`` is the
    long side of the largest side, so each side keeps the resolution of its own preview."""
    from PIL import Image as PILImage
    from PIL import ImageDraw

    largest = max(max(s.width_mm, s.height_mm) for s in scenes)
    px_per_mm = options.long_side_px / largest
    gap = max(8, round(options.long_side_px * 0.04))
    label_px = max(12, round(options.long_side_px * 0.045))
    tiles = []
    for scene in scenes:
        long_side = max(MIN_SIDE_PX, round(max(scene.width_mm, scene.height_mm) * px_per_mm))
        check_deadline(deadline, "raster")
        tile = preview_picture(
            scene,
            PreviewOptions(long_side_px=min(long_side, 2048), format="png"),
            rasterizer,
            deadline=deadline,
        )
        tiles.append(tile.convert("RGB"))
    width = sum(t.width for t in tiles) + gap * (len(tiles) + 1)
    height = max(t.height for t in tiles) + 3 * gap + label_px
    check_pixels(width, height)
    sheet = PILImage.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    font = _label_font(label_px)
    x, label_top = gap, gap * 2 + max(t.height for t in tiles)
    for tile, name in zip(tiles, names, strict=True):
        sheet.paste(tile, (x, gap))
        draw.text(
            (x + tile.width / 2, label_top),
            name,
            fill=_INK,
            font=font,
            anchor="mt",
        )
        x += tile.width + gap
    check_deadline(deadline, "compose")
    from chalicelib.scene.raster import CONTENT_TYPES, PREVIEW_PNG_LEVEL, encode

    data = encode(sheet, options.format, transparent=False, compress_level=PREVIEW_PNG_LEVEL)
    extension = "jpg" if options.format == "jpeg" else options.format
    digest = hashlib.sha256(data).hexdigest()
    return Output(data, CONTENT_TYPES[options.format], width, height, digest, extension)


def _label_font(size_px: int) -> FreeTypeFont:
    from PIL import ImageFont

    return ImageFont.truetype(str(fonts.font_info(_LABEL_FONT).path), size_px)
