"""Product sides: the model, its rules, and that products without sides are unchanged."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.domain.zone import ProductDoc, product_issues
from tests.support.sides import HEART, pendant_doc, side_zone

FONTS = {"lato-regular"}


def issues(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return product_issues(ProductDoc.model_validate(doc), FONTS)


def test_two_sided_pendant_is_sound_and_zones_know_their_side() -> None:
    doc = ProductDoc.model_validate(pendant_doc())
    assert issues(pendant_doc()) == []
    assert [s.id for s in doc.all_sides] == ["front", "back"]
    assert [z.id for z in doc.zones_on("front")] == ["name"]
    assert [z.id for z in doc.zones_on("back")] == ["date"]
    assert doc.side("back") is not None and doc.side("back").flip == "horizontal"  # type: ignore[union-attr]


def test_a_zone_without_side_is_on_the_first_side() -> None:
    raw = pendant_doc()
    raw["zones"][0].pop("side")
    doc = ProductDoc.model_validate(raw)
    assert doc.side_of(doc.zones[0]).id == "front"


def test_product_without_sides_has_one_implicit_front_side() -> None:
    raw = {
        "name": "Tag",
        "sku": "TAG",
        "width_mm": 50.0,
        "height_mm": 20.0,
        "base_image_asset_id": "ast_photo",
        "die_line": {"shape": "rectangle", "width_mm": 50.0, "height_mm": 20.0},
        "zones": [side_zone("name", None, x_mm=5, y_mm=5, width_mm=30, height_mm=8)],
    }
    doc = ProductDoc.model_validate(raw)
    (front,) = doc.all_sides
    assert (front.id, front.width_mm, front.height_mm) == ("front", 50.0, 20.0)
    assert front.die_line == doc.die_line and front.mockup_asset_id == "ast_photo"
    assert front.flip == "none"
    # The stored document and its dump do not grow new keys: byte-identical documents.
    dumped = doc.model_dump(mode="json")
    assert "sides" not in dumped and "side" not in dumped["zones"][0]
    assert set(dumped) == {
        "name",
        "sku",
        "status",
        "width_mm",
        "height_mm",
        "base_image_asset_id",
        "manufacturing_profile_id",
        "die_line",
        "zones",
    }
    # A zone may name the implicit side; any other name is unknown.
    raw["zones"][0]["side"] = "front"
    assert product_issues(ProductDoc.model_validate(raw), FONTS) == []
    raw["zones"][0]["side"] = "back"
    assert [i["code"] for i in product_issues(ProductDoc.model_validate(raw), FONTS)] == [
        "zone.unknown_side"
    ]


def test_sides_round_trip_through_the_stored_form() -> None:
    doc = ProductDoc.model_validate(pendant_doc(back_die_line=True))
    stored = doc.model_dump(mode="json")
    assert stored["zones"][1]["side"] == "back" and stored["sides"][1]["flip"] == "horizontal"
    assert ProductDoc.model_validate(stored, strict=False) == doc


def test_zone_naming_an_unknown_side_is_an_issue() -> None:
    raw = pendant_doc()
    raw["zones"][1]["side"] = "inside"
    found = issues(raw)
    assert [i["code"] for i in found] == ["zone.unknown_side"]
    assert found[0]["field"] == "zones[1].side"
    assert found[0]["params"] == {"zone_id": "date", "side": "inside", "sides": ["back", "front"]}


def test_side_ids_must_be_unique() -> None:
    raw = pendant_doc()
    raw["sides"][1]["id"] = "front"
    found = issues(raw)
    assert [(i["field"], i["code"]) for i in found] == [
        ("sides[1].id", "side.duplicate_id"),
        ("zones[1].side", "zone.unknown_side"),  # no side is called "back" any more
    ]


def test_product_die_line_with_declared_sides_is_refused() -> None:
    found = issues(pendant_doc(die_line=copy.deepcopy(HEART)))
    assert [i["code"] for i in found] == ["side.die_line_on_product"]


def test_zones_are_checked_against_their_own_sides_artboard() -> None:
    raw = pendant_doc()
    raw["sides"][1].update(width_mm=12.0, height_mm=12.0)  # the back is smaller
    found = issues(raw)
    assert [(i["code"], i["params"]["zone_id"]) for i in found] == [
        ("zone.outside_artboard", "date")
    ]
    assert found[0]["params"]["artboard_mm"] == [12.0, 12.0]


def test_each_sides_die_line_is_checked_with_that_sides_zones() -> None:
    raw = pendant_doc(back_die_line=True)
    raw["zones"][1].update(x_mm=1.0, y_mm=20.0, width_mm=28.0)  # the heart's narrow bottom
    found = issues(raw)
    assert [(i["field"], i["code"], i["params"].get("side")) for i in found] == [
        ("sides[1].die_line", "zone.outside_die_line", "back")
    ]


@pytest.mark.parametrize(
    "change",
    [
        {"flip": "diagonal"},
        {"mockup_corners": [[0, 0], [10, 0], [10, 10]]},
        {"mockup_corners": [[0, 0], [10, 0], [10, 10], [0, 10, 3]]},
        {"id": "Back Side"},
        {"width_mm": 0},
        {"colour": "red"},
    ],
)
def test_side_shape_errors_are_validation_errors(change: dict[str, Any]) -> None:
    raw = pendant_doc()
    raw["sides"][1].update(change)
    with pytest.raises(ValidationError):
        ProductDoc.model_validate(raw)


def test_mockup_corners_are_four_points() -> None:
    raw = pendant_doc()
    raw["sides"][0]["mockup_corners"] = [[10, 12], [90, 8], [95, 88], [6, 92]]
    doc = ProductDoc.model_validate(raw)
    assert doc.all_sides[0].mockup_corners == [[10, 12], [90, 8], [95, 88], [6, 92]]


def test_no_sides_list_may_be_empty() -> None:
    with pytest.raises(ValidationError):
        ProductDoc.model_validate(pendant_doc(sides=[]))


BACK_OPTION = {
    "id": "engrave-back",
    "name": "Back engraving",
    "kind": "toggle",
    "values": [{"id": "no", "name": "No"}, {"id": "yes", "name": "Yes"}],
}
SHOWN_WITH_YES = {"all": [{"option": "engrave-back", "equals": "yes"}]}


def _optional_back(**side_over: Any) -> dict[str, Any]:
    raw = pendant_doc(options=[BACK_OPTION])
    raw["sides"][1].update(visible_when=SHOWN_WITH_YES, **side_over)
    return raw


def test_a_hidden_sides_zones_take_no_input_and_the_side_makes_no_scene() -> None:
    from chalicelib.domain.personalization import ZoneInput, validate_inputs
    from chalicelib.domain.spec import build_spec
    from chalicelib.scene.build import side_scenes
    from tests.support.personalization import FakeCatalog
    from tests.support.scene import FakeResources

    doc = ProductDoc.model_validate(_optional_back(die_line=copy.deepcopy(HEART)))
    inputs = {"name": ZoneInput(text="Ana"), "date": ZoneInput(text="2026")}
    hidden = validate_inputs(doc, inputs, FakeCatalog(), options={"engrave-back": "no"})
    assert [(e["zone_id"], e["code"]) for e in hidden.errors] == [("date", "zone.hidden")]
    assert hidden.errors[0]["params"]["visible_when"] == SHOWN_WITH_YES
    shown = validate_inputs(doc, inputs, FakeCatalog(), options={"engrave-back": "yes"})
    assert shown.valid, shown.errors
    front_only = validate_inputs(
        doc, {"name": ZoneInput(text="Ana")}, FakeCatalog(), options={"engrave-back": "no"}
    )
    spec = build_spec("prd_test", 1, doc, front_only)
    # the back has a die line (content), but the shopper did not choose it: no scene, no files
    scenes = side_scenes(spec, doc, FakeResources(), mockup=False, content_only=True)
    assert [s.side_id for s in scenes] == ["front"]
    spec_yes = build_spec("prd_test", 1, doc, shown)
    scenes = side_scenes(spec_yes, doc, FakeResources(), mockup=False, content_only=True)
    assert [s.side_id for s in scenes] == ["front", "back"]


def test_a_sides_condition_may_only_name_the_products_options() -> None:
    raw = _optional_back()
    raw["sides"][1]["visible_when"] = {"all": [{"option": "lid", "equals": "yes"}]}
    found = issues(raw)
    assert [i["field"] for i in found] == ["sides[1].visible_when"]
