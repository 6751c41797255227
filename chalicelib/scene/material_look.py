"""Material-true previews: the design as the process leaves it on the product's material.

A flat preview paints every zone in its ink colour; a shopper buying an engraved oak board
should see a burn, not black paint. The scene's items are drawn by the ordinary rasterizer into
one mask per process (engrave, print, cut), and each mask acts on the *substrate* — the
product's mockup photo, or its die-line silhouette in the material's procedural surface
(:mod:`chalicelib.scene.material_texture`) — the way that process acts on that material
(:data:`chalicelib.domain.material.LOOKS`, drawn by :mod:`chalicelib.scene.material_marks`):

* engrave: ``burn`` multiplies the surface by a burn tone, deeper where the grain is darker, with
  a slight blur and a faint scorch halo, so the mark follows the wood underneath and is never
  flat black; ``etch`` screens a light tone through a brushed highlight (metal marks lighter);
  ``lighten`` exposes a lighter layer (slate, anodized aluminium); ``frost`` whitens clear
  material; ``deboss`` presses the surface in (darker, with a shadow and a highlight on its
  edges). An engraved image marks in proportion to its darkness (the laser's power).
* print: the ink colour, shaded by the substrate's own light (a photo's highlights stay).
* cut: the pieces in the material's surface, with a soft shadow on what lies behind.

Blending happens in linear light. With a mockup photo whose ``mockup_corners`` say where the
artboard's corners are, the look is computed on the artboard (the photo warped into it) and
warped back onto the photo through the same perspective, so every mark lands inside the marked
quadrilateral.
Without a material such a photo still gets the design in perspective, in flat ink.

Previews only: finals and packs never see a material. Worker-only module (numpy, Pillow).
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, TypeVar

from PIL import Image, ImageChops

from chalicelib.scene import material_texture as tex
from chalicelib.scene.material_marks import (
    Finish,
    Layers,
    Mask,
    Substrate,
    blur,
    compose,
    engrave,
    finish,
    substrate,
)
from chalicelib.scene.model import ColorItem, ImageItem, Item, PlacedImage, Scene, TextItem
from chalicelib.scene.outline import GlyphOutline, TextOutline

if TYPE_CHECKING:
    from chalicelib.scene.raster import Rasterizer

__all__ = ["engraved_image", "look_image", "preview_image", "preview_pixels", "scene_layers"]
_BLACK = "#000000"
T = TypeVar("T")


def preview_pixels(scene: Scene, long_side_px: int) -> tuple[int, int]:
    """The preview's size: the photo's shape with perspective corners, else the artboard's."""
    photo = _angled(scene)
    w, h = (photo.width_px, photo.height_px) if photo else (scene.width_mm, scene.height_mm)
    if w >= h:
        return long_side_px, max(1, round(long_side_px * h / w))
    return max(1, round(long_side_px * w / h)), long_side_px


def preview_image(
    scene: Scene, size_px: tuple[int, int], rasterizer: Rasterizer, *, transparent: bool
) -> Image.Image:
    """The preview at ``size_px`` (from :func:`preview_pixels`): RGB, or RGBA when
    ``transparent`` and there is no photo (outside the product is then see-through)."""
    photo = _angled(scene)
    if photo is not None and scene.mockup_corners is not None:
        return _on_photo(scene, photo, scene.mockup_corners, size_px, rasterizer)
    return look_image(scene, size_px, rasterizer, transparent=transparent)


def look_image(
    scene: Scene,
    size_px: tuple[int, int],
    rasterizer: Rasterizer,
    *,
    material: str | None = None,
    transparent: bool = False,
) -> Image.Image:
    """The artboard on the material look at ``size_px`` (also what a 3D texture bakes).

    ``material`` overrides the scene's (a final's scene carries none). Without a base photo
    the product is its die-line silhouette in the material's surface on white.
    """
    if material is not None:
        scene = dataclasses.replace(scene, material=material)
    ppm = size_px[0] / scene.width_mm
    clip = _die_mask(scene, size_px, rasterizer)
    layers = scene_layers(scene, size_px, rasterizer, clip)
    if scene.base_image is not None:
        key: Hashable = ("photo", scene.base_image, size_px, rasterizer.name)
        base = _memo(key, lambda: _base_photo(scene, size_px, rasterizer))
    else:
        key = ("silhouette", scene.material, size_px, scene.die_line, layers.cut is not None)
        base = _memo(key, lambda: _silhouette(scene, size_px, ppm, clip, layers.cut is not None))
    done = _finish(key, base, scene.material, ppm)
    rgb, _ = compose(base, layers, scene.material, ppm, done, track=False)
    if transparent and base.alpha is not None:
        pieces = layers.cut
        if pieces is not None and layers.clip is not None:
            pieces = ImageChops.multiply(pieces, layers.clip)
        alpha = base.alpha if pieces is None else ImageChops.lighter(base.alpha, pieces)
        rgba = rgb.copy()
        rgba.putalpha(alpha)
        return rgba
    return rgb


