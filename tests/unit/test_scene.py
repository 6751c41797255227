"""The scene: built from a validated spec with the bundled fonts, drawn as safe SVG, and the
preview shows exactly the outlines the production files carry.

The helpers at the top (products, specs, fake resources, an independent outline rasterizer) are
shared with test_raster.py and test_pdf.py.
"""

from __future__ import annotations

import copy
import itertools
import os
import subprocess
import sys
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageStat

from chalicelib.domain.personalization import ZoneInput
from chalicelib.domain.zone import ProductDoc
from chalicelib.scene.build import build_scene
from chalicelib.scene.model import ImageItem, RenderError, Scene, TextItem
from chalicelib.scene.outline import Contour
from chalicelib.scene.raster import CairoRasterizer, ResvgRasterizer
from chalicelib.scene.render import PreviewOptions, render_preview
from chalicelib.scene.svg import to_svg
from tests.conftest import ROOT
from tests.support.scene import (
    BIRTHDAY,
    CORD_ZONE,
    HOSTILE,
    PHOTO_ZONE,
    TEXT_ZONE,
    FakeResources,
    birthday_scene,
    decode,
    make_spec,
    photo_png,
    product,
    scene_for,
)


def rasterize_contours(
    contours: tuple[Contour, ...], scene: Scene, size: tuple[int, int], steps: int = 12
) -> Image.Image:
    """An independent reference: flatten the outlines and fill them with Pillow (even-odd,
    which equals nonzero for these non-overlapping glyph contours), 4× supersampled."""
    ss = 4
    sx, sy = size[0] * ss / scene.width_mm, size[1] * ss / scene.height_mm
    mask = Image.new("1", (size[0] * ss, size[1] * ss), 0)
    for contour in contours:
        points: list[tuple[float, float]] = []
        for seg in contour:
            start = points[-1] if points else seg.points[0]
            if seg.op in ("M", "L"):
                points.append(seg.points[0])
                continue
            ctrl = [start, *seg.points]
            for i in range(1, steps + 1):
                points.append(_bezier(ctrl, i / steps))
        layer = Image.new("1", mask.size, 0)
        ImageDraw.Draw(layer).polygon([(x * sx, y * sy) for x, y in points], fill=1)
        mask = ImageChops.logical_xor(mask, layer)
    return mask.convert("L").resize(size, Image.Resampling.BOX)


def _bezier(ctrl: list[tuple[float, float]], t: float) -> tuple[float, float]:
    while len(ctrl) > 1:
        ctrl = [
            (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)
            for a, b in itertools.pairwise(ctrl)
        ]
    return ctrl[0]


def ink(image: Image.Image) -> Image.Image:
    """Darkness on a white preview, as an L mask (255 = full ink)."""
    return ImageChops.invert(image.convert("L"))




# --- the preview shows the text -----------------------------------------------------------


def test_birthday_preview_has_ink_exactly_where_the_outlines_are() -> None:
    scene = birthday_scene()
    out = render_preview(scene, PreviewOptions(long_side_px=800, format="png"), CairoRasterizer())
    preview = decode(out.data)
    assert preview.size == (800, 560) and (out.width_px, out.height_px) == (800, 560)
    text = scene.items[0]
    assert isinstance(text, TextItem)
    reference = rasterize_contours(text.contours, scene, preview.size)
    drawn = ink(preview).point(lambda v: 255 if v > 127 else 0)
    solid = reference.point(lambda v: 255 if v > 127 else 0)
    assert ImageStat.Stat(solid).sum[0] / 255 > 3000  # the text really has body at this size
    # Every inked pixel lies on the reference grown by one pixel (antialiasing), and every
    # solid reference pixel shrunk by one is inked: same glyphs, same place, nothing extra.
    grown = solid.filter(ImageFilter.MaxFilter(3))
    shrunk = solid.filter(ImageFilter.MinFilter(3))
    assert ImageChops.subtract(drawn, grown).getbbox() is None
    assert ImageChops.subtract(shrunk, drawn).getbbox() is None


