"""Photo engraving: the engrave raster's size and DPI, its tones, its placement, and the machine
files that carry it (checked with Pillow, a hand-written PNG chunk reader and poppler)."""

from __future__ import annotations

import base64
import io
import re
import shutil
import struct
import subprocess
import zlib
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw
from pydantic import ValidationError

from chalicelib.domain.imaging import verify_image_bytes
from chalicelib.domain.material import MATERIALS, facts
from chalicelib.domain.personalization import ZoneInput
from chalicelib.domain.photo_engraving import BUILTIN_PRESETS, PhotoEngraving, PhotoPreset
from chalicelib.domain.profile import BUILTIN
from chalicelib.scene.build import build_scene
from chalicelib.scene.dither import dither
from chalicelib.scene.model import ImageItem, Scene
from chalicelib.scene.photo import engrave_photos, tone
from tests.support.scene import PHOTO_ZONE, FakeResources, make_spec, photo_png, product
from tests.unit.test_dither import DIFFUSION, ramp, spearman


def png_chunks(data: bytes) -> dict[bytes, bytes]:
    """The PNG's chunks by type, read by hand from the file format (CRCs checked)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = {}, 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert zlib.crc32(kind + body) == crc
        chunks[kind] = body
        at += 12 + length
    return chunks


def verified(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return verify_image_bytes(out.getvalue())[1]


def marked(width: int = 200, height: int = 100) -> bytes:
    """White, with a black square in the top-left corner and a light grey one bottom-right."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width // 10 - 1, height // 5 - 1), fill="black")
    draw.rectangle(
        (width - width // 10, height - height // 5, width - 1, height - 1), fill=(170,) * 3
    )
    return verified(image)


def photo_scene(png: bytes, zone: dict[str, Any] | None = None, **extra: Any) -> Scene:
    doc = product({**PHOTO_ZONE, "process": "engrave", **(zone or {})}, **extra)
    spec = make_spec(doc, {"photo": ZoneInput(asset_id="img_photo")}, {"img_photo": png})
    return build_scene(spec, doc, FakeResources({"img_photo": png}), mockup=False)


def raster_of(scene: Scene, material: Any = None, **settings: Any) -> Any:
    _, (raster,) = engrave_photos(scene, PhotoEngraving(**settings), material)
    return raster


def pixels(png: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(png))
    assert image.mode == "1"
    return np.asarray(image, dtype=bool)


THRESHOLD = {"default": PhotoPreset(method="threshold")}


@pytest.mark.parametrize(
    ("size_mm", "settings", "dpi", "expected"),
    [
        ((80, 80), {"dpi": 254}, 254, (800, 800)),
        ((30, 20), {"dpi": 318}, 318, (376, 250)),  # 375.6 and 250.4 px, rounded
        ((30, 20), {"lines_per_mm": 10}, 254, (300, 200)),
        ((30, 20), {}, 254, (300, 200)),  # 0.1 mm interval when the profile names none
    ],
)
def test_raster_pixels_are_size_mm_over_25_4_times_dpi_and_the_png_says_its_dpi(
    size_mm: tuple[float, float], settings: dict[str, Any], dpi: float, expected: tuple[int, int]
) -> None:
    scene = photo_scene(photo_png(), {"width_mm": size_mm[0], "height_mm": size_mm[1]})
    raster = raster_of(scene, **settings)
    assert (raster.width_px, raster.height_px) == expected
    assert expected == (round(size_mm[0] / 25.4 * dpi), round(size_mm[1] / 25.4 * dpi))
    with Image.open(io.BytesIO(raster.png)) as image:
        assert image.size == expected and image.mode == "1"
        assert image.info["dpi"] == pytest.approx((dpi, dpi), abs=0.01)
    chunks = png_chunks(raster.png)  # an independent reader: the format's own bytes
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (width, height, depth, colour) == (*expected, 1, 0)  # 1-bit greyscale
    ppm_x, ppm_y, unit = struct.unpack(">IIB", chunks[b"pHYs"])
    assert unit == 1 and ppm_x == ppm_y == round(dpi / 0.0254)


@pytest.mark.parametrize("method", DIFFUSION)
def test_a_ramp_through_the_tone_curve_keeps_its_order_and_mean_tone(method: str) -> None:
    grey = ramp()
    preset = BUILTIN_PRESETS["wood_light"].model_copy(update={"method": method})
    toned = tone(grey, preset)
    assert toned.mean() > grey.mean() + 0.05  # the wood gamma lifts midtones: less burn
    bits = dither(toned, preset.method)
    assert spearman(grey[0], bits.mean(axis=0)) > 0.95
    assert abs(bits.mean() - toned.mean()) < (0.08 if method == "atkinson" else 0.03)


def test_tone_curve_points_contrast_and_gamma() -> None:
    grey = np.linspace(0, 1, 11)
    stretched = tone(grey, PhotoPreset(black_point=0.2, white_point=0.8))
    assert stretched[:3].tolist() == [0, 0, 0] and stretched[-3:].tolist() == [1, 1, 1]
    assert stretched[5] == pytest.approx(0.5)
    steep = tone(grey, PhotoPreset(contrast=2.0))
    assert steep[5] == pytest.approx(0.5) and steep[3] == pytest.approx(0.1)
    assert tone(grey, PhotoPreset(gamma=2.0))[2] == pytest.approx(0.2**0.5)


def test_marked_corners_land_where_the_zone_shows_them() -> None:
    # A 2:1 photo in a 40 x 20 mm zone: cover fits exactly; 400 x 200 px at 254 DPI.
    scene = photo_scene(marked(), {"width_mm": 40, "height_mm": 20})
    burnt = ~pixels(raster_of(scene, default=PhotoPreset(method="threshold")).png)
    assert burnt.shape == (200, 400)
    assert burnt[2:38, 2:38].all()  # the black square, top left: 10 % x 20 %
    assert not burnt[:, 44:356].any()  # the white middle
    assert not burnt[160:, 360:].any()  # light grey stays unburnt at a mid threshold...
    bayer = ~pixels(raster_of(scene, default=PhotoPreset(method="bayer4")).png)
    assert 0.25 < bayer[162:198, 362:398].mean() < 0.4  # ...and ordered dither shows its tone
    assert not bayer[162:198, :300].any()


def test_contain_leaves_the_rest_of_the_zone_unburnt() -> None:
    square = verified(Image.new("RGB", (50, 50), "black"))
    scene = photo_scene(square, {"width_mm": 40, "height_mm": 20, "image_fit": "contain"})
    burnt = ~pixels(raster_of(scene, default=PhotoPreset(method="threshold")).png)
    assert burnt[:, 102:298].all()  # the photo: 20 mm square in the middle
    assert not burnt[:, :98].any() and not burnt[:, 302:].any()


def test_materials_that_engrave_lighter_burn_the_light_areas() -> None:
    half = Image.new("RGB", (100, 50), "white")
    ImageDraw.Draw(half).rectangle((0, 0, 49, 49), fill="black")
    scene = photo_scene(verified(half), {"width_mm": 40, "height_mm": 20})
    settings = {"presets": {m: {"method": "threshold"} for m in ("wood_light", "slate")}}
    wood = ~pixels(raster_of(scene, "wood_light", **settings).png)
    slate = ~pixels(raster_of(scene, "slate", **settings).png)
    assert wood[:, :195].all() and not wood[:, 205:].any()  # the dark half burns on wood
    assert slate[:, 205:].all() and not slate[:, :195].any()  # the light half on slate
    forced = ~pixels(
        raster_of(scene, "slate", presets={"slate": {"method": "threshold", "invert": False}}).png
    )
    assert np.array_equal(forced, wood)


def test_every_material_has_a_preset_and_inverts_as_its_facts_say() -> None:
    settings = PhotoEngraving()
    for material in MATERIALS:
        assert material in BUILTIN_PRESETS
        assert settings.inverts(material) is facts(material).engraves_lighter  # type: ignore[arg-type]
    assert not settings.inverts(None)
    custom = PhotoEngraving.model_validate(
        {"presets": {"slate": {"method": "atkinson"}}, "default": {"method": "bayer8"}}
    )
    assert custom.preset("slate").method == "atkinson"
    assert custom.preset("wood_dark") == BUILTIN_PRESETS["wood_dark"]
    assert custom.preset(None).method == "bayer8"


@pytest.mark.parametrize(
    "bad",
    [
        {"dpi": 254, "lines_per_mm": 10},
        {"dpi": 10},
        {"presets": {"cardboard": {}}},
        {"default": {"method": "sketch"}},
        {"default": {"black_point": 0.6, "white_point": 0.4}},
    ],
)
def test_invalid_photo_engraving_settings_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        PhotoEngraving.model_validate(bad)


def test_printed_photos_and_photo_free_scenes_are_left_alone() -> None:
    printed = photo_scene(photo_png(), {"process": "print"})
    assert engrave_photos(printed, PhotoEngraving(), None) == (printed, ())


def _laser(**settings: Any) -> Any:
    return BUILTIN["laser-default"].model_copy(
        update={"photo_engraving": PhotoEngraving(**settings)}
    )


def test_the_machine_files_place_the_raster_on_the_zone() -> None:
    from chalicelib.scene.raster import default_rasterizer
    from chalicelib.scene.writers import WRITERS

    zone = {"x_mm": 12, "y_mm": 8, "width_mm": 40, "height_mm": 20}
    original = photo_scene(photo_png(), zone, width=80, height=40)
    profile = _laser(dpi=254)
    assert profile.photo_engraving is not None
    scene, (raster,) = engrave_photos(original, profile.photo_engraving, None)
    (item,) = scene.items
    assert isinstance(item, ImageItem) and item.image.png == raster.png

    svg = WRITERS["svg"].write(scene, profile, default_rasterizer()).decode("utf-8")
    (href,) = re.findall(r'xlink:href="data:image/png;base64,([^"]+)"', svg)
    assert base64.b64decode(href) == raster.png  # the very raster, untouched
    assert re.search(r'<image x="12" y="8" width="40" height="20"', svg)

    dxf = WRITERS["dxf"].write(scene, profile, default_rasterizer())
    assert b"IMAGE" not in dxf and dxf == WRITERS["dxf"].write(
        original, profile, default_rasterizer()
    )  # vectors only, as before

    pdf = WRITERS["pdf"].write(scene, profile, default_rasterizer())
    if shutil.which("pdfimages"):  # poppler: another program reads size and placement
        listed = _pdfimages(pdf)
        assert len(listed) == 1
        width, height, x_ppi, y_ppi = listed[0]
        assert (width, height) == (400, 200)
        assert x_ppi == pytest.approx(254, abs=1) and y_ppi == pytest.approx(254, abs=1)

    final = Image.open(io.BytesIO(WRITERS["png"].write(scene, profile, default_rasterizer())))
    grey = np.asarray(final.convert("L"))
    dpmm = BUILTIN["laser-default"].print_dpi / 25.4
    inside = grey[round(9 * dpmm) : round(27 * dpmm), round(13 * dpmm) : round(51 * dpmm)]
    assert inside.min() < 30 and inside.max() > 225  # black dots on white...
    before = Image.open(io.BytesIO(WRITERS["png"].write(original, profile, default_rasterizer())))
    assert np.asarray(before.convert("L")).shape == grey.shape
    assert not np.array_equal(np.asarray(before.convert("L")), grey)  # ...not the photo


def _pdfimages(pdf: bytes) -> list[tuple[int, int, float, float]]:
    done = subprocess.run(
        ["pdfimages", "-list", "-"], input=pdf, capture_output=True, check=True, timeout=30
    )
    rows = []
    for line in done.stdout.decode().splitlines()[2:]:
        cells = line.split()
        rows.append((int(cells[3]), int(cells[4]), float(cells[12]), float(cells[13])))
    return rows


def test_the_pdf_embeds_the_raster_as_one_bit_per_dot() -> None:
    """The laser's raster is 1-bit: the PDF carries it as such (/BitsPerComponent 1,
    /DeviceGray), not as 24-bit RGB; poppler lists it so and extracts the very dots, and qpdf
    finds the file sound."""
    import tempfile

    from chalicelib.scene.raster import default_rasterizer
    from chalicelib.scene.writers import WRITERS

    if not (shutil.which("pdfimages") and shutil.which("qpdf")):
        pytest.skip("poppler's pdfimages and qpdf read the PDF")
    zone = {"x_mm": 12, "y_mm": 8, "width_mm": 40, "height_mm": 20}
    profile = _laser(dpi=254)
    assert profile.photo_engraving is not None
    scene, (raster,) = engrave_photos(
        photo_scene(photo_png(), zone, width=80, height=40), profile.photo_engraving, None
    )
    pdf = WRITERS["pdf"].write(scene, profile, default_rasterizer())
    listed = subprocess.run(
        ["pdfimages", "-list", "-"], input=pdf, capture_output=True, check=True, timeout=30
    ).stdout.decode()
    (row,) = [line.split() for line in listed.splitlines()[2:]]
    width, height, color, comp, bpc = int(row[3]), int(row[4]), row[5], int(row[6]), int(row[7])
    assert (width, height, color, comp, bpc) == (400, 200, "gray", 1, 1)
    with tempfile.TemporaryDirectory() as out:
        with open(f"{out}/f.pdf", "wb") as f:
            f.write(pdf)
        checked = subprocess.run(["qpdf", "--check", f"{out}/f.pdf"], capture_output=True)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        subprocess.run(["pdfimages", "-png", f"{out}/f.pdf", f"{out}/im"], check=True)
        with Image.open(f"{out}/im-000.png") as extracted:
            dots = np.asarray(extracted.convert("L")) < 128
    assert np.array_equal(dots, ~pixels(raster.png))  # black (burn) exactly where the raster's


def test_a_preset_may_ask_for_a_serpentine_scan_and_profiles_without_it_dump_as_before() -> None:
    scene = photo_scene(photo_png())
    one_way = raster_of(scene, default=PhotoPreset(method="floyd_steinberg"))
    serpentine = raster_of(scene, default=PhotoPreset(method="floyd_steinberg", serpentine=True))
    assert (serpentine.width_px, serpentine.height_px) == (one_way.width_px, one_way.height_px)
    assert not np.array_equal(pixels(serpentine.png), pixels(one_way.png))
    assert "serpentine" not in PhotoPreset().model_dump(mode="json")  # stored profiles, keys
    assert PhotoPreset(serpentine=True).model_dump(mode="json")["serpentine"] is True
