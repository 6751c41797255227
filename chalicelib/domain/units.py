"""Lengths: millimetres everywhere in the domain; inches, points and pixels only at the edges.

One home for the conversion factors so the DXF (inches or mm), the PDF (points), the rasters
(pixels at a DPI) and the shopper's DPI check all agree to the last digit.
"""

from __future__ import annotations

MM_PER_INCH = 25.4
PT_PER_INCH = 72.0
PT_PER_MM = PT_PER_INCH / MM_PER_INCH


def px_per_mm(dpi: float) -> float:
    """Pixels per millimetre at ``dpi`` pixels per inch."""
    return dpi / MM_PER_INCH


def dpi_of(pixels: float, mm: float) -> float:
    """Pixels per inch of ``pixels`` spread over ``mm`` millimetres."""
    return pixels * MM_PER_INCH / mm
