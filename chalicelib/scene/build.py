"""Build the :class:`Scene` of a snapshot from its spec and its product.

The spec is the contract: it records the exact font file (sha256), the font size and where each
line went. The builder re-runs the very layout code validation used, with the zone's own options
(:func:`zone_layout_options`), and refuses to draw if the result differs from what the spec
recorded: a changed font, layout algorithm or product would otherwise silently produce a file
that is not what the shopper approved. Images are checked against their recorded sha256, decoded
under the bomb guard and re-encoded before they reach any writer.

Failures are :class:`RenderError` with stable codes; nothing here ever draws a fallback.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Mapping
from typing import Protocol, TypeVar

from pydantic import ValidationError as PydanticValidationError

from chalicelib.domain.dieline import die_segments
from chalicelib.domain.layout import Layout, LayoutInvalid, layout_text
from chalicelib.domain.lines import Shaping
from chalicelib.domain.options import chosen_mockup
from chalicelib.domain.side import Side
from chalicelib.domain.spec import (
    ColorZoneSpec,
    DesignSpec,
    FontRef,
    ImageZoneSpec,
    MonogramZoneSpec,
    TextZoneSpec,
    shaping_record,
)
from chalicelib.domain.zone import (
    AnyZone,
    ColorZone,
    ImageZone,
    MonogramZone,
    ProductDoc,
    TextZone,
    ZoneBase,
)
from chalicelib.domain.zone_layout import zone_layout_options
from chalicelib.errors import AtelierError, field_errors
from chalicelib.fonts import LoadedFont
from chalicelib.scene.layout_checks import (
    LAYOUT_TOLERANCE_MM,
    check_layout,
    check_path,
    check_runs,
)
from chalicelib.scene.model import (
    Affine,
    ColorItem,
    ImageItem,
    Item,
    PlacedImage,
    Rect,
    RenderCode,
    RenderError,
    Scene,
    TextItem,
)
from chalicelib.scene.monogram import rebuilt_monogram
from chalicelib.scene.outline import (
    GlyphOutline,
    Segment,
    TextOutline,
    move_contour,
    outline_layout,
)
from chalicelib.scene.placed import clear_verified_cache, placed, verified_png

__all__ = [
    "LAYOUT_TOLERANCE_MM",
    "build_scene",
    "clear_verified_cache",
    "side_scenes",
    "text_item",
]
T = TypeVar("T")


class SceneResources(Protocol):
    """Where fonts and verified images come from (S3 and the bundled fonts in production).

    Implementations raise a :class:`RenderError` (passed through as is) or any other
    :class:`AtelierError` when something is absent; the builder turns the latter into
    ``render.font_missing`` / ``render.image_missing``.
    """

    def font(self, font_id: str, sha256: str) -> LoadedFont: ...

    def image(self, asset_id: str, sha256: str) -> bytes: ...

    def base_image(self, asset_id: str) -> bytes:
        """The product's mockup photo; products record no hash for it, so none is checked."""
        ...


def parse_design(document: Mapping[str, object]) -> DesignSpec:
    """A stored spec as a model; one that no longer parses is ``render.spec_mismatch``."""
    try:
        return DesignSpec.model_validate(document)
    except PydanticValidationError as exc:
        raise RenderError(
            "The spec is not a valid design spec.",
            code="render.spec_mismatch",
            details={"errors": field_errors(exc)},
        ) from exc


def build_scene(
    spec: DesignSpec | Mapping[str, object],
    product: ProductDoc,
    resources: SceneResources,
    *,
    mockup: bool,
    side: str | None = None,
) -> Scene:
    """The scene of ``spec`` on one side of ``product`` (``side`` None: the first side, the only
    one of a product without declared sides); ``mockup`` adds the side's photo (previews only).

    Every output that has sides loops over :func:`side_scenes`; this is the one place a side
    becomes a scene. A production final is the personalization artwork alone, hence
    ``mockup=False`` there.
    """
    parsed = spec if isinstance(spec, DesignSpec) else parse_design(spec)
    unknown = sorted(set(parsed.zones) - {z.id for z in product.zones})
    if unknown:
        raise RenderError(
            "The spec names zones the product lacks.",
            code="render.spec_mismatch",
            details={"zones": unknown},
        )
    board = product.all_sides[0] if side is None else product.side(side)
    if board is None:
        raise RenderError(
            "The product has no side with this id.",
            code="render.unknown_side",
            details={"side": side, "sides": [s.id for s in product.all_sides]},
        )
    items: list[Item] = []
    for zone in product.zones_on(board.id):
        given = parsed.zones.get(zone.id)
        if given is None:
            continue
        items.append(_item(zone, given, resources, parsed.spec_version))
    base = None
    photo = _mockup_asset(product, parsed, board) if mockup else None
    if photo:
        base = _base_image(board, resources, photo)
    die = None
    if board.die_line is not None:
        die = tuple(Segment(s.op, s.points) for s in die_segments(board.die_line))
    corners = (
        tuple((float(x), float(y)) for x, y in board.mockup_corners)
        if board.mockup_corners is not None
        else None
    )
    return Scene(
        board.width_mm,
        board.height_mm,
        base,
        tuple(items),
        die,
        mockup,
        material=product.material if mockup else None,
        side_id=board.id,
        flip=board.flip,
        mockup_corners=corners,
        die_line_role=board.die_line_role,
    )


