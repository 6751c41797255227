"""Procedural material surfaces and the colour arithmetic material previews share.

A product without a mockup photo is drawn as its die-line silhouette in the material's own
surface: wood with rings and fibres, brushed metal with streaks, mottled slate, grained leather.
The texture is value noise over a lattice in millimetres (so the grain is the same at any preview
size) whose lattice values come from an integer hash of the cell coordinates: no random
generator, no seed, the same bytes on every run. The lattice is small and Pillow's bicubic
resize interpolates it to pixels, which keeps a 1000-pixel surface to a few milliseconds.

Colours are blended in linear light (sRGB decoded through a table, encoded back through
another), so a multiply or screen behaves like light on the surface rather than like numbers.
Worker-only module: numpy and Pillow load here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

from chalicelib.domain.color import hex_rgb
from chalicelib.domain.material import facts, look

F32 = np.float32
Pixels = npt.NDArray[np.floating[Any]]  # linear RGB or a 0–1 mask
Bytes = npt.NDArray[np.uint8]
_TO_LINEAR = np.array(
    [(v / 12.92) if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in np.arange(256) / 255],
    dtype=F32,
)
_ENCODE_STEPS = 4096
_TO_SRGB = np.array(
    [
        round(255 * (12.92 * v if v <= 0.0031308 else 1.055 * v ** (1 / 2.4) - 0.055))
        for v in np.arange(_ENCODE_STEPS) / (_ENCODE_STEPS - 1)
    ],
    dtype=np.uint8,
)


def to_linear(pixels: Bytes) -> Pixels:
    """uint8 sRGB (any shape) as float32 linear light 0–1."""
    return _TO_LINEAR[pixels]


def to_srgb8(linear: Pixels) -> Bytes:
    """float linear light 0–1 as uint8 sRGB (clipped), through a 4096-step table."""
    index = np.clip(linear * (_ENCODE_STEPS - 1) + 0.5, 0, _ENCODE_STEPS - 1).astype(np.int32)
    return _TO_SRGB[index]


def linear_color(color: str) -> Pixels:
    """``#RRGGBB`` as a linear-light RGB triple."""
    return to_linear(np.array(hex_rgb(color), dtype=np.uint8))


def _lattice(columns: int, rows: int, seed: int) -> Pixels:
    """Hash of each integer lattice point as a float in [-1, 1] (a fixed integer mixer)."""
    ix = np.arange(columns, dtype=np.uint32)[None, :]
    iy = np.arange(rows, dtype=np.uint32)[:, None]
    with np.errstate(over="ignore"):
        salt = np.uint32((seed * 2654435761) % 2**32)
        h = ix * np.uint32(374761393) + iy * np.uint32(668265263) + salt
        h = (h ^ (h >> np.uint32(13))) * np.uint32(1274126177)
        h = h ^ (h >> np.uint32(16))
    return (h.astype(np.float64) / 2**31 - 1.0).astype(F32)


def noise(
    size_px: tuple[int, int], px_per_mm: float, cell_mm: tuple[float, float], seed: int
) -> Pixels:
    """Smooth value noise in [-1, 1] (about), with cells ``cell_mm`` (x, y) wide on the surface.

    Cells are never narrower than a pixel: finer detail would only alias.
    """
    width, height = size_px
    cx = max(cell_mm[0], 1.0 / px_per_mm)
    cy = max(cell_mm[1], 1.0 / px_per_mm)
    span_x, span_y = width / px_per_mm / cx, height / px_per_mm / cy
    columns, rows = int(span_x) + 4, int(span_y) + 4
    grid = Image.fromarray(_lattice(columns, rows, seed), mode="F")
    box = (1.0, 1.0, 1.0 + span_x, 1.0 + span_y)
    smooth = grid.resize((width, height), Image.Resampling.BICUBIC, box=box)
    return np.asarray(smooth, dtype=F32)


def _smoothstep(edge0: float, edge1: float, x: Pixels) -> Pixels:
    t = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    return np.asarray(t * t * (3 - 2 * t), dtype=F32)


def _wood(size: tuple[int, int], ppm: float) -> Pixels:
    """Rings running along x, bent by slow noise; fibres stretched along the grain."""
    _, height = size
    y_mm = (np.arange(height, dtype=F32)[:, None] + 0.5) / ppm
    warp = 3.5 * noise(size, ppm, (34.0, 14.0), 1) + 0.8 * noise(size, ppm, (9.0, 3.0), 2)
    rings = (y_mm + warp) / 2.4
    phase = rings - np.floor(rings)
    late = _smoothstep(0.50, 0.72, phase) * (1.0 - _smoothstep(0.82, 1.0, phase))
    fibre = noise(size, ppm, (6.0, 0.12), 3)
    return np.asarray(1.0 - 0.34 * late - 0.10 * fibre - 0.06 * warp / 4.3, dtype=F32)


