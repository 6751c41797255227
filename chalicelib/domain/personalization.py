"""Check a shopper's inputs against a product's zones: the same path for preview and production.

:func:`validate_inputs` is pure given a :class:`Catalog` (fonts, uploaded images, the brand's
profanity words), so the API, the spec builder and the workers all get identical answers. It never
stops at the first problem: the result lists every error and warning per zone, the normalized
inputs (defaults filled in) and the measured layout of every text zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Annotated, Any, Protocol

from pydantic import Field, PlainValidator, WithJsonSchema

from chalicelib.domain import placement
from chalicelib.domain.charsets import charset_issue, resolve_charset
from chalicelib.domain.color import canonical as canonical_color
from chalicelib.domain.features import ChoiceId, unknown_choices
from chalicelib.domain.framing import (
    Framing,
    ImageAdjust,
    framed_pixels,
    inside_image,
    outside_by,
)
from chalicelib.domain.layout import Layout
from chalicelib.domain.lines import Shaping
from chalicelib.domain.monogram import MonogramLayout, layout_monogram, read_initials
from chalicelib.domain.monogram import summary as monogram_summary
from chalicelib.domain.options import Choices, resolve_choices, visible
from chalicelib.domain.profanity import ProfanityChecker
from chalicelib.domain.text import (
    NormalizedText,
    TextIssue,
    TextTooLong,
    count_graphemes,
    normalize_text,
)
from chalicelib.domain.zone import (
    AnyZone,
    ColorZone,
    ImageZone,
    MonogramZone,
    ProductDoc,
    StrictModel,
    TextZone,
)

# Re-exported: callers set zone text through this module since before zone_layout existed.
from chalicelib.domain.zone_layout import LATEST_SPEC_VERSION as LATEST_SPEC_VERSION
from chalicelib.domain.zone_layout import fit_zone as fit_zone
from chalicelib.domain.zone_layout import layout_summary as layout_summary
from chalicelib.domain.zone_layout import zone_layout_options as zone_layout_options
from chalicelib.domain.zone_layout import zone_shaping as zone_shaping
from chalicelib.errors import AtelierError
from chalicelib.fonts import LoadedFont, missing_characters

MAX_INPUTS = 50


MAX_RAW_CHARS = 100_000  # cheap bound before normalization; the zone's own bound is far lower


def _raw_text(value: Any) -> str:
    """Accept any str, lone surrogates included, so normalization can report and remove them.

    pydantic's own ``str`` refuses unpaired surrogates outright; shoppers' browsers send them
    (broken emoji pasted from elsewhere), and the contract is a per-zone answer, not a 422 blob.
    """
    if not isinstance(value, str):
        raise ValueError("Input should be a valid string")
    if len(value) > MAX_RAW_CHARS:
        raise ValueError(f"String should have at most {MAX_RAW_CHARS} characters")
    return value


RawText = Annotated[
    str,
    PlainValidator(_raw_text),
    WithJsonSchema({"type": "string", "maxLength": MAX_RAW_CHARS}),
]


class ZoneInput(StrictModel):
    """What a shopper sets in one zone; which fields apply depends on the zone's kind."""

    text: RawText | None = None
    font: str | None = Field(default=None, max_length=64)
    color: str | None = Field(default=None, max_length=16)
    size: float | None = Field(default=None, gt=0, le=1000, description="font size in mm")
    asset_id: str | None = Field(default=None, max_length=64)
    framing: Framing | None = Field(
        default=None, description="image zones: quarter turns, fine angle and crop (0-1)"
    )
    adjust: ImageAdjust | None = Field(
        default=None, description="image zones: greyscale, brightness, contrast (as allowed)"
    )
    features: list[ChoiceId] | None = Field(
        default=None, max_length=10, description="ids of the zone's feature_choices"
    )


@dataclass(frozen=True)
class ImageInfo:
    format: str
    width_px: int
    height_px: int
    bytes: int
    sha256: str = ""  # of the verified (re-encoded) image the renderers will use


