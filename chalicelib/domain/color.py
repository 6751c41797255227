"""Colours: ``#RRGGBB``, upper-case, one parser for the spec, the renderers and the files.

The spec stores the normalized form (so "#c0c0c0" and "#C0C0C0" hash alike), and every writer
that emits a colour verbatim (SVG, PDF operators, cairo) reads it through :func:`hex_rgb`.
"""

from __future__ import annotations

import re

HEX_COLOR_PATTERN = r"^#[0-9A-Fa-f]{6}$"
_HEX = re.compile(HEX_COLOR_PATTERN)


def canonical(color: str) -> str:
    """The form specs store and compare: upper-case. A shopper's pick goes through this before
    it is compared with the zone's colours (an unknown one is then refused by that check)."""
    return color.upper()


def normalize(color: str) -> str:
    """``#rrggbb`` → ``#RRGGBB``; anything else is a ``ValueError``. For writers, which emit the
    colour verbatim: the spec schema refused a bad one long before, this is the last guard."""
    if not _HEX.match(color):
        raise ValueError(f"not a #RRGGBB colour: {color!r}")
    return canonical(color)


def hex_rgb(color: str) -> tuple[int, int, int]:
    """``#RRGGBB`` as three integers 0-255."""
    value = int(normalize(color)[1:], 16)
    return value >> 16, (value >> 8) & 0xFF, value & 0xFF


def unit_rgb(color: str) -> tuple[float, float, float]:
    """``#RRGGBB`` as three floats 0-1 (cairo, PDF operators)."""
    r, g, b = hex_rgb(color)
    return r / 255, g / 255, b / 255
