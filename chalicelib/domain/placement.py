"""Placing a picture in a box: ``cover`` fills the box (cropping), ``contain`` fits inside it.

One home for the scale, so the scene that the renderers draw and the effective DPI the shopper
is warned about come from the same rule.
"""

from __future__ import annotations

from typing import Literal

from chalicelib.domain.units import MM_PER_INCH

Fit = Literal["cover", "contain"]


def fit_scale(width: float, height: float, box_width: float, box_height: float, fit: str) -> float:
    """Box units per source unit: cover scales until both sides reach the box, contain until
    one side does."""
    sx, sy = box_width / width, box_height / height
    return max(sx, sy) if fit == "cover" else min(sx, sy)


def effective_dpi(
    width_px: int, height_px: int, box_width_mm: float, box_height_mm: float, fit: str
) -> float:
    """Pixels per inch of the picture once placed in the box, unrounded.

    Cover: the tighter axis sets the resolution; contain: the looser one. Computed per axis in
    pixels per mm (not as the inverse of :func:`fit_scale`) because the rounded value is part of
    recorded specs, whose hashes must not move by a last-bit difference.
    """
    per_mm_w, per_mm_h = width_px / box_width_mm, height_px / box_height_mm
    per_mm = min(per_mm_w, per_mm_h) if fit == "cover" else max(per_mm_w, per_mm_h)
    return per_mm * MM_PER_INCH
