"""Both rasterizers draw the same pixels; previews and finals are the same picture at two sizes;
limits fail with codes before any pixel is drawn."""

from __future__ import annotations

import io
import time
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageStat
from pydantic import ValidationError

from chalicelib.domain.personalization import ZoneInput
from chalicelib.scene import raster
from chalicelib.scene.model import RenderError, Scene
from chalicelib.scene.raster import CairoRasterizer, ResvgRasterizer, default_rasterizer, encode
from chalicelib.scene.render import (
    FinalOptions,
    PreviewOptions,
    preview_size,
    render_final,
    render_preview,
)
from chalicelib.scene.svg import to_svg
from tests.support.scene import (
    BIRTHDAY,
    CORD_ZONE,
    PHOTO_ZONE,
    TEXT_ZONE,
    birthday_scene,
    decode,
    photo_png,
    scene_for,
)

PHOTO = {"photo": ZoneInput(asset_id="img_photo")}


def _scenes() -> dict[str, Scene]:
    two_lines = {**TEXT_ZONE, "height_mm": 24}
    return {
        "text": birthday_scene(),
        "text-two-lines-coloured": scene_for(
            two_lines, inputs={"name": ZoneInput(text="Happy Birthday,\nAVA!", color="#C81E1E")}
        ),
        "text-cff-outlines": scene_for(
            {**TEXT_ZONE, "fonts": ["source-serif-pro-regular"]},
            inputs={"name": ZoneInput(text=BIRTHDAY, font="source-serif-pro-regular")},
        ),
        "image-cover": scene_for(PHOTO_ZONE, inputs=PHOTO),
        "image-contain": scene_for(
            {**PHOTO_ZONE, "image_fit": "contain", "height_mm": 24}, inputs=PHOTO
        ),
        "rotated": scene_for(
            {**TEXT_ZONE, "rotation_deg": 30, "x_mm": 8, "width_mm": 64},
            {**PHOTO_ZONE, "rotation_deg": -20},
            {**CORD_ZONE, "rotation_deg": 45, "y_mm": 34, "height_mm": 14},
            inputs={"name": ZoneInput(text=BIRTHDAY), **PHOTO, "cord": ZoneInput(color="#2E8B57")},
        ),
        "colours": scene_for(
            CORD_ZONE,
            {**CORD_ZONE, "id": "band", "x_mm": 10, "y_mm": 4, "colors": ["#FF00FF", "#00FFFF"]},
            inputs={"cord": ZoneInput(color="#FFD700"), "band": ZoneInput(color="#00FFFF")},
        ),
        "mockup": scene_for(
            TEXT_ZONE,
            inputs={"name": ZoneInput(text=BIRTHDAY)},
            base=photo_png(40, 30),
            mockup=True,
        ),
    }


SCENES = _scenes()


def _mean_abs_diff(a: Image.Image, b: Image.Image) -> list[float]:
    return list(ImageStat.Stat(ImageChops.difference(a, b)).mean)


def _on_white(image: Image.Image) -> Image.Image:
    return raster.flatten(image.convert("RGBA"))


@pytest.mark.parametrize("name", sorted(SCENES))
def test_cairo_and_resvg_agree(name: str) -> None:
    scene = SCENES[name]
    size = preview_size(scene, 400)
    svg = to_svg(scene, background="#FFFFFF", size_px=size)
    cairo = CairoRasterizer().render(svg, *size)
    resvg = ResvgRasterizer().render(svg, *size)
    assert cairo.mode == resvg.mode == "RGBA" and cairo.size == resvg.size == size
    diff = _mean_abs_diff(cairo, resvg)
    assert max(diff) < 2.0, diff  # per channel, in 0..255
    ink = ImageStat.Stat(ImageChops.invert(cairo.convert("L"))).mean[0]
    assert ink > 1.0  # not a blank canvas agreeing with another blank canvas


@pytest.mark.parametrize("name", sorted(SCENES))
@pytest.mark.parametrize("bleed_mm", [0.0, 2.0])
def test_cairo_drawing_the_scene_directly_matches_the_svg_path(name: str, bleed_mm: float) -> None:
    """What previews and finals use on cairo, against resvg drawing the scene's SVG."""
    scene = SCENES[name]
    size = preview_size(scene, 400)
    for background in ("#FFFFFF", None):
        direct = CairoRasterizer().render_scene(
            scene, *size, bleed_mm=bleed_mm, background=background
        )
        via_svg = ResvgRasterizer().render_scene(
            scene, *size, bleed_mm=bleed_mm, background=background
        )
        assert direct.size == via_svg.size == size
        diff = _mean_abs_diff(direct, via_svg)
        assert max(diff) < 2.0, (background, diff)
    ink = ImageStat.Stat(ImageChops.invert(direct.convert("L"))).mean[0]
    assert ink > 1.0


