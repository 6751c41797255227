"""The scene: one device-independent description of a design, in millimetres, y down.

Every output (the live preview, the production PNG and PDF, later SVG/DXF packs) is drawn from
a :class:`Scene` and nothing else, so preview and production cannot disagree. A scene holds
only resolved geometry and verified bytes: text is already glyph outlines in artboard
coordinates (zone offset and rotation applied), images are re-encoded PNGs with their placement,
colours are hex strings that passed the spec schema. Writers therefore never see a font, a user
string or an unverified file.

Images and colour fills keep an unrotated rectangle plus an affine ``transform`` instead of
being pre-transformed, because raster images cannot be "pre-rotated" without resampling; both
the SVG and the PDF writer apply the same matrix. The origin is the artboard's top-left corner.

A render that cannot be faithful fails with :class:`RenderError` (defined here, beside the
data it is about): a missing font or a damaged image would otherwise give a blank or
fallback-font file that looks fine until it reaches the machine.

This module imports nothing heavy (outline types only for type checking), so these types can be
imported anywhere without pulling fontTools or Pillow in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, get_args

from chalicelib.domain.color import hex_rgb
from chalicelib.errors import ValidationFailed

if TYPE_CHECKING:
    from chalicelib.domain.zone import CutOptions
    from chalicelib.scene.outline import Contour, TextOutline

Process = Literal["print", "engrave", "cut"]

# The stable codes a RenderError carries; part of the public contract (render records, API).
RenderCode = Literal[
    "render.layout_mismatch",  # laying the text out again differs from the spec's layout
    "render.spec_mismatch",  # the spec does not fit the product (unknown zone, other kind)
    "render.font_missing",  # font absent, or not the exact file (sha256) the spec recorded
    "render.image_missing",  # image absent from storage
    "render.image_corrupt",  # image does not decode, or is not the recorded sha256
    "render.too_many_pixels",  # the requested raster exceeds MAX_PIXELS
    "render.timeout",  # the deadline passed between two stages
    "render.rasterizer_failed",  # the rasterizer could not draw the SVG
    "render.unknown_side",  # the render asks for a side the product does not have
]
RENDER_CODES: frozenset[str] = frozenset(get_args(RenderCode))


class RenderError(ValidationFailed):
    """422 carrying one of :data:`RENDER_CODES`; ``details`` names the zone or the limit."""

    code = "render.failed"


@dataclass(frozen=True)
class Affine:
    """``x' = a·x + c·y + e``, ``y' = b·x + d·y + f``: SVG's ``matrix(a b c d e f)``."""

    a: float = 1.0
    b: float = 0.0
    c: float = 0.0
    d: float = 1.0
    e: float = 0.0
    f: float = 0.0

    @classmethod
    def rotation_about(cls, degrees: float, cx: float, cy: float) -> Affine:
        """Rotation by ``degrees`` about (cx, cy); positive turns clockwise on screen (y down)."""
        theta = math.radians(degrees)
        cos, sin = math.cos(theta), math.sin(theta)
        return cls(cos, sin, -sin, cos, cx - cos * cx + sin * cy, cy - sin * cx - cos * cy)

    @property
    def is_identity(self) -> bool:
        return self == Affine()

    def apply(self, x: float, y: float) -> tuple[float, float]:
        return self.a * x + self.c * y + self.e, self.b * x + self.d * y + self.f


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class PlacedImage:
    """A verified PNG drawn into ``rect`` (stretched exactly), clipped to ``clip``.

    ``rect`` and ``clip`` are in the unrotated frame; ``transform`` maps that frame onto the
    artboard. Cover/contain is already resolved into ``rect`` by the scene builder.
    """

    png: bytes
    sha256: str
    width_px: int
    height_px: int
    rect: Rect
    clip: Rect
    transform: Affine


@dataclass(frozen=True)
class TextItem:
    zone_id: str
    process: Process
    color: str  # "#RRGGBB"
    outline: TextOutline  # artboard coordinates, fill with the nonzero rule
    angle_deg: float = 0.0  # the zone's rotation: the text's vertical, for stencil bridges
    frame: Affine = Affine()  # zone-local mm (origin top-left, y down) to artboard, for connectors
    baselines_mm: tuple[float, ...] = ()  # each line's baseline, zone-local y
    cut: CutOptions | None = None  # connectors and ring of a cut zone; None: weld
    # What the cut connectors add, so every picture shows the part the machine makes: the cut
    # shape (bar, ring: drawn in the text's colour) or, with ``plate``, the outline border
    # (drawn in a tint, the letters engraved on it). Straight segments; empty for plain text.
    connector: tuple[Contour, ...] = ()
    plate: bool = False

    @property
    def connector_color(self) -> str:
        """The border plate's tint (the colour 60 % towards white); else the text's colour."""
        if not self.plate:
            return self.color
        r, g, b = (round(c + (255 - c) * 0.6) for c in hex_rgb(self.color))
        return f"#{r:02X}{g:02X}{b:02X}"

    @property
    def contours(self) -> tuple[Contour, ...]:
        return self.outline.contours


@dataclass(frozen=True)
class ImageItem:
    zone_id: str
    process: Process
    image: PlacedImage
    effective_dpi: float


@dataclass(frozen=True)
class ColorItem:
    zone_id: str
    process: Process
    color: str  # "#RRGGBB"
    rect: Rect  # the zone, unrotated
    transform: Affine


Item = TextItem | ImageItem | ColorItem


@dataclass(frozen=True)
class Scene:
    """The artboard, an optional mockup base image (previews only) and the zones, in order."""

    width_mm: float
    height_mm: float
    base_image: PlacedImage | None
    items: tuple[Item, ...]
    # The product's die line (one closed contour), cut in every machine file and marked as a
    # CutContour spot colour in the PDF; previews (``silhouette``) draw it as a thin line.
    die_line: Contour | None = None
    silhouette: bool = False
    # Previews only: the product's material (marks drawn as they look on it, see
    # :mod:`chalicelib.scene.material_look`) and, for a mockup photo taken at an angle, where
    # the artboard's corners are on it (photo pixels: TL, TR, BR, BL; the side's own).
    material: str | None = None
    mockup_corners: tuple[tuple[float, float], ...] | None = None
    # Which side of the product this is (domain/side.py): its id names the side's files, its
    # ``flip`` mirrors the machine files (DXF, machine SVG) for engraving from behind.
    side_id: str = "front"
    flip: Literal["none", "horizontal", "vertical"] = "none"
    # "guide": the die line is not cut from this side's files but drawn on a non-cutting GUIDE
    # layer (the part is cut from another side's file; this outline places it).
    die_line_role: Literal["cut", "guide"] = "cut"

    @property
    def has_content(self) -> bool:
        """Whether the side makes anything: a filled zone or a die line to cut."""
        return bool(self.items) or self.die_line is not None


def fmt_number(value: float, decimals: int = 4) -> str:
    """Fixed decimals, trailing zeros dropped, no "-0": the SVG and PDF writers share it so the
    same scene gives the same bytes (4 decimals of a mm is 0.1 µm)."""
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