class Catalog(Protocol):
    """What validation needs from outside the product: fonts, images, the brand's words."""

    profanity_allow: tuple[str, ...]
    profanity_deny: tuple[str, ...]

    def font(self, font_id: str) -> LoadedFont: ...

    def image(self, asset_id: str) -> ImageInfo: ...


@dataclass
class Result:
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    normalized_inputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    layout: dict[str, dict[str, Any]] = field(default_factory=dict)
    # What the spec builder needs beyond the JSON answer: exact layouts and verified images.
    layouts: dict[str, Layout] = field(default_factory=dict)
    images: dict[str, ImageInfo] = field(default_factory=dict)
    shaping: dict[str, Shaping] = field(default_factory=dict)  # per text zone, version 2
    monograms: dict[str, MonogramLayout] = field(default_factory=dict)
    spec_version: int = LATEST_SPEC_VERSION
    # The resolved option choices (defaults filled, hidden options left out); None when the
    # product has no options, so its specs stay byte-identical to those made before options.
    options: dict[str, str] | None = None

    @property
    def valid(self) -> bool:
        return not self.errors

    def add(
        self, zone_id: str, code: str, message: str, warning: bool = False, **params: Any
    ) -> None:
        entry = {"zone_id": zone_id, "code": code, "message": message, "params": params}
        (self.warnings if warning else self.errors).append(entry)

    def add_issue(self, zone_id: str, issue: TextIssue) -> None:
        self.add(zone_id, issue.code, issue.message, issue.severity == "warning", **issue.params)

    def as_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "errors": self.errors,
            "warnings": self.warnings,
            "normalized_inputs": self.normalized_inputs,
            "layout": self.layout,
            **({"options": self.options} if self.options is not None else {}),
        }


def validate_inputs(
    product: ProductDoc,
    inputs: dict[str, ZoneInput],
    catalog: Catalog,
    *,
    spec_version: int = LATEST_SPEC_VERSION,
    options: Choices | None = None,
) -> Result:
    """Every error and warning for these inputs and option choices, the normalized inputs, the
    resolved choices and the layouts.

    ``spec_version`` picks the layout engine; only tests and tools that reproduce version 1
    specs pass 1. A zone hidden by the choices (``visible_when``) takes no input (an input for
    it is an error: it would silently not be made) and is never required.
    """
    result = Result(spec_version=spec_version)
    chosen, option_errors = resolve_choices(product.options, options or {})
    for error in option_errors:
        result.errors.append({"zone_id": None, **error})
    if product.options:
        result.options = chosen
    for zone_id in inputs:
        if product.zone(zone_id) is None:
            result.add(zone_id, "zone.unknown", "This product has no zone with this id.")
    for zone in product.zones:
        given = inputs.get(zone.id)
        if not (visible(zone.visible_when, chosen) and product.side_of(zone).shown(chosen)):
            if given is not None and any(getattr(given, f) for f in given.model_fields_set):
                result.add(
                    zone.id,
                    "zone.hidden",
                    "This zone is hidden by the chosen options; its input would not be made.",
                    visible_when=_condition_of(product, zone),
                )
            continue
        if isinstance(zone, TextZone):
            _text(zone, given, catalog, result)
        elif isinstance(zone, ImageZone):
            _image(zone, given, catalog, result)
        elif isinstance(zone, MonogramZone):
            _monogram(zone, given, catalog, result)
        else:
            _color(zone, given, result)
    return result


def _condition_of(product: ProductDoc, zone: AnyZone) -> dict[str, Any] | None:
    """The condition that hides ``zone``: its own, else its side's."""
    condition = zone.visible_when or product.side_of(zone).visible_when
    return condition.model_dump() if condition else None


def _unexpected(zone_id: str, given: ZoneInput, allowed: set[str], result: Result) -> None:
    extra = sorted(k for k in given.model_fields_set if k not in allowed)
    if extra:
        result.add(
            zone_id,
            "zone.unexpected_input",
            "These fields do not apply to this zone.",
            fields=extra,
        )


