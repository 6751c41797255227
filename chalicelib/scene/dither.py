"""Dithering grey to the 1-bit raster a laser burns: threshold, ordered, error diffusion, halftone.

A laser fires or does not: a photo reaches it as one bit per dot at the machine's line
interval. Every method here takes a grey image as a float array in [0, 1] (1 = white, nothing
burnt) and returns a boolean array of the same shape (True = white, the laser stays off).

Error diffusion (Floyd–Steinberg, Jarvis–Judice–Ninke, Stucki, Atkinson) is sequential per
pixel, and pure Python costs about a second per megapixel; numba is too big for the Lambda
package. So the scan runs in numpy along *wavefronts*: with ``t = x + k·y`` and ``k`` larger
than any leftward reach of the kernel into later rows, every pixel a pixel receives error from
has a smaller ``t``, so all pixels of one ``t`` are independent and are computed together. The
errors are stored skewed (row ``t``, column ``y``), so that the sources of a whole wavefront are
one strided block and their weighted sum one small matrix product; a wavefront's pixels are one
strided slice of the flat image. Only the last few wavefronts are kept, so memory stays a few
megabytes whatever the raster's size (a few per megapixel wide). That is a few thousand numpy
steps for 800 × 800 instead of 640 000 Python ones.

The arithmetic is integer and exact: grey is held in :data:`LEVELS` steps, a pixel's value is
its grey plus ``floor(Σ weight·error / divisor)`` over the errors it received, and its error is
that value minus what it printed. A sum of integers has no rounding order, so the result is
exactly the classic left-to-right, top-to-bottom scan (the tests compare pixel for pixel with
a plain push implementation of each published kernel).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from chalicelib.domain.photo_engraving import DITHER_METHODS, DitherMethod

Grey = npt.NDArray[np.float64]
Method = DitherMethod
METHODS = DITHER_METHODS
Bits = npt.NDArray[np.bool_]

# Grey steps of the integer arithmetic: 0 is black, LEVELS is white (255 × 256, so an 8-bit
# grey is exact and the floor of each received error costs under 1/65 000 of a grey step).
LEVELS = 255 * 256


@dataclass(frozen=True)
class Kernel:
    """An error-diffusion kernel: ``(dy, dx, weight)`` per receiving neighbour, over ``divisor``.

    Weights may sum to less than the divisor (Atkinson passes on 6/8 of the error).
    """

    divisor: int
    taps: tuple[tuple[int, int, int], ...]

    @property
    def skew(self) -> int:
        """The smallest ``k`` for which every receiver has a larger ``x + k·y`` than its source."""
        reach = [-dx // dy + 1 for dy, dx, _ in self.taps if dy > 0]
        return max([1, *reach])


def _rows(*rows: tuple[int, tuple[int, ...]]) -> tuple[tuple[int, int, int], ...]:
    """Taps from kernel rows written as in the literature: ``(dy, weights from dx = -2 ... 2)``."""
    taps = []
    for dy, weights in rows:
        start = -(len(weights) // 2)
        taps += [(dy, start + i, w) for i, w in enumerate(weights) if w and (dy or start + i > 0)]
    return tuple(taps)


KERNELS: dict[str, Kernel] = {
    "floyd_steinberg": Kernel(16, _rows((0, (0, 0, 7)), (1, (3, 5, 1)))),
    "jarvis": Kernel(48, _rows((0, (0, 0, 0, 7, 5)), (1, (3, 5, 7, 5, 3)), (2, (1, 3, 5, 3, 1)))),
    "stucki": Kernel(42, _rows((0, (0, 0, 0, 8, 4)), (1, (2, 4, 8, 4, 2)), (2, (1, 2, 4, 2, 1)))),
    "atkinson": Kernel(8, _rows((0, (0, 0, 0, 1, 1)), (1, (0, 1, 1, 1, 0)), (2, (0, 0, 1, 0, 0)))),
}


def to_levels(grey: Grey) -> npt.NDArray[np.int64]:
    """Grey in [0, 1] as integer steps of :data:`LEVELS` (what error diffusion computes in)."""
    return np.rint(np.clip(grey, 0.0, 1.0) * LEVELS).astype(np.int64)


def error_diffuse(grey: Grey, kernel: Kernel) -> Bits:
    """``grey`` dithered by ``kernel``, scanning rows left to right, top to bottom.

    Error pushed past the image's edges is dropped, as in the classic scan.
    """
    height, width = grey.shape
    if height == 0 or width == 0:
        return np.zeros(grey.shape, dtype=bool)
    k = kernel.skew
    n_t = width + k * (height - 1)
    # Pixel (y, x = t - k·y) of wavefront t is element t + y·(width - k) of the flat image: a
    # wavefront reads its grey and writes its bits through one strided slice.
    levels = to_levels(grey).ravel()
    bits = np.zeros(height * width, dtype=bool)
    pitch = width - k

    # Errors are kept once per kernel row dy, shifted by dy columns: errors[r, dy, y] is the
    # error of skewed pixel (r, y - dy). A receiver at (t, y) then reads every source at rows
    # t - c (c = dx + k·dy, from 1 to c_max) and column y, so the sources of a whole wavefront
    # are one strided block, (c_max · rows) × n, and their weighted sum one matrix product.
    # Only the last c_max wavefronts are ever read: the buffer holds CHUNK more, then slides.
    n_dy = 1 + max(dy for dy, _, _ in kernel.taps)
    c_max = max(dx + k * dy for dy, dx, _ in kernel.taps)
    weights = np.zeros((c_max, n_dy), dtype=np.int64)
    for dy, dx, w in kernel.taps:
        weights[c_max - (dx + k * dy), dy] = w  # block row 0 is t - c_max
    flat_weights = weights.reshape(-1)
    errors = np.zeros((c_max + _CHUNK, n_dy, height + n_dy), dtype=np.int64)
    half, divisor = LEVELS // 2, kernel.divisor

    for t in range(n_t):
        row = c_max + t % _CHUNK
        if row == c_max and t:  # slide: keep the last c_max wavefronts, clear the rest
            errors[:c_max] = errors[_CHUNK:]
            errors[c_max:] = 0
        y_lo = max(0, -((width - 1 - t) // k))  # ceil((t - width + 1) / k)
        y_hi = min(height - 1, t // k) + 1
        n = y_hi - y_lo
        sources = errors[row - c_max : row, :, y_lo:y_hi].reshape(c_max * n_dy, n)
        value = flat_weights @ sources
        value //= divisor
        start = t + y_lo * pitch
        at = (
            slice(start, start + (n - 1) * pitch + 1, pitch)
            if pitch > 0
            else _indices(start, n, pitch)
        )
        value += levels[at]
        white = value >= half
        error = np.where(white, value - LEVELS, value)
        for dy in range(n_dy):
            errors[row, dy, y_lo + dy : y_hi + dy] = error
        bits[at] = white
    result: Bits = bits.reshape(height, width)
    return result


_CHUNK = 256  # wavefronts between two slides of the error buffer


def serpentine_diffuse(grey: Grey, kernel: Kernel) -> Bits:
    """``grey`` dithered by ``kernel`` in a serpentine (boustrophedon) scan: even rows left to
    right, odd rows right to left with the kernel mirrored, which breaks up the diagonal
    "worms" a one-way scan draws in flat midtones.

    No wavefronts here: a right-to-left row starts where the row above ended, so every pixel
    waits for the one before it and nothing can be computed together. The row's own recurrence
    (the kernel's taps on the current row) is a plain loop; what a finished row passes to the
    rows below is added with numpy, one shifted slice per tap. Same integer arithmetic as
    :func:`error_diffuse` (a pixel is its grey plus the floor of all it received over the
    divisor), so the tests compare it pixel for pixel with a plain serpentine scan. Slower than
    the one-way scan (about a Python step per pixel): an opt-in of the preset.
    """
    height, width = grey.shape
    if height == 0 or width == 0:
        return np.zeros(grey.shape, dtype=bool)
    levels = to_levels(grey)
    n_dy = 1 + max(dy for dy, _, _ in kernel.taps)
    same = [(dx, w) for dy, dx, w in kernel.taps if dy == 0]
    below = [(dy, dx, w) for dy, dx, w in kernel.taps if dy > 0]
    reach = max([0, *(dx for dx, _ in same)])
    received = np.zeros((n_dy, width), dtype=np.int64)  # numerators, row y + dy at (y + dy) % n
    bits = np.zeros((height, width), dtype=bool)
    half, divisor, full = LEVELS // 2, kernel.divisor, LEVELS
    for y in range(height):
        backward = y % 2 == 1
        order = slice(None, None, -1) if backward else slice(None)
        row_levels = levels[y, order].tolist()  # in scan order
        ahead = received[y % n_dy, order].tolist() + [0] * reach
        errors = [0] * width
        white_row = [False] * width
        for i in range(width):
            value = row_levels[i] + ahead[i] // divisor
            white = value >= half
            error = value - full if white else value
            white_row[i] = white
            errors[i] = error
            for dx, w in same:
                ahead[i + dx] += w * error
        received[y % n_dy] = 0
        scanned = np.array(errors, dtype=np.int64)[order]  # back to image order
        bits[y] = np.array(white_row, dtype=bool)[order]
        for dy, dx, w in below:
            if y + dy >= height:
                continue
            shift = -dx if backward else dx  # the mirrored kernel on a right-to-left row
            target = received[(y + dy) % n_dy]
            if shift >= 0:
                target[shift:] += w * scanned[: width - shift]
            else:
                target[:shift] += w * scanned[-shift:]
    return bits


def _indices(start: int, n: int, pitch: int) -> npt.NDArray[np.int64]:
    """A wavefront's flat pixel indices when the image is no wider than the skew (pitch ≤ 0)."""
    result: npt.NDArray[np.int64] = start + pitch * np.arange(n, dtype=np.int64)
    return result


def threshold(grey: Grey, level: float = 0.5) -> Bits:
    """White where grey reaches ``level``: a hard step, no tones (for logos and line art)."""
    result: Bits = grey >= level
    return result


def bayer_matrix(n: int) -> npt.NDArray[np.int64]:
    """The ``n × n`` Bayer index matrix (n a power of two), built by the usual recursion."""
    if n < 1 or n & (n - 1):
        raise ValueError(f"Bayer matrices are a power of two on a side, not {n}")
    matrix: npt.NDArray[np.int64] = np.zeros((1, 1), dtype=np.int64)
    while matrix.shape[0] < n:
        m = matrix * 4
        matrix = np.block([[m, m + 2], [m + 3, m + 1]])
    return matrix


def ordered(grey: Grey, n: int) -> Bits:
    """Ordered dithering with the ``n × n`` Bayer matrix tiled over the image.

    Each cell of the matrix is a threshold in ``(0, 1)``; ``n²`` grey levels come out as
    repeating dot patterns (regular, so they burn evenly on wood grain).
    """
    height, width = grey.shape
    thresholds = (bayer_matrix(n) + 0.5) / (n * n)
    tiled = np.tile(thresholds, (-(-height // n), -(-width // n)))[:height, :width]
    result: Bits = grey > tiled
    return result


def halftone(grey: Grey, dpi: float, lpi: float, angle_deg: float) -> Bits:
    """A round-dot halftone screen of ``lpi`` lines per inch at ``angle_deg`` (AM screening).

    Each screen cell grows one dot whose area follows the cell's darkness: a pixel is white
    when its grey exceeds the cosine spot function at its place in the rotated screen.
    """
    if lpi <= 0 or dpi <= 0:
        raise ValueError("halftone needs positive dpi and lines per inch")
    height, width = grey.shape
    cell = dpi / lpi
    angle = math.radians(angle_deg)
    ys, xs = np.indices((height, width), dtype=np.float64)
    xs += 0.5
    ys += 0.5
    u = (xs * math.cos(angle) + ys * math.sin(angle)) / cell
    v = (-xs * math.sin(angle) + ys * math.cos(angle)) / cell
    spot = 0.5 - 0.25 * (np.cos(2 * np.pi * u) + np.cos(2 * np.pi * v))
    result: Bits = (grey > spot) | (grey >= 1.0)  # the spot's peak is 1: white stays white
    return result


def dither(
    grey: Grey,
    method: Method,
    *,
    dpi: float = 254.0,
    lpi: float = 60.0,
    angle_deg: float = 45.0,
    serpentine: bool = False,
) -> Bits:
    """``grey`` (float, 1 = white) to bits (True = white) by ``method``.

    ``dpi``, ``lpi`` and ``angle_deg`` matter to the halftone screen only, ``serpentine`` to
    error diffusion only.
    """
    if method in KERNELS:
        if serpentine:
            return serpentine_diffuse(grey, KERNELS[method])
        return error_diffuse(grey, KERNELS[method])
    if method == "threshold":
        return threshold(grey)
    if method == "bayer4":
        return ordered(grey, 4)
    if method == "bayer8":
        return ordered(grey, 8)
    if method == "halftone":
        return halftone(grey, dpi, lpi, angle_deg)
    raise ValueError(f"unknown dithering method {method!r}")
