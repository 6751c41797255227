"""Product and zone rules: shape errors from pydantic, relational rules from product_issues."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.domain.zone import ProductDoc, TextZone, product_issues, rotated_bounds

FONTS = {"lato-regular", "caladea-regular"}


def product(**zones_and_fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"name": "Mug", "sku": "MUG-1", "width_mm": 200.0, "height_mm": 90.0}
    base.update(zones_and_fields)
    return base


def text_zone(**over: Any) -> dict[str, Any]:
    zone = {
        "id": "name",
        "name": "Name",
        "kind": "text",
        "x_mm": 10,
        "y_mm": 10,
        "width_mm": 100,
        "height_mm": 30,
    }
    zone.update(over)
    return zone


def codes(doc: dict[str, Any]) -> list[str]:
    return [i["code"] for i in product_issues(ProductDoc.model_validate(doc), FONTS)]


def test_sound_product_has_no_issues_and_gets_defaults() -> None:
    doc = ProductDoc.model_validate(product(zones=[text_zone(colors=["#ff0000", "#00ff00"])]))
    assert product_issues(doc, FONTS) == []
    zone = doc.zones[0]
    assert isinstance(zone, TextZone)
    assert zone.font == "lato-regular" and zone.color == "#FF0000"
    assert zone.max_chars == 30 and zone.fit == "shrink"


def test_zone_outside_artboard_is_reported() -> None:
    assert codes(product(zones=[text_zone(x_mm=150)])) == ["zone.outside_artboard"]


def test_rotation_counts_for_the_artboard_check() -> None:
    # 100x30 at the centre of a 200x90 artboard: fine flat, too tall at 90°.
    flat = text_zone(x_mm=50, y_mm=30)
    assert codes(product(zones=[flat])) == []
    assert codes(product(zones=[{**flat, "rotation_deg": 90}])) == ["zone.outside_artboard"]
    doc = ProductDoc.model_validate(product(zones=[{**flat, "rotation_deg": 90}]))
    x0, y0, x1, y1 = rotated_bounds(doc.zones[0])
    assert (round(x0, 6), round(y0, 6), round(x1, 6), round(y1, 6)) == (85, -5, 115, 95)


def test_every_relational_problem_is_listed_at_once() -> None:
    doc = product(
        zones=[
            text_zone(
                min_chars=10,
                max_chars=5,
                fonts=["nope-font"],
                default_font="lato-regular",
                colors=["#000000"],
                default_color="#FFFFFF",
                charset=["klingon"],
            ),
            text_zone(min_size_mm=12, max_size_mm=4),
        ]
    )
    assert sorted(codes(doc)) == sorted(
        [
            "zone.min_greater_than_max",
            "zone.unknown_font",
            "zone.default_font_not_allowed",
            "zone.default_color_not_allowed",
            "zone.unknown_charset",
            "zone.duplicate_id",
            "zone.min_greater_than_max",
        ]
    )


def test_color_zone_default_must_be_offered() -> None:
    zone = {
        "id": "cord",
        "name": "Cord",
        "kind": "color",
        "x_mm": 0,
        "y_mm": 0,
        "width_mm": 5,
        "height_mm": 5,
        "colors": ["#111111"],
        "default_color": "#222222",
    }
    assert codes(product(zones=[zone])) == ["zone.default_color_not_allowed"]


@pytest.mark.parametrize(
    "bad",
    [
        {"width_mm": "100"},  # numbers as strings are not coerced
        {"width_mm": -1},
        {"kind": "hologram"},
        {"id": "Has Space"},
        {"colors": ["red"]},
        {"surprise": True},
    ],
)
def test_shape_errors_are_rejected(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ProductDoc.model_validate(product(zones=[text_zone(**bad)]))


def test_too_many_zones_is_rejected() -> None:
    zones = [text_zone(id=f"z{i}") for i in range(51)]
    with pytest.raises(ValidationError):
        ProductDoc.model_validate(product(zones=zones))
