"""The scene as a one-page vector PDF at true size, written directly (no PDF library).

Why by hand: the scene is already paths, rectangles and PNG images, which map one-to-one onto a
handful of PDF operators; a library would add a dependency and, usually, timestamps. Written
here the file is deterministic (no dates, ``/ID`` from a hash of the content), has no fonts at
all (text is filled outlines), and carries the boxes a print shop checks:

* MediaBox = BleedBox = artboard grown by the bleed on every side,
* TrimBox = the artboard itself (the product's size).

One ``cm`` at the top of the page maps millimetres, y down, onto points, y up, so every item is
written in scene coordinates exactly as the SVG writer writes them. Quadratic segments (TrueType)
become the equivalent cubics, since PDF has none. Images are RGB FlateDecode XObjects with an
SMask when they have alpha; an image used twice is stored once.
"""

from __future__ import annotations

import hashlib
import io
import zlib
from typing import TYPE_CHECKING

from chalicelib.scene.model import (
    Affine,
    ColorItem,
    ImageItem,
    PlacedImage,
    Rect,
    Scene,
    TextItem,
    hex_rgb,
)
from chalicelib.scene.model import fmt_number as _n

if TYPE_CHECKING:
    from chalicelib.scene.outline import Contour

PT_PER_MM = 72 / 25.4
_ZLIB_LEVEL = 6


def to_pdf(scene: Scene, *, bleed_mm: float = 0.0) -> bytes:
    """One page, MediaBox/BleedBox = artboard + bleed, TrimBox = artboard."""
    images: dict[str, tuple[str, PlacedImage]] = {}  # sha256 -> (resource name, image)
    ops = [_page_matrix(scene, bleed_mm)]
    if scene.base_image is not None:
        ops.append(_image_ops(scene.base_image, images))
    for item in scene.items:
        if isinstance(item, TextItem):
            ops.append(_text_ops(item))
        elif isinstance(item, ImageItem):
            ops.append(_image_ops(item.image, images))
        elif isinstance(item, ColorItem):
            ops.append(_color_ops(item))
    ops.append("Q")
    return _document(scene, bleed_mm, "\n".join(op for op in ops if op).encode("ascii"), images)


def _page_matrix(scene: Scene, bleed_mm: float) -> str:
    """mm, y down, origin at the artboard's top-left -> points, y up, origin at the media box."""
    k = PT_PER_MM
    return f"q {_n(k)} 0 0 {_n(-k)} {_n(bleed_mm * k)} {_n((scene.height_mm + bleed_mm) * k)} cm"


def _text_ops(item: TextItem) -> str:
    path = "\n".join(_contour_ops(c) for c in item.contours)
    if not path:
        return ""
    return f"{_rgb(item.color)} rg\n{path}\nf"


def _contour_ops(contour: Contour) -> str:
    ops: list[str] = []
    current = (0.0, 0.0)
    for segment in contour:
        pts = segment.points
        if segment.op == "M":
            ops.append(f"{_xy(pts[0])} m")
        elif segment.op == "L":
            ops.append(f"{_xy(pts[0])} l")
        elif segment.op == "Q":  # degree elevation: the same curve as a cubic
            (qx, qy), end = pts
            c1 = (current[0] + 2 / 3 * (qx - current[0]), current[1] + 2 / 3 * (qy - current[1]))
            c2 = (end[0] + 2 / 3 * (qx - end[0]), end[1] + 2 / 3 * (qy - end[1]))
            ops.append(f"{_xy(c1)} {_xy(c2)} {_xy(end)} c")
        else:
            ops.append(f"{_xy(pts[0])} {_xy(pts[1])} {_xy(pts[2])} c")
        current = pts[-1]
    ops.append("h")
    return " ".join(ops)


def _color_ops(item: ColorItem) -> str:
    return f"q {_cm(item.transform)}{_rgb(item.color)} rg {_re(item.rect)} f Q"


