"""Photos as the laser burns them: the engrave raster of an image zone, and the scene that shows it.

With a profile's ``photo_engraving`` (:mod:`chalicelib.domain.photo_engraving`), each engraved
image zone becomes a 1-bit PNG at the machine's resolution covering exactly the zone: its size
in pixels is ``size_mm / 25.4 × DPI`` and the DPI is written in the file (pHYs), so LightBurn
and friends import it at its true size. The steps, in order:

1. the zone's visible part of the photo (cover/contain already resolved into the placement) is
   resampled to the machine grid; where a ``contain`` photo leaves the zone empty it is white
   (nothing burnt), and transparency is white too;
2. greyscale (Rec. 601 luma), then unsharp masking at machine pixels when the preset asks;
3. inverted for materials that engrave lighter than their surface (slate, anodized, glass);
4. the tone curve: black/white points, brightness, contrast about mid-grey, then gamma;
5. dithered by the preset's method (:mod:`chalicelib.scene.dither`).

:func:`engrave_photos` swaps each such zone's photo in the scene for its raster, so every file
drawn from that scene (machine SVG, PDF, the final PNG) places the very dots the laser burns;
the DXF takes vectors only, as before.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from chalicelib.domain.photo_engraving import PhotoEngraving, PhotoPreset
from chalicelib.domain.render_options import MAX_PIXELS
from chalicelib.scene.dither import Bits, Grey, dither
from chalicelib.scene.model import ImageItem, Item, PlacedImage, Rect, RenderError, Scene

if TYPE_CHECKING:
    from PIL.Image import Image

    from chalicelib.domain.material import Material

MM_PER_INCH = 25.4
_PNG_COMPRESS_LEVEL = 6  # pinned, as for uploads: same bits, same bytes


@dataclass(frozen=True)
class EngraveRaster:
    """One image zone's 1-bit raster, as a pack names it (``png`` carries the DPI)."""

    zone_id: str
    png: bytes
    width_px: int
    height_px: int
    width_mm: float
    height_mm: float
    dpi: float
    method: str
    inverted: bool


def raster_size(width_mm: float, height_mm: float, dpi: float) -> tuple[int, int]:
    """Pixels covering ``width_mm × height_mm`` at ``dpi`` (at least one each way)."""
    return (
        max(1, round(width_mm / MM_PER_INCH * dpi)),
        max(1, round(height_mm / MM_PER_INCH * dpi)),
    )


def tone(grey: Grey, preset: PhotoPreset) -> Grey:
    """The preset's tone curve on ``grey`` (1 = white): points, brightness, contrast, gamma."""
    span = preset.white_point - preset.black_point
    out = np.clip((grey - preset.black_point) / span, 0.0, 1.0)
    out = (out + preset.brightness - 0.5) * preset.contrast + 0.5
    out = np.clip(out, 0.0, 1.0) ** (1.0 / preset.gamma)
    result: Grey = out
    return result


def visible_grey(image: PlacedImage, size: tuple[int, int]) -> Image:
    """The zone (``image.clip``) in greyscale at ``size`` pixels, white where the photo is not."""
    from PIL import Image as PILImage

    canvas = PILImage.new("L", size, 255)
    r, c = image.rect, image.clip
    x0, y0 = max(r.x, c.x), max(r.y, c.y)
    x1, y1 = min(r.x + r.width, c.x + c.width), min(r.y + r.height, c.y + c.height)
    sx, sy = size[0] / c.width, size[1] / c.height  # machine pixels per mm
    left, top = round((x0 - c.x) * sx), round((y0 - c.y) * sy)
    right, bottom = round((x1 - c.x) * sx), round((y1 - c.y) * sy)
    if right <= left or bottom <= top:
        return canvas
    fx, fy = image.width_px / r.width, image.height_px / r.height  # source pixels per mm
    box = ((x0 - r.x) * fx, (y0 - r.y) * fy, (x1 - r.x) * fx, (y1 - r.y) * fy)
    with PILImage.open(io.BytesIO(image.png), formats=["PNG"]) as source:
        source.load()
        flat = _on_white(source)
    part = flat.resize((right - left, bottom - top), PILImage.Resampling.LANCZOS, box=box)
    canvas.paste(part, (left, top))
    return canvas


