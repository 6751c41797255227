"""The scene as an SVG for laser software (LightBurn, RDWorks, Inkscape): a layer per operation.

:mod:`chalicelib.scene.svg` draws the picture; this draws the job. The geometry is the same
(the scene's glyph outlines as ``<path d>``, rectangles with the zone's transform), grouped the
way a machine reads it:

- The root is the true size in mm (or inches, per profile); the viewBox stays in mm, so every
  coordinate, and the hairline width, is in mm either way.
- One ``<g id="<layer>">`` per operation in the order the machine runs them (print, engrave,
  score, cut), named and coloured by the profile, also marked as Inkscape layers. Empty
  operations keep their (empty) group, so a shop's import template always finds its layers.
- Cut and score are hairlines (0.01 mm, the profile's colour, no fill): a stroke of 0.2 mm or
  more may be read as an engrave. Engrave is filled with the profile's colour (the machine
  picks power by colour), print with the shopper's colour.
- Images go to the print group, or to the engrave group for a raster-engraved zone; never to
  cut or score (a raster has no place there).
- The cut layer is always the DXF's cut geometry (the flattened, welded, offset, bridged
  polygons from :func:`chalicelib.scene.machine.machine_paths`), so both files cut the same
  part and no two cut paths overlap; engrave and print keep the exact curves.
- A side whose die line is a guide (``die_line_role: guide``: the part is cut from another
  side's file) has no die line in cut; its outline is a hairline in a ``GUIDE`` group (the
  non-cutting colour of :data:`chalicelib.scene.machine.GUIDE`), written before the others and
  only then, so every other file keeps its bytes.
- ``mirror`` flips every layer about the artboard's vertical centre; a side's ``flip``
  (domain/side.py) composes with it (:func:`chalicelib.scene.machine.mirrors`).

Safe and deterministic like the picture SVG: only numbers, validated colours and layer names
(``[A-Za-z0-9_.-]``) are written; no ``<text>``, no external reference.
"""

from __future__ import annotations

import dataclasses

from chalicelib.domain.profile import OPERATION_OF_PROCESS, OperationName, ProfileDoc
from chalicelib.domain.units import MM_PER_INCH
from chalicelib.scene.flatten import Ring
from chalicelib.scene.machine import GUIDE, RUN_ORDER, PathOperation, machine_paths, mirrors
from chalicelib.scene.model import ColorItem, ImageItem, Scene, TextItem
from chalicelib.scene.model import fmt_number as _n
from chalicelib.scene.outline import to_svg_path_d
from chalicelib.scene.svg import DECIMALS, _color, _group, _image, _rect

HAIRLINE_MM = 0.01
_RING_DECIMALS = 3  # polygons are already rounded geometry: 1 µm, as in the DXF


def to_machine_svg(scene: Scene, profile: ProfileDoc) -> str:
    """The scene's machine layers as SVG text, laid out by ``profile``."""
    w, h = scene.width_mm, scene.height_mm
    if profile.units == "in":
        size = f'width="{_n(w / MM_PER_INCH, 6)}in" height="{_n(h / MM_PER_INCH, 6)}in"'
    else:
        size = f'width="{_n(w)}mm" height="{_n(h)}mm"'
    clips: list[str] = []
    bodies = _bodies(scene, profile, clips)
    horizontal, vertical = mirrors(scene, profile)
    mirror = ""
    if horizontal or vertical:
        sx, tx = (-1, _n(w)) if horizontal else (1, "0")
        sy, ty = (-1, _n(h)) if vertical else (1, "0")
        mirror = f' transform="matrix({sx} 0 0 {sy} {tx} {ty})"'
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" '
        f'version="1.1" {size} viewBox="0 0 {_n(w)} {_n(h)}">'
    ]
    if clips:
        parts.append(f"<defs>{''.join(clips)}</defs>")
    if bodies["guide"]:
        stroke = f' fill="none" stroke="{_color(GUIDE.rgb)}" stroke-width="{_n(HAIRLINE_MM)}"'
        parts.append(
            f'<g id="{GUIDE.layer}" inkscape:groupmode="layer" inkscape:label="{GUIDE.layer}"'
            f"{stroke}{mirror}>{''.join(bodies['guide'])}</g>"
        )
    for name in RUN_ORDER:
        layer = profile.operations[name].layer
        parts.append(
            f'<g id="{layer}" inkscape:groupmode="layer" inkscape:label="{layer}"'
            f"{_paint(name, profile)}{mirror}>{''.join(bodies[name])}</g>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _paint(name: OperationName, profile: ProfileDoc) -> str:
    """Paint set once on the layer: hairlines for cut and score, a fill for engrave; print
    items carry the shopper's colours themselves."""
    color = _color(profile.operations[name].rgb)
    if name in ("cut", "score"):
        return f' fill="none" stroke="{color}" stroke-width="{_n(HAIRLINE_MM)}"'
    if name == "engrave":
        return f' fill="{color}" fill-rule="nonzero" stroke="none"'
    return ""


def _bodies(scene: Scene, profile: ProfileDoc, clips: list[str]) -> dict[PathOperation, list[str]]:
    bodies: dict[PathOperation, list[str]] = {name: [] for name in RUN_ORDER}
    bodies["guide"] = []
    cut_items = []
    for item in scene.items:
        name = OPERATION_OF_PROCESS[item.process]
        own_color = name == "print"
        if isinstance(item, ImageItem):
            if name in ("print", "engrave"):
                bodies[name].append(_image(item.image, clips, None))
        elif name == "cut":
            cut_items.append(item)
        elif isinstance(item, TextItem):
            d = to_svg_path_d(item.outline, decimals=DECIMALS)
            if d:
                fill = f' fill="{_color(item.color)}" fill-rule="nonzero"' if own_color else ""
                bodies[name].append(f'<path{fill} d="{d}"/>')
        elif isinstance(item, ColorItem):
            paint = _color(item.color) if own_color else None
            bodies[name].append(_group(item.transform, _rect(item.rect, paint)))
    if cut_items or scene.die_line is not None:
        cut_scene = dataclasses.replace(scene, base_image=None, items=tuple(cut_items))
        for path in machine_paths(cut_scene, profile):  # cut, and an outline's engraved text
            bodies[path.operation].append(_polygon(path.ring))
    return bodies


def _polygon(ring: Ring) -> str:
    coords = "L".join(f"{_n(x, _RING_DECIMALS)} {_n(y, _RING_DECIMALS)}" for x, y in ring)
    return f'<path d="M{coords}Z"/>'