def normalize_for_zone(zone: TextZone | None, text: str) -> NormalizedText:
    """The one normalization every text goes through (zone rules when a zone is known)."""
    if zone is None:
        return normalize_text(text)
    return normalize_text(text, case=zone.case, emoji=zone.emoji)


def _text(zone: TextZone, given: ZoneInput | None, catalog: Catalog, result: Result) -> None:
    if given is None or not given.text:
        if zone.required:
            result.add(zone.id, "zone.required", "This zone must be filled in.")
        return
    _unexpected(zone.id, given, {"text", "font", "color", "size", "features"}, result)
    try:
        norm = normalize_for_zone(zone, given.text)
    except TextTooLong as exc:
        result.add(zone.id, exc.code, exc.message, **exc.details)
        return
    for issue in norm.issues:
        result.add_issue(zone.id, issue)
    if not norm.normalized:
        if zone.required:
            result.add(zone.id, "zone.required", "Nothing printable is left in this zone.")
        return
    _text_rules(zone, norm, catalog, result)
    font_id = given.font or zone.font
    color = canonical_color(given.color or zone.color)
    ok = _choices(zone, font_id, color, given.size, result)
    chosen = sorted(set(given.features or ()))
    unknown = unknown_choices(zone.feature_choices, chosen)
    if unknown:
        result.add(
            zone.id,
            "zone.feature_not_allowed",
            "These typographic options are not offered in this zone.",
            features=unknown,
            allowed=[c.id for c in zone.feature_choices],
        )
        ok = False
    font = _font(zone.id, font_id, catalog, result) if ok else None
    if font is None:
        return
    shaping = zone_shaping(zone, result.spec_version, chosen)
    if shaping is not None and zone.shaping_fallbacks:
        fallbacks = [_font(zone.id, f, catalog, result) for f in zone.shaping_fallbacks]
        if any(f is None for f in fallbacks):
            return
        shaping = replace(shaping, fallbacks=tuple(f for f in fallbacks if f is not None))
    # Version 1 checks code points before its layout would draw .notdef boxes.
    missing = missing_characters(font, norm.normalized) if shaping is None else []
    if _missing_glyphs(zone.id, font_id, missing, result):
        return
    layout = fit_zone(zone, norm.normalized, font, given.size, shaping)
    if _missing_glyphs(zone.id, font_id, list(layout.missing), result):
        return
    if shaping is not None:
        result.shaping[zone.id] = shaping
    result.layout[zone.id] = layout_summary(layout)
    result.layouts[zone.id] = layout
    if not layout.fits:
        result.add(
            zone.id,
            "text.does_not_fit",
            "The text does not fit the zone even at the smallest size.",
            font_size_mm=layout.font_size_mm,
            problems=list(layout.problems),
        )
    result.normalized_inputs[zone.id] = {
        "text": norm.normalized,
        "font": font_id,
        "color": color,
        "size": layout.font_size_mm,
        **({"features": chosen} if chosen else {}),
    }


def _monogram(
    zone: MonogramZone, given: ZoneInput | None, catalog: Catalog, result: Result
) -> None:
    """Initials (:func:`read_initials`), a font and colour the zone offers, a font that draws
    them, and a size that fits."""
    if given is None or not given.text:
        if zone.required:
            result.add(zone.id, "zone.required", "This zone must be filled in.")
        return
    _unexpected(zone.id, given, {"text", "font", "color"}, result)
    initials, issues = read_initials(zone, given.text)
    for issue in issues:
        result.add_issue(zone.id, issue)
    font_id = given.font or zone.font
    color = canonical_color(given.color or zone.color)
    for name, value, allowed in (("font", font_id, zone.fonts), ("color", color, zone.colors)):
        if value not in allowed:
            result.add(zone.id, f"zone.{name}_not_allowed", f"This {name} is not offered.")
    if any(e["zone_id"] == zone.id for e in result.errors):
        return
    font = _font(zone.id, font_id, catalog, result)
    if font is None or _missing_glyphs(
        zone.id, font_id, missing_characters(font, initials), result
    ):
        return
    layout = layout_monogram(zone, initials, font)
    if not layout.fits:
        result.add(
            zone.id,
            "text.does_not_fit",
            "The initials do not fit the zone even at the smallest size.",
            font_size_mm=layout.size_mm,
        )
    result.monograms[zone.id] = layout
    result.layout[zone.id] = monogram_summary(layout)
    result.normalized_inputs[zone.id] = {"text": initials, "font": font_id, "color": color}