def _on_white(source: Image) -> Image:
    """Greyscale, with any transparency composited onto white (unburnt)."""
    from PIL import Image as PILImage

    if source.mode in ("RGBA", "LA", "PA") or "transparency" in source.info:
        rgba = source.convert("RGBA")
        white = PILImage.new("RGBA", rgba.size, (255, 255, 255, 255))
        return PILImage.alpha_composite(white, rgba).convert("L")
    return source.convert("L")


def burn_bits(grey_image: Image, preset: PhotoPreset, *, invert: bool, dpi: float) -> Bits:
    """Steps 2-5 of the module docstring on a greyscale image at machine resolution."""
    from PIL import ImageFilter

    if preset.sharpen > 0:
        mask = ImageFilter.UnsharpMask(radius=2, percent=round(preset.sharpen * 100), threshold=2)
        grey_image = grey_image.filter(mask)
    grey = np.asarray(grey_image, dtype=np.float64) / 255.0
    if invert:
        grey = 1.0 - grey
    return dither(
        tone(grey, preset),
        preset.method,
        dpi=dpi,
        lpi=preset.lines_per_inch,
        angle_deg=preset.angle_deg,
        serpentine=preset.serpentine,
    )


def bits_png(bits: Bits, dpi: float) -> bytes:
    """A 1-bit PNG (black = burn) with ``dpi`` in its pHYs chunk."""
    from PIL import Image as PILImage

    out = io.BytesIO()
    PILImage.fromarray(bits).save(
        out, format="PNG", dpi=(dpi, dpi), compress_level=_PNG_COMPRESS_LEVEL, optimize=False
    )
    return out.getvalue()


def engrave_raster(
    zone_id: str, image: PlacedImage, preset: PhotoPreset, *, invert: bool, dpi: float
) -> EngraveRaster:
    """The 1-bit raster of one placed photo, covering exactly its zone (``image.clip``)."""
    clip = image.clip
    size = raster_size(clip.width, clip.height, dpi)
    if size[0] * size[1] > MAX_PIXELS:
        raise RenderError(
            "The engrave raster would have too many pixels.",
            code="render.too_many_pixels",
            details={"zone_id": zone_id, "pixels": size[0] * size[1], "limit": MAX_PIXELS},
        )
    bits = burn_bits(visible_grey(image, size), preset, invert=invert, dpi=dpi)
    png = bits_png(bits, dpi)
    return EngraveRaster(
        zone_id, png, size[0], size[1], clip.width, clip.height, dpi, preset.method, invert
    )


def engrave_photos(
    scene: Scene, settings: PhotoEngraving, material: Material | None
) -> tuple[Scene, tuple[EngraveRaster, ...]]:
    """``scene`` with each engraved photo replaced by its raster, and the rasters in zone order.

    Printed images are left as they are; a scene without engraved photos comes back unchanged.
    """
    preset, invert, dpi = (
        settings.preset(material),
        settings.inverts(material),
        settings.machine_dpi,
    )
    rasters: list[EngraveRaster] = []
    items: list[Item] = []
    for item in scene.items:
        if isinstance(item, ImageItem) and item.process == "engrave":
            raster = engrave_raster(item.zone_id, item.image, preset, invert=invert, dpi=dpi)
            rasters.append(raster)
            item = dataclasses.replace(item, image=_placed(raster, item.image))
        items.append(item)
    if not rasters:
        return scene, ()
    return dataclasses.replace(scene, items=tuple(items)), tuple(rasters)


def _placed(raster: EngraveRaster, original: PlacedImage) -> PlacedImage:
    """The raster drawn over exactly the zone, with the zone's rotation."""
    clip = original.clip
    return PlacedImage(
        png=raster.png,
        sha256=hashlib.sha256(raster.png).hexdigest(),
        width_px=raster.width_px,
        height_px=raster.height_px,
        rect=Rect(clip.x, clip.y, clip.width, clip.height),
        clip=clip,
        transform=original.transform,
    )
