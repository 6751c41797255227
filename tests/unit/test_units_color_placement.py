"""The one home of lengths, colours and picture placement, against independent arithmetic."""

from __future__ import annotations

import pytest

from chalicelib.domain import color, placement, units


def test_points_and_pixels_follow_the_inch() -> None:
    assert pytest.approx(72.0 / 25.4) == units.PT_PER_MM
    assert units.px_per_mm(300) * 25.4 == pytest.approx(300)
    assert units.dpi_of(1200, 101.6) == pytest.approx(300)


def test_colours_are_canonical_upper_case_and_bad_ones_never_reach_a_writer() -> None:
    assert color.canonical("#c0ffee") == "#C0FFEE"
    assert color.hex_rgb("#c0ffee") == (0xC0, 0xFF, 0xEE)
    assert color.unit_rgb("#FF0080") == (1.0, 0.0, 128 / 255)
    for bad in ("c0ffee", "#c0ffe", "#c0ffeeff", "red", '#000000"/><script>'):
        with pytest.raises(ValueError):
            color.normalize(bad)


@pytest.mark.parametrize(
    ("fit", "expected_scale", "expected_dpi"),
    # a 4000 x 2000 px photo in a 100 x 100 mm zone: cover scales the short side to 100 mm
    # (0.05 mm/px, 508 DPI); contain scales the long side to it (0.025 mm/px, 1016 DPI)
    [("cover", 0.05, 508.0), ("contain", 0.025, 1016.0)],
)
def test_cover_fills_the_box_and_contain_fits_inside(
    fit: str, expected_scale: float, expected_dpi: float
) -> None:
    assert placement.fit_scale(4000, 2000, 100, 100, fit) == pytest.approx(expected_scale)
    assert placement.effective_dpi(4000, 2000, 100, 100, fit) == pytest.approx(expected_dpi)
