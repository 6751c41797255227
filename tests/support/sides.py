"""A two-sided heart pendant (front and back, each its own zone) for the side tests."""

from __future__ import annotations

import copy
from typing import Any

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
