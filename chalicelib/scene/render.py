"""Previews and production finals from one scene: the only entry points workers need.

* preview: JPEG or WebP (or PNG, optionally transparent), long side 1000 px by default;
* final: PNG at the print DPI (transparent: the artwork alone) plus a vector PDF at true size.

Both go scene -> SVG -> rasterizer -> Pillow encoder, so a final downscaled to the preview's size
is the preview. Limits are checked before any pixel is drawn (:data:`MAX_PIXELS`) and a
``deadline`` (a ``time.monotonic()`` value) is checked between stages; a stage itself cannot be
interrupted, so the Lambda timeout stays the backstop for a single slow rasterization.

The option models, ``RENDERER_VERSION`` and ``MAX_PIXELS`` live in
:mod:`chalicelib.domain.render_options` (the API validates options without loading any
renderer); they are re-exported here. Only workers import this module.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.domain.render_options import (
    MAX_PIXELS,
    RENDERER_VERSION,
    FinalOptions,
    PreviewOptions,
)
from chalicelib.domain.units import MM_PER_INCH
from chalicelib.scene.model import RenderError
from chalicelib.scene.pdf import to_pdf
from chalicelib.scene.raster import (
    CONTENT_TYPES,
    FINAL_PNG_LEVEL,
    PREVIEW_PNG_LEVEL,
    ImageFormat,
    Rasterizer,
    default_rasterizer,
    encode,
)

if TYPE_CHECKING:
    from PIL.Image import Image

    from chalicelib.scene.model import Scene

__all__ = [
    "MAX_PIXELS",
    "RENDERER_VERSION",
    "FinalOptions",
    "Output",
    "PreviewOptions",
    "render_final",
    "render_preview",
]
_WHITE = "#FFFFFF"


@dataclass(frozen=True)
class Output:
    """One rendered file; ``width_px``/``height_px`` are None for vector files (PDF)."""

    data: bytes
    content_type: str
    width_px: int | None
    height_px: int | None
    sha256: str
    extension: str


def preview_size(scene: Scene, long_side_px: int) -> tuple[int, int]:
    w, h = scene.width_mm, scene.height_mm
    if w >= h:
        return long_side_px, max(1, round(long_side_px * h / w))
    return max(1, round(long_side_px * w / h)), long_side_px


def final_size(scene: Scene, options: FinalOptions) -> tuple[int, int]:
    """Print size in inches × DPI, bleed included (100 mm at 300 DPI = 1181 px)."""
    per_mm = options.dpi / MM_PER_INCH
    b = 2 * options.bleed_mm
    return (
        max(1, round((scene.width_mm + b) * per_mm)),
        max(1, round((scene.height_mm + b) * per_mm)),
    )


def check_pixels(width_px: int, height_px: int) -> None:
    if width_px * height_px > MAX_PIXELS:
        raise RenderError(
            f"The output would have {width_px * height_px} pixels; the limit is {MAX_PIXELS}.",
            code="render.too_many_pixels",
            details={"width_px": width_px, "height_px": height_px, "max_pixels": MAX_PIXELS},
        )


def check_deadline(deadline: float | None, stage: str) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise RenderError(
            "The render ran out of time.", code="render.timeout", details={"stage": stage}
        )


def render_preview(
    scene: Scene,
    options: PreviewOptions | None = None,
    rasterizer: Rasterizer | None = None,
    *,
    deadline: float | None = None,
) -> Output:
    """The shopper's preview, on white unless a transparent PNG is asked for."""
    options = options or PreviewOptions()
    image = preview_picture(scene, options, rasterizer, deadline=deadline)
    data = encode(
        image, options.format, transparent=options.transparent, compress_level=PREVIEW_PNG_LEVEL
    )
    return _output(data, options.format, image.width, image.height)


def preview_picture(
    scene: Scene,
    options: PreviewOptions,
    rasterizer: Rasterizer | None = None,
    *,
    deadline: float | None = None,
) -> Image:
    """The preview's pixels before encoding (RGB, or RGBA when transparent): what
    :func:`render_preview` encodes, and what a contact sheet of every side lays out."""
    rasterizer = rasterizer or default_rasterizer()
    if scene.material is not None or (scene.base_image and scene.mockup_corners):
        return _material_picture(scene, options, rasterizer, deadline)
    width, height = preview_size(scene, options.long_side_px)
    check_pixels(width, height)
    check_deadline(deadline, "start")
    background = None if options.transparent else _WHITE
    image = rasterizer.render_scene(scene, width, height, bleed_mm=0.0, background=background)
    if not options.transparent:  # drawn on a full white rect: alpha is 255 everywhere
        image = image.convert("RGB")
    check_deadline(deadline, "raster")
    return image


def _material_picture(
    scene: Scene, options: PreviewOptions, rasterizer: Rasterizer, deadline: float | None
) -> Image:
    """The design as it looks on the product's material and/or its angled mockup photo."""
    from chalicelib.scene.material_look import preview_image, preview_pixels

    width, height = preview_pixels(scene, options.long_side_px)
    check_pixels(width, height)
    check_deadline(deadline, "start")
    image = preview_image(scene, (width, height), rasterizer, transparent=options.transparent)
    check_deadline(deadline, "raster")
    return image


def render_final(
    scene: Scene,
    options: FinalOptions | None = None,
    rasterizer: Rasterizer | None = None,
    *,
    deadline: float | None = None,
) -> list[Output]:
    """Transparent PNG at ``options.dpi`` (pHYs set) and the vector PDF, both with the bleed."""
    options = options or FinalOptions()
    width, height = final_size(scene, options)
    check_pixels(width, height)
    check_deadline(deadline, "start")
    image = (rasterizer or default_rasterizer()).render_scene(
        scene, width, height, bleed_mm=options.bleed_mm, background=None
    )
    check_deadline(deadline, "raster")
    png = encode(image, "png", transparent=True, compress_level=FINAL_PNG_LEVEL, dpi=options.dpi)
    check_deadline(deadline, "encode")
    pdf = to_pdf(scene, bleed_mm=options.bleed_mm)
    return [
        _output(png, "png", width, height),
        Output(pdf, "application/pdf", None, None, hashlib.sha256(pdf).hexdigest(), "pdf"),
    ]


def _output(data: bytes, fmt: ImageFormat, width: int, height: int) -> Output:
    extension = "jpg" if fmt == "jpeg" else fmt
    digest = hashlib.sha256(data).hexdigest()
    return Output(data, CONTENT_TYPES[fmt], width, height, digest, extension)
