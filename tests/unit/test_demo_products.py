"""The products ``make run`` seeds are sound: they pass the API's product rules, a design on
them validates, and their machine files cut the die line at its size."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain.personalization import ZoneInput, validate_inputs
from chalicelib.domain.profile import BUILTIN
from chalicelib.domain.spec import build_spec
from chalicelib.domain.zone import ProductDoc, product_issues
from chalicelib.fonts import list_fonts
from chalicelib.scene.build import side_scenes
from chalicelib.scene.dxf import to_dxf
from local.stack import DEMO_COASTER, DEMO_PRODUCT
from tests.support.dxf import points, polylines, read
from tests.support.personalization import FakeCatalog
from tests.support.scene import FakeResources

FONTS = {f.font_id for f in list_fonts()}


@pytest.mark.parametrize("document", [DEMO_PRODUCT, DEMO_COASTER], ids=["pendant", "coaster"])
def test_demo_products_pass_the_product_rules(document: dict[str, Any]) -> None:
    assert product_issues(ProductDoc.model_validate(document), FONTS) == []


def test_the_slate_coaster_cuts_a_100_mm_circle_around_an_arc_of_text() -> None:
    doc = ProductDoc.model_validate(DEMO_COASTER)
    inputs = {"family": ZoneInput(text="The Moreaus"), "since": ZoneInput(text="Since 2019")}
    result = validate_inputs(doc, inputs, FakeCatalog())
    assert result.valid, result.errors
    (scene,) = side_scenes(
        build_spec("prd_demo", 1, doc, result), doc, FakeResources(), mockup=False
    )
    drawing = read(to_dxf(scene, BUILTIN["laser-default"]))
    (circle,) = polylines(drawing, "CUT")
    xs, ys = zip(*points(circle), strict=True)
    assert (min(xs), max(xs), min(ys), max(ys)) == pytest.approx((0, 100, 0, 100), abs=0.02)
    assert len(polylines(drawing, "ENGRAVE")) > 15  # both lines of text, engraved


def _pendant_scenes(options: dict[str, str], texts: dict[str, str]) -> list[Any]:
    doc = ProductDoc.model_validate(DEMO_PRODUCT)
    inputs = {zone_id: ZoneInput(text=text) for zone_id, text in texts.items()}
    result = validate_inputs(doc, inputs, FakeCatalog(), options=options)
    assert result.valid, result.errors
    spec = build_spec("prd_demo", 1, doc, result)
    return side_scenes(spec, doc, FakeResources(), mockup=False, content_only=True)


def test_the_pendant_is_a_two_sided_heart_whose_back_is_made_only_when_bought() -> None:
    front_only = _pendant_scenes({"back_engraving": "no"}, {"name": "Chloé"})
    assert [s.side_id for s in front_only] == ["front"]
    front, back = _pendant_scenes(
        {"back_engraving": "yes"}, {"name": "Chloé", "back": "14.02.2026"}
    )
    assert (back.side_id, back.flip) == ("back", "horizontal")
    # Cut once: the front's file cuts the heart; the back's carries it on the non-cutting GUIDE
    # layer (where the cut part is placed, flipped, for the back engraving).
    back_drawing = read(to_dxf(back, BUILTIN["laser-default"]))
    assert polylines(back_drawing, "CUT") == []
    for scene, layer in ((front, "CUT"), (back, "GUIDE")):
        (heart,) = polylines(read(to_dxf(scene, BUILTIN["laser-default"])), layer)
        xs, ys = zip(*points(heart), strict=True)
        # the 38 x 34 mm heart at (1, 1) on the 40 x 36 mm artboard, y up in the DXF
        assert (min(xs), max(xs)) == pytest.approx((1, 39), abs=0.02)
        assert (min(ys), max(ys)) == pytest.approx((1, 35), abs=0.02)