def test_birthday_ink_stays_inside_the_zone() -> None:
    scene = birthday_scene()
    out = render_preview(scene, PreviewOptions(long_side_px=800, format="png"), CairoRasterizer())
    drawn = ink(decode(out.data)).point(lambda v: 255 if v > 8 else 0)
    px_per_mm = 800 / scene.width_mm
    left, top = round(6 * px_per_mm) - 1, round(12 * px_per_mm) - 1
    right, bottom = round(74 * px_per_mm) + 1, round(28 * px_per_mm) + 1
    inside = drawn.crop((left, top, right, bottom))
    assert ImageStat.Stat(inside).sum[0] / 255 > 3000
    outside = drawn.copy()
    ImageDraw.Draw(outside).rectangle((left, top, right - 1, bottom - 1), fill=0)
    assert outside.getbbox() is None


def test_rotated_text_is_the_same_outlines_turned_about_the_zone_centre() -> None:
    flat, turned = birthday_scene(), birthday_scene(rotation_deg=90, x_mm=6, y_mm=12)
    a, b = flat.items[0], turned.items[0]
    assert isinstance(a, TextItem) and isinstance(b, TextItem)
    cx, cy = 6 + 68 / 2, 12 + 16 / 2
    for seg_a, seg_b in zip(a.contours[0], b.contours[0], strict=True):
        for (xa, ya), (xb, yb) in zip(seg_a.points, seg_b.points, strict=True):
            # 90° clockwise on screen (y down): (dx, dy) -> (-dy, dx)
            assert xb == pytest.approx(cx - (ya - cy), abs=1e-9)
            assert yb == pytest.approx(cy + (xa - cx), abs=1e-9)


# --- the SVG is safe and deterministic ---------------------------------------------------------


def test_svg_has_no_text_no_user_string_and_no_external_reference() -> None:
    zone = {**TEXT_ZONE, "charset": ["latin"], "profanity": "off", "max_chars": 40}
    scene = scene_for(zone, inputs={"name": ZoneInput(text=HOSTILE)})
    svg = to_svg(scene)
    assert "<text" not in svg and "<script" not in svg and "script" not in svg
    assert HOSTILE not in svg and svg.endswith("</svg>") and svg.count("</svg>") == 1
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "").replace(
        'xmlns:xlink="http://www.w3.org/1999/xlink"', ""
    )
    assert 'viewBox="0 0 80 56"' in svg and 'width="80mm" height="56mm"' in svg


def test_images_are_embedded_as_reencoded_png_data_inside_a_clip() -> None:
    scene = scene_for(PHOTO_ZONE, inputs={"photo": ZoneInput(asset_id="img_photo")})
    svg = to_svg(scene)
    assert svg.count('xlink:href="data:image/png;base64,') == 1
    assert '<clipPath id="c0">' in svg and 'clip-path="url(#c0)"' in svg
    item = scene.items[0]
    assert isinstance(item, ImageItem) and item.effective_dpi > 0
    # cover: the 3:2 image fills the 30 × 20 zone exactly
    r = item.image.rect
    assert (r.x, r.y, r.width, r.height) == pytest.approx((8, 32, 30, 20))


def test_contain_fits_the_image_inside_the_zone() -> None:
    zone = {**PHOTO_ZONE, "height_mm": 40, "image_fit": "contain", "y_mm": 10}
    item = scene_for(zone, inputs={"photo": ZoneInput(asset_id="img_photo")}).items[0]
    assert isinstance(item, ImageItem)
    r = item.image.rect
    assert (r.x, r.y, r.width, r.height) == pytest.approx((8, 20, 30, 20))


def test_same_scene_gives_the_same_svg_bytes() -> None:
    zones = (TEXT_ZONE, PHOTO_ZONE, CORD_ZONE)
    inputs = {
        "name": ZoneInput(text=BIRTHDAY),
        "photo": ZoneInput(asset_id="img_photo"),
        "cord": ZoneInput(color="#FFD700"),
    }
    assert to_svg(scene_for(*zones, inputs=inputs), bleed_mm=2) == to_svg(
        scene_for(*zones, inputs=inputs), bleed_mm=2
    )


