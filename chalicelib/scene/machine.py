"""Machine geometry, in one place: the closed paths a laser or cutter follows, per operation.

The DXF, the machine SVG and the cut parts of the PDF all draw what :func:`machine_paths`
returns, so they cannot disagree. From the scene's outlines it:

1. flattens every glyph contour (:mod:`chalicelib.scene.flatten`, within 0.01 mm);
2. resolves each glyph with the nonzero rule, as fonts fill (a glyph drawn as overlapping
   strokes becomes one outline, its counters stay holes);
3. for cut zones, **welds** the letters (the union of letters that touch or overlap, so the
   laser never cuts through a join and no two cut paths overlap) and adds the zone's
   connectors (bar, outline border, ring: :mod:`chalicelib.scene.connectors`; an outline's
   letters are engraved on it), then applies the profile's stencil bridges (across the zone's
   own strokes, at its angle) and kerf;
4. engrave and print fills stay per glyph (the fill is the same; a workshop may recolour one
   letter), with duplicates dropped by the writers;
5. adds the product's die line (kerf-compensated) to cut, or, on a side whose die line is a
   guide (``die_line_role: guide``, the back of a part cut from the front's file), the die line
   itself (no kerf: it marks where the cut part lies) on the non-cutting :data:`GUIDE` layer;
6. orders everything the way a machine runs it: print, engrave, score, cut; within cut, holes
   before outlines, deepest first, the die line last (a part that has dropped out cannot be
   cut again).

All booleans and offsets go through :mod:`chalicelib.scene.polygon_ops` (Clipper, 1 µm grid).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from chalicelib.domain.profile import OPERATION_OF_PROCESS, Operation, OperationName, ProfileDoc
from chalicelib.scene import flatten as geo
from chalicelib.scene import polygon_ops as ops
from chalicelib.scene.connectors import cut_shape, glyph_fills
from chalicelib.scene.model import ColorItem, Scene, TextItem

# The order a machine runs them: engrave while the part is still held by the sheet, cut last.
RUN_ORDER: tuple[OperationName, ...] = ("print", "engrave", "score", "cut")
# The die line of a side that is not cut from its own file: a layer no profile operation uses,
# in a colour none of the built-in profiles gives a machine operation (laser programs map colour
# to power; the workshop leaves this one switched off, or uses it to place the flipped part).
# Written only when a side asks for it, so every other file keeps its bytes.
GUIDE = Operation(layer="GUIDE", aci=4, rgb="#00FFFF")
PathOperation = OperationName | Literal["guide"]


@dataclass(frozen=True)
class MachinePath:
    """One closed path for the machine, in scene millimetres (y down), with its nesting depth
    (0 outline, 1 hole, 2 island in a hole ...)."""

    operation: PathOperation
    ring: geo.Ring
    depth: int
    die_line: bool = False  # the product's own outline: cut after everything else


def machine_paths(scene: Scene, profile: ProfileDoc) -> list[MachinePath]:
    """Every path a machine file holds, in the order the machine should run them.

    Raises :class:`~chalicelib.scene.flatten.GeometryError` when the profile's kerf or bridges
    cannot be applied to this design. Image items give no path (raster only for engrave/print).
    """
    paths: list[MachinePath] = []
    for item in scene.items:
        if isinstance(item, TextItem):
            paths.extend(_text_paths(item, profile))
        elif isinstance(item, ColorItem):
            operation = OPERATION_OF_PROCESS[item.process]
            shape = ops.region([geo.rect_ring(item.rect, item.transform)])
            if operation == "cut" and profile.kerf_mm > 0:
                shape = ops.kerf_offset(shape, profile.kerf_mm)
            paths.extend(_region_paths(operation, shape))
    if scene.die_line is not None and scene.die_line_role == "guide":
        shape = ops.region([geo.flatten(scene.die_line)])
        paths.extend(
            MachinePath("guide", p.ring, p.depth, die_line=True)
            for p in _region_paths("guide", shape)
        )
    elif scene.die_line is not None:
        shape = ops.region([geo.flatten(scene.die_line)])
        if profile.kerf_mm > 0:
            shape = ops.kerf_offset(shape, profile.kerf_mm)
        paths.extend(
            MachinePath("cut", p.ring, p.depth, die_line=True) for p in _region_paths("cut", shape)
        )
    return sorted(paths, key=_run_key)


def mirrors(scene: Scene, profile: ProfileDoc) -> tuple[bool, bool]:
    """(horizontal, vertical): how the machine files mirror this scene. The profile's
    ``mirror`` (every file, horizontally) composed with the side's own ``flip`` (the back of a
    pendant engraved from behind): a horizontal flip on a mirroring profile cancels out."""
    return profile.mirror != (scene.flip == "horizontal"), scene.flip == "vertical"


def glyph_regions(item: TextItem) -> list[ops.Region]:
    """Each glyph's fill, resolved with the nonzero rule; empty glyphs (spaces) give none."""
    return [fill for _, fill in glyph_fills(item)]


def welded(item: TextItem) -> ops.Region:
    """The text as one fill: letters that touch or overlap become one piece."""
    return ops.union(*glyph_regions(item))


def cut_region(item: TextItem, profile: ProfileDoc, shape: ops.Region | None = None) -> ops.Region:
    """What the cut layer of a text zone cuts out: the text with its connectors (weld, bar,
    outline, ring: :mod:`chalicelib.scene.connectors`), bridged and kerf-compensated."""
    if shape is None:
        shape = cut_shape(item).cut
    if profile.stencil_bridges:
        shape = ops.stencil_bridges(shape, profile.bridge_width_mm, item.angle_deg)
    if profile.kerf_mm > 0:
        shape = ops.kerf_offset(shape, profile.kerf_mm, part_is_fill=not profile.stencil_bridges)
    return shape


def _text_paths(item: TextItem, profile: ProfileDoc) -> list[MachinePath]:
    operation = OPERATION_OF_PROCESS[item.process]
    if operation == "cut":
        shape = cut_shape(item)
        engraved = [p for fill in shape.engrave for p in _region_paths("engrave", fill)]
        return engraved + _region_paths(operation, cut_region(item, profile, shape.cut))
    return [path for shape in glyph_regions(item) for path in _region_paths(operation, shape)]


def _region_paths(operation: PathOperation, shape: ops.Region) -> list[MachinePath]:
    paths = []
    for part in ops.parts(ops.strictly_simple(shape)):
        paths.append(MachinePath(operation, ops.to_ring(part.outer), part.depth))
        paths.extend(MachinePath(operation, ops.to_ring(h), part.depth + 1) for h in part.holes)
    return paths


def _run_key(path: MachinePath) -> tuple[int, bool, int]:
    """Operation first (a guide before all: nothing runs on it); within cut, the die line last
    (the product drops out of the sheet) and holes before outlines. ``sorted`` is stable, so
    the scene's order is kept otherwise."""
    return (
        -1 if path.operation == "guide" else RUN_ORDER.index(path.operation),
        path.die_line,
        -path.depth if path.operation == "cut" else 0,
    )
