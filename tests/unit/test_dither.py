"""Dithering: each error-diffusion kernel equals a plain scan of its published weights, tones
survive (a grey ramp stays a ramp), and the ordered/halftone screens are what they claim."""

from __future__ import annotations

import numpy as np
import pytest

from chalicelib.scene.dither import (
    KERNELS,
    LEVELS,
    METHODS,
    bayer_matrix,
    dither,
    error_diffuse,
    halftone,
    ordered,
    threshold,
)

# The kernels as published (Floyd & Steinberg 1976; Jarvis, Judice & Ninke 1976; Stucki 1981;
# Bill Atkinson's, 6/8 of the error): rows of weights centred on the current pixel x, with
# the current row listing only the pixels after x. Written out here, not read from the module.
PUBLISHED = {
    "floyd_steinberg": (16, [[7], [3, 5, 1]]),
    "jarvis": (48, [[7, 5], [3, 5, 7, 5, 3], [1, 3, 5, 3, 1]]),
    "stucki": (42, [[8, 4], [2, 4, 8, 4, 2], [1, 2, 4, 2, 1]]),
    "atkinson": (8, [[1, 1], [1, 1, 1], [1]]),
}
DIFFUSION = tuple(PUBLISHED)


def reference_scan(grey: np.ndarray, name: str) -> np.ndarray:
    """The textbook loop: left to right, top to bottom, pushing each pixel's error forward.

    Same integer convention as any fixed-point implementation: a pixel is its grey plus the
    floor of the weighted errors it received over the divisor; error past the edges is lost.
    """
    divisor, rows = PUBLISHED[name]
    taps = [(0, 1 + i, w) for i, w in enumerate(rows[0])]
    for dy, row in enumerate(rows[1:], start=1):
        taps += [(dy, i - len(row) // 2, w) for i, w in enumerate(row)]
    height, width = grey.shape
    levels = [[round(min(max(v, 0.0), 1.0) * LEVELS) for v in line] for line in grey.tolist()]
    received = [[0] * width for _ in range(height)]
    out = np.zeros((height, width), dtype=bool)
    for y in range(height):
        for x in range(width):
            value = levels[y][x] + received[y][x] // divisor
            white = value >= LEVELS // 2
            error = value - (LEVELS if white else 0)
            out[y, x] = white
            for dy, dx, w in taps:
                if y + dy < height and 0 <= x + dx < width:
                    received[y + dy][x + dx] += w * error
    return out


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Rank correlation with average ranks for ties (no scipy in the runtime)."""

    def ranks(v: np.ndarray) -> np.ndarray:
        order = np.argsort(v, kind="stable")
        r = np.empty(len(v))
        r[order] = np.arange(len(v), dtype=float)
        for value in np.unique(v):  # ties share their mean rank
            same = v == value
            r[same] = r[same].mean()
        return r

    ra, rb = ranks(a), ranks(b)
    return float(np.corrcoef(ra, rb)[0, 1])


def ramp(height: int = 48, width: int = 200) -> np.ndarray:
    return np.tile(np.linspace(0.0, 1.0, width), (height, 1))


@pytest.mark.parametrize("name", DIFFUSION)
def test_error_diffusion_equals_a_plain_scan_of_the_published_kernel(name: str) -> None:
    rng = np.random.default_rng(7)
    noise = rng.random((41, 67))
    ys, xs = np.mgrid[0:41, 0:67]
    photo = np.clip(
        0.5 + 0.4 * np.sin(xs / 6.0) * np.cos(ys / 9.0) + rng.normal(0, 0.05, xs.shape), 0, 1
    )
    wide = rng.random((12, 260))  # more wavefronts than the error buffer holds: it slides
    tall = rng.random((300, 5))
    for grey in (
        noise,
        photo,
        np.full((5, 9), 0.3),
        noise[:1],
        noise[:, :1],
        noise[:, :3],
        wide,
        tall,
    ):
        assert np.array_equal(error_diffuse(grey, KERNELS[name]), reference_scan(grey, name))


def test_a_kernel_is_not_equal_to_another_kernels_scan() -> None:
    """The comparison above can fail: Stucki's output is not Jarvis's reference."""
    grey = np.random.default_rng(3).random((30, 30))
    assert not np.array_equal(
        error_diffuse(grey, KERNELS["stucki"]), reference_scan(grey, "jarvis")
    )


@pytest.mark.parametrize("name", DIFFUSION)
def test_a_grey_ramp_stays_a_ramp_and_keeps_its_mean_tone(name: str) -> None:
    grey = ramp()
    bits = dither(grey, name)  # type: ignore[arg-type]
    white_per_column = bits.mean(axis=0)
    assert spearman(grey[0], white_per_column) > 0.95
    # Many distinct tones (a step would give two), and each column close to its grey on average.
    assert len(np.unique(white_per_column)) > 20
    tolerance = 0.08 if name == "atkinson" else 0.03  # Atkinson drops 2/8 of the error
    assert abs(bits.mean() - grey.mean()) < tolerance
    windows = white_per_column.reshape(20, -1).mean(axis=1) - grey[0].reshape(20, -1).mean(axis=1)
    assert np.abs(windows).max() < (0.2 if name == "atkinson" else 0.1)


def test_threshold_gives_a_step_where_diffusion_gives_a_ramp() -> None:
    grey = ramp()
    white_per_column = threshold(grey).mean(axis=0)
    assert set(np.unique(white_per_column)) == {0.0, 1.0}  # every column all black or all white
    assert np.count_nonzero(np.diff(white_per_column)) == 1  # one step, at mid-grey
    assert white_per_column[:99].max() == 0.0 and white_per_column[101:].min() == 1.0
    diffused = dither(grey, "floyd_steinberg").mean(axis=0)
    assert len(np.unique(diffused)) > 20


def test_bayer_matrices_are_the_published_ones() -> None:
    assert bayer_matrix(2).tolist() == [[0, 2], [3, 1]]
    assert bayer_matrix(4).tolist() == [
        [0, 8, 2, 10],
        [12, 4, 14, 6],
        [3, 11, 1, 9],
        [15, 7, 13, 5],
    ]
    assert sorted(bayer_matrix(8).ravel().tolist()) == list(range(64))
    with pytest.raises(ValueError):
        bayer_matrix(6)


@pytest.mark.parametrize("n", [4, 8])
def test_ordered_dithering_renders_each_level_as_its_share_of_the_cell(n: int) -> None:
    for level in range(n * n + 1):
        grey = np.full((2 * n, 3 * n), level / (n * n))
        bits = ordered(grey, n)
        assert bits.mean() == pytest.approx(level / (n * n))
        assert np.array_equal(bits[:n, :n], bits[n:, 2 * n :])  # the pattern tiles


def test_halftone_dots_follow_tone_and_repeat_at_the_screen_pitch() -> None:
    coverage = [
        halftone(np.full((200, 200), g), 254, 50.8, 0).mean() for g in (0.1, 0.3, 0.5, 0.7, 0.9)
    ]
    assert coverage == sorted(coverage)
    assert abs(coverage[2] - 0.5) < 0.05
    bits = halftone(np.full((100, 100), 0.4), 254, 50.8, 0)  # 5 px cells at 0°
    assert np.array_equal(bits[:, :95], bits[:, 5:])
    turned = halftone(np.full((100, 100), 0.4), 254, 50.8, 45)
    assert not np.array_equal(turned[:, :95], turned[:, 5:])


@pytest.mark.parametrize("method", METHODS)
def test_every_method_keeps_the_shape_and_black_and_white_extremes(method: str) -> None:
    for value, expected in ((0.0, False), (1.0, True)):
        bits = dither(np.full((13, 17), value), method)  # type: ignore[arg-type]
        assert bits.shape == (13, 17) and bits.dtype == bool
        assert (bits == expected).all()
        spot_peaks = halftone(np.full((20, 20), value), 254, 50.8, 0)  # 5 px cells hit the peak
        assert (spot_peaks == expected).all()


def reference_serpentine_scan(grey: np.ndarray, name: str) -> np.ndarray:
    """The textbook serpentine loop: even rows left to right, odd rows right to left with the
    published kernel mirrored (dx -> -dx), each pixel pushing its error forward."""
    divisor, rows = PUBLISHED[name]
    taps = [(0, 1 + i, w) for i, w in enumerate(rows[0])]
    for dy, row in enumerate(rows[1:], start=1):
        taps += [(dy, i - len(row) // 2, w) for i, w in enumerate(row)]
    height, width = grey.shape
    levels = [[round(min(max(v, 0.0), 1.0) * LEVELS) for v in line] for line in grey.tolist()]
    received = [[0] * width for _ in range(height)]
    out = np.zeros((height, width), dtype=bool)
    for y in range(height):
        step = -1 if y % 2 else 1
        for x in range(width) if step == 1 else range(width - 1, -1, -1):
            value = levels[y][x] + received[y][x] // divisor
            white = value >= LEVELS // 2
            error = value - (LEVELS if white else 0)
            out[y, x] = white
            for dy, dx, w in taps:
                if y + dy < height and 0 <= x + step * dx < width:
                    received[y + dy][x + step * dx] += w * error
    return out


@pytest.mark.parametrize("name", DIFFUSION)
def test_serpentine_error_diffusion_equals_a_plain_serpentine_scan(name: str) -> None:
    rng = np.random.default_rng(11)
    ys, xs = np.mgrid[0:37, 0:53]
    photo = np.clip(0.5 + 0.4 * np.sin(xs / 5.0) * np.cos(ys / 7.0), 0, 1)
    for grey in (
        rng.random((37, 53)),
        photo,
        np.full((6, 9), 0.3),
        rng.random((1, 20)),
        rng.random((20, 1)),
        rng.random((9, 2)),
    ):
        got = dither(grey, name, serpentine=True)  # type: ignore[arg-type]
        assert np.array_equal(got, reference_serpentine_scan(grey, name))
    # ...which is another scan than the one-way one (the comparison can fail).
    grey = rng.random((30, 30))
    assert not np.array_equal(dither(grey, name, serpentine=True), reference_scan(grey, name))  # type: ignore[arg-type]


@pytest.mark.parametrize("name", DIFFUSION)
def test_a_serpentine_ramp_stays_a_ramp_and_keeps_its_mean_tone(name: str) -> None:
    grey = ramp()
    bits = dither(grey, name, serpentine=True)  # type: ignore[arg-type]
    assert spearman(bits.mean(axis=0), grey.mean(axis=0)) > 0.95
    assert abs(bits.mean() - grey.mean()) < 0.03
