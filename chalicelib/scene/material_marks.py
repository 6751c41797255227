"""What each process does to a material, on pixels: the looks of :mod:`material_look`.

A mark's look depends on the surface under it (the burn is deeper in the darker grain, the etch
shows the brushed streaks) but not on the shape of the mark. So, once per substrate and
material, the *finish* is computed in linear light with numpy: the whole surface as it would
look fully marked (burnt, etched, frosted, pressed), plus the shading images a mark needs. A
preview then only composites: the mark's mask (antialiased, slightly blurred) chooses between
the untouched and the finished surface, with Pillow's C compositing on 8-bit images. A warm
preview thus costs a few full-frame compositions, not a float pipeline per pixel.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageChops, ImageFilter

from chalicelib.domain.material import look
from chalicelib.scene import material_texture as tex
from chalicelib.scene.material_texture import F32, Pixels

Mask = Image.Image  # mode "L", 255 = fully marked / covered
REACH_MM = 2.5  # farthest a mark's blur or a piece's shadow reaches beyond it


@dataclass(frozen=True)
class Substrate:
    """What the marks go on (sRGB image), the alpha of a see-through preview (outside the
    product), and its mean grey level 0–255 (how deep a burn goes, how printed ink takes the
    light)."""

    image: Image.Image
    alpha: Mask | None
    mean_level: float


def substrate(image: Image.Image, alpha: Mask | None = None) -> Substrate:
    rgb = image.convert("RGB")
    mean = float(np.asarray(rgb.convert("L"), dtype=F32).mean())
    return Substrate(rgb, alpha, max(mean, 1.0))


@dataclass(frozen=True)
class Finish:
    """The substrate fully marked by the material's engraving (``marked``), the shade printed
    ink takes from it (sRGB-encoded factor, 255 = full light), and the material's own surface
    (``face``: what a cut piece shows, whatever lies behind it)."""

    marked: Image.Image
    shade: Mask
    face: Image.Image


def finish(base: Substrate, material: str, px_per_mm: float) -> Finish:
    """Computed once per substrate and material (callers cache it), with Pillow table lookups
    and blends: every factor is a function of one 8-bit map (the surface's grey level, or the
    mark's grain), so it is a 256-entry table, not float maths per pixel. Factors are worked out
    in linear light and applied to sRGB values as their sRGB encodings."""
    kind = look(material)
    tone = tex.linear_color(kind.tone)
    size = base.image.size
    level = base.image.convert("L")
    ref = base.mean_level / 255
    marked: Image.Image
    if kind.engrave == "burn":  # deeper where the surface is darker: the mark follows the grain

        def burnt(channel: int) -> list[int]:
            def factor(x: Pixels) -> Pixels:
                depth = np.clip(0.85 + 0.5 * (ref - x) / ref, 0.6, 1.0)
                return np.asarray(1.0 - depth * (1.0 - tone[channel]), dtype=F32)

            return tex.srgb_lut(factor)

        factors = Image.merge("RGB", [level.point(burnt(c)) for c in range(3)])
        marked = ImageChops.multiply(base.image, factors)
    elif kind.engrave in ("etch", "lighten"):  # screened with a light tone, brushed highlight
        grain = tex.marking_grain(size, px_per_mm, kind.texture)
        low, span = (0.35, 0.45) if kind.engrave == "etch" else (0.75, 0.25)
        marked = ImageChops.screen(base.image, tex.tinted(grain, tone, lambda x: low + span * x))
    elif kind.engrave == "frost":
        grain = tex.marking_grain(size, px_per_mm, kind.texture)
        frost = tex.tinted(grain, tone, lambda x: (0.58 + 0.1 * x) / 0.65)
        marked = Image.blend(base.image, frost, 0.65)
    else:  # deboss: the pressed surface (its edges are shaded per mark, see engrave)
        pressed = tuple(tex.to_srgb8(0.55 + 0.25 * tone).tolist())
        marked = ImageChops.multiply(base.image, Image.new("RGB", size, pressed))
    shade = level.point([round(255 * min(1.0, max(0.6, v / 255 / ref))) for v in range(256)])
    return Finish(marked, shade, tex.surface(material, size, px_per_mm))


@dataclass(frozen=True)
class Layers:
    """The scene's marks at one pixel size, each ``None`` when no item uses that process:
    laser power (``engrave``), cut pieces (``cut``), printed ``ink`` with its ``ink_alpha``."""

    engrave: Mask | None
    cut: Mask | None
    ink: Image.Image | None
    ink_alpha: Mask | None
    clip: Mask | None = None  # inside the die line: marks are kept inside it

    def cropped(self, mask: Mask, box: tuple[int, int, int, int]) -> Mask:
        """``mask`` inside ``box``, clipped to the die line."""
        part = mask.crop(box)
        return part if self.clip is None else ImageChops.multiply(part, self.clip.crop(box))


def compose(
    base: Substrate,
    layers: Layers,
    material: str | None,
    px_per_mm: float,
    done: Finish | None,
    *,
    track: bool = True,
) -> tuple[Image.Image, Mask | None]:
    """The substrate with the layers' looks, and (``track``) where it changed: the union of
    the masks, which the perspective path warps onto the photo.

    Order follows the workshop: pieces are cut, then engraved (letters on a cut plate), and
    printed ink goes on last. Without a material (or ``done``) every layer is flat ink. Only
    the box the marks cover (plus the reach of blur and shadow) is worked on: a name on a
    board touches a fraction of the preview.
    """
    masks = [m for m in (layers.cut, layers.engrave, layers.ink_alpha) if m is not None]
    box = _union_box(masks, math.ceil(REACH_MM * px_per_mm) + 2, base.image.size)
    changed = Image.new("L", base.image.size, 0) if track else None
    if box is None:
        return base.image, changed
    out = base.image.crop(box)
    touched = Image.new("L", out.size, 0)
    if material is not None and done is not None:
        if layers.cut is not None:
            pieces = layers.cropped(layers.cut, box)
            out, hit = _cut(out, pieces, done.face.crop(box), px_per_mm)
            touched = ImageChops.lighter(touched, hit)
        if layers.engrave is not None:
            marks = layers.cropped(layers.engrave, box)
            out, hit = engrave(out, marks, material, px_per_mm, done, box)
            touched = ImageChops.lighter(touched, hit)
    if layers.ink is not None and layers.ink_alpha is not None:
        ink, alpha = layers.ink.crop(box), layers.cropped(layers.ink_alpha, box)
        if done is not None:  # printed ink takes the substrate's light
            ink = ImageChops.multiply(ink, done.shade.crop(box).convert("RGB"))
        out = Image.composite(ink, out, alpha)
        touched = ImageChops.lighter(touched, alpha)
    whole = base.image.copy()
    whole.paste(out, box[:2])
    if changed is not None:
        changed.paste(touched, box[:2])
    return whole, changed


def engrave(
    surface: Image.Image,
    strength: Mask,
    material: str,
    ppm: float,
    done: Finish,
    box: tuple[int, int, int, int] | None = None,
) -> tuple[Image.Image, Mask]:
    """A laser mark of ``strength`` on ``surface`` (the ``box`` of the substrate whose finish
    is ``done``, or all of it), and where the pixels changed: a slight blur, then the finished
    surface through it; a deboss also shades its edges."""
    kind = look(material).engrave
    m = blur(strength, max(0.5, (0.09 if kind == "frost" else 0.05) * ppm))
    marked = done.marked if box is None else done.marked.crop(box)
    out = Image.composite(marked, surface, m)
    if kind == "frost":  # scattered light greys the rim of a frosted mark on clear material
        rim = ImageChops.subtract(blur(strength, max(1.5, 0.15 * ppm)), strength)
        rim = rim.point(_scaled(0.5))
        out = Image.composite(_black(out), out, rim)
        m = ImageChops.lighter(m, rim)
    if kind == "deboss":  # light from the top left: shadow inside the upper edges, light below
        d = max(1, round(0.15 * ppm))
        upper = ImageChops.subtract(m, _shifted(m, d, d)).point(_scaled(0.5))
        lower = ImageChops.subtract(m, _shifted(m, -d, -d)).point(_scaled(0.3))
        out = Image.composite(_black(out), out, upper)
        out = Image.composite(Image.new("RGB", out.size, (255, 255, 255)), out, lower)
    return out, m


def _union_box(
    masks: list[Mask], pad: int, size: tuple[int, int]
) -> tuple[int, int, int, int] | None:
    boxes = [b for b in (m.getbbox() for m in masks) if b is not None]
    if not boxes:
        return None
    return (
        max(0, min(b[0] for b in boxes) - pad),
        max(0, min(b[1] for b in boxes) - pad),
        min(size[0], max(b[2] for b in boxes) + pad),
        min(size[1], max(b[3] for b in boxes) + pad),
    )


def _cut(
    surface: Image.Image, pieces: Mask, face: Image.Image, ppm: float
) -> tuple[Image.Image, Mask]:
    """Cut pieces in the material's ``face``, each casting a soft shadow down and right."""
    shadow = _shifted(blur(pieces, 0.45 * ppm), round(0.5 * ppm), round(0.7 * ppm))
    shadow = shadow.point(_scaled(0.4))
    out = Image.composite(_black(surface), surface, shadow)
    out = Image.composite(face, out, pieces)
    return out, ImageChops.lighter(pieces, shadow)


def blur(mask: Mask, sigma_px: float) -> Mask:
    """A Gaussian-like blur, cheap at any size: a 3×3 kernel for the slight softening of a mark
    (σ up to about a pixel), else blurred at a reduced size and scaled back (a halo or a shadow
    is smooth anyway). Pillow's exact Gaussian costs several times a whole flat preview."""
    if sigma_px <= 1.0:
        return mask.filter(_kernel(round(sigma_px, 2)))
    factor = min(8, int(sigma_px))
    small = mask.reduce(factor) if factor > 1 else mask
    soft = small.filter(_kernel(1.0)) if sigma_px / factor <= 1.0 else small
    if sigma_px / factor > 1.0:
        soft = small.filter(ImageFilter.GaussianBlur(sigma_px / factor))
    return soft.resize(mask.size, Image.Resampling.BILINEAR) if factor > 1 else soft


@functools.lru_cache(maxsize=8)
def _kernel(sigma_px: float) -> ImageFilter.Kernel:
    """The 3×3 Gaussian of this σ, normalized."""
    edge = math.exp(-1 / (2 * sigma_px**2))
    corner = edge * edge
    weights = [corner, edge, corner, edge, 1.0, edge, corner, edge, corner]
    return ImageFilter.Kernel((3, 3), weights, scale=sum(weights))


def _shifted(mask: Mask, dx: int, dy: int) -> Mask:
    """The mask moved by (dx, dy) pixels, empty where it moved away from (no wrap-around)."""
    moved = ImageChops.offset(mask, dx, dy)
    width, height = mask.size
    if dx:
        moved.paste(0, (0, 0, dx, height) if dx > 0 else (width + dx, 0, width, height))
    if dy:
        moved.paste(0, (0, 0, width, dy) if dy > 0 else (0, height + dy, width, height))
    return moved


def _scaled(factor: float) -> list[int]:
    return [round(v * factor) for v in range(256)]


def _black(like: Image.Image) -> Image.Image:
    return Image.new("RGB", like.size, (0, 0, 0))
