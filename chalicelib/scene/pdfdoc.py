"""The few PDF pieces every hand-written PDF here needs: streams, images, path operators, a file.

Both the production PDF (:mod:`chalicelib.scene.pdf`) and the workshop's job sheet
(:mod:`chalicelib.scene.jobsheet`) are one page of paths and images in millimetres; sharing
these helpers keeps both deterministic in the same way: fixed zlib level, fixed number
formatting (:func:`fmt_number`), no dates, and an ``/ID`` hashed from the content, so the same
input gives the same bytes and a pack can be rebuilt identically after a crash.

Pillow is imported inside :func:`image_objects` only; importing this module stays cheap.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.domain.color import hex_rgb
from chalicelib.scene.model import Affine, Rect
from chalicelib.scene.model import fmt_number as _n

if TYPE_CHECKING:
    from PIL.Image import Image

    from chalicelib.scene.outline import Contour

ZLIB_LEVEL = 6
Box = Sequence[float]  # llx, lly, urx, ury in points


def contour_ops(contour: Contour) -> str:
    """One closed subpath; quadratic segments (TrueType) become the same curves as cubics."""
    ops: list[str] = []
    current = (0.0, 0.0)
    for segment in contour:
        pts = segment.points
        if segment.op == "M":
            ops.append(f"{xy(pts[0])} m")
        elif segment.op == "L":
            ops.append(f"{xy(pts[0])} l")
        elif segment.op == "Q":  # degree elevation: the same curve as a cubic
            (qx, qy), end = pts
            c1 = (current[0] + 2 / 3 * (qx - current[0]), current[1] + 2 / 3 * (qy - current[1]))
            c2 = (end[0] + 2 / 3 * (qx - end[0]), end[1] + 2 / 3 * (qy - end[1]))
            ops.append(f"{xy(c1)} {xy(c2)} {xy(end)} c")
        else:
            ops.append(f"{xy(pts[0])} {xy(pts[1])} {xy(pts[2])} c")
        current = pts[-1]
    ops.append("h")
    return " ".join(ops)


def fill_contours(contours: Sequence[Contour], color: str) -> str:
    """Filled outlines (nonzero rule) in one colour; empty when there is nothing to draw."""
    path = "\n".join(contour_ops(c) for c in contours)
    return f"{rgb(color)} rg\n{path}\nf" if path else ""


def cm(transform: Affine) -> str:
    """The ``cm`` operator for an affine map, with a trailing space; empty for the identity."""
    if transform.is_identity:
        return ""
    t = transform
    return " ".join(_n(v, 8) for v in (t.a, t.b, t.c, t.d, t.e, t.f)) + " cm "


def rect_path(r: Rect) -> str:
    """A rectangle subpath (``re``) in the current user space."""
    return f"{_n(r.x)} {_n(r.y)} {_n(r.width)} {_n(r.height)} re"


def rgb(color: str) -> str:
    """``#RRGGBB`` as the three operands of ``rg``/``RG``."""
    return " ".join(_n(c / 255, 4) for c in hex_rgb(color))


def xy(point: tuple[float, float]) -> str:
    return f"{_n(point[0])} {_n(point[1])}"


def box(values: Box) -> str:
    return "[" + " ".join(_n(v) for v in values) + "]"


def stream(header: str, data: bytes) -> bytes:
    """A FlateDecode stream object body; ``header`` holds the other dictionary entries."""
    packed = zlib.compress(data, ZLIB_LEVEL)
    head = f"<< {header} /Filter /FlateDecode /Length {len(packed)} >>\nstream\n"
    return head.encode("ascii") + packed + b"\nendstream"


def image_objects(decoded: Image, first_id: int) -> list[bytes]:
    """The image XObject (object ``first_id``) and, when it has alpha, its SMask right after."""
    size = f"/Type /XObject /Subtype /Image /Width {decoded.width} /Height {decoded.height}"
    if decoded.mode == "1" and "transparency" not in decoded.info:
        # A laser's 1-bit raster (photo engraving): one bit per dot, as the machine burns it.
        # Pillow packs mode "1" rows MSB first, each row padded to a byte, 1 = white: exactly
        # a /DeviceGray image of 1 bit per component. (Uploads are stored RGB/RGBA, so no other
        # image takes this path and every other PDF keeps its bytes.)
        return [stream(f"{size} /BitsPerComponent 1 /ColorSpace /DeviceGray", decoded.tobytes())]
    common = f"{size} /BitsPerComponent 8"
    smask = ""
    objects: list[bytes] = []
    if decoded.mode in ("RGBA", "LA") or "transparency" in decoded.info:
        alpha = decoded.convert("RGBA").getchannel("A").tobytes()
        smask = f" /SMask {first_id + 1} 0 R"
        objects.append(stream(f"{common} /ColorSpace /DeviceGray", alpha))
    pixels = decoded.convert("RGB").tobytes()
    objects.insert(0, stream(f"{common} /ColorSpace /DeviceRGB{smask}", pixels))
    return objects


@dataclass(frozen=True)
class Page:
    """One page: its boxes, content stream, images (resource name, decoded image, in the order
    their objects are written) and extra resource entries (e.g. ``/ColorSpace << ... >>``)."""

    boxes: Sequence[tuple[str, Box]]
    content: bytes
    images: Sequence[tuple[str, Image]]
    resources: str = ""


def one_page(
    boxes: Sequence[tuple[str, Box]],
    content: bytes,
    images: Sequence[tuple[str, Image]],
    resources: str = "",
) -> bytes:
    """A complete one-page file: catalog, pages, the page with ``boxes``, content, images."""
    return document([Page(boxes, content, images, resources)])


def document(pages: Sequence[Page]) -> bytes:
    """A complete file of ``pages`` (a product's sides): catalog, page tree, then per page its
    page object, content and images. A single page is numbered exactly as :func:`one_page`
    always numbered it, so one-page files keep their bytes."""
    objects: list[bytes] = [b"", b""]  # 1-2 filled in below
    kids: list[str] = []
    for page in pages:
        number = len(objects) + 1
        objects += [b"", stream("", page.content)]
        xobjects: list[str] = []
        for name, image in page.images:
            xobjects.append(f"/{name} {len(objects) + 1} 0 R")
            objects += image_objects(image, len(objects) + 1)
        page_boxes = " ".join(f"/{name} {box(values)}" for name, values in page.boxes)
        extra = f" {page.resources}" if page.resources else ""
        objects[number - 1] = (
            f"<< /Type /Page /Parent 2 0 R {page_boxes} "
            f"/Resources << /XObject << {' '.join(xobjects)} >>{extra} >> "
            f"/Contents {number + 1} 0 R >>"
        ).encode("ascii")
        kids.append(f"{number} 0 R")
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(pages)} >>".encode("ascii")
    return serialize(objects)


def serialize(objects: Sequence[bytes]) -> bytes:
    """Header, numbered objects, xref and trailer; ``/ID`` is a hash of everything before it."""
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
