"""The scene as a one-page vector PDF at true size, written directly (no PDF library); a
product's sides as one file with a page per side (:func:`to_pdf_pages`).

Why by hand: the scene is already paths, rectangles and PNG images, which map one-to-one onto a
handful of PDF operators; a library would add a dependency and, usually, timestamps. Written
here the file is deterministic (no dates, ``/ID`` from a hash of the content), has no fonts at
all (text is filled outlines), and carries the boxes a print shop checks:

* TrimBox = the artboard itself (the product's size),
* BleedBox = the artboard grown by the bleed on every side,
* MediaBox = the BleedBox, or, with crop marks, the BleedBox grown by :data:`CROP_MARGIN_MM`
  so the marks have room. The artwork is then clipped to the BleedBox: anything beyond it
  (a rotated zone poking out) would otherwise print in the slug beside the marks.

Crop marks are hairlines (0.25 pt) in registration colour (a ``Separation /All`` space, which a
RIP prints on every plate), extending the trim edges from :data:`CROP_MARK_GAP_MM` outside the
bleed: they never enter the bleed, so trimming never leaves a mark on the product.

One ``cm`` at the top of the page maps millimetres, y down, onto points, y up, so every item is
written in scene coordinates exactly as the SVG writer writes them. Quadratic segments (TrueType)
become the equivalent cubics, since PDF has none. Images are RGB FlateDecode XObjects with an
SMask when they have alpha (a photo engraving's 1-bit raster stays 1 bit per dot, DeviceGray);
an image used twice is stored once. The object and file plumbing is
shared with the job sheet (:mod:`chalicelib.scene.pdfdoc`).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from chalicelib.domain.units import PT_PER_MM
from chalicelib.scene.model import ColorItem, ImageItem, PlacedImage, Scene, TextItem
from chalicelib.scene.model import fmt_number as _n
from chalicelib.scene.pdfdoc import (
    Box,
    Page,
    cm,
    contour_ops,
    document,
    fill_contours,
    rect_path,
    rgb,
    xy,
)

if TYPE_CHECKING:
    from PIL.Image import Image

    from chalicelib.domain.profile import ProfileDoc

__all__ = ["CROP_MARGIN_MM", "PT_PER_MM", "to_pdf", "to_pdf_pages"]

CROP_MARGIN_MM = 10.0  # MediaBox beyond the BleedBox when crop marks are drawn
CROP_MARK_GAP_MM = 2.0  # marks start this far outside the bleed
CROP_MARK_LENGTH_MM = 5.0
CROP_MARK_WIDTH_PT = 0.25
_REGISTRATION = (
    "/Reg [/Separation /All /DeviceCMYK << /FunctionType 2 /Domain [0 1] "
    "/C0 [0 0 0 0] /C1 [1 1 1 1] /N 1 >>]"
)
# The spot colour print-and-cut devices (Roland VersaWorks, Mimaki, Summa) read as the cut path
# and never print; it shows as magenta on screen.
_CUT_CONTOUR = (
    "/CutContour [/Separation /CutContour /DeviceCMYK << /FunctionType 2 /Domain [0 1] "
    "/C0 [0 0 0 0] /C1 [0 1 0 0] /N 1 >>]"
)
CUT_LINE_MM = 0.25 / PT_PER_MM  # a 0.25 pt hairline


def to_pdf(
    scene: Scene,
    *,
    bleed_mm: float = 0.0,
    crop_marks: bool = False,
    profile: ProfileDoc | None = None,
) -> bytes:
    """One page at true size: TrimBox = artboard, BleedBox = artboard + bleed, and MediaBox =
    BleedBox, or larger with ``crop_marks`` (see the module docstring).

    With a ``profile`` (a pack), every cut path of the machine files (cut zones welded, the die
    line) is stroked in the ``CutContour`` spot colour, from the same geometry the DXF cuts;
    without one (a final render), only the die line."""
    return document([_page(scene, bleed_mm, crop_marks, profile)])


def to_pdf_pages(
    scenes: Sequence[Scene],
    *,
    bleed_mm: float = 0.0,
    crop_marks: bool = False,
    profile: ProfileDoc | None = None,
) -> bytes:
    """A page per scene (a product's sides, in order), each exactly as :func:`to_pdf` draws
    it, at its own size: one file the print shop opens, with the back after the front."""
    return document([_page(scene, bleed_mm, crop_marks, profile) for scene in scenes])


def _page(scene: Scene, bleed_mm: float, crop_marks: bool, profile: ProfileDoc | None) -> Page:
    margin_mm = CROP_MARGIN_MM if crop_marks else 0.0
    offset_mm = margin_mm + bleed_mm  # from the media box's edge to the trim
    images: dict[str, tuple[str, PlacedImage]] = {}  # sha256 -> (resource name, image)
    ops = [_page_matrix(scene, offset_mm)]
    if scene.base_image is not None:
        ops.append(_image_ops(scene.base_image, images))
    for item in scene.items:
        if isinstance(item, TextItem):
            if item.connector:  # a cut zone's bar, ring or border, under its letters
                ops.append(fill_contours(item.connector, item.connector_color))
            ops.append(fill_contours(item.contours, item.color))
        elif isinstance(item, ImageItem):
            ops.append(_image_ops(item.image, images))
        elif isinstance(item, ColorItem):
            ops.append(f"q {cm(item.transform)}{rgb(item.color)} rg {rect_path(item.rect)} f Q")
    cut = _cut_ops(scene, profile)
    if cut:  # for print-and-cut devices
        ops.append(f"q {_n(CUT_LINE_MM, 6)} w /CutContour CS 1 SCN\n{cut}\nS Q")
    ops.append("Q")
    k = PT_PER_MM
    media = [0.0, 0.0, (scene.width_mm + 2 * offset_mm) * k, (scene.height_mm + 2 * offset_mm) * k]
    bleed = [margin_mm * k, margin_mm * k, media[2] - margin_mm * k, media[3] - margin_mm * k]
    trim = [
        offset_mm * k,
        offset_mm * k,
        (scene.width_mm + offset_mm) * k,
        media[3] - offset_mm * k,
    ]
    if crop_marks:
        clip = f"{_n(bleed[0])} {_n(bleed[1])} {_n(bleed[2] - bleed[0])} {_n(bleed[3] - bleed[1])}"
        ops = [f"q {clip} re W n", *ops, "Q", _crop_mark_ops(trim, bleed_mm)]
    content = "\n".join(op for op in ops if op).encode("ascii")
    boxes = [("MediaBox", media), ("BleedBox", bleed), ("TrimBox", trim)]
    decoded = [(name, _decode(image)) for name, image in images.values()]
    spaces = [_REGISTRATION] if crop_marks else []
    if cut:
        spaces.append(_CUT_CONTOUR)
    return Page(boxes, content, decoded, f"/ColorSpace << {' '.join(spaces)} >>" if spaces else "")


def _cut_ops(scene: Scene, profile: ProfileDoc | None) -> str:
    """Subpaths of the cut paths: the machine module's (pack), or the die line alone. A die
    line that is only a guide (the part is cut from another side's file) is not CutContour:
    a print-and-cut device would cut the part twice; nothing is printed for it either."""
    die_line = scene.die_line if scene.die_line_role == "cut" else None
    if profile is None:
        return contour_ops(die_line) if die_line is not None else ""
    if die_line is None and not any(item.process == "cut" for item in scene.items):
        return ""  # nothing is cut: no need to load the geometry library
    from chalicelib.scene.machine import machine_paths

    subpaths = []
    for path in machine_paths(scene, profile):
        if path.operation == "cut":
            first, *rest = path.ring
            subpaths.append(f"{xy(first)} m " + " ".join(f"{xy(p)} l" for p in rest) + " h")
    return "\n".join(subpaths)


def _page_matrix(scene: Scene, offset_mm: float) -> str:
    """mm, y down, origin at the artboard's top-left -> points, y up, origin at the media box."""
    k = PT_PER_MM
    return f"q {_n(k)} 0 0 {_n(-k)} {_n(offset_mm * k)} {_n((scene.height_mm + offset_mm) * k)} cm"


def _image_ops(image: PlacedImage, images: dict[str, tuple[str, PlacedImage]]) -> str:
    name = images.setdefault(image.sha256, (f"Im{len(images)}", image))[0]
    r = image.rect
    # The image's unit square goes onto its rect; row 0 at the top (y down in scene space).
    place = f"{_n(r.width)} 0 0 {_n(-r.height)} {_n(r.x)} {_n(r.y + r.height)} cm"
    return f"q {cm(image.transform)}{rect_path(image.clip)} W n {place} /{name} Do Q"


def _crop_mark_ops(trim: Box, bleed_mm: float) -> str:
    """Two hairlines per trim corner, in points, continuing the trim edges outward."""
    k = PT_PER_MM
    start = (bleed_mm + CROP_MARK_GAP_MM) * k
    end = start + CROP_MARK_LENGTH_MM * k
    lines: list[str] = []
    for x, sx in ((trim[0], -1), (trim[2], 1)):
        for y, sy in ((trim[1], -1), (trim[3], 1)):
            lines.append(f"{_n(x + sx * start)} {_n(y)} m {_n(x + sx * end)} {_n(y)} l")
            lines.append(f"{_n(x)} {_n(y + sy * start)} m {_n(x)} {_n(y + sy * end)} l")
    marks = "\n".join(lines)
    return f"q /Reg CS 1 SCN {_n(CROP_MARK_WIDTH_PT)} w 0 J [] 0 d\n{marks}\nS Q"


def _decode(image: PlacedImage) -> Image:
    from PIL import Image as PILImage

    decoded = PILImage.open(io.BytesIO(image.png), formats=["PNG"])
    decoded.load()
    return decoded
