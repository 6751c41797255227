"""Print checks on a built scene that a pack reports to the workshop.

The effective DPI is measured on the image as it is *placed* (after cover/contain), not on the
zone: a ``cover`` fit enlarges the image past the zone, so its pixels are spread thinner than
the zone size suggests, and that is what prints. Rotation is rigid and changes nothing. An image
below the profile's print DPI is still produced (the shopper approved it, and the zone's own
``min_dpi`` already refused unusable ones); the pack lists it so the shop can decide.
"""

from __future__ import annotations

from typing import Literal, TypedDict

from chalicelib.domain.units import MM_PER_INCH
from chalicelib.scene.model import ImageItem, Scene

DpiStatus = Literal["ok", "low"]


class ImageDpi(TypedDict):
    zone_id: str
    width_px: int
    height_px: int
    placed_width_mm: float
    placed_height_mm: float
    effective_dpi: float  # the lower of the two axes, rounded to 0.1
    required_dpi: float  # the print DPI, or the machine's for a photo the laser engraves
    status: DpiStatus


def image_dpi_report(
    scene: Scene, print_dpi: int, engrave_dpi: float | None = None
) -> list[ImageDpi]:
    """One entry per image zone, in scene order; ``low`` when below the DPI it is made at.

    That is ``print_dpi``, except for an engraved photo when the profile engraves photos
    (``engrave_dpi``, its machine resolution): the laser burns one dot per machine line, so a
    photo with fewer pixels than that is what comes out blurred, whatever the print DPI. Give
    the scene *before* its photos are dithered (the raster is at the machine DPI by design).
    The mockup base image is not reported: it never reaches a production file.
    """
    report: list[ImageDpi] = []
    for item in scene.items:
        if not isinstance(item, ImageItem):
            continue
        image = item.image
        required = engrave_dpi if engrave_dpi and item.process == "engrave" else print_dpi
        dpi = min(
            image.width_px * MM_PER_INCH / image.rect.width,
            image.height_px * MM_PER_INCH / image.rect.height,
        )
        report.append(
            ImageDpi(
                zone_id=item.zone_id,
                width_px=image.width_px,
                height_px=image.height_px,
                placed_width_mm=round(image.rect.width, 3),
                placed_height_mm=round(image.rect.height, 3),
                effective_dpi=round(dpi, 1),
                required_dpi=required,
                # unrounded (299.96 must not pass as 300.0), with room for float noise only
                status="ok" if dpi + 1e-6 >= required else "low",
            )
        )
    return report
