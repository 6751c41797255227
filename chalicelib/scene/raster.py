"""SVG to pixels behind one small interface, and the encoders for previews and finals.

Two rasterizers draw the same SVG:

* :class:`CairoRasterizer` (cairosvg) renders into a cairo image surface and hands the pixels to
  Pillow directly. ``cairosvg.svg2png`` spends most of its time in cairo's zlib PNG encoder; we
  skip that and encode once, with Pillow, in the format we actually serve (JPEG/WebP/fast PNG).
* :class:`ResvgRasterizer` (``resvg-py``, a self-contained Rust wheel) for where libcairo cannot
  load, e.g. the AWS Lambda Python runtime. It only returns PNG bytes, which we decode.

Both get an SVG whose intrinsic size is the pixel size (``to_svg(..., size_px=...)``): resvg
scales uniformly only, so asking it for another size would be off by a pixel. A test renders the
same scenes with both and compares pixels.

Heavy imports (Pillow, cairosvg, resvg) happen inside functions, so importing this module (and
``chalicelib.scene.render``, which the API imports for its option models) stays cheap.
"""

from __future__ import annotations

import io
import os
import sys
import warnings
from typing import TYPE_CHECKING, Literal, Protocol

from chalicelib.scene.model import RenderError

if TYPE_CHECKING:
    from PIL.Image import Image

    from chalicelib.scene.model import Scene

ImageFormat = Literal["jpeg", "webp", "png"]
RasterizerName = Literal["cairo", "resvg"]

JPEG_QUALITY = 88
WEBP_QUALITY = 88
PREVIEW_PNG_LEVEL = 1  # previews: zlib level 1 is ~5× faster than 6 for ~10 % more bytes
FINAL_PNG_LEVEL = 6
CONTENT_TYPES: dict[ImageFormat, str] = {
    "jpeg": "image/jpeg",
    "webp": "image/webp",
    "png": "image/png",
}


class Rasterizer(Protocol):
    name: str

    def render(self, svg: str, width_px: int, height_px: int) -> Image:
        """RGBA with straight (not premultiplied) alpha, exactly ``width_px`` × ``height_px``."""
        ...

    def render_scene(
        self,
        scene: Scene,
        width_px: int,
        height_px: int,
        *,
        bleed_mm: float,
        background: str | None,
    ) -> Image:
        """The same pixels as rendering the scene's SVG (see :func:`svg.to_svg`)."""
        ...


def _failed(name: str, exc: Exception) -> RenderError:
    return RenderError(
        "The design could not be rasterized.",
        code="render.rasterizer_failed",
        details={"rasterizer": name, "reason": type(exc).__name__},
    )


def _check_size(name: str, image: Image, width_px: int, height_px: int) -> Image:
    if image.size != (width_px, height_px):
        raise RenderError(
            "The rasterizer drew another size than asked; pass to_svg(size_px=...).",
            code="render.rasterizer_failed",
            details={"rasterizer": name, "asked": [width_px, height_px], "got": list(image.size)},
        )
    return image


class CairoRasterizer:
    """cairosvg onto an ARGB32 surface, read straight into Pillow (no PNG round trip)."""

    name = "cairo"

    def __init__(self) -> None:
        if sys.byteorder != "little":  # pragma: no cover - no big-endian target exists here
            raise RuntimeError("CairoRasterizer reads ARGB32 as little-endian BGRA bytes")

    def render(self, svg: str, width_px: int, height_px: int) -> Image:
        from cairosvg.parser import Tree  # type: ignore[import-untyped]
        from cairosvg.surface import PNGSurface  # type: ignore[import-untyped]
        from PIL import Image as PILImage

        try:
            tree = Tree(bytestring=svg.encode("utf-8"), unsafe=False)
            surface = PNGSurface(tree, None, 96, output_width=width_px, output_height=height_px)
            cairo_surface = surface.cairo
            cairo_surface.flush()
            size = (cairo_surface.get_width(), cairo_surface.get_height())
            # ARGB32 is native-endian premultiplied: B, G, R, A bytes on little-endian machines
            # (x86-64 and arm64 Lambda both are). Pillow's "BGRa" raw mode un-premultiplies
            # while unpacking into straight RGBA.
            image = PILImage.frombytes(
                "RGBA", size, cairo_surface.get_data(), "raw", "BGRa", cairo_surface.get_stride()
            )
            cairo_surface.finish()
        except RenderError:
            raise
        except Exception as exc:  # cairosvg raises anything from ParseError to ValueError
            raise _failed(self.name, exc) from exc
        return _check_size(self.name, image, width_px, height_px)

    def render_scene(
        self,
        scene: Scene,
        width_px: int,
        height_px: int,
        *,
        bleed_mm: float,
        background: str | None,
    ) -> Image:
        """Straight onto cairo, skipping SVG text (its parsing is most of cairosvg's time)."""
        from chalicelib.scene.cairo_draw import draw

        try:
            image = draw(scene, width_px, height_px, bleed_mm=bleed_mm, background=background)
        except Exception as exc:
            raise _failed(self.name, exc) from exc
        return _check_size(self.name, image, width_px, height_px)


