"""The framed picture of a photo: quarter turns, then the crop window with the fine angle.

One resampling (an affine transform, bicubic) draws the window straight from the turned photo
at its own pixel size, so framing costs no sharpness before the zone's fit and the output's
resolution resample it once more. The adjustments a zone allows (greyscale, brightness,
contrast) then apply to the framed picture. The geometry (and its validation) is
:mod:`chalicelib.domain.framing`; this module only draws it. Recent results are kept: a
shopper's photo recurs across previews while they edit other zones.
"""

from __future__ import annotations

import functools
import io
import math
from typing import TYPE_CHECKING

from chalicelib.domain.framing import Framing, ImageAdjust, framed_pixels, window_px

if TYPE_CHECKING:
    from PIL.Image import Image

# Quarter turns clockwise, as Pillow's transposes (its ROTATE_90 turns counter-clockwise).
_TURNS = {1: "ROTATE_270", 2: "ROTATE_180", 3: "ROTATE_90"}


def framed_png(png: bytes, framing: Framing) -> bytes:
    """``png`` (a verified upload) framed as the spec says, as a PNG of the window's pixels."""
    return _framed(png, framing.model_dump_json())


@functools.lru_cache(maxsize=4)
def _framed(png: bytes, framing_json: str) -> bytes:
    from PIL import Image as PILImage

    framing = Framing.model_validate_json(framing_json)
    with PILImage.open(io.BytesIO(png), formats=["PNG"]) as source:
        source.load()
        width, height = source.size
        image: Image = source
        if framing.quarter_turns:
            image = source.transpose(PILImage.Transpose[_TURNS[framing.quarter_turns]])
    x, y, w, h = window_px(framing, width, height)
    size = framed_pixels(framing, width, height)
    sx, sy = w / size[0], h / size[1]
    cx, cy = x + w / 2, y + h / 2
    theta = math.radians(framing.angle_deg)
    cos, sin = math.cos(theta), math.sin(theta)
    # Output pixel (u, v) is window point (x + sx·u, y + sy·v); the photo under it is that
    # point turned back by the fine angle about the window's centre.
    matrix = (
        cos * sx,
        sin * sy,
        cx + cos * (x - cx) + sin * (y - cy),
        -sin * sx,
        cos * sy,
        cy - sin * (x - cx) + cos * (y - cy),
    )
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA")
    white = (255,) * len(image.getbands())
    framed = image.transform(
        size, PILImage.Transform.AFFINE, matrix, PILImage.Resampling.BICUBIC, fillcolor=white
    )
    out = io.BytesIO()
    framed.save(out, format="PNG", compress_level=1, optimize=False)
    return out.getvalue()


def adjusted_png(png: bytes, adjust: ImageAdjust) -> bytes:
    """``png`` with the shopper's greyscale, brightness and contrast (brightness blends
    towards black or white, contrast is Pillow's, about the image's mean grey)."""
    return _adjusted(png, adjust.model_dump_json())


@functools.lru_cache(maxsize=4)
def _adjusted(png: bytes, adjust_json: str) -> bytes:
    from PIL import Image as PILImage
    from PIL import ImageEnhance, ImageOps

    adjust = ImageAdjust.model_validate_json(adjust_json)
    with PILImage.open(io.BytesIO(png), formats=["PNG"]) as source:
        source.load()
        image: Image = source.convert("RGBA" if "A" in source.getbands() else "RGB")
    alpha = image.getchannel("A") if image.mode == "RGBA" else None
    rgb = image.convert("RGB")
    if adjust.greyscale:
        rgb = ImageOps.grayscale(rgb).convert("RGB")
    if adjust.brightness:
        end = PILImage.new("RGB", rgb.size, "white" if adjust.brightness > 0 else "black")
        rgb = PILImage.blend(rgb, end, abs(adjust.brightness))
    if adjust.contrast != 1.0:
        rgb = ImageEnhance.Contrast(rgb).enhance(adjust.contrast)
    if alpha is not None:
        rgb.putalpha(alpha)
    out = io.BytesIO()
    rgb.save(out, format="PNG", compress_level=1, optimize=False)
    return out.getvalue()
