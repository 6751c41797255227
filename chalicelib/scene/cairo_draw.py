"""Draw a scene straight onto a cairo surface: the preview path without SVG parsing.

cairosvg spends most of a text preview parsing the SVG it is given (path data through a Python
parser); the scene already holds the outlines as numbers, so this module issues the same
drawing operations directly. It mirrors :mod:`chalicelib.scene.svg` operation for operation
(same transforms, clips, nonzero fill, images resampled to the pixels they cover), and a test
keeps it within a rounding error of the SVG path through both rasterizers.
"""

from __future__ import annotations

import io
import sys
from typing import TYPE_CHECKING, Any

from chalicelib.domain.color import unit_rgb
from chalicelib.scene.model import Affine, ColorItem, ImageItem, PlacedImage, Scene, TextItem
from chalicelib.scene.svg import SILHOUETTE_COLOR, SILHOUETTE_MM, at_resolution

if TYPE_CHECKING:
    from PIL.Image import Image

    from chalicelib.scene.outline import Contour


def draw(
    scene: Scene,
    width_px: int,
    height_px: int,
    *,
    bleed_mm: float = 0.0,
    background: str | None = None,
) -> Image:
    """RGBA pixels of the scene at this size, the artboard grown by ``bleed_mm`` on every side."""
    import cairocffi as cairo  # type: ignore[import-untyped]
    from PIL import Image as PILImage

    if sys.byteorder != "little":  # pragma: no cover - no big-endian target exists here
        raise RuntimeError("cairo ARGB32 is read as little-endian BGRA bytes")
    surface = cairo.ImageSurface(cairo.FORMAT_ARGB32, width_px, height_px)
    ctx = cairo.Context(surface)
    b = bleed_mm
    vw, vh = scene.width_mm + 2 * b, scene.height_mm + 2 * b
    px_per_mm = (width_px / vw, height_px / vh)
    ctx.scale(px_per_mm[0], px_per_mm[1])
    ctx.translate(b, b)
    if background is not None:
        ctx.rectangle(-b, -b, vw, vh)
        _fill(ctx, background)
    if scene.base_image is not None:
        _image(ctx, at_resolution(scene.base_image, px_per_mm))
    outline = scene.die_line if scene.silhouette else None
    if outline is not None:  # previews: the design inside the product only, as the SVG clips
        ctx.save()
        _path(ctx, (outline,))
        ctx.clip()
    for item in scene.items:
        if isinstance(item, TextItem):
            if item.connector:  # a cut zone's bar, ring or border, under its letters
                _text(ctx, item.connector, item.connector_color)
            _text(ctx, item.contours, item.color)
        elif isinstance(item, ImageItem):
            _image(ctx, at_resolution(item.image, px_per_mm))
        elif isinstance(item, ColorItem):
            ctx.save()
            _transform(ctx, item.transform)
            ctx.rectangle(item.rect.x, item.rect.y, item.rect.width, item.rect.height)
            _fill(ctx, item.color)
            ctx.restore()
    if outline is not None:  # as the SVG writer draws it
        ctx.restore()
        _path(ctx, (outline,))
        ctx.set_line_width(SILHOUETTE_MM)
        r, g, b = (int(SILHOUETTE_COLOR[i : i + 2], 16) / 255 for i in (1, 3, 5))
        ctx.set_source_rgb(r, g, b)
        ctx.stroke()
    surface.flush()
    image = PILImage.frombytes(
        "RGBA",
        (width_px, height_px),
        bytes(surface.get_data()),
        "raw",
        "BGRa",
        surface.get_stride(),
    )
    surface.finish()
    return image


def _fill(ctx: Any, color: str) -> None:
    ctx.set_source_rgb(*unit_rgb(color))
    ctx.fill()


def _transform(ctx: Any, t: Affine) -> None:
    if not t.is_identity:
        import cairocffi as cairo

        ctx.transform(cairo.Matrix(t.a, t.b, t.c, t.d, t.e, t.f))


def _text(ctx: Any, contours: tuple[Contour, ...], color: str) -> None:
    import cairocffi as cairo

    if not contours:
        return
    _path(ctx, contours)
    ctx.set_fill_rule(cairo.FILL_RULE_WINDING)
    _fill(ctx, color)


def _path(ctx: Any, contours: tuple[Contour, ...]) -> None:
    ctx.new_path()
    for contour in contours:
        current = (0.0, 0.0)
        for segment in contour:
            pts = segment.points
            if segment.op == "M":
                ctx.move_to(*pts[0])
            elif segment.op == "L":
                ctx.line_to(*pts[0])
            elif segment.op == "Q":  # quadratic → cubic, exactly
                (qx, qy), (x, y) = pts
                cx0, cy0 = current
                ctx.curve_to(
                    cx0 + 2 / 3 * (qx - cx0),
                    cy0 + 2 / 3 * (qy - cy0),
                    x + 2 / 3 * (qx - x),
                    y + 2 / 3 * (qy - y),
                    x,
                    y,
                )
            else:
                ctx.curve_to(*pts[0], *pts[1], *pts[2])
            current = pts[-1]
        ctx.close_path()


def _image(ctx: Any, image: PlacedImage) -> None:
    import cairocffi as cairo

    source = cairo.ImageSurface.create_from_png(io.BytesIO(image.png))
    r, c = image.rect, image.clip
    ctx.save()
    _transform(ctx, image.transform)
    ctx.rectangle(c.x, c.y, c.width, c.height)
    ctx.clip()
    ctx.translate(r.x, r.y)
    ctx.scale(r.width / source.get_width(), r.height / source.get_height())
    ctx.set_source_surface(source, 0, 0)
    ctx.paint()
    ctx.restore()