def _image_ops(image: PlacedImage, images: dict[str, tuple[str, PlacedImage]]) -> str:
    name = images.setdefault(image.sha256, (f"Im{len(images)}", image))[0]
    r = image.rect
    # The image's unit square goes onto its rect; row 0 at the top (y down in scene space).
    place = f"{_n(r.width)} 0 0 {_n(-r.height)} {_n(r.x)} {_n(r.y + r.height)} cm"
    return f"q {_cm(image.transform)}{_re(image.clip)} W n {place} /{name} Do Q"


def _cm(transform: Affine) -> str:
    if transform.is_identity:
        return ""
    t = transform
    return " ".join(_n(v, 8) for v in (t.a, t.b, t.c, t.d, t.e, t.f)) + " cm "


def _re(r: Rect) -> str:
    return f"{_n(r.x)} {_n(r.y)} {_n(r.width)} {_n(r.height)} re"


def _rgb(color: str) -> str:
    return " ".join(_n(c / 255, 4) for c in hex_rgb(color))


def _xy(point: tuple[float, float]) -> str:
    return f"{_n(point[0])} {_n(point[1])}"


def _stream(header: str, data: bytes) -> bytes:
    packed = zlib.compress(data, _ZLIB_LEVEL)
    head = f"<< {header} /Filter /FlateDecode /Length {len(packed)} >>\nstream\n"
    return head.encode("ascii") + packed + b"\nendstream"


def _image_objects(image: PlacedImage, first_id: int) -> list[bytes]:
    """The image XObject (and its SMask right after it when the PNG has alpha)."""
    from PIL import Image as PILImage

    decoded = PILImage.open(io.BytesIO(image.png), formats=["PNG"])
    decoded.load()
    size = f"/Type /XObject /Subtype /Image /Width {decoded.width} /Height {decoded.height}"
    common = f"{size} /BitsPerComponent 8"
    smask = ""
    objects: list[bytes] = []
    if decoded.mode in ("RGBA", "LA") or "transparency" in decoded.info:
        alpha = decoded.convert("RGBA").getchannel("A").tobytes()
        smask = f" /SMask {first_id + 1} 0 R"
        objects.append(_stream(f"{common} /ColorSpace /DeviceGray", alpha))
    rgb = decoded.convert("RGB").tobytes()
    objects.insert(0, _stream(f"{common} /ColorSpace /DeviceRGB{smask}", rgb))
    return objects


def _document(
    scene: Scene, bleed_mm: float, content: bytes, images: dict[str, tuple[str, PlacedImage]]
) -> bytes:
    k = PT_PER_MM
    media = [0.0, 0.0, (scene.width_mm + 2 * bleed_mm) * k, (scene.height_mm + 2 * bleed_mm) * k]
    trim = [bleed_mm * k, bleed_mm * k, (scene.width_mm + bleed_mm) * k, media[3] - bleed_mm * k]
    objects: list[bytes] = [b"", b"", b"", _stream("", content)]  # 1-3 filled in below
    xobjects: list[str] = []
    for name, image in images.values():
        xobjects.append(f"/{name} {len(objects) + 1} 0 R")
        objects += _image_objects(image, len(objects) + 1)
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
    objects[2] = (
        f"<< /Type /Page /Parent 2 0 R /MediaBox {_box(media)} /BleedBox {_box(media)} "
        f"/TrimBox {_box(trim)} /Resources << /XObject << {' '.join(xobjects)} >> >> "
        "/Contents 4 0 R >>"
    ).encode("ascii")
    return _serialize(objects)


def _box(values: list[float]) -> str:
    return "[" + " ".join(_n(v) for v in values) + "]"


def _serialize(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode("ascii") + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode("ascii")
    out += b"".join(f"{offset:010d} 00000 n \n".encode("ascii") for offset in offsets)
    file_id = hashlib.sha256(bytes(out)).hexdigest()[:32]
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /ID [<{file_id}> <{file_id}>] >>\n"
        f"startxref\n{xref}\n%%EOF\n"
    ).encode("ascii")
    return bytes(out)
