"""Images on the artboard: verified (decoded under the bomb guard, re-encoded) and placed.

Every image a writer embeds, a shopper's upload or a side's mockup photo, passes through
:func:`placed`: writers see only bytes we produced, fitted (cover or contain) into a box.
"""

from __future__ import annotations

import functools
import hashlib

from chalicelib.domain.imaging import (
    ImageRejected,
    check_stored_png,
    sniff_format,
    verify_image_bytes,
)
from chalicelib.domain.placement import fit_scale
from chalicelib.scene.model import Affine, PlacedImage, Rect, RenderError


def verified_png(zone_id: str | None, data: bytes) -> tuple[bytes, int, int]:
    """Decode under the bomb guard and re-encode: writers embed only bytes we produced."""
    try:
        return _verify(data)
    except ImageRejected as exc:
        raise RenderError(
            "An image of this design could not be decoded.",
            code="render.image_corrupt",
            details={"zone_id": zone_id, "reason": exc.code},
        ) from exc


@functools.lru_cache(maxsize=4)
def _verify(data: bytes) -> tuple[bytes, int, int]:
    """Verification is pure and slow (a 4-megapixel photo takes about a second, mostly the PNG
    encoder); a product's mockup photo and a shopper's upload recur across previews."""
    if sniff_format(data) == "png":  # our stored PNG (sha256-checked): decode, don't re-encode
        width, height = check_stored_png(data)
        return data, width, height
    facts, png = verify_image_bytes(data)
    return png, facts.width_px, facts.height_px


def clear_verified_cache() -> None:
    """Forget verified images (the benchmark measures the cold path with it)."""
    _verify.cache_clear()


def _fitted(width_px: int, height_px: int, box: Rect, mode: str) -> Rect:
    """The image's rect inside ``box``, centred: ``cover`` fills it, ``contain`` fits inside."""
    scale = fit_scale(width_px, height_px, box.width, box.height, mode)
    w, h = width_px * scale, height_px * scale
    return Rect(box.x + (box.width - w) / 2, box.y + (box.height - h) / 2, w, h)


def placed(zone_id: str | None, data: bytes, box: Rect, fit: str, rotation: Affine) -> PlacedImage:
    """A verified image fitted into ``box`` (cover or contain), clipped to it, then rotated."""
    png, width, height = verified_png(zone_id, data)
    return PlacedImage(
        png=png,
        sha256=hashlib.sha256(png).hexdigest(),
        width_px=width,
        height_px=height,
        rect=_fitted(width, height, box, fit),
        clip=box,
        transform=rotation,
    )
