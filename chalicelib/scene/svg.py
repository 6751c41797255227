"""The scene as a standalone SVG in millimetres: the form every raster is drawn from.

Safe by construction rather than by escaping: the only things written are numbers this module
formats, ``#RRGGBB`` colours (checked here again), generated clip ids and base64 of PNG bytes we
re-encoded ourselves. Text is glyph outlines (``<path d>``, nonzero fill), so a shopper's string
never appears as text or markup, and no renderer ever needs a font. There are no external
references (images are ``data:`` URIs), so rasterizing cannot fetch anything.

Output is deterministic: the same scene gives the same bytes (fixed decimal places, fixed
attribute order, clip ids numbered in drawing order).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io

from chalicelib.domain.color import normalize as normalize_color
from chalicelib.scene.model import (
    Affine,
    ColorItem,
    ImageItem,
    PlacedImage,
    Rect,
    Scene,
    TextItem,
)
from chalicelib.scene.model import fmt_number as _n
from chalicelib.scene.outline import GlyphOutline, TextOutline, to_svg_path_d

DECIMALS = 4  # 0.1 µm: far below any machine's resolution, and stable across platforms
SILHOUETTE_COLOR, SILHOUETTE_MM = "#8C8C8C", 0.3  # the die line drawn in previews
_MATRIX_DECIMALS = 8  # rotation terms: an error of 1e-8 over a 5 m artboard is 0.05 µm


def to_svg(
    scene: Scene,
    *,
    bleed_mm: float = 0.0,
    background: str | None = None,
    size_px: tuple[int, int] | None = None,
) -> str:
    """The scene as SVG; the viewBox is the artboard grown by ``bleed_mm`` on every side.

    ``size_px`` prepares the SVG for a rasterizer: the root's intrinsic size becomes exact
    pixels (``preserveAspectRatio`` none; resvg only scales uniformly, so the size it is asked
    for must be the SVG's own), and every image is cropped to its clip and resampled to the
    pixels it will cover (see :func:`at_resolution`). Without it, width and height are in mm
    (the true size) and images are embedded as they are.
    """
    b = bleed_mm
    vw, vh = scene.width_mm + 2 * b, scene.height_mm + 2 * b
    px_per_mm: tuple[float, float] | None = None
    if size_px is None:
        size = f'width="{_n(vw)}mm" height="{_n(vh)}mm"'
    else:
        size = f'width="{size_px[0]}" height="{size_px[1]}" preserveAspectRatio="none"'
        px_per_mm = (size_px[0] / vw, size_px[1] / vh)
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'version="1.1" {size} viewBox="{_n(-b)} {_n(-b)} {_n(vw)} {_n(vh)}">'
    ]
    clips: list[str] = []
    if background is not None:
        parts.append(_rect(Rect(-b, -b, vw, vh), _color(background)))
    if scene.base_image is not None:
        parts.append(_image(scene.base_image, clips, px_per_mm))
    die_d = ""
    if scene.silhouette and scene.die_line is not None:  # previews: inside the product only
        die_d = to_svg_path_d(
            TextOutline((GlyphOutline("", "", -1, (scene.die_line,)),)), decimals=DECIMALS
        )
        clips.append(f'<clipPath id="dieline"><path d="{die_d}"/></clipPath>')
        parts.append('<g clip-path="url(#dieline)">')
    for item in scene.items:
        if isinstance(item, TextItem):
            if item.connector:
                connector = TextOutline((GlyphOutline("", "", -1, item.connector),))
                under = to_svg_path_d(connector, decimals=DECIMALS)
                color = _color(item.connector_color)
                parts.append(f'<path fill="{color}" fill-rule="nonzero" d="{under}"/>')
            d = to_svg_path_d(item.outline, decimals=DECIMALS)
            if d:
                parts.append(f'<path fill="{_color(item.color)}" fill-rule="nonzero" d="{d}"/>')
        elif isinstance(item, ImageItem):
            parts.append(_image(item.image, clips, px_per_mm))
        elif isinstance(item, ColorItem):
            parts.append(_group(item.transform, _rect(item.rect, _color(item.color))))
    if die_d:  # the product's outline over its clipped design
        parts.append(
            f'</g><path fill="none" stroke="{SILHOUETTE_COLOR}" '
            f'stroke-width="{_n(SILHOUETTE_MM)}" d="{die_d}"/>'
        )
    if clips:
        parts.insert(1, f"<defs>{''.join(clips)}</defs>")
    parts.append("</svg>")
    return "".join(parts)


def _image(image: PlacedImage, clips: list[str], px_per_mm: tuple[float, float] | None) -> str:
    """The image in its rect, clipped to its zone; the clip sits inside the transform."""
    if px_per_mm is not None:
        image = at_resolution(image, px_per_mm)
    clip_id = f"c{len(clips)}"
    clips.append(f'<clipPath id="{clip_id}">{_rect(image.clip, None)}</clipPath>')
    r = image.rect
    data = base64.b64encode(image.png).decode("ascii")
    element = (
        f'<image x="{_n(r.x)}" y="{_n(r.y)}" width="{_n(r.width)}" height="{_n(r.height)}" '
        f'preserveAspectRatio="none" xlink:href="data:image/png;base64,{data}"/>'
    )
    return _group(image.transform, f'<g clip-path="url(#{clip_id})">{element}</g>')


def at_resolution(image: PlacedImage, px_per_mm: tuple[float, float]) -> PlacedImage:
    """The visible part of the image, resampled by Pillow to the pixels it covers on the output.

    Rasterizers then draw it about 1:1, which (1) makes cairo and resvg agree (their own
    samplers differ, and cairo fades the edges of an upscaled image into transparency),
    (2) gives Lanczos quality when a final upscales a photo, and (3) keeps a 12-megapixel
    upload from being base64-encoded and decoded again for a 1000-pixel preview.
    """
    r, c = image.rect, image.clip
    x0, y0 = max(r.x, c.x), max(r.y, c.y)
    x1, y1 = min(r.x + r.width, c.x + c.width), min(r.y + r.height, c.y + c.height)
    if x1 <= x0 or y1 <= y0:
        return image
    visible = Rect(x0, y0, x1 - x0, y1 - y0)
    target = (
        max(1, round(visible.width * px_per_mm[0])),
        max(1, round(visible.height * px_per_mm[1])),
    )
    fx, fy = image.width_px / r.width, image.height_px / r.height
    box = ((x0 - r.x) * fx, (y0 - r.y) * fy, (x1 - r.x) * fx, (y1 - r.y) * fy)
    png, sha = _resampled(image.sha256, image.png, target, box)
    return PlacedImage(png, sha, target[0], target[1], visible, image.clip, image.transform)


Box = tuple[float, float, float, float]


@functools.lru_cache(maxsize=6)
def _resampled(sha256: str, png: bytes, target: tuple[int, int], box: Box) -> tuple[bytes, str]:
    """Decode, crop, Lanczos-resample and re-encode; the last few results are kept.

    Decoding a photo is most of a preview's cost, and a product's mockup photo (or a shopper's
    upload while they edit the text) recurs across previews in a warm worker. The PNG is
    stored uncompressed (level 0): it never leaves the process and encodes twice as fast.
    """
    from PIL import Image as PILImage

    with PILImage.open(io.BytesIO(png), formats=["PNG"]) as source:
        resized = source.resize(target, PILImage.Resampling.LANCZOS, box=box)
    out = io.BytesIO()
    resized.save(out, format="PNG", compress_level=0, optimize=False)
    return out.getvalue(), hashlib.sha256(out.getvalue()).hexdigest()


def clear_image_cache() -> None:
    """Forget resampled images (the benchmark measures the cold path with it)."""
    _resampled.cache_clear()


def _group(transform: Affine, body: str) -> str:
    if transform.is_identity:
        return body
    m = " ".join(
        _n(v, _MATRIX_DECIMALS)
        for v in (transform.a, transform.b, transform.c, transform.d, transform.e, transform.f)
    )
    return f'<g transform="matrix({m})">{body}</g>'


def _rect(r: Rect, fill: str | None) -> str:
    paint = f' fill="{fill}"' if fill is not None else ""
    return (
        f'<rect x="{_n(r.x)}" y="{_n(r.y)}" width="{_n(r.width)}" height="{_n(r.height)}"{paint}/>'
    )


def _color(color: str) -> str:
    """Colours come from the validated spec; checked again because they are written verbatim."""
    return normalize_color(color)
