"""The scene as a DXF a laser or CNC controller can run as is (written with ezdxf).

What a workshop expects (see the manufacturing reference) drives every choice here:

- DXF R2010, ``$INSUNITS`` 4 (mm) or 1 (inch) and ``$MEASUREMENT`` to match, 1:1, y up.
- One layer per operation, named and coloured by the profile (ACI and true colour), and a
  non-cutting ``GUIDE`` layer for a side whose die line only places the part (cut from another
  side's file; :data:`chalicelib.scene.machine.GUIDE`), only when a side has one; each entity
  also carries the colours itself, because several laser programs map colour to power and read
  the entity's colour without resolving BYLAYER.
- Only closed LWPOLYLINEs: text is its outlines flattened to 0.01 mm (controllers reject splines
  and fonts), colour zones are their rectangles, turned like the zone. Nothing else is written:
  no notes layer, no frame, and **no images** (a raster has no place in a cut file; an image
  zone is printed or raster-engraved from the PNG/PDF of the pack instead).
- The geometry is :func:`chalicelib.scene.machine.machine_paths`: welded cut text, kerf and
  stencil bridges per profile, holes before outlines; the machine SVG draws the same paths.
- Identical polylines on a layer are written once (a double cut burns twice).
- ``doc.audit()`` must find nothing, and the same scene gives the same bytes (fixed handles,
  fixed dates and GUIDs).

ezdxf (and numpy, which it loads) is imported only inside :func:`to_dxf`, so the API never pays
for it; see :func:`prepare_ezdxf_import` for the font cache it writes on first import.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from chalicelib.domain.color import hex_rgb
from chalicelib.domain.profile import ProfileDoc
from chalicelib.domain.units import MM_PER_INCH
from chalicelib.scene import flatten as geo
from chalicelib.scene.machine import GUIDE, RUN_ORDER, machine_paths, mirrors
from chalicelib.scene.model import Scene

if TYPE_CHECKING:
    from ezdxf.document import Drawing
    from ezdxf.layouts.base import BaseLayout

DXF_VERSION = "R2010"
INSUNITS = {"mm": 4, "in": 1}
MEASUREMENT = {"mm": 1, "in": 0}  # 1 metric, 0 imperial
SIDE_GAP_MM = 10.0  # between two sides' blocks in a one-file DXF


class DxfAuditFailed(RuntimeError):
    """ezdxf's audit found errors in a file we made: a bug, never the shopper's doing."""


def to_dxf(scene: Scene, profile: ProfileDoc) -> bytes:
    """The scene's machine geometry as DXF bytes (UTF-8, R2010), laid out by ``profile``.

    Raises :class:`chalicelib.scene.flatten.GeometryError` when the profile's kerf or bridges
    cannot be applied to this design, :class:`DxfAuditFailed` if ezdxf's audit objects.
    """
    return _written(lambda: _drawing([scene], profile, blocks=False))


def to_dxf_blocks(scenes: Sequence[Scene], profile: ProfileDoc) -> bytes:
    """Every side in one DXF (a profile's ``dxf_sides: blocks``): each side's geometry is a
    block named ``SIDE_<id>`` (mirrored by the side's own flip, like its single file),
    inserted left to right with :data:`SIDE_GAP_MM` between sides, so one file holds the job
    and each side still moves as one piece in the laser software."""
    return _written(lambda: _drawing(scenes, profile, blocks=True))


def _written(make: Callable[[], Drawing]) -> bytes:
    prepare_ezdxf_import()
    with _fixed_metadata():
        doc = make()
        auditor = doc.audit()
        if auditor.has_errors:
            raise DxfAuditFailed(f"ezdxf audit: {[e.message for e in auditor.errors]}")
        # ezdxf keeps its required CLASS names in sets, so their order follows the process's
        # hash seed; add them now and sort, so every worker writes the same bytes.
        doc.classes.add_required_classes(doc.dxfversion)
        doc.classes.classes = dict(sorted(doc.classes.classes.items()))
        stream = io.StringIO()
        doc.write(stream)
    return doc.encode(stream.getvalue())


def _drawing(scenes: Sequence[Scene], profile: ProfileDoc, *, blocks: bool) -> Drawing:
    from ezdxf.colors import rgb2int
    from ezdxf.filemanagement import new

    doc = new(DXF_VERSION, setup=False, units=INSUNITS[profile.units])
    doc.header["$MEASUREMENT"] = MEASUREMENT[profile.units]
    attribs: dict[str, dict[str, object]] = {}
    for name in RUN_ORDER:
        op = profile.operations[name]
        true_color = rgb2int(hex_rgb(op.rgb))
        doc.layers.add(op.layer, color=op.aci, true_color=true_color)
        attribs[name] = {"layer": op.layer, "color": op.aci, "true_color": true_color}
    if any(scene.die_line is not None and scene.die_line_role == "guide" for scene in scenes):
        true_color = rgb2int(hex_rgb(GUIDE.rgb))
        doc.layers.add(GUIDE.layer, color=GUIDE.aci, true_color=true_color)
        attribs["guide"] = {"layer": GUIDE.layer, "color": GUIDE.aci, "true_color": true_color}
    msp = doc.modelspace()
    scale = 1 / MM_PER_INCH if profile.units == "in" else 1.0
    rings: list[geo.Ring] = []
    x_mm = 0.0
    for scene in scenes:
        frame = _frame(scene, profile)
        if not blocks:
            rings += _add_paths(msp, scene, profile, frame, attribs)
            continue
        block = doc.blocks.new(name=f"SIDE_{scene.side_id}")
        placed = _add_paths(block, scene, profile, frame, attribs)
        x = round(x_mm * scale, 5)
        msp.add_blockref(block.name, (x, 0.0))
        rings += [tuple((px + x, py) for px, py in ring) for ring in placed]
        x_mm += scene.width_mm + SIDE_GAP_MM
    width = x_mm - SIDE_GAP_MM if blocks else scenes[0].width_mm
    height = max(scene.height_mm for scene in scenes)
    _set_extents(doc, rings, (width * scale, height * scale))
    return doc


def _frame(scene: Scene, profile: ProfileDoc) -> geo.MachineFrame:
    horizontal, vertical = mirrors(scene, profile)
    return geo.MachineFrame(
        scene.width_mm,
        scene.height_mm,
        mirror=horizontal,
        inches=profile.units == "in",
        flip_vertical=vertical,
    )


def _add_paths(
    layout: BaseLayout,
    scene: Scene,
    profile: ProfileDoc,
    frame: geo.MachineFrame,
    attribs: dict[str, dict[str, object]],
) -> list[geo.Ring]:
    """The scene's machine paths as closed polylines on ``layout`` (the modelspace or a side's
    block), each identical path on a layer once; returns the rings written."""
    written: dict[tuple[str, geo.Ring], geo.Ring] = {}
    for path in machine_paths(scene, profile):
        ring = frame.ring(path.ring)
        if ring is None:
            continue
        ring = geo.oriented(ring, path.depth)  # CAM convention: outlines CCW, holes CW
        key = (path.operation, geo.canonical(ring))
        if key not in written:
            written[key] = ring
            layout.add_lwpolyline(ring, format="xy", close=True, dxfattribs=attribs[path.operation])
    return list(written.values())


def _set_extents(doc: Drawing, rings: list[geo.Ring], limits: tuple[float, float]) -> None:
    """Extents (what viewers zoom to) from the geometry; limits are the artboard(s)."""
    msp = doc.modelspace()
    msp.dxf.limmin = (0.0, 0.0)
    msp.dxf.limmax = (round(limits[0], 5), round(limits[1], 5))
    points = [p for ring in rings for p in ring]
    if points:
        box = geo.bbox(points)
        msp.dxf.extmin = (box[0], box[1], 0.0)
        msp.dxf.extmax = (box[2], box[3], 0.0)


@contextlib.contextmanager
def _fixed_metadata() -> Iterator[None]:
    """ezdxf stamps dates, GUIDs and an "ezdxf <version> @ <now>" marker when a document is
    created and written; its fixed-metadata option writes constants instead, which makes the
    bytes a function of the scene. The option is process-global and restored afterwards; a
    worker draws one pack at a time, so no other writer observes it.
    """
    # ``ezdxf.options``, imported from where it is defined: strict mypy sees no re-export.
    from ezdxf._options import options

    previous = options.write_fixed_meta_data_for_testing
    options.write_fixed_meta_data_for_testing = True
    try:
        yield
    finally:
        options.write_fixed_meta_data_for_testing = previous


def prepare_ezdxf_import() -> None:
    """Point ezdxf's font cache at a writable place before ezdxf is first imported.

    At its first import ezdxf scans the system fonts and saves the result under
    ``$XDG_CACHE_HOME`` (default ``~/.cache``); Lambda's home is read-only. An explicit
    ``XDG_CACHE_HOME`` is respected.
    """
    if not os.environ.get("XDG_CACHE_HOME"):
        os.environ["XDG_CACHE_HOME"] = tempfile.gettempdir()
