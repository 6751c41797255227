"""A two-sided heart pendant (front and back, each its own zone) for the side tests."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chalicelib.scene.model import Scene

HEART = {"shape": "heart", "x_mm": 1.0, "y_mm": 1.0, "width_mm": 28.0, "height_mm": 26.0}


def side_zone(zone_id: str, side: str | None, **over: Any) -> dict[str, Any]:
    zone: dict[str, Any] = {
        "id": zone_id,
        "name": zone_id.title(),
        "kind": "text",
        "process": "engrave",
        "x_mm": 7.0,
        "y_mm": 8.0,
        "width_mm": 16.0,
        "height_mm": 7.0,
        "max_chars": 12,
        "min_size_mm": 2,
        "max_size_mm": 5,
        "fonts": ["lato-regular"],
    }
    if side is not None:
        zone["side"] = side
    zone.update(over)
    return zone


def pendant_doc(*, back_die_line: bool = False, **over: Any) -> dict[str, Any]:
    """Front: the heart die line and a name; back: a date, mirrored for engraving from behind."""
    back: dict[str, Any] = {
        "id": "back",
        "name": "Back",
        "width_mm": 30.0,
        "height_mm": 30.0,
        "flip": "horizontal",
    }
    if back_die_line:
        back["die_line"] = copy.deepcopy(HEART)
    doc: dict[str, Any] = {
        "name": "Heart pendant",
        "sku": "HEART-2S",
        "status": "active",
        "width_mm": 30.0,
        "height_mm": 30.0,
        "sides": [
            {
                "id": "front",
                "name": "Front",
                "width_mm": 30.0,
                "height_mm": 30.0,
                "die_line": copy.deepcopy(HEART),
            },
            back,
        ],
        "zones": [side_zone("name", "front"), side_zone("date", "back")],
    }
    doc.update(over)
    return doc


def pendant_scenes(
    texts: dict[str, str], *, mockup: bool = False, content_only: bool = False, **over: Any
) -> list[Scene]:
    """The pendant's scenes, one per side, for ``texts`` by zone id (bundled fonts)."""
    from chalicelib.domain.personalization import ZoneInput
    from chalicelib.domain.zone import ProductDoc
    from chalicelib.scene.build import side_scenes
    from tests.support.scene import FakeResources, make_spec

    doc = ProductDoc.model_validate(pendant_doc(**over))
    spec = make_spec(doc, {k: ZoneInput(text=v) for k, v in texts.items()})
    return side_scenes(spec, doc, FakeResources(), mockup=mockup, content_only=content_only)