def _brushed(size: tuple[int, int], ppm: float) -> Pixels:
    """Streaks along x (long cells in x, one pixel in y) and a soft sheen across."""
    width, _ = size
    streak = 0.7 * noise(size, ppm, (45.0, 0.03), 4) + 0.3 * noise(size, ppm, (8.0, 0.03), 5)
    x = (np.arange(width, dtype=F32)[None, :] + 0.5) / width
    sheen = 0.10 * np.cos(2 * np.pi * (x - 0.35))
    return np.asarray(1.0 + 0.16 * streak + sheen, dtype=F32)


def _mottled(size: tuple[int, int], ppm: float) -> Pixels:
    n = (
        0.55 * noise(size, ppm, (7.0, 7.0), 6)
        + 0.30 * noise(size, ppm, (2.0, 2.0), 7)
        + 0.15 * noise(size, ppm, (0.4, 0.4), 8)
    )
    return np.asarray(1.0 + 0.28 * n, dtype=F32)


def _grain(size: tuple[int, int], ppm: float) -> Pixels:
    n = 0.5 * noise(size, ppm, (0.9, 0.9), 9) + 0.5 * noise(size, ppm, (0.3, 0.3), 10)
    return np.asarray(1.0 + 0.22 * n + 0.08 * noise(size, ppm, (20.0, 20.0), 11), dtype=F32)


def _smooth(size: tuple[int, int], ppm: float) -> Pixels:
    _, height = size
    y = (np.arange(height, dtype=F32)[:, None] + 0.5) / height
    return np.asarray(1.04 - 0.08 * y + 0.015 * noise(size, ppm, (3.0, 3.0), 12), dtype=F32)


_TEXTURES = {
    "wood": _wood,
    "brushed": _brushed,
    "mottled": _mottled,
    "grain": _grain,
    "smooth": _smooth,
}


SHADE_LOW, SHADE_HIGH = 0.4, 1.6  # the range a texture's shade map is quantized over


def srgb_lut(linear_of: Callable[[Pixels], Pixels]) -> list[int]:
    """A 256-entry table for ``Image.point``: input byte i → sRGB byte of ``linear_of(i/255)``
    (``linear_of`` maps a 0–1 array to linear light, clipped here)."""
    return [int(v) for v in to_srgb8(linear_of(np.arange(256, dtype=F32) / 255))]


def tinted(
    levels: Image.Image, color: Pixels, linear_of: Callable[[Pixels], Pixels]
) -> Image.Image:
    """An RGB image whose channel c is ``color[c] · linear_of(level)`` (linear light), from an
    8-bit ``levels`` map: three table lookups in C instead of float maths per pixel."""
    x = np.arange(256, dtype=F32) / 255
    ramp = linear_of(x)
    bands = [levels.point([int(v) for v in to_srgb8(color[c] * ramp)]) for c in range(3)]
    return Image.merge("RGB", bands)


WORK_PX_PER_MM = 8.0  # textures are computed at most this fine, then scaled up (bilinear)


@functools.lru_cache(maxsize=8)
def _surface(material: str, width: int, height: int, ppm: float) -> Image.Image:
    work = min(ppm, WORK_PX_PER_MM)
    size = (max(1, round(width * work / ppm)), max(1, round(height * work / ppm)))
    shade = _TEXTURES[look(material).texture](size, work)
    span = SHADE_HIGH - SHADE_LOW
    levels = np.clip((shade - SHADE_LOW) / span * 255 + 0.5, 0, 255).astype(np.uint8)
    level_map = Image.fromarray(levels, mode="L")
    if size != (width, height):
        level_map = level_map.resize((width, height), Image.Resampling.BILINEAR)
    color = linear_color(facts(material).surface)
    return tinted(level_map, color, lambda x: SHADE_LOW + span * x)


def surface(material: str, size_px: tuple[int, int], px_per_mm: float) -> Image.Image:
    """The material's surface (sRGB, RGB) at this resolution: its colour times its texture's
    shade in linear light. Callers must not draw on it: it is kept for the last few sizes (a
    shopper editing text asks for the same surface again)."""
    return _surface(material, size_px[0], size_px[1], round(px_per_mm, 6))


def marking_grain(size_px: tuple[int, int], px_per_mm: float, texture: str) -> Image.Image:
    """The fine structure a laser mark shows (brushed streaks for metal, speckle otherwise) as
    an 8-bit map (read-only by convention, cached); on the artboard's frame, so it stays put
    under the design."""
    return _marking_grain(size_px, round(px_per_mm, 6), texture)


@functools.lru_cache(maxsize=8)
def _marking_grain(size_px: tuple[int, int], px_per_mm: float, texture: str) -> Image.Image:
    if texture == "brushed":
        n = noise(size_px, px_per_mm, (20.0, 0.03), 13)
    else:
        n = noise(size_px, px_per_mm, (0.25, 0.25), 14)
    levels = np.clip(127.5 + 127.5 * n, 0, 255).astype(np.uint8)
    return Image.fromarray(levels, mode="L")


def clear_cache() -> None:
    """Forget cached surfaces and mark structure (the benchmark measures the cold path)."""
    _surface.cache_clear()
    _marking_grain.cache_clear()
