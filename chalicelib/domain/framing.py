"""Shopper framing of a photo in an image zone: quarter turns, a fine angle, and a crop window.

The spec records framing as data beside the image's sha256, never as new pixels: the stored
upload stays the one file, and every render derives the framed picture from it the same way.
Coordinates, in the order they apply:

1. ``quarter_turns``: the upload turned clockwise by 0-3 × 90° (a sideways phone photo);
2. ``crop``: the window, normalized to that turned image (x, y, width, height in 0-1), so it
   survives any re-encoding of the upload;
3. ``angle_deg``: the photo turned clockwise by a fine angle under the window, about the
   window's centre (straightening a horizon); the window itself stays upright.

The window fills the zone as the zone's fit says (the widget keeps its aspect to the zone's,
so cover and contain then agree); zoom is what the window's size implies. A window whose corners
leave the turned photo is refused (``image.crop_outside``): it would burn or print a blank edge.
:class:`ImageAdjust` records the brightness, contrast and greyscale a brand may allow. Pure: no
Pillow here (the pixels are in :mod:`chalicelib.scene.framing`).
"""

from __future__ import annotations

import math

from pydantic import Field

from chalicelib.domain.zone import StrictModel

# A window corner may miss the image by this share of its side (rounding in a browser).
EDGE_TOLERANCE = 1e-6


class Crop(StrictModel):
    x: float = Field(ge=0.0, le=1.0)
    y: float = Field(ge=0.0, le=1.0)
    width: float = Field(gt=0.0, le=1.0)
    height: float = Field(gt=0.0, le=1.0)


class Framing(StrictModel):
    """How the shopper framed the photo (see the module docstring for the order)."""

    crop: Crop
    quarter_turns: int = Field(default=0, ge=0, le=3)
    angle_deg: float = Field(default=0.0, ge=-45.0, le=45.0)


def turned_size(width_px: int, height_px: int, quarter_turns: int) -> tuple[int, int]:
    """The upload's size after ``quarter_turns`` clockwise quarter turns."""
    return (height_px, width_px) if quarter_turns % 2 else (width_px, height_px)


def window_px(framing: Framing, width_px: int, height_px: int) -> tuple[float, float, float, float]:
    """The crop window in pixels of the turned image: x, y, width, height."""
    w, h = turned_size(width_px, height_px, framing.quarter_turns)
    c = framing.crop
    return c.x * w, c.y * h, c.width * w, c.height * h


def window_corners(framing: Framing, width_px: int, height_px: int) -> list[tuple[float, float]]:
    """Where the window's corners fall on the turned photo (pixels), the fine angle applied."""
    x, y, w, h = window_px(framing, width_px, height_px)
    cx, cy = x + w / 2, y + h / 2
    theta = math.radians(framing.angle_deg)
    cos, sin = math.cos(theta), math.sin(theta)
    corners = []
    for px, py in ((x, y), (x + w, y), (x + w, y + h), (x, y + h)):
        dx, dy = px - cx, py - cy
        # The photo turned clockwise by theta under a fixed window: undo that turn.
        corners.append((cx + cos * dx + sin * dy, cy - sin * dx + cos * dy))
    return corners


def outside_by(framing: Framing, width_px: int, height_px: int) -> float:
    """How far (pixels) the window's farthest corner lies outside the turned photo; 0 inside."""
    w, h = turned_size(width_px, height_px, framing.quarter_turns)
    worst = 0.0
    for qx, qy in window_corners(framing, width_px, height_px):
        worst = max(worst, -qx, qx - w, -qy, qy - h)
    return worst


def inside_image(framing: Framing, width_px: int, height_px: int) -> bool:
    """Whether the window, turned by the fine angle, lies on the photo (up to rounding)."""
    return outside_by(framing, width_px, height_px) <= EDGE_TOLERANCE * max(width_px, height_px)


def framed_pixels(framing: Framing, width_px: int, height_px: int) -> tuple[int, int]:
    """The framed picture's size: the window's, in source pixels (at least one each way)."""
    _, _, w, h = window_px(framing, width_px, height_px)
    return max(1, round(w)), max(1, round(h))


class ImageAdjust(StrictModel):
    """Adjustments a brand may let the shopper make (an image zone's ``adjustments``):
    greyscale, brightness (-1 black … 0 as is … 1 white) and contrast (0 flat grey … 1 as is …
    3). Print keeps colour management only (sRGB in, an embedded profile applied at upload)."""

    greyscale: bool = False
    brightness: float = Field(default=0.0, ge=-1.0, le=1.0)
    contrast: float = Field(default=1.0, ge=0.0, le=3.0)

    def used(self) -> list[str]:
        """The adjustments this asks for (those away from their neutral value)."""
        moved = (
            ("greyscale", self.greyscale),
            ("brightness", self.brightness != 0.0),
            ("contrast", self.contrast != 1.0),
        )
        return [name for name, on in moved if on]