def engraved_image(
    surface: Image.Image, marks: Image.Image, material: str, px_per_mm: float
) -> Image.Image:
    """Any engraved raster on a surface: ``marks`` (mode L, 255 = full laser power, e.g. a
    dithered photo inverted) on ``surface`` (RGB, same size), as it looks on ``material``."""
    base = substrate(surface)
    out, _ = engrave(
        base.image, marks.convert("L"), material, px_per_mm, finish(base, material, px_per_mm)
    )
    return out


def scene_layers(
    scene: Scene, size_px: tuple[int, int], rasterizer: Rasterizer, clip: Mask | None
) -> Layers:
    """Draw the items per process (engrave and cut in black: only their shape matters) and
    keep them inside the die line (``clip``) as the flat preview does."""
    if scene.material is None:  # no look: today's drawing, as one ink layer
        flat = dataclasses.replace(scene, base_image=None)
        return Layers(None, None, *_ink(_draw(flat, size_px, rasterizer)))
    engraved: list[Item] = []
    cut: list[Item] = []
    ink: list[Item] = []
    for item in scene.items:
        if item.process == "print":
            ink.append(item)
        elif isinstance(item, TextItem) and item.process == "cut" and item.plate:
            # the border plate is the cut piece; the letters are engraved on it
            plate = dataclasses.replace(item, outline=TextOutline(()), plate=False, color=_BLACK)
            cut.append(plate)
            engraved.append(dataclasses.replace(item, connector=(), color=_BLACK))
        else:
            (cut if item.process == "cut" else engraved).append(_in_black(item))
    bare = dataclasses.replace(scene, base_image=None, die_line=None, silhouette=False)

    def draw(items: list[Item]) -> Image.Image | None:
        return _draw(dataclasses.replace(bare, items=tuple(items)), size_px, rasterizer)

    photos = any(isinstance(item, ImageItem) for item in engraved)
    marks = _strength(draw(engraved)) if photos else _alpha(draw(engraved))
    pieces = _alpha(draw(cut))
    colour, alpha = _ink(draw(ink))
    return Layers(marks, pieces, colour, alpha, clip)


# -- substrates --------------------------------------------------------------------------------


def _silhouette(
    scene: Scene, size_px: tuple[int, int], ppm: float, clip: Mask | None, pieces_only: bool
) -> Substrate:
    """White with the product in its material: inside the die line, or the whole artboard
    unless the design is cut pieces (then the pieces are the product), with a soft shadow."""
    body = clip if clip is not None else Image.new("L", size_px, 0 if pieces_only else 255)
    white = Image.new("RGB", size_px, (255, 255, 255))
    if scene.material is None:
        return substrate(white, body)
    offset = max(1, round(0.8 * ppm))
    shadow = ImageChops.offset(blur(body, 0.6 * ppm), offset, offset)
    shadow.paste(0, (0, 0, size_px[0], offset))
    shadow.paste(0, (0, 0, offset, size_px[1]))
    shadow = ImageChops.multiply(shadow, ImageChops.invert(body)).point(
        [round(v * 0.3) for v in range(256)]
    )
    table = Image.composite(Image.new("RGB", size_px, (0, 0, 0)), white, shadow)
    face = tex.surface(scene.material, size_px, ppm)
    return substrate(Image.composite(face, table, body), body)


def _base_photo(scene: Scene, size_px: tuple[int, int], rasterizer: Rasterizer) -> Substrate:
    """The cover-fitted mockup photo, drawn as the flat preview draws it (in sRGB: a PNG that
    still carries an ICC profile is converted first)."""
    photo = scene.base_image
    assert photo is not None  # only called for a scene with a base photo
    with Image.open(io.BytesIO(photo.png), formats=["PNG"]) as source:
        profiled = "icc_profile" in source.info
    if profiled:
        out = io.BytesIO()
        _photo_pixels(photo, (photo.width_px, photo.height_px)).save(out, format="PNG")
        photo = dataclasses.replace(photo, png=out.getvalue())
    behind = Scene(scene.width_mm, scene.height_mm, photo, ())
    rgba = rasterizer.render_scene(
        behind, size_px[0], size_px[1], bleed_mm=0.0, background="#FFFFFF"
    )
    return substrate(rgba)


def _finish(key: Hashable, base: Substrate, material: str | None, ppm: float) -> Finish | None:
    if material is None:
        return None
    return _memo(("finish", key, material), lambda: finish(base, material, ppm))


def _angled(scene: Scene) -> PlacedImage | None:
    """The mockup photo when it was taken at an angle (corners given), else None."""
    return scene.base_image if scene.mockup_corners is not None else None


