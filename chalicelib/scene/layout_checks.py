"""Re-running a spec's text must give what the spec recorded: the checks the scene builder
applies before it draws (see :mod:`chalicelib.scene.build`). Each failure is
``render.layout_mismatch`` naming the zone, with the recorded and the fresh values."""

from __future__ import annotations

from chalicelib.domain.layout import Layout
from chalicelib.domain.spec import SpecLayout, TextZoneSpec
from chalicelib.domain.zone import TextZone
from chalicelib.scene.model import RenderError

LAYOUT_TOLERANCE_MM = 1e-3


def check_layout(zone_id: str, layout: Layout, recorded: SpecLayout) -> None:
    """The fresh layout must match the recorded lines within :data:`LAYOUT_TOLERANCE_MM`."""
    fresh = [(line.text, line.x_mm, line.baseline_mm) for line in layout.lines]
    spec = [(line.text, line.x_mm, line.baseline_mm) for line in recorded.lines]
    same = len(fresh) == len(spec) and all(
        a[0] == b[0]
        and abs(a[1] - b[1]) <= LAYOUT_TOLERANCE_MM
        and abs(a[2] - b[2]) <= LAYOUT_TOLERANCE_MM
        for a, b in zip(fresh, spec, strict=False)
    )
    same = (
        same
        and abs(layout.width_mm - recorded.width_mm) <= LAYOUT_TOLERANCE_MM
        and abs(layout.height_mm - recorded.height_mm) <= LAYOUT_TOLERANCE_MM
    )
    if not same:
        raise RenderError(
            "Laying the text out again does not give the layout the spec recorded.",
            code="render.layout_mismatch",
            details={
                "zone_id": zone_id,
                "recorded": [list(line) for line in spec],
                "fresh": [list(line) for line in fresh],
            },
        )


def check_path(zone: TextZone, given: TextZoneSpec) -> None:
    """The arc the spec's text was laid out on must be the product's arc (or neither has one)."""
    recorded = given.path.model_dump() if given.path is not None else None
    current = zone.path.model_dump() if zone.path is not None else None
    if recorded != current:
        raise RenderError(
            "The spec's text path differs from the product zone's.",
            code="render.layout_mismatch",
            details={"zone_id": zone.id, "recorded": recorded, "fresh": current},
        )


def check_runs(zone_id: str, fresh: dict[str, object], recorded: dict[str, object]) -> None:
    """Version 2: shaping again must give the very runs (scripts, directions, fonts) recorded."""
    if fresh["lines"] != recorded["lines"]:
        raise RenderError(
            "Shaping the text again does not give the runs the spec recorded.",
            code="render.layout_mismatch",
            details={"zone_id": zone_id, "recorded": recorded["lines"], "fresh": fresh["lines"]},
        )