class ResvgRasterizer:
    """resvg: needs no system library, so it works on the bare Lambda runtime."""

    name = "resvg"

    def render(self, svg: str, width_px: int, height_px: int) -> Image:
        import resvg_py
        from PIL import Image as PILImage

        try:
            png = resvg_py.svg_to_bytes(
                svg_string=svg, width=width_px, height=height_px, skip_system_fonts=True
            )
            with warnings.catch_warnings():
                # Our own output, already bounded by MAX_PIXELS: Pillow's bomb warning is noise.
                warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
                image: Image = PILImage.open(io.BytesIO(png), formats=["PNG"])
                image.load()
        except Exception as exc:  # resvg raises ValueError; Pillow anything on a bad PNG
            raise _failed(self.name, exc) from exc
        if image.mode != "RGBA":
            image = image.convert("RGBA")
        return _check_size(self.name, image, width_px, height_px)

    def render_scene(
        self,
        scene: Scene,
        width_px: int,
        height_px: int,
        *,
        bleed_mm: float,
        background: str | None,
    ) -> Image:
        from chalicelib.scene.svg import to_svg

        svg = to_svg(scene, bleed_mm=bleed_mm, background=background, size_px=(width_px, height_px))
        return self.render(svg, width_px, height_px)


def cairo_available() -> bool:
    """Whether libcairo loads: cairocffi opens ``libcairo.so.2`` when it is imported."""
    try:
        import cairocffi  # type: ignore[import-untyped]  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


def default_rasterizer() -> Rasterizer:
    """cairo when libcairo loads, else resvg; ``ATELIER_RASTERIZER=cairo|resvg`` forces one."""
    choice = os.environ.get("ATELIER_RASTERIZER", "").strip().lower()
    if choice == "cairo":
        return CairoRasterizer()
    if choice == "resvg":
        return ResvgRasterizer()
    if choice not in ("", "auto"):
        raise ValueError(f"ATELIER_RASTERIZER must be cairo, resvg or auto, not {choice!r}")
    return CairoRasterizer() if cairo_available() else ResvgRasterizer()


def flatten(image: Image, background: tuple[int, int, int] = (255, 255, 255)) -> Image:
    """RGB over an opaque background (JPEG has no alpha; print previews sit on white)."""
    from PIL import Image as PILImage

    if image.mode == "RGB":
        return image
    base = PILImage.new("RGBA", image.size, (*background, 255))
    return PILImage.alpha_composite(base, image.convert("RGBA")).convert("RGB")


def encode(
    image: Image,
    fmt: ImageFormat,
    *,
    transparent: bool = False,
    compress_level: int = PREVIEW_PNG_LEVEL,
    dpi: float | None = None,
) -> bytes:
    """Encode with fixed settings and no metadata, so the same pixels give the same bytes.

    JPEG and WebP are always flattened onto white; PNG keeps its alpha only if ``transparent``.
    ``dpi`` writes the PNG's pHYs chunk so print software opens a final at its true size.
    """
    out = io.BytesIO()
    pixels = image if fmt == "png" and transparent else flatten(image)
    if fmt == "jpeg":
        pixels.save(
            out,
            format="JPEG",
            quality=JPEG_QUALITY,
            progressive=False,
            optimize=False,
            subsampling="4:2:0",
        )
    elif fmt == "webp":
        pixels.save(out, format="WEBP", quality=WEBP_QUALITY, method=4, lossless=False)
    else:
        extra = {"dpi": (dpi, dpi)} if dpi is not None else {}
        pixels.save(out, format="PNG", compress_level=compress_level, optimize=False, **extra)
    return out.getvalue()