def _mockup_asset(product: ProductDoc, spec: DesignSpec, board: Side) -> str | None:
    """The side's mockup photo, or on the first side (the product's main view) the photo of a
    chosen option value (gold vs silver chain): the first option, in product order, whose
    chosen value has one. The side's ``mockup_corners`` apply to it as well: a brand shoots
    its variants from the same place."""
    if board.id == product.all_sides[0].id:
        chosen = chosen_mockup(product, spec.options or {})
        if chosen is not None:
            return chosen
    return board.mockup_asset_id


def side_scenes(
    spec: DesignSpec | Mapping[str, object],
    product: ProductDoc,
    resources: SceneResources,
    *,
    mockup: bool,
    content_only: bool = False,
) -> list[Scene]:
    """The scene of every side the spec's option choices show, in product order;
    ``content_only`` keeps the sides that give a file (a zone the spec fills, or a die line):
    a blank back gets no files in a pack."""
    parsed = spec if isinstance(spec, DesignSpec) else parse_design(spec)
    scenes = [
        build_scene(parsed, product, resources, mockup=mockup, side=side.id)
        for side in product.all_sides
        if side.shown(parsed.options)
    ]
    return [s for s in scenes if s.has_content] if content_only else scenes


def _item(
    zone: AnyZone,
    given: TextZoneSpec | ImageZoneSpec | ColorZoneSpec | MonogramZoneSpec,
    resources: SceneResources,
    spec_version: int,
) -> Item:
    if isinstance(zone, TextZone) and isinstance(given, TextZoneSpec):
        return _text_item(zone, given, resources, spec_version)
    if isinstance(zone, ImageZone) and isinstance(given, ImageZoneSpec):
        return _image_item(zone, given, resources)
    if isinstance(zone, ColorZone) and isinstance(given, ColorZoneSpec):
        return _color_item(zone, given)
    if isinstance(zone, MonogramZone) and isinstance(given, MonogramZoneSpec):
        return _monogram_item(zone, given, resources)
    raise RenderError(
        "The spec's zone kind differs from the product's.",
        code="render.spec_mismatch",
        details={"zone_id": zone.id, "product_kind": zone.kind, "spec_kind": given.kind},
    )


def zone_rect(zone: ZoneBase) -> Rect:
    return Rect(zone.x_mm, zone.y_mm, zone.width_mm, zone.height_mm)


def zone_rotation(zone: ZoneBase) -> Affine:
    """The zone's rotation about its centre, in artboard coordinates."""
    return Affine.rotation_about(
        zone.rotation_deg, zone.x_mm + zone.width_mm / 2, zone.y_mm + zone.height_mm / 2
    )


def _zone_frame(zone: ZoneBase) -> Affine:
    """Zone-local (origin at the zone's top-left) to artboard: translate, then rotate."""
    r = zone_rotation(zone)
    x, y = r.apply(zone.x_mm, zone.y_mm)
    return Affine(r.a, r.b, r.c, r.d, x, y)


def _fetch(get: Callable[[], T], code: RenderCode, message: str, **details: object) -> T:
    """Call a resource; a RenderError passes as is, any other AtelierError becomes ``code``."""
    try:
        return get()
    except RenderError:
        raise  # already says what is wrong
    except AtelierError as exc:
        raise RenderError(message, code=code, details={**details, "reason": exc.code}) from exc


def _font(zone_id: str, ref: FontRef, resources: SceneResources) -> LoadedFont:
    font = _fetch(
        lambda: resources.font(ref.id, ref.sha256),
        "render.font_missing",
        "The spec's font is not available.",
        zone_id=zone_id,
        font=ref.id,
    )
    if font.sha256 != ref.sha256:
        raise RenderError(
            "The available font file is not the one the spec was measured with.",
            code="render.font_missing",
            details={
                "zone_id": zone_id,
                "font": ref.id,
                "expected_sha256": ref.sha256,
                "found_sha256": font.sha256,
            },
        )
    return font


def _text_item(
    zone: TextZone, given: TextZoneSpec, resources: SceneResources, spec_version: int
) -> TextItem:
    """Version 1 specs re-lay out with the version 1 engine, version 2 with HarfBuzz and the
    direction and features the spec recorded."""
    font = _font(zone.id, given.font, resources)
    shaping = (
        Shaping(
            given.shaping.direction,
            tuple(sorted(given.shaping.features.items())),
            _fallbacks(zone, given, resources),
        )
        if spec_version >= 2 and given.shaping is not None
        else None
    )
    options = zone_layout_options(zone, shaping)
    check_path(zone, given)
    try:
        layout = layout_text(given.text, font, given.layout.font_size_mm, options)
    except LayoutInvalid as exc:
        raise RenderError(
            "The spec's layout cannot be reproduced.",
            code="render.layout_mismatch",
            details={"zone_id": zone.id},
        ) from exc
    check_layout(zone.id, layout, given.layout)
    if shaping is not None and given.shaping is not None:
        check_runs(zone.id, shaping_record(layout, shaping), given.shaping.model_dump())
    return text_item(zone, layout, font, given.color)


