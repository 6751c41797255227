"""Image verification decodes for real: formats from bytes, bombs refused early, clean PNG out."""

from __future__ import annotations

import hashlib
import io
import random
import struct
import time
import zlib

import pytest
from PIL import Image, ImageCms, PngImagePlugin

from chalicelib.domain.imaging import (
    ImageCorrupt,
    ImageTooLarge,
    ImageTooManyPixels,
    ImageUnsupportedFormat,
    verify_image_bytes,
)
from chalicelib.errors import ValidationFailed


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **params)
    return out.getvalue()


def noise(mode: str = "RGB", size: tuple[int, int] = (64, 48), seed: int = 7) -> Image.Image:
    data = random.Random(seed).randbytes(size[0] * size[1] * len(mode))
    return Image.frombytes(mode, size, data)


def decoded(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def with_png_size(png: bytes, width: int, height: int) -> bytes:
    """The same PNG with IHDR claiming another size (CRC fixed, so only the size is a lie)."""
    assert png[12:16] == b"IHDR"
    ihdr = struct.pack(">II", width, height) + png[24:29]
    crc = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr) & 0xFFFFFFFF)
    return png[:16] + ihdr + crc + png[33:]


@pytest.mark.parametrize(
    ("fmt", "params", "expected"),
    [("PNG", {}, "png"), ("JPEG", {"quality": 90}, "jpeg"), ("WEBP", {"lossless": True}, "webp")],
)
def test_png_jpeg_and_webp_are_accepted_and_reencoded_to_png(
    fmt: str, params: dict[str, object], expected: str
) -> None:
    data = encode(noise(), fmt, **params)
    facts, png = verify_image_bytes(data)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert facts.format == expected
    assert (facts.width_px, facts.height_px) == (64, 48)
    assert facts.has_alpha is False
    assert facts.bytes == len(data)
    assert facts.stored_bytes == len(png)
    assert facts.sha256 == hashlib.sha256(png).hexdigest()
    assert decoded(png).mode == "RGB"


def test_lossless_input_keeps_its_exact_pixels() -> None:
    source = noise()
    _, png = verify_image_bytes(encode(source, "PNG"))
    assert decoded(png).tobytes() == source.tobytes()


def test_same_upload_gives_byte_identical_output() -> None:
    data = encode(noise(), "JPEG", quality=85)
    first = verify_image_bytes(data)
    second = verify_image_bytes(data)
    assert first == second


def test_metadata_is_stripped_so_same_pixels_hash_the_same() -> None:
    source = noise()
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "shot at 48.8566N 2.3522E")
    plain = verify_image_bytes(encode(source, "PNG"))[1]
    tagged = verify_image_bytes(encode(source, "PNG", pnginfo=text, dpi=(300, 300)))[1]
    assert plain == tagged
    assert not {"Comment", "exif", "icc_profile", "dpi"} & set(decoded(plain).info)


def test_exif_orientation_is_applied_and_dimensions_swap() -> None:
    source = Image.new("RGB", (40, 20), (255, 0, 0))
    source.paste((0, 0, 255), (0, 0, 20, 20))  # left half blue, right half red
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    exif[0x010F] = "PhoneMaker"
    facts, png = verify_image_bytes(encode(source, "JPEG", quality=95, exif=exif.tobytes()))
    assert (facts.width_px, facts.height_px) == (20, 40)
    upright = decoded(png).convert("RGB")
    assert upright.size == (20, 40)
    top, bottom = upright.getpixel((10, 5)), upright.getpixel((10, 35))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[2] > 200 and bottom[0] > 200  # the left (blue) side is now on top
    assert "exif" not in decoded(png).info


def test_alpha_is_kept() -> None:
    source = Image.new("RGBA", (10, 10), (10, 20, 30, 0))
    source.putpixel((5, 5), (200, 100, 50, 128))
    facts, png = verify_image_bytes(encode(source, "PNG"))
    assert facts.has_alpha is True
    assert decoded(png).tobytes() == source.tobytes()


def test_opaque_alpha_channel_is_dropped() -> None:
    facts, png = verify_image_bytes(encode(noise().convert("RGBA"), "PNG"))
    assert facts.has_alpha is False
    assert decoded(png).mode == "RGB"


def test_palette_with_transparency_becomes_rgba() -> None:
    source = Image.new("P", (8, 8), 0)
    source.putpalette([255, 255, 255, 200, 0, 0] + [0] * 762)
    source.putpixel((1, 1), 1)
    facts, png = verify_image_bytes(encode(source, "PNG", transparency=0))
    out = decoded(png)
    assert facts.has_alpha is True and out.mode == "RGBA"
    assert out.getpixel((0, 0)) == (255, 255, 255, 0)
    assert out.getpixel((1, 1)) == (200, 0, 0, 255)


