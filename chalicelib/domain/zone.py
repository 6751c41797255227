"""Products and their zones, in millimetres: what a shopper may put where.

These pydantic models are the product document as the API accepts and stores it. Shape errors
(wrong types, unknown fields) come from pydantic; the rules that relate fields to each other or to
the outside world (zone inside the artboard, min ≤ max, known fonts and charsets) are checked by
:func:`product_issues`, which lists every problem at once so a brand fixes its product in one go.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    Field,
    SerializerFunctionWrapHandler,
    StringConstraints,
)

from chalicelib.domain.base import HexColor as HexColor
from chalicelib.domain.base import Name as Name
from chalicelib.domain.base import Slug as Slug
from chalicelib.domain.base import StrictModel as StrictModel
from chalicelib.domain.base import issue as _issue
from chalicelib.domain.base import wrap_serializer
from chalicelib.domain.charsets import CHARSETS
from chalicelib.domain.dieline import DieLine, die_line_issues
from chalicelib.domain.features import MAX_CHOICES, FeatureChoice, FeatureTag, feature_issues
from chalicelib.domain.labels import Labels
from chalicelib.domain.material import Material
from chalicelib.domain.model3d import ModelRef
from chalicelib.domain.options import (
    MAX_OPTIONS,
    MAX_VARIANTS,
    Condition,
    Currency,
    Option,
    PriceMinor,
    Variant,
    option_issues,
)
from chalicelib.domain.side import MAX_SIDES, Side, SideId, implicit_side, side_issues
from chalicelib.fonts import DEFAULT_FONT_ID, EMOJI_FONT_ID

MAX_ZONES = 50
MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_IMAGE_PIXELS = 50_000_000
_EDGE_TOLERANCE_MM = 1e-6


Mm = Annotated[float, Field(ge=0, le=5000)]
PositiveMm = Annotated[float, Field(gt=0, le=5000)]
FontSize = Annotated[float, Field(gt=0, le=1000)]
Process = Literal["print", "engrave", "cut"]
Language = Literal["en", "fr"]
ImageFormat = Literal["png", "jpeg", "webp"]


def omit_when_none(
    model: BaseModel,
    handler: SerializerFunctionWrapHandler,
    fields: tuple[str, ...],
    unused: dict[str, Any] | None = None,
) -> Any:
    """The model's dump without ``fields`` that are None (and without ``unused`` fields that
    hold their default): fields added after products were stored (a zone's side, a product's
    sides, options and prices) leave the documents of products that do not use them exactly as
    they were, byte for byte."""
    out = handler(model)
    if not isinstance(out, dict):
        return out
    for name in fields:
        if out.get(name, 0) is None:
            del out[name]
    for name, default in (unused or {}).items():
        if name in out and out[name] == default:
            del out[name]
    return out


def _all_languages() -> list[Language]:
    return ["en", "fr"]


def _all_formats() -> list[ImageFormat]:
    return ["png", "jpeg", "webp"]


class ZoneBase(StrictModel):
    id: Slug
    name: Name
    x_mm: Mm
    y_mm: Mm
    width_mm: PositiveMm
    height_mm: PositiveMm
    rotation_deg: float = Field(default=0.0, ge=-360, le=360)
    required: bool = False  # only while visible
    process: Process = "print"
    visible_when: Condition | None = None  # shown only for these option choices (options.py)
    price_minor: PriceMinor = 0  # added to the list price when the zone has content
    side: SideId | None = None  # the side the zone is on; None: the product's first side

    @wrap_serializer
    def _dump(self, handler: SerializerFunctionWrapHandler) -> Any:
        return omit_when_none(
            self, handler, ("side", "visible_when", "adjustments"), {"price_minor": 0}
        )


class RingOptions(StrictModel):
    """A jump-ring loop at one end of a cut name: a hole of ``inner_diameter_mm`` in a wall of
    ``wall_mm``, joined to the first (``start``) or last (``end``) letter."""

    end: Literal["start", "end"] = "start"
    inner_diameter_mm: float = Field(default=3.0, ge=0.5, le=30)
    wall_mm: float = Field(default=1.2, ge=0.3, le=10)


class CutOptions(StrictModel):
    """How the letters of a cut-through text zone hold together (see scene/connectors.py).

    ``weld``: letters that touch or overlap become one piece; ``none``: letters stay apart
    (overlaps are reported, they cannot be cut apart); ``bar``: a bar of ``bar_mm`` along each
    baseline joins every letter; ``outline``: a border of ``outline_mm`` around the welded
    text is cut and the text engraved on it (``outline_text: cut``: cut out of it, as inner
    contours). ``one_part``: more than one piece is an error
    for the shopper, not a warning.
    """

    connect: Literal["weld", "none", "bar", "outline"] = "weld"
    bar_mm: float = Field(default=1.2, ge=0.3, le=20)
    outline_mm: float = Field(default=3.0, ge=0.3, le=30)
    outline_text: Literal["engrave", "cut"] = "engrave"  # the letters on an outline border
    ring: RingOptions | None = None
    one_part: bool = False


class ArcPath(StrictModel):
    """A circular baseline for one line of text (conventions in chalicelib/domain/arc.py):
    centre in mm from the zone's top-left corner, angles clockwise from 12 o'clock."""

    kind: Literal["arc"] = "arc"
    cx_mm: float = Field(ge=-5000, le=5000)
    cy_mm: float = Field(ge=-5000, le=5000)
    radius_mm: float = Field(gt=0, le=5000)
    center_deg: float = Field(default=0.0, ge=-360, le=360)
    span_deg: float = Field(default=180.0, gt=0, le=360)
    side: Literal["outside", "inside"] = "outside"
    tracking_mm: float = Field(default=0.0, ge=0, le=100)
    bend: bool = False  # outlines follow the circle (joining scripts) instead of turning rigidly


class TextZone(ZoneBase):
    kind: Literal["text"]
    min_chars: int = Field(default=0, ge=0, le=1000)
    max_chars: int = Field(default=30, ge=1, le=1000)
    max_lines: int = Field(default=1, ge=1, le=20)
    max_chars_per_line: int | None = Field(default=None, ge=1, le=1000)
    charset: list[str] = Field(default_factory=lambda: ["latin-extended"], max_length=10)
    charset_extra: str = Field(default="", max_length=500)
    emoji: Literal["allow", "deny"] = "deny"
    profanity: Literal["off", "block"] = "block"
    profanity_languages: list[Language] = Field(default_factory=_all_languages)
    case: Literal["none", "upper", "lower"] = "none"
    fonts: list[str] = Field(default_factory=lambda: [DEFAULT_FONT_ID], min_length=1, max_length=20)
    default_font: str | None = None
    # Fonts that draw, per grapheme cluster, what the chosen font lacks (first that covers wins).
    fallback_fonts: list[str] = Field(default_factory=list, max_length=5)
    min_size_mm: FontSize = 2.0
    max_size_mm: FontSize = 10.0
    default_size_mm: FontSize | None = None
    # start/end follow each line's paragraph direction (spec version 2; left/right in version 1)
    align: Literal["left", "center", "right", "start", "end"] = "center"
    direction: Literal["auto", "ltr", "rtl"] = "auto"  # paragraph direction; auto: first strong
    # OpenType switches the brand fixes, and named choices a shopper may add (spec version 2).
    features: dict[FeatureTag, bool] = Field(default_factory=dict, max_length=20)
    feature_choices: list[FeatureChoice] = Field(default_factory=list, max_length=MAX_CHOICES)
    valign: Literal["top", "middle", "bottom"] = "middle"
    fit: Literal["shrink", "none"] = "shrink"
    wrap: bool = False
    colors: list[HexColor] = Field(default_factory=lambda: ["#000000"], min_length=1, max_length=50)
    default_color: HexColor | None = None
    cut: CutOptions | None = None  # process cut only; None: weld, the usual
    path: ArcPath | None = None  # text along a circular arc instead of a straight baseline

    @property
    def shaping_fallbacks(self) -> list[str]:
        """The fallback fonts shaping uses: the zone's own, then, where the zone allows emoji, the
        bundled monochrome emoji font, so an emoji is outlines every process can make rather than
        a missing glyph. Last in line, it changes no cluster another font already covers."""
        if self.emoji == "allow" and EMOJI_FONT_ID not in self.fallback_fonts:
            return [*self.fallback_fonts, EMOJI_FONT_ID]
        return list(self.fallback_fonts)

    @property
    def cut_options(self) -> CutOptions:
        return self.cut or CutOptions()

    @property
    def font(self) -> str:
        return self.default_font or self.fonts[0]

    @property
    def color(self) -> str:
        return self.default_color or self.colors[0]

    @property
    def size_mm(self) -> float:
        return self.default_size_mm or self.max_size_mm


Adjustment = Literal["greyscale", "brightness", "contrast"]


class ImageZone(ZoneBase):
    kind: Literal["image"]
    formats: list[ImageFormat] = Field(default_factory=_all_formats, min_length=1)
    max_bytes: int = Field(default=MAX_IMAGE_BYTES, ge=1, le=MAX_IMAGE_BYTES)
    max_pixels: int = Field(default=MAX_IMAGE_PIXELS, ge=1, le=MAX_IMAGE_PIXELS)
    min_dpi: float = Field(default=150.0, ge=0, le=2400)
    image_fit: Literal["cover", "contain"] = "cover"
    # What the shopper may change on their photo (domain/framing.py ImageAdjust); None: nothing.
    adjustments: list[Adjustment] | None = Field(default=None, max_length=3)


class ColorZone(ZoneBase):
    kind: Literal["color"]
    colors: list[HexColor] = Field(min_length=1, max_length=100)
    default_color: HexColor | None = None

    @property
    def color(self) -> str:
        return self.default_color or self.colors[0]


class MonogramZone(ZoneBase):
    """Two or three initials typed in natural order (first, middle, last), shown by ``layout``
    (chalicelib/domain/monogram.py): ``first-last-middle`` and ``couple`` centre the third
    initial (the surname's) ``ratio`` times larger between the other two; ``block`` sets them
    equal, in order. An optional ``frame`` of ``frame_mm`` stroke is drawn as outlines."""

    kind: Literal["monogram"]
    layout: Literal["first-last-middle", "block", "couple"] = "first-last-middle"
    ratio: float = Field(default=1.5, ge=1, le=4)
    frame: Literal["circle", "diamond", "none"] = "none"
    frame_mm: float = Field(default=0.8, gt=0, le=50)
    gap_mm: float = Field(default=1.0, ge=0, le=100)
    charset: list[str] = Field(default_factory=lambda: ["latin"], max_length=10)
    charset_extra: str = Field(default="", max_length=500)
    fonts: list[str] = Field(default_factory=lambda: [DEFAULT_FONT_ID], min_length=1, max_length=20)
    default_font: str | None = None
    min_size_mm: FontSize = 2.0
    max_size_mm: FontSize = 100.0
    colors: list[HexColor] = Field(default_factory=lambda: ["#000000"], min_length=1, max_length=50)
    default_color: HexColor | None = None

    @property
    def font(self) -> str:
        return self.default_font or self.fonts[0]

    @property
    def color(self) -> str:
        return self.default_color or self.colors[0]


Zone = Annotated[TextZone | ImageZone | ColorZone | MonogramZone, Field(discriminator="kind")]
AnyZone = TextZone | ImageZone | ColorZone | MonogramZone


_UNUSED_MERCH: dict[str, Any] = {"options": [], "variants": [], "prices_include_tax": True}


class ProductDoc(StrictModel):
    """Everything a brand sets on a product (the server adds id, version, timestamps)."""

    name: Name
    sku: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._/-]{1,64}$")]
    status: Literal["draft", "active"] = "draft"
    width_mm: PositiveMm
    height_mm: PositiveMm
    base_image_asset_id: str | None = Field(default=None, max_length=64)
    manufacturing_profile_id: str | None = Field(default=None, max_length=64)
    die_line: DieLine | None = None  # the product's own outline, cut in every pack
    material: Material | None = None  # previews draw marks as they look on it (None: flat ink)
    zones: list[Zone] = Field(default_factory=list, max_length=MAX_ZONES)
    # Merchandise (chalicelib/domain/options.py): choices, their shop variants, the list price.
    options: list[Option] = Field(default_factory=list, max_length=MAX_OPTIONS)
    variants: list[Variant] = Field(default_factory=list, max_length=MAX_VARIANTS)
    currency: Currency | None = None  # ISO 4217; required once any price is set
    prices_include_tax: bool = True
    base_price_minor: PriceMinor | None = None  # None: unpriced, orders take the caller's price
    # Front, back, inside...: each its own artboard, die line and mockup (domain/side.py).
    # None: one implicit side from width_mm/height_mm/die_line/base_image_asset_id.
    sides: list[Side] | None = Field(default=None, min_length=1, max_length=MAX_SIDES)
    model: ModelRef | None = None  # a .glb whose material shows the artboard (3D / AR previews)
    # The widget: the brand's wording per locale; "Add to cart" asks for a proof first.
    labels: Labels = Field(default_factory=dict)
    require_proof: bool = False

    @wrap_serializer
    def _dump(self, handler: SerializerFunctionWrapHandler) -> Any:
        return omit_when_none(
            self,
            handler,
            ("sides", "material", "model", "currency", "base_price_minor"),
            {**_UNUSED_MERCH, "labels": {}, "require_proof": False},
        )

    def zone(self, zone_id: str) -> AnyZone | None:
        return next((z for z in self.zones if z.id == zone_id), None)

    @property
    def all_sides(self) -> tuple[Side, ...]:
        """The declared sides, or the one implicit side (id ``front``) of a product without."""
        if self.sides:
            return tuple(self.sides)
        return (
            implicit_side(self.width_mm, self.height_mm, self.die_line, self.base_image_asset_id),
        )

    def side(self, side_id: str) -> Side | None:
        return next((s for s in self.all_sides if s.id == side_id), None)

    def side_of(self, zone: ZoneBase) -> Side:
        """The side ``zone`` is on (its own, else the first); a zone naming an unknown side is
        refused when the product is written, so this falls back only for unchecked documents."""
        sides = self.all_sides
        return next((s for s in sides if s.id == zone.side), sides[0])

    def zones_on(self, side_id: str) -> list[AnyZone]:
        """The zones of one side, in product order."""
        return [z for z in self.zones if self.side_of(z).id == side_id]


def rotated_bounds(zone: ZoneBase) -> tuple[float, float, float, float]:
    """The axis-aligned box a zone covers once rotated about its centre."""
    cx, cy = zone.x_mm + zone.width_mm / 2, zone.y_mm + zone.height_mm / 2
    theta = math.radians(zone.rotation_deg)
    half_w = (abs(math.cos(theta)) * zone.width_mm + abs(math.sin(theta)) * zone.height_mm) / 2
    half_h = (abs(math.sin(theta)) * zone.width_mm + abs(math.cos(theta)) * zone.height_mm) / 2
    return cx - half_w, cy - half_h, cx + half_w, cy + half_h


def product_issues(doc: ProductDoc, known_fonts: set[str]) -> list[dict[str, Any]]:
    """Every rule a product breaks beyond its shape; empty when the product is sound."""
    issues: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, zone in enumerate(doc.zones):
        at = f"zones[{i}]"
        if zone.id in seen:
            issues.append(
                _issue(f"{at}.id", "zone.duplicate_id", "Zone ids must be unique.", zone_id=zone.id)
            )
        seen.add(zone.id)
        board = doc.side_of(zone)
        x0, y0, x1, y1 = rotated_bounds(zone)
        tol = _EDGE_TOLERANCE_MM
        if x0 < -tol or y0 < -tol or x1 > board.width_mm + tol or y1 > board.height_mm + tol:
            issues.append(
                _issue(
                    at,
                    "zone.outside_artboard",
                    "The zone (after rotation) must lie inside the artboard.",
                    zone_id=zone.id,
                    bounds_mm=[round(v, 3) for v in (x0, y0, x1, y1)],
                    artboard_mm=[board.width_mm, board.height_mm],
                )
            )
        if isinstance(zone, TextZone):
            issues += _text_zone_issues(at, zone, known_fonts)
        if isinstance(zone, MonogramZone):
            issues += _monogram_issues(at, zone, known_fonts)
        if isinstance(zone, TextZone | ColorZone | MonogramZone) and zone.color not in zone.colors:
            issues.append(
                _issue(
                    f"{at}.default_color",
                    "zone.default_color_not_allowed",
                    "default_color must be one of colors.",
                    zone_id=zone.id,
                )
            )
    issues += option_issues(doc)
    issues += side_issues(doc)
    for i, side in enumerate(doc.all_sides):
        if side.die_line is not None:
            corners = [(zone.id, zone_corners(zone)) for zone in doc.zones_on(side.id)]
            found = die_line_issues(side.die_line, (side.width_mm, side.height_mm), corners)
            issues += _on_side(found, i, side.id) if doc.sides else found
    return issues


def _on_side(issues: list[dict[str, Any]], index: int, side_id: str) -> list[dict[str, Any]]:
    """A declared side's die-line issues point into ``sides[i]`` and name the side."""
    return [
        {
            **issue,
            "field": f"sides[{index}].{issue['field']}",
            "params": {**issue["params"], "side": side_id},
        }
        for issue in issues
    ]


def zone_corners(zone: ZoneBase) -> list[tuple[float, float]]:
    """The zone's four corners on the artboard, turned about its centre."""
    cx, cy = zone.x_mm + zone.width_mm / 2, zone.y_mm + zone.height_mm / 2
    cos, sin = math.cos(math.radians(zone.rotation_deg)), math.sin(math.radians(zone.rotation_deg))
    half = ((-1, -1), (1, -1), (1, 1), (-1, 1))
    return [
        (
            cx + cos * hx * zone.width_mm / 2 - sin * hy * zone.height_mm / 2,
            cy + sin * hx * zone.width_mm / 2 + cos * hy * zone.height_mm / 2,
        )
        for hx, hy in half
    ]


def _text_zone_issues(at: str, zone: TextZone, known_fonts: set[str]) -> list[dict[str, Any]]:
    issues: list[dict[str, Any]] = _cut_issues(at, zone) + _path_issues(at, zone)
    if zone.min_chars > zone.max_chars:
        issues.append(
            _issue(
                f"{at}.min_chars",
                "zone.min_greater_than_max",
                "min_chars is larger than max_chars.",
                zone_id=zone.id,
            )
        )
    if zone.min_size_mm > zone.max_size_mm:
        issues.append(
            _issue(
                f"{at}.min_size_mm",
                "zone.min_greater_than_max",
                "min_size_mm is larger than max_size_mm.",
                zone_id=zone.id,
            )
        )
    elif not zone.min_size_mm <= zone.size_mm <= zone.max_size_mm:
        issues.append(
            _issue(
                f"{at}.default_size_mm",
                "zone.size_out_of_range",
                "default_size_mm must lie between min_size_mm and max_size_mm.",
                zone_id=zone.id,
            )
        )
    issues += _font_issues(at, zone, zone.fonts + zone.fallback_fonts, known_fonts)
    issues += feature_issues(at, zone.id, zone.features, zone.feature_choices)
    issues += _charset_issues(at, zone)
    if not zone.charset and not zone.charset_extra:
        issues.append(
            _issue(
                f"{at}.charset",
                "zone.empty_charset",
                "Give a named charset or explicit characters.",
                zone_id=zone.id,
            )
        )
    return issues


def _cut_issues(at: str, zone: TextZone) -> list[dict[str, Any]]:
    """Connectors that cannot attach: on a zone that is not cut, or thicker than the zone."""
    if zone.cut is None:
        return []
    if zone.process != "cut":
        return [
            _issue(
                f"{at}.cut",
                "zone.cut_needs_process_cut",
                "Cut options apply to zones whose process is cut.",
                zone_id=zone.id,
            )
        ]
    issues = []
    if zone.cut.connect == "bar" and zone.path is not None:
        issues.append(
            _issue(
                f"{at}.cut.connect",
                "zone.connector_needs_straight_text",
                "A bar runs along a straight baseline; text on an arc can weld or take an outline.",
                zone_id=zone.id,
            )
        )
    if zone.cut.connect == "bar" and zone.cut.bar_mm >= zone.height_mm:
        issues.append(
            _issue(
                f"{at}.cut.bar_mm",
                "zone.connector_too_large",
                "The bar must be thinner than the zone is high.",
                zone_id=zone.id,
                bar_mm=zone.cut.bar_mm,
            )
        )
    ring = zone.cut.ring
    if ring is not None and ring.inner_diameter_mm + 2 * ring.wall_mm > zone.height_mm:
        issues.append(
            _issue(
                f"{at}.cut.ring",
                "zone.connector_too_large",
                "The ring (inner diameter plus two walls) must fit the zone's height.",
                zone_id=zone.id,
                ring_mm=ring.inner_diameter_mm + 2 * ring.wall_mm,
            )
        )
    return issues


def _path_issues(at: str, zone: TextZone) -> list[dict[str, Any]]:
    """One line per path, and an arc long enough for at least one em at the smallest size."""
    path = zone.path
    if path is None:
        return []
    issues = []
    if zone.max_lines > 1 or zone.wrap:
        issues.append(
            _issue(
                f"{at}.path",
                "zone.path_multi_line",
                "Text on a path is one line: set max_lines to 1 and wrap to false.",
                zone_id=zone.id,
            )
        )
    length = path.radius_mm * math.radians(path.span_deg)
    if length < zone.min_size_mm:
        issues.append(
            _issue(
                f"{at}.path.span_deg",
                "zone.path_too_short",
                "The arc is shorter than one letter at the smallest size.",
                zone_id=zone.id,
                arc_length_mm=round(length, 4),
                min_size_mm=zone.min_size_mm,
            )
        )
    return issues


def _monogram_issues(at: str, zone: MonogramZone, known_fonts: set[str]) -> list[dict[str, Any]]:
    issues = _font_issues(at, zone, zone.fonts, known_fonts) + _charset_issues(at, zone)
    if zone.min_size_mm > zone.max_size_mm:
        issues.append(
            _issue(
                f"{at}.min_size_mm",
                "zone.min_greater_than_max",
                "min_size_mm is larger than max_size_mm.",
                zone_id=zone.id,
            )
        )
    return issues


def _font_issues(
    at: str, zone: TextZone | MonogramZone, font_ids: list[str], known_fonts: set[str]
) -> list[dict[str, Any]]:
    """Fonts neither bundled nor uploaded, and a default font the zone does not offer."""
    issues = []
    unknown = [f for f in dict.fromkeys(font_ids) if f not in known_fonts]
    if unknown:
        issues.append(
            _issue(
                f"{at}.fonts",
                "zone.unknown_font",
                "These fonts are neither bundled nor uploaded by the brand.",
                zone_id=zone.id,
                fonts=unknown,
            )
        )
    if zone.font not in zone.fonts:
        issues.append(
            _issue(
                f"{at}.default_font",
                "zone.default_font_not_allowed",
                "default_font must be one of fonts.",
                zone_id=zone.id,
            )
        )
    return issues


def _charset_issues(at: str, zone: TextZone | MonogramZone) -> list[dict[str, Any]]:
    bad_sets = [name for name in zone.charset if name not in CHARSETS]
    if not bad_sets:
        return []
    return [
        _issue(
            f"{at}.charset",
            "zone.unknown_charset",
            f"Known charsets: {', '.join(sorted(CHARSETS))}.",
            zone_id=zone.id,
            charsets=bad_sets,
        )
    ]