def text_item(zone: TextZone, layout: Layout, font: LoadedFont, color: str) -> TextItem:
    """The zone's laid-out text as a scene item: outlines on the artboard, plus what the cut
    connectors need (the zone's frame, baselines and cut options)."""
    frame = _zone_frame(zone)
    outline = outline_layout(layout, font)
    moved = tuple(
        GlyphOutline(
            g.glyph, g.char, g.line, tuple(move_contour(c, frame) for c in g.contours), g.index
        )
        for g in outline.glyphs
    )
    item = TextItem(
        zone.id,
        zone.process,
        color,
        TextOutline(moved),
        zone.rotation_deg,
        frame,
        tuple(line.baseline_mm for line in layout.lines),
        zone.cut if zone.process == "cut" else None,
    )
    return _with_connector(item)


def _with_connector(item: TextItem) -> TextItem:
    """A cut zone's bar, ring or border, drawn into every picture (Clipper loads only here).

    A connector that cannot attach is left out of the picture: validate refused that design,
    and the pack's machine files refuse it again with the same code.
    """
    options = item.cut
    if options is None or (options.connect in ("weld", "none") and options.ring is None):
        return item
    from chalicelib.scene import polygon_ops as ops
    from chalicelib.scene.connectors import ConnectorError, cut_shape

    try:
        shape = cut_shape(item).cut
    except ConnectorError:
        return item
    contours = tuple(
        (Segment("M", (ring[0],)), *(Segment("L", (p,)) for p in ring[1:]))
        for ring in (ops.to_ring(path) for path in ops.strictly_simple(shape))
    )
    return dataclasses.replace(item, connector=contours, plate=options.connect == "outline")


def _fallbacks(
    zone: TextZone, given: TextZoneSpec, resources: SceneResources
) -> tuple[LoadedFont, ...]:
    """The fallback fonts the spec's runs were drawn with, in the zone's fallback order.

    Fallbacks no run used are left out: a cluster goes to the first font covering it, so
    dropping a font that won no cluster changes no assignment.
    """
    assert given.shaping is not None
    used: dict[str, FontRef] = {}
    for line in given.shaping.lines:
        for run in line.runs:
            if run.font != given.font:
                used.setdefault(run.font.id, run.font)
    rank = {font_id: i for i, font_id in enumerate(zone.shaping_fallbacks)}
    ordered = sorted(used.values(), key=lambda ref: rank.get(ref.id, len(rank)))
    return tuple(_font(zone.id, ref, resources) for ref in ordered)


def _monogram_item(zone: MonogramZone, given: MonogramZoneSpec, resources: SceneResources) -> Item:
    font = _font(zone.id, given.font, resources)
    return rebuilt_monogram(zone, given, font, _zone_frame(zone), LAYOUT_TOLERANCE_MM)


def _image_item(zone: ImageZone, given: ImageZoneSpec, resources: SceneResources) -> ImageItem:
    data = _fetch(
        lambda: resources.image(given.asset_id, given.sha256),
        "render.image_missing",
        "The spec's image is not available.",
        zone_id=zone.id,
    )
    if hashlib.sha256(data).hexdigest() != given.sha256:
        raise RenderError(
            "The stored image is not the one the spec recorded.",
            code="render.image_corrupt",
            details={"zone_id": zone.id, "reason": "sha256_mismatch"},
        )
    box = zone_rect(zone)
    if given.framing is not None or given.adjust is not None:
        from chalicelib.scene.framing import adjusted_png, framed_png

        data = verified_png(zone.id, data)[0]
        if given.framing is not None:  # the shopper's turn, angle and crop of the photo
            data = framed_png(data, given.framing)
        if given.adjust is not None:  # then the adjustments the zone allows
            data = adjusted_png(data, given.adjust)
    image = placed(zone.id, data, box, zone.image_fit, zone_rotation(zone))
    return ImageItem(zone.id, zone.process, image, given.effective_dpi)


def _color_item(zone: ColorZone, given: ColorZoneSpec) -> ColorItem:
    return ColorItem(zone.id, zone.process, given.color, zone_rect(zone), zone_rotation(zone))


def _base_image(side: Side, resources: SceneResources, asset_id: str) -> PlacedImage:
    data = _fetch(
        lambda: resources.base_image(asset_id),
        "render.image_missing",
        "The product's base image is not available.",
        asset_id=asset_id,
    )
    artboard = Rect(0.0, 0.0, side.width_mm, side.height_mm)
    return placed(None, data, artboard, "cover", Affine())