def _missing_glyphs(zone_id: str, font_id: str, missing: list[str], result: Result) -> bool:
    """Report characters the font cannot draw (per code point in version 1, per shaped cluster
    in version 2); true when there were any."""
    if missing:
        result.add(
            zone_id,
            "text.missing_glyphs",
            f"The font {font_id} cannot draw: {' '.join(missing)}",
            characters=missing,
            code_points=[f"U+{ord(c):04X}" for c in missing],
            font=font_id,
        )
    return bool(missing)


def _text_rules(zone: TextZone, norm: NormalizedText, catalog: Catalog, result: Result) -> None:
    count = norm.grapheme_count
    if count > zone.max_chars:
        result.add(
            zone.id,
            "text.too_many_characters",
            f"At most {zone.max_chars} characters.",
            count=count,
            max=zone.max_chars,
        )
    if count < zone.min_chars:
        result.add(
            zone.id,
            "text.too_few_characters",
            f"At least {zone.min_chars} characters.",
            count=count,
            min=zone.min_chars,
        )
    if len(norm.lines) > zone.max_lines:
        result.add(
            zone.id,
            "text.too_many_lines",
            f"At most {zone.max_lines} lines.",
            lines=len(norm.lines),
            max=zone.max_lines,
        )
    if zone.max_chars_per_line is not None:
        for index, line in enumerate(norm.lines):
            if count_graphemes(line) > zone.max_chars_per_line:
                result.add(
                    zone.id,
                    "text.line_too_long",
                    f"Line {index + 1} has more than {zone.max_chars_per_line} characters.",
                    line=index,
                    max=zone.max_chars_per_line,
                )
    charset = resolve_charset(zone.charset, zone.charset_extra)
    issue = charset_issue(norm.normalized, charset, skip_emoji=zone.emoji == "allow")
    if issue is not None:
        result.add_issue(zone.id, issue)
    if zone.profanity == "block":
        checker = ProfanityChecker(
            zone.profanity_languages, allow=catalog.profanity_allow, deny=catalog.profanity_deny
        )
        found = checker.issue(norm.normalized)
        if found is not None:
            result.add_issue(zone.id, found)


def _choices(zone: TextZone, font_id: str, color: str, size: float | None, result: Result) -> bool:
    ok = True
    if font_id not in zone.fonts:
        result.add(
            zone.id,
            "zone.font_not_allowed",
            "This font is not offered in this zone.",
            font=font_id,
            allowed=zone.fonts,
        )
        ok = False
    if color not in zone.colors:
        result.add(
            zone.id,
            "zone.color_not_allowed",
            "This colour is not offered in this zone.",
            color=color,
            allowed=zone.colors,
        )
    if size is not None and not zone.min_size_mm <= size <= zone.max_size_mm:
        result.add(
            zone.id,
            "zone.size_out_of_range",
            "The size is outside the zone's range.",
            size=size,
            min=zone.min_size_mm,
            max=zone.max_size_mm,
        )
        ok = False
    return ok


def _font(zone_id: str, font_id: str, catalog: Catalog, result: Result) -> LoadedFont | None:
    try:
        return catalog.font(font_id)
    except AtelierError as exc:
        result.add(zone_id, exc.code, exc.message, font=font_id)
        return None


def effective_dpi(zone: ImageZone, image: ImageInfo, framing: Framing | None = None) -> float:
    """Pixels per inch once the image (or the framing's crop of it) is scaled to cover (or fit
    inside) the zone: zooming in on a small part of a photo lowers it."""
    width, height = image.width_px, image.height_px
    if framing is not None:
        width, height = framed_pixels(framing, width, height)
    dpi = placement.effective_dpi(width, height, zone.width_mm, zone.height_mm, zone.image_fit)
    return round(dpi, 2)