@pytest.mark.parametrize("rasterizer", [CairoRasterizer(), ResvgRasterizer()], ids=lambda r: r.name)
def test_alpha_comes_back_straight_not_premultiplied(rasterizer: Any) -> None:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10" viewBox="0 0 20 10">'
        '<rect width="10" height="10" fill="#00FF00" fill-opacity="0.5"/></svg>'
    )
    image = rasterizer.render(svg, 20, 10)
    r, g, b, a = image.getpixel((5, 5))
    assert (r, g, b) == (0, 255, 0) and abs(a - 128) <= 1
    assert image.getpixel((15, 5)) == (0, 0, 0, 0)


@pytest.mark.parametrize("rasterizer", [CairoRasterizer(), ResvgRasterizer()], ids=lambda r: r.name)
def test_unreadable_svg_is_a_render_error(rasterizer: Any) -> None:
    with pytest.raises(RenderError) as caught:
        rasterizer.render("<svg", 10, 10)
    assert caught.value.code == "render.rasterizer_failed"


def test_default_rasterizer_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATELIER_RASTERIZER", "resvg")
    assert isinstance(default_rasterizer(), ResvgRasterizer)
    monkeypatch.setenv("ATELIER_RASTERIZER", "cairo")
    assert isinstance(default_rasterizer(), CairoRasterizer)
    monkeypatch.setenv("ATELIER_RASTERIZER", "skia")
    with pytest.raises(ValueError):
        default_rasterizer()
    monkeypatch.delenv("ATELIER_RASTERIZER")
    assert isinstance(default_rasterizer(), CairoRasterizer)  # libcairo2 is installed here
    monkeypatch.setattr(raster, "cairo_available", lambda: False)  # as on the Lambda runtime
    assert isinstance(default_rasterizer(), ResvgRasterizer)


def test_downscaled_final_is_the_preview() -> None:
    scene = SCENES["rotated"]
    preview = decode(render_preview(scene, PreviewOptions(long_side_px=300, format="png")).data)
    png, _ = render_final(scene, FinalOptions(dpi=300))  # 80 mm at 300 DPI: 945 px
    final = decode(png.data)
    assert final.mode == "RGBA" and final.size == (945, 661)
    small = _on_white(final.resize(preview.size, Image.Resampling.BOX))
    assert max(_mean_abs_diff(small, preview.convert("RGB"))) < 2.5


def test_preview_formats_and_sizes() -> None:
    scene = birthday_scene()
    jpeg = render_preview(scene)
    assert (jpeg.content_type, jpeg.extension, jpeg.width_px, jpeg.height_px) == (
        "image/jpeg",
        "jpg",
        1000,
        700,
    )
    assert decode(jpeg.data).format == "JPEG"
    webp = render_preview(scene, PreviewOptions(long_side_px=120, format="webp"))
    assert webp.content_type == "image/webp" and decode(webp.data).size == (120, 84)
    clear = decode(render_preview(scene, PreviewOptions(format="png", transparent=True)).data)
    assert clear.mode == "RGBA" and clear.getpixel((0, 0))[3] == 0
    opaque = decode(render_preview(scene, PreviewOptions(format="png")).data)
    assert opaque.mode == "RGB" and opaque.getpixel((0, 0)) == (255, 255, 255)


def test_preview_options_are_bounded() -> None:
    for bad in (
        {"long_side_px": 63},
        {"long_side_px": 2049},
        {"format": "jpeg", "transparent": True},
    ):
        with pytest.raises(ValidationError):
            PreviewOptions.model_validate(bad)
    with pytest.raises(ValidationError):
        FinalOptions.model_validate({"dpi": 2400})


def test_final_png_carries_its_dpi_and_the_bleed() -> None:
    png, pdf = render_final(birthday_scene(), FinalOptions(dpi=100, bleed_mm=2))
    image = decode(png.data)
    assert image.size == (331, 236)  # (80 + 4) mm and (56 + 4) mm at 100 DPI
    assert round(image.info["dpi"][0]) == 100
    assert (pdf.content_type, pdf.extension, pdf.width_px) == ("application/pdf", "pdf", None)


def test_encoding_is_deterministic() -> None:
    image = CairoRasterizer().render(to_svg(SCENES["rotated"], size_px=(200, 140)), 200, 140)
    for fmt in ("jpeg", "webp", "png"):
        assert encode(image, fmt) == encode(image.copy(), fmt)  # type: ignore[arg-type]
    jpeg = Image.open(io.BytesIO(encode(image, "jpeg")))
    assert jpeg.mode == "RGB" and not jpeg.info.get("progressive")


def test_too_many_pixels_fails_before_drawing() -> None:
    huge = Scene(3000.0, 2000.0, None, ())
    with pytest.raises(RenderError) as caught:
        render_final(huge, FinalOptions(dpi=300), CairoRasterizer())
    assert caught.value.code == "render.too_many_pixels"


def test_a_passed_deadline_is_a_timeout() -> None:
    with pytest.raises(RenderError) as caught:
        render_preview(birthday_scene(), deadline=time.monotonic() - 1)
    assert caught.value.code == "render.timeout"