def _on_photo(
    scene: Scene,
    photo: PlacedImage,
    corners: tuple[tuple[float, float], ...],
    size_px: tuple[int, int],
    rasterizer: Rasterizer,
) -> Image.Image:
    """The look computed on the artboard, warped onto the whole photo inside its corners."""
    from chalicelib.scene.perspective import art_size, coefficients

    width, height = size_px
    fx, fy = width / photo.width_px, height / photo.height_px
    quad = [(x * fx, y * fy) for x, y in corners]
    art = art_size(quad, scene.width_mm, scene.height_mm, limit_px=2 * max(size_px))
    aw, ah = float(art[0]), float(art[1])
    frame = [(0.0, 0.0), (aw, 0.0), (aw, ah), (0.0, ah)]
    backdrop = _memo(("backdrop", photo.sha256, size_px), lambda: _photo_pixels(photo, size_px))

    def warped_in() -> Substrate:  # the photo as seen flat on the artboard
        to_photo = coefficients(frame, quad)
        under = backdrop.transform(
            art, Image.Transform.PERSPECTIVE, to_photo, Image.Resampling.BILINEAR
        )
        return substrate(under)

    key = ("warped", photo.sha256, corners, size_px)
    base = _memo(key, warped_in)
    ppm = art[0] / scene.width_mm
    layers = scene_layers(scene, art, rasterizer, _die_mask(scene, art, rasterizer))
    drawn, changed = compose(
        base, layers, scene.material, ppm, _finish(key, base, scene.material, ppm)
    )
    assert changed is not None  # tracked by default
    to_art = coefficients(quad, frame)
    on_photo = drawn.transform(
        size_px, Image.Transform.PERSPECTIVE, to_art, Image.Resampling.BILINEAR
    )
    mask = changed.transform(
        size_px, Image.Transform.PERSPECTIVE, to_art, Image.Resampling.BILINEAR
    )
    return Image.composite(on_photo, backdrop, mask)


def _photo_pixels(photo: PlacedImage, size_px: tuple[int, int]) -> Image.Image:
    """The mockup photo in sRGB at the preview's size (a profiled PNG is converted first)."""
    from chalicelib.domain.imaging import to_srgb

    with Image.open(io.BytesIO(photo.png), formats=["PNG"]) as source:
        source.load()
        rgb = to_srgb(source).convert("RGB")
    return rgb.resize(size_px, Image.Resampling.LANCZOS)


# -- masks -------------------------------------------------------------------------------------


def _draw(scene: Scene, size_px: tuple[int, int], rasterizer: Rasterizer) -> Image.Image | None:
    if not scene.items:
        return None
    return rasterizer.render_scene(scene, size_px[0], size_px[1], bleed_mm=0.0, background=None)


def _die_mask(scene: Scene, size_px: tuple[int, int], rasterizer: Rasterizer) -> Mask | None:
    """Inside the die line (antialiased), when the preview keeps the design inside it."""
    if not (scene.silhouette and scene.die_line is not None):
        return None
    outline = TextOutline((GlyphOutline("", "", -1, (scene.die_line,)),))
    inside = Scene(scene.width_mm, scene.height_mm, None, (TextItem("", "cut", _BLACK, outline),))

    def make() -> Mask:
        return rasterizer.render_scene(
            inside, size_px[0], size_px[1], bleed_mm=0.0, background=None
        ).getchannel("A")

    return _memo(("die", inside, size_px, rasterizer.name), make)


def _in_black(item: Item) -> Item:
    """Engraved and cut vectors mark by shape: their colour only shows in flat previews."""
    if isinstance(item, TextItem | ColorItem):
        return dataclasses.replace(item, color=_BLACK)
    return item


def _alpha(rgba: Image.Image | None) -> Mask | None:
    return None if rgba is None else rgba.getchannel("A")


def _strength(rgba: Image.Image | None) -> Mask | None:
    """Laser power: coverage times darkness (black vectors full, an image by its tones)."""
    if rgba is None:
        return None
    dark = ImageChops.invert(rgba.convert("RGB").convert("L"))
    return ImageChops.multiply(dark, rgba.getchannel("A"))


def _ink(rgba: Image.Image | None) -> tuple[Image.Image | None, Mask | None]:
    if rgba is None:
        return None, None
    return rgba.convert("RGB"), rgba.getchannel("A")


_CACHE: dict[Hashable, object] = {}
_CACHE_SIZE = 16


def _memo(key: Hashable, make: Callable[[], T]) -> T:
    """The last few substrates, finishes, masks and photos a warm worker drew (a shopper
    editing their text asks for the same product again); oldest out first."""
    if key in _CACHE:
        return _CACHE[key]  # type: ignore[return-value]  # stored by this function with make's T
    value = make()
    if len(_CACHE) >= _CACHE_SIZE:
        del _CACHE[next(iter(_CACHE))]
    _CACHE[key] = value
    return value


def clear_cache() -> None:
    """Forget cached substrates (the benchmark measures the cold path with it)."""
    _CACHE.clear()
    tex.clear_cache()
