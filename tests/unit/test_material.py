"""The material list is one list: every material has its facts, and nothing else does."""

from chalicelib.domain import material


def test_every_material_has_facts_and_no_extra_ones() -> None:
    assert set(material.FACTS) == set(material.MATERIALS)


def test_materials_that_engrave_lighter_are_the_dark_or_clear_ones() -> None:
    lighter = {m for m in material.MATERIALS if material.facts(m).engraves_lighter}
    assert {"slate", "anodized_aluminium", "glass"} <= lighter
    assert not lighter & {"wood_light", "wood_dark", "leather", "paper"}
