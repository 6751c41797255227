"""A product's sides (views): front, back, inside, lid... each its own artboard.

A pendant engraved on both faces is one product with two sides, not two products: each side has
its artboard in mm, its die line, its mockup photo and its zones (a zone says which side it is
on; zone ids stay unique across the product, so a design's inputs stay one flat map). Every
output loops over the sides: a preview draws one side or a contact sheet of all, a pack holds
files per side that has content, the job sheet shows every side.

A product that declares no ``sides`` has exactly one, implicit side, :data:`FRONT`, built from
the product's own ``width_mm``/``height_mm``/``die_line``/``base_image_asset_id``
(:func:`implicit_side`): products, specs and packs made before sides existed are unchanged.

``flip`` mirrors a side's machine files (DXF, machine SVG) about its vertical (``horizontal``)
or horizontal (``vertical``) centre line: the back of a pendant engraved from behind, or glass
engraved through. It composes with the profile's ``mirror`` (a horizontal mirror of every file):
both horizontal gives the front view again. Previews and the print PDF always show the side as
the shopper sees it.

``die_line_role`` says whether the side's die line is cut (default) or only a guide: a pendant
engraved on both faces is cut once, from the front's file; the back's files carry the same
outline on a non-cutting GUIDE layer (:mod:`chalicelib.scene.machine`) to place the cut part,
flipped, for the back engraving. Running both files then never cuts the part twice.

Like :mod:`chalicelib.domain.dieline`, this module cannot import zone.py (which imports it), so it
states its strict config itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from chalicelib.domain.dieline import DieLine
from chalicelib.domain.options import Choices, Condition, condition_issues, visible

if TYPE_CHECKING:
    from chalicelib.domain.zone import ProductDoc

FRONT = "front"  # the id of the implicit side of a product without sides
MAX_SIDES = 12
Flip = Literal["none", "horizontal", "vertical"]
# What a side's die line is in its machine files: "cut" (the CUT layer, cut last) or "guide" (a
# non-cutting GUIDE layer: the outline of a part cut from another side's file, for placing the
# flipped part; a two-sided part is cut once).
DieLineRole = Literal["cut", "guide"]
SideId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]
Pixel = Annotated[float, Field(ge=-100_000, le=100_000)]
Corner = Annotated[list[Pixel], Field(min_length=2, max_length=2)]  # [x, y] on the photo


class Side(BaseModel):
    """One view of the product; ``mockup_corners`` are the pixel positions of the artboard's
    corners (top-left, top-right, bottom-right, bottom-left) on the mockup photo, for a photo
    taken at an angle (the material-true preview warps the design onto them)."""

    model_config = ConfigDict(strict=True, extra="forbid")

    id: SideId
    name: Annotated[str, StringConstraints(min_length=1, max_length=120, strip_whitespace=True)]
    width_mm: Annotated[float, Field(gt=0, le=5000)]
    height_mm: Annotated[float, Field(gt=0, le=5000)]
    die_line: DieLine | None = None
    mockup_asset_id: str | None = Field(default=None, max_length=64)
    mockup_corners: list[Corner] | None = Field(default=None, min_length=4, max_length=4)
    flip: Flip = "none"
    die_line_role: DieLineRole = "cut"
    # Shown only for some option choices (a back engraving the shopper pays for): a hidden
    # side's zones take no input and the side makes no file.
    visible_when: Condition | None = None

    def shown(self, choices: Choices | None) -> bool:
        return visible(self.visible_when, choices or {})


def implicit_side(
    width_mm: float, height_mm: float, die_line: DieLine | None, mockup_asset_id: str | None
) -> Side:
    """The one side of a product that declares none: its own artboard, die line and photo."""
    return Side(
        id=FRONT,
        name="Front",
        width_mm=width_mm,
        height_mm=height_mm,
        die_line=die_line,
        mockup_asset_id=mockup_asset_id,
    )


def corners_in_order(corners: Sequence[Sequence[float]]) -> bool:
    """Whether four photo points (y down) run clockwise on screen around a convex area, as the
    artboard's TL, TR, BR, BL do: the perspective onto them is then one-to-one (no mirrored,
    folded or flat artboard, which would fail or draw the design inside out)."""
    turns = []
    for k in range(4):
        (ax, ay), (bx, by), (cx, cy) = corners[k], corners[(k + 1) % 4], corners[(k + 2) % 4]
        turns.append((bx - ax) * (cy - by) - (by - ay) * (cx - bx))
    return all(turn > 1.0 for turn in turns)  # > 1 px²: not flat either


def _issue(field: str, code: str, message: str, **params: Any) -> dict[str, Any]:
    return {"field": field, "code": code, "message": message, "params": params}


def side_issues(doc: ProductDoc) -> list[dict[str, Any]]:
    """Side ids unique, every zone on a side the product has, one place for the die line."""
    issues: list[dict[str, Any]] = []
    declared: Sequence[Side] = doc.sides or ()
    seen: set[str] = set()
    for i, side in enumerate(declared):
        if side.id in seen:
            issues.append(
                _issue(
                    f"sides[{i}].id",
                    "side.duplicate_id",
                    "Side ids must be unique.",
                    side_id=side.id,
                )
            )
        seen.add(side.id)
        if side.id == "all":
            issues.append(
                _issue(
                    f"sides[{i}].id",
                    "side.reserved_id",
                    'The side id "all" is reserved: it asks a preview for every side.',
                    side_id=side.id,
                )
            )
    if declared and doc.die_line is not None:
        issues.append(
            _issue(
                "die_line",
                "side.die_line_on_product",
                "A product with sides gives each side its own die line; remove the product's.",
            )
        )
    for i, side in enumerate(declared):
        issues += condition_issues(f"sides[{i}].visible_when", side.visible_when, doc.options)
        if side.mockup_corners is not None and not corners_in_order(side.mockup_corners):
            issues.append(
                _issue(
                    f"sides[{i}].mockup_corners",
                    "side.mockup_corners_invalid",
                    "Mockup corners go top-left, top-right, bottom-right, bottom-left around a "
                    "convex area of the photo.",
                    side_id=side.id,
                )
            )
    known = {side.id for side in doc.all_sides}
    for i, zone in enumerate(doc.zones):
        if zone.side is not None and zone.side not in known:
            issues.append(
                _issue(
                    f"zones[{i}].side",
                    "zone.unknown_side",
                    "The zone names a side the product does not have.",
                    zone_id=zone.id,
                    side=zone.side,
                    sides=sorted(known),
                )
            )
    return issues
