"""Verification of uploaded images: decode for real, refuse bombs, re-encode to a clean PNG.

A shopper's photo is untrusted bytes. Trusting the declared content type, or the file until a
renderer meets it, turns a bad upload into a failed order weeks later; so an upload is decoded
completely once, here, and only the re-encoded result is ever stored or drawn:

* the format comes from the bytes (magic numbers), and only PNG, JPEG and WebP parsers ever run,
  so a GIF renamed ``.png`` is refused without exposing every Pillow plugin to it;
* the pixel count is read from the header and checked before any pixel is decoded (a 40 KiB PNG
  can claim 100000 x 100000 pixels and ask for 40 GB);
* the whole image is decoded, so truncated files fail now, not in a renderer;
* EXIF orientation is applied (phones store photos sideways and say so in EXIF), colours are
  converted to sRGB when an ICC profile says they are something else, and then every piece of
  metadata (EXIF with GPS, XMP, ICC, text chunks) is dropped;
* the output is a PNG written with fixed settings, so the same upload always gives the same bytes
  and the same sha256 (specs and caches key on it).

Pillow is imported inside functions only, so importing the API stays light.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.errors import ValidationFailed

if TYPE_CHECKING:
    from PIL.Image import Image

MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_IMAGE_PIXELS = 50_000_000
DEFAULT_FORMATS = ("png", "jpeg", "webp")
# zlib level 6 is Pillow's default; pinned so a Pillow default change cannot change our hashes.
_PNG_COMPRESS_LEVEL = 6


class ImageRejected(ValidationFailed):
    """Base of every refusal of an uploaded image; the subclass carries the stable code."""

    code = "asset.invalid_image"


class ImageCorrupt(ImageRejected):
    code = "asset.corrupt"


class ImageUnsupportedFormat(ImageRejected):
    code = "asset.unsupported_format"


class ImageTooManyPixels(ImageRejected):
    code = "asset.too_many_pixels"


class ImageTooLarge(ImageRejected):
    code = "asset.too_large"


@dataclass(frozen=True)
class ImageFacts:
    """What an accepted image is; stored on the asset record and used to place it in a zone."""

    format: str  # of the original upload: "png" | "jpeg" | "webp"
    width_px: int  # after EXIF orientation, i.e. as the stored PNG is
    height_px: int
    has_alpha: bool  # the stored PNG has an alpha channel with real transparency
    bytes: int  # of the original upload
    sha256: str  # of the stored PNG
    stored_bytes: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_MAGIC: tuple[tuple[str, bytes, int], ...] = (
    ("png", b"\x89PNG\r\n\x1a\n", 0),
    ("jpeg", b"\xff\xd8\xff", 0),
    ("webp", b"WEBP", 8),  # RIFF....WEBP
)
_PIL_FORMAT = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}


def sniff_format(data: bytes) -> str | None:
    """The image format the bytes announce, whatever the uploader declared."""
    for name, magic, offset in _MAGIC:
        if data[offset : offset + len(magic)] == magic and (name != "webp" or data[:4] == b"RIFF"):
            return name
    return None


def verify_image_bytes(
    data: bytes,
    *,
    max_pixels: int = MAX_IMAGE_PIXELS,
    max_bytes: int = MAX_IMAGE_BYTES,
    formats: Iterable[str] = DEFAULT_FORMATS,
) -> tuple[ImageFacts, bytes]:
    """Decode ``data`` completely and return its facts and a clean, deterministic PNG.

    Raises an :class:`ImageRejected` subclass for anything we will not store. Pillow's own bomb
    limit (``Image.MAX_IMAGE_PIXELS``) still applies above ours and answers the same code.
    """
    if len(data) > max_bytes:
        raise ImageTooLarge(
            f"The image is {len(data)} bytes; the limit is {max_bytes}.",
            details={"max_bytes": max_bytes, "bytes": len(data)},
        )
    allowed = tuple(f.lower() for f in formats)
    fmt = sniff_format(data)
    if fmt is None or fmt not in allowed:
        raise ImageUnsupportedFormat(
            f"Only {', '.join(f.upper() for f in allowed)} images are accepted.",
            details={"detected": fmt, "accepted": list(allowed)},
        )
    image = _open_header(data, fmt, max_pixels)
    decoded = _decode(image)
    png, has_alpha = _encode_png(decoded)
    facts = ImageFacts(
        format=fmt,
        width_px=decoded.width,
        height_px=decoded.height,
        has_alpha=has_alpha,
        bytes=len(data),
        sha256=hashlib.sha256(png).hexdigest(),
        stored_bytes=len(png),
    )
    return facts, png


def check_stored_png(data: bytes, *, max_pixels: int = MAX_IMAGE_PIXELS) -> tuple[int, int]:
    """Pixel size of a PNG that :func:`verify_image_bytes` produced, decoded fully as a check.

    Renderers read images back from storage after a sha256 check, so the bytes are already our
    clean PNG; encoding them again would cost about a second per photo for the same bytes.
    """
    if sniff_format(data) != "png":
        raise ImageUnsupportedFormat(
            "Stored images are PNG; this one is not.", details={"detected": sniff_format(data)}
        )
    decoded = _decode(_open_header(data, "png", max_pixels))
    return decoded.width, decoded.height


def _corrupt(exc: Exception) -> ImageCorrupt:
    return ImageCorrupt(
        "The image could not be decoded; it is damaged or incomplete.",
        details={"reason": type(exc).__name__},
    )


def _open_header(data: bytes, fmt: str, max_pixels: int) -> Image:
    """Parse only the header (Pillow is lazy) and refuse a bomb before any pixel is decoded."""
    from PIL import Image as PILImage

    try:
        with warnings.catch_warnings():
            # Our own limit below is the one that counts; Pillow's warning would only be noise.
            warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
            image = PILImage.open(io.BytesIO(data), formats=[_PIL_FORMAT[fmt]])
    except PILImage.DecompressionBombError as exc:
        raise _too_many_pixels(None, max_pixels) from exc
    except MemoryError:
        raise
    except Exception as exc:  # Pillow raises anything from SyntaxError to struct.error here
        raise _corrupt(exc) from exc
    width, height = image.size
    if width <= 0 or height <= 0:
        raise ImageCorrupt("The image has no pixels.", details={"reason": "empty"})
    if width * height > max_pixels:
        raise _too_many_pixels((width, height), max_pixels)
    if getattr(image, "n_frames", 1) > 1:
        raise ImageUnsupportedFormat(
            "Animated images are not accepted; upload a still image.",
            details={"detected": fmt, "reason": "animated"},
        )
    return image


def _too_many_pixels(size: tuple[int, int] | None, max_pixels: int) -> ImageTooManyPixels:
    details: dict[str, Any] = {"max_pixels": max_pixels}
    if size is not None:
        details.update(width_px=size[0], height_px=size[1])
    return ImageTooManyPixels(
        f"The image has too many pixels; the limit is {max_pixels}.", details=details
    )


def _decode(image: Image) -> Image:
    """Every pixel, upright, in sRGB, as RGB or RGBA, with no metadata left."""
    from PIL import ImageOps

    try:
        image.load()  # a truncated file fails here (Pillow's LOAD_TRUNCATED_IMAGES is off)
        upright = ImageOps.exif_transpose(image)
        converted = _to_rgb(_to_srgb(upright))
    except MemoryError:
        raise
    except ImageRejected:
        raise
    except Exception as exc:  # any decoder failure means a broken file
        raise _corrupt(exc) from exc
    converted.info = {}
    return converted


def _to_srgb(image: Image) -> Image:
    """Apply an embedded ICC profile so a Display P3 or CMYK photo keeps its colours.

    A profile that cannot be read is ignored (the numbers are taken as sRGB): refusing a photo
    because of a damaged colour profile would be harsher than a slight colour shift.
    """
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    from PIL import ImageCms

    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(
            image,
            source,
            ImageCms.createProfile("sRGB"),
            outputMode="RGBA" if image.mode == "RGBA" else "RGB",
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image
    return converted if converted is not None else image


to_srgb = _to_srgb  # previews apply it to a mockup PNG that carries a profile


def _to_rgb(image: Image) -> Image:
    """RGB, or RGBA when the image has any transparency (alpha band, tRNS, palette alpha)."""
    if image.mode.startswith("I;16") or image.mode in ("I", "F"):
        # 16-bit grey: scale to 8 bits; a plain convert would clip everything above 255 to white.
        image = image.convert("I").point(lambda v: v / 256).convert("L")
    if image.mode in ("RGB", "RGBA"):
        return image
    target = "RGBA" if image.has_transparency_data else "RGB"
    return image.convert(target)


def _encode_png(image: Image) -> tuple[bytes, bool]:
    """A PNG with fixed settings and no metadata; an alpha that is opaque everywhere is dropped."""
    if image.mode == "RGBA":
        alpha_min, _ = image.getchannel("A").getextrema()
        if alpha_min == 255:
            image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=_PNG_COMPRESS_LEVEL, optimize=False)
    return out.getvalue(), image.mode == "RGBA"