def test_grey_with_alpha_becomes_rgba() -> None:
    facts, png = verify_image_bytes(encode(Image.new("LA", (4, 4), (90, 10)), "PNG"))
    assert facts.has_alpha is True
    assert decoded(png).getpixel((0, 0)) == (90, 90, 90, 10)


def test_sixteen_bit_grey_is_scaled_not_clipped() -> None:
    _, png = verify_image_bytes(encode(Image.new("I;16", (4, 4), 40000), "PNG"))
    assert decoded(png).getpixel((0, 0)) == (156, 156, 156)


def test_cmyk_jpeg_becomes_an_rgb_png() -> None:
    data = encode(Image.new("CMYK", (16, 16), (0, 255, 255, 0)), "JPEG", quality=95)
    facts, png = verify_image_bytes(data)
    out = decoded(png)
    assert facts.format == "jpeg" and out.mode == "RGB"
    pixel = out.getpixel((8, 8))
    assert isinstance(pixel, tuple)
    assert pixel[0] > 240 and pixel[1] < 15 and pixel[2] < 15


def test_srgb_profile_is_applied_then_dropped() -> None:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(Image.new("RGB", (4, 4), (30, 120, 220)), "PNG", icc_profile=profile)
    _, png = verify_image_bytes(data)
    out = decoded(png)
    assert "icc_profile" not in out.info
    pixel = out.getpixel((0, 0))
    assert isinstance(pixel, tuple)
    assert all(abs(a - b) <= 2 for a, b in zip(pixel, (30, 120, 220), strict=True))


def test_truncated_png_is_corrupt() -> None:
    data = encode(noise(size=(128, 128)), "PNG")
    with pytest.raises(ImageCorrupt) as err:
        verify_image_bytes(data[: len(data) // 2])
    assert err.value.code == "asset.corrupt" and err.value.status == 422


def test_truncated_jpeg_is_corrupt() -> None:
    data = encode(noise(size=(128, 128)), "JPEG", quality=90)
    with pytest.raises(ImageCorrupt):
        verify_image_bytes(data[: len(data) // 2])


def test_png_signature_followed_by_garbage_is_corrupt() -> None:
    with pytest.raises(ImageCorrupt):
        verify_image_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)


def test_random_bytes_are_refused() -> None:
    data = random.Random(3).randbytes(4096)
    with pytest.raises(ValidationFailed) as err:
        verify_image_bytes(data)
    assert err.value.code in {"asset.unsupported_format", "asset.corrupt"}


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
def test_other_formats_are_unsupported_even_when_valid(fmt: str) -> None:
    with pytest.raises(ImageUnsupportedFormat) as err:
        verify_image_bytes(encode(noise(), fmt))
    assert err.value.code == "asset.unsupported_format"


def test_a_format_can_be_excluded() -> None:
    with pytest.raises(ImageUnsupportedFormat):
        verify_image_bytes(encode(noise(), "WEBP"), formats=("png", "jpeg"))


def test_animated_webp_is_unsupported() -> None:
    frames = [Image.new("RGB", (8, 8), (i * 60, 0, 0)) for i in range(3)]
    data = encode(frames[0], "WEBP", save_all=True, append_images=frames[1:])
    with pytest.raises(ImageUnsupportedFormat) as err:
        verify_image_bytes(data)
    assert err.value.details["reason"] == "animated"


def test_header_claiming_huge_size_is_refused_without_decoding() -> None:
    bomb = with_png_size(encode(Image.new("L", (1, 1)), "PNG"), 100_000, 100_000)
    started = time.perf_counter()
    with pytest.raises(ImageTooManyPixels) as err:
        verify_image_bytes(bomb)
    assert time.perf_counter() - started < 1.0
    assert err.value.code == "asset.too_many_pixels"


def test_our_pixel_limit_applies_below_pillows() -> None:
    claim = with_png_size(encode(Image.new("L", (1, 1)), "PNG"), 8_000, 8_000)  # 64 Mpx
    with pytest.raises(ImageTooManyPixels) as err:
        verify_image_bytes(claim)
    assert err.value.details == {"max_pixels": 50_000_000, "width_px": 8_000, "height_px": 8_000}


def test_real_compressed_bomb_is_refused_quickly() -> None:
    bomb = encode(Image.new("1", (12_000, 12_000)), "PNG")  # 144 Mpx in a few KiB
    assert len(bomb) < 100_000
    started = time.perf_counter()
    with pytest.raises(ImageTooManyPixels):
        verify_image_bytes(bomb)
    assert time.perf_counter() - started < 1.0


def test_pixel_limit_is_configurable() -> None:
    with pytest.raises(ImageTooManyPixels):
        verify_image_bytes(encode(noise(), "PNG"), max_pixels=1000)


def test_file_over_the_byte_limit_is_too_large() -> None:
    with pytest.raises(ImageTooLarge) as err:
        verify_image_bytes(encode(noise(), "PNG"), max_bytes=100)
    assert err.value.code == "asset.too_large"