def test_mockup_decides_whether_the_base_image_is_drawn() -> None:
    base = photo_png(64, 64)
    inputs = {"name": ZoneInput(text=BIRTHDAY)}
    assert scene_for(TEXT_ZONE, inputs=inputs, base=base, mockup=True).base_image is not None
    assert scene_for(TEXT_ZONE, inputs=inputs, base=base, mockup=False).base_image is None


# --- a render that cannot be faithful fails with a code -------------------------------------


def _birthday_spec() -> tuple[ProductDoc, dict[str, Any]]:
    doc = product(TEXT_ZONE, PHOTO_ZONE)
    inputs = {"name": ZoneInput(text=BIRTHDAY), "photo": ZoneInput(asset_id="img_photo")}
    return doc, make_spec(doc, inputs, {"img_photo": photo_png()})


def _code(spec: dict[str, Any], doc: ProductDoc, images: dict[str, bytes]) -> str:
    with pytest.raises(RenderError) as caught:
        build_scene(spec, doc, FakeResources(images), mockup=False)
    assert caught.value.status == 422
    return caught.value.code


def test_a_layout_that_differs_from_the_spec_is_refused() -> None:
    doc, spec = _birthday_spec()
    tampered = copy.deepcopy(spec)
    tampered["zones"]["name"]["layout"]["lines"][0]["x_mm"] += 0.01
    assert _code(tampered, doc, {"img_photo": photo_png()}) == "render.layout_mismatch"
    moved = product({**TEXT_ZONE, "width_mm": 70}, PHOTO_ZONE)  # the product changed under it
    assert _code(spec, moved, {"img_photo": photo_png()}) == "render.layout_mismatch"


def test_another_font_file_than_the_spec_recorded_is_refused() -> None:
    doc, spec = _birthday_spec()
    spec["zones"]["name"]["font"]["sha256"] = "0" * 64
    assert _code(spec, doc, {"img_photo": photo_png()}) == "render.font_missing"


def test_corrupt_or_changed_images_are_refused() -> None:
    doc, spec = _birthday_spec()
    assert _code(spec, doc, {"img_photo": b"\x89PNG\r\n\x1a\nbroken"}) == "render.image_corrupt"
    assert _code(spec, doc, {"img_photo": photo_png(91, 60)}) == "render.image_corrupt"
    assert _code(spec, doc, {}) == "render.image_missing"


def test_a_corrupt_base_image_fails_the_preview() -> None:
    doc = product(TEXT_ZONE, base_image_asset_id="img_base")
    spec = make_spec(doc, {"name": ZoneInput(text=BIRTHDAY)})
    truncated = photo_png()[:200]
    with pytest.raises(RenderError) as caught:
        build_scene(spec, doc, FakeResources({"img_base": truncated}), mockup=True)
    assert caught.value.code == "render.image_corrupt"


def test_spec_zones_must_match_the_product() -> None:
    _, spec = _birthday_spec()
    other = product({**PHOTO_ZONE, "id": "name"}, PHOTO_ZONE)  # "name" is an image zone here
    assert _code(spec, other, {"img_photo": photo_png()}) == "render.spec_mismatch"
    assert _code(spec, product(TEXT_ZONE), {}) == "render.spec_mismatch"


def test_importing_the_render_options_stays_light() -> None:
    """The API validates render options; that must not load any renderer."""
    code = (
        "import sys, chalicelib.domain.render_options, chalicelib.scene.model; "
        "heavy = [m for m in ('cairosvg', 'PIL', 'resvg_py', 'fontTools.pens') "
        "if m in sys.modules]; print(heavy); sys.exit(1 if heavy else 0)"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("rasterizer", [CairoRasterizer(), ResvgRasterizer()], ids=lambda r: r.name)
def test_preview_with_every_rasterizer_is_not_blank(rasterizer: Any) -> None:
    out = render_preview(birthday_scene(), PreviewOptions(long_side_px=200), rasterizer)
    preview = decode(out.data)
    assert preview.format == "JPEG" and preview.size == (200, 140)
    assert ImageStat.Stat(ink(preview)).sum[0] / 255 > 200