def _image(zone: ImageZone, given: ZoneInput | None, catalog: Catalog, result: Result) -> None:
    if given is None or not given.asset_id:
        if zone.required:
            result.add(zone.id, "zone.required", "This zone needs an image.")
        return
    _unexpected(zone.id, given, {"asset_id", "framing", "adjust"}, result)
    try:
        image = catalog.image(given.asset_id)
    except AtelierError:
        result.add(
            zone.id,
            "asset.not_found",
            "No uploaded, verified image with this id.",
            asset_id=given.asset_id,
        )
        return
    if image.format not in zone.formats:
        result.add(
            zone.id,
            "image.format_not_allowed",
            "This image format is not accepted.",
            format=image.format,
            allowed=list(zone.formats),
        )
    if image.bytes > zone.max_bytes:
        result.add(
            zone.id,
            "image.too_large",
            "The image file is too large.",
            bytes=image.bytes,
            max=zone.max_bytes,
        )
    if image.width_px * image.height_px > zone.max_pixels:
        result.add(
            zone.id,
            "image.too_many_pixels",
            "The image has too many pixels.",
            pixels=image.width_px * image.height_px,
            max=zone.max_pixels,
        )
    framing = _framing(zone, given, image, result)
    dpi = effective_dpi(zone, image, framing)
    if dpi < zone.min_dpi:
        result.add(
            zone.id,
            "image.dpi_too_low",
            f"At this zone's size the image prints at {dpi:.0f} DPI; {zone.min_dpi:.0f} "
            "is the minimum.",
            effective_dpi=dpi,
            min_dpi=zone.min_dpi,
        )
    result.normalized_inputs[zone.id] = {"asset_id": given.asset_id, "effective_dpi": dpi}
    if framing is not None:
        result.normalized_inputs[zone.id]["framing"] = framing.model_dump()
    adjust = _adjust(zone, given, result)
    if adjust is not None:
        result.normalized_inputs[zone.id]["adjust"] = adjust.model_dump()
    result.images[zone.id] = image


def _adjust(zone: ImageZone, given: ZoneInput, result: Result) -> ImageAdjust | None:
    """The shopper's adjustments when the zone allows each (None when they change nothing)."""
    adjust = given.adjust
    if adjust is None or not adjust.used():
        return None
    refused = [name for name in adjust.used() if name not in (zone.adjustments or [])]
    if refused or result.spec_version < 2:
        result.add(
            zone.id,
            "image.adjustment_not_allowed",
            "This zone does not offer these image adjustments.",
            adjustments=refused or adjust.used(),
            allowed=list(zone.adjustments or []),
        )
        return None
    return adjust


def _framing(zone: ImageZone, given: ZoneInput, image: ImageInfo, result: Result) -> Framing | None:
    """The shopper's framing when it lies on the photo; errors otherwise (None then)."""
    framing = given.framing
    if framing is None:
        return None
    if result.spec_version < 2:
        result.add(zone.id, "zone.unexpected_input", "Framing needs spec version 2.",
                   fields=["framing"])  # fmt: skip
        return None
    if not inside_image(framing, image.width_px, image.height_px):
        result.add(
            zone.id,
            "image.crop_outside",
            "The crop reaches past the photo's edge once turned; move or shrink it.",
            outside_px=round(outside_by(framing, image.width_px, image.height_px), 2),
        )
        return None
    return framing


def _color(zone: ColorZone, given: ZoneInput | None, result: Result) -> None:
    if given is None or not given.color:
        if zone.required:
            result.add(zone.id, "zone.required", "Pick a colour.")
            return
        result.normalized_inputs[zone.id] = {"color": zone.color}
        return
    _unexpected(zone.id, given, {"color"}, result)
    color = canonical_color(given.color)
    if color not in zone.colors:
        result.add(
            zone.id,
            "zone.color_not_allowed",
            "This colour is not offered in this zone.",
            color=color,
            allowed=zone.colors,
        )
        return
    result.normalized_inputs[zone.id] = {"color": color}
