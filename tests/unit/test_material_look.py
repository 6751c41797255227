"""Material-true previews, measured on real previews (``render_preview``, decoded PNG pixels).

Glyph pixels are found independently of the look: the same scene drawn flat (no material) in
black on white says where the letters are; the same scene without any item says what the
surface under them looks like unmarked.
"""

from __future__ import annotations

import dataclasses
import io
import struct
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from chalicelib.domain.color import hex_rgb
from chalicelib.domain.imaging import verify_image_bytes
from chalicelib.domain.material import LOOKS, MATERIALS, facts
from chalicelib.domain.personalization import ZoneInput, validate_inputs
from chalicelib.domain.side import corners_in_order
from chalicelib.domain.spec import build_spec
from chalicelib.domain.zone import ProductDoc, product_issues
from chalicelib.scene import material_look
from chalicelib.scene.build import build_scene
from chalicelib.scene.model import Scene
from chalicelib.scene.raster import CairoRasterizer, ResvgRasterizer, encode
from chalicelib.scene.render import FinalOptions, PreviewOptions, render_final, render_preview
from tests.support.personalization import FakeCatalog
from tests.support.scene import TEXT_ZONE, FakeResources, decode, scene_for

ENGRAVED = {**TEXT_ZONE, "process": "engrave", "colors": ["#000000"], "x_mm": 4, "y_mm": 14,
            "width_mm": 72, "height_mm": 26, "max_size_mm": 22}  # fmt: skip
WORD = {"name": ZoneInput(text="OAK")}
PNG = PreviewOptions(format="png")
HEART = {"shape": "heart", "x_mm": 2, "y_mm": 3, "width_mm": 76.0, "height_mm": 50.0}


def luminance(image: Image.Image) -> np.ndarray:
    rgb = np.asarray(image.convert("RGB"), dtype=np.float64)
    return rgb @ np.array([0.2126, 0.7152, 0.0722])


def preview(scene: Scene, options: PreviewOptions = PNG) -> Image.Image:
    return decode(render_preview(scene, options).data)


def engraved(material: str | None, **extra: Any) -> Scene:
    return scene_for(ENGRAVED, inputs=WORD, mockup=True, material=material, **extra)


def glyph_core(scene: Scene) -> np.ndarray:
    """Pixels well inside the letters: the flat preview's black, shrunk by two pixels."""
    flat = preview(dataclasses.replace(scene, material=None))
    ink = Image.fromarray(((luminance(flat) < 128) * 255).astype(np.uint8))
    return np.asarray(ink.filter(ImageFilter.MinFilter(5))) > 0


def unmarked(scene: Scene) -> Image.Image:
    return preview(dataclasses.replace(scene, items=()))


def test_engraving_on_wood_is_darker_than_the_wood_not_black_and_follows_its_grain() -> None:
    scene = engraved("wood_light")
    marked, bare = luminance(preview(scene)), luminance(unmarked(scene))
    core = glyph_core(scene)
    assert core.sum() > 2000  # big letters: enough pixels to measure
    around = ~np.asarray(Image.fromarray(core).filter(ImageFilter.MaxFilter(15)))
    assert marked[core].mean() < 0.6 * marked[around].mean()  # a clear burn
    assert marked[core].mean() > 25 and np.percentile(marked[core], 1) > 10  # not pure black
    # The mark follows the wood underneath: where the grain is darker, so is the burn.
    correlation = np.corrcoef(marked[core], bare[core])[0, 1]
    assert correlation > 0.6, correlation
    assert marked[core].std() > 3  # not a flat fill


def test_flat_black_paint_would_fail_the_grain_check() -> None:
    """The correlation check has teeth: the flat preview's black letters do not follow it."""
    scene = engraved("wood_light")
    flat = luminance(preview(dataclasses.replace(scene, material=None)))
    bare = luminance(unmarked(scene))
    core = glyph_core(scene)
    assert np.std(flat[core]) < 1 or abs(np.corrcoef(flat[core], bare[core])[0, 1]) < 0.3


@pytest.mark.parametrize("material", ["brushed_metal", "gold", "slate", "anodized_aluminium"])
def test_engraving_on_metal_and_slate_marks_lighter(material: str) -> None:
    scene = engraved(material)
    marked = luminance(preview(scene))
    core = glyph_core(scene)
    around = ~np.asarray(Image.fromarray(core).filter(ImageFilter.MaxFilter(15)))
    assert marked[core].mean() > marked[around].mean() + 20


def test_leather_debosses_darker_and_clear_material_frosts_lighter() -> None:
    for material, darker in (("leather", True), ("acrylic", False), ("glass", False)):
        scene = engraved(material)
        marked = luminance(preview(scene))
        core = glyph_core(scene)
        around = ~np.asarray(Image.fromarray(core).filter(ImageFilter.MaxFilter(15)))
        delta = marked[core].mean() - marked[around].mean()
        assert (delta < -15) if darker else (delta > 1.5), (material, delta)


def test_without_a_photo_the_die_line_silhouette_is_filled_with_the_material() -> None:
    scene = engraved("wood_dark", die_line=HEART)
    image = preview(scene, PreviewOptions(format="png", long_side_px=400))
    pixels = np.asarray(image.convert("RGB"), dtype=np.float64)
    height, width = pixels.shape[:2]
    outside = pixels[2, 2]
    assert (outside > 240).all()  # white around the product
    lobe = pixels[int(height * 0.25), int(width * 0.3)]  # inside the heart's left lobe
    surface = np.array(hex_rgb(facts("wood_dark").surface), dtype=np.float64)
    assert np.abs(lobe - surface).max() < 60  # the wood's colour, give or take its grain
    transparent = preview(scene, PreviewOptions(format="png", long_side_px=400, transparent=True))
    assert transparent.mode == "RGBA"
    assert transparent.getpixel((2, 2))[3] == 0
    assert transparent.getpixel((int(width * 0.3), int(height * 0.25)))[3] == 255


def _quad_mask(size: tuple[int, int], quad: list[tuple[float, float]], grow: int) -> np.ndarray:
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).polygon(quad, fill=255)
    if grow:
        mask = mask.filter(ImageFilter.MaxFilter(2 * grow + 1))
    return np.asarray(mask) > 0


def _wood_photo(width: int = 1200, height: int = 800) -> bytes:
    """A photo-like backdrop (any bytes verified as an upload)."""
    from tests.support.scene import photo_png

    return photo_png(width, height)


CORNERS = [[310.0, 170.0], [930.0, 240.0], [880.0, 650.0], [260.0, 560.0]]


def _on_angled_photo(zone: dict[str, Any], inputs: dict[str, ZoneInput], **extra: Any) -> Scene:
    scene = scene_for(zone, inputs=inputs, mockup=True, base=_wood_photo(), **extra)
    return dataclasses.replace(scene, mockup_corners=tuple((x, y) for x, y in CORNERS))


@pytest.mark.parametrize("material", ["wood_light", None])
def test_with_perspective_corners_every_mark_lands_inside_the_quadrilateral(
    material: str | None,
) -> None:
    scene = _on_angled_photo(ENGRAVED, WORD, material=material)
    image = preview(scene)
    assert image.size == (1000, 667)  # the photo's shape, long side 1000
    diff = np.abs(luminance(image) - luminance(unmarked(scene)))
    scale = 1000 / 1200
    quad = [(x * scale, y * scale) for x, y in CORNERS]
    inside = _quad_mask(image.size, quad, grow=2)
    changed = diff > 6
    assert changed.sum() > 3000  # the letters are there
    assert not (changed & ~inside).any()


def test_a_filled_zone_covers_the_quadrilateral_and_nothing_else() -> None:
    fill = {"id": "panel", "name": "Panel", "kind": "color", "process": "engrave",
            "x_mm": 0, "y_mm": 0, "width_mm": 80, "height_mm": 56,
            "colors": ["#000000"]}  # fmt: skip
    scene = _on_angled_photo(fill, {"panel": ZoneInput(color="#000000")}, material="wood_light")
    image = preview(scene)
    diff = np.abs(luminance(image) - luminance(unmarked(scene)))
    scale = 1000 / 1200
    quad = [(x * scale, y * scale) for x, y in CORNERS]
    changed = diff > 6
    assert not (changed & ~_quad_mask(image.size, quad, grow=2)).any()
    core = _quad_mask(image.size, quad, grow=0)
    assert changed[core].mean() > 0.9  # most of the quadrilateral is marked


def test_previews_are_deterministic_across_cold_and_warm_caches() -> None:
    scene = engraved("brushed_metal", die_line=HEART)
    first = render_preview(scene, PNG).data
    material_look.clear_cache()
    assert render_preview(scene, PNG).data == first
    assert render_preview(scene, PNG).data == first


def test_finals_do_not_change_with_a_material() -> None:
    """Previews only: the production scene carries no material, and its files are the same."""
    plain = scene_for(ENGRAVED, inputs=WORD, mockup=False)
    oak = scene_for(ENGRAVED, inputs=WORD, mockup=False, material="wood_light")
    assert oak.material is None
    options = FinalOptions(dpi=150)
    assert [o.data for o in render_final(oak, options)] == [
        o.data for o in render_final(plain, options)
    ]


def test_a_product_without_material_previews_as_before() -> None:
    """No material, no angled photo: the flat path, byte for byte (the look path never runs)."""
    scene = scene_for(ENGRAVED, inputs=WORD, mockup=True)
    assert scene.material is None and scene.mockup_corners is None
    flat = render_preview(scene, PNG, CairoRasterizer())
    drawn = CairoRasterizer().render_scene(scene, 1000, 700, bleed_mm=0.0, background="#FFFFFF")
    assert flat.data == encode(drawn.convert("RGB"), "png")
    image = decode(flat.data)
    assert image.mode == "RGB"
    assert luminance(image)[glyph_core(scene)].max() < 5  # black ink, as drawn today


def test_printed_ink_keeps_its_colour_on_paper() -> None:
    printed = {**ENGRAVED, "process": "print", "colors": ["#C81E1E"]}
    scene = scene_for(printed, inputs={"name": ZoneInput(text="OAK", color="#C81E1E")},
                      mockup=True, material="paper")  # fmt: skip
    rgb = np.asarray(preview(scene).convert("RGB"), dtype=np.float64)
    core = glyph_core(scene)
    assert np.abs(rgb[core].mean(axis=0) - np.array([200, 30, 30])).max() < 12


def test_cut_letters_are_pieces_of_the_material_with_a_shadow() -> None:
    cut = {**ENGRAVED, "process": "cut"}
    scene = scene_for(cut, inputs=WORD, mockup=True, material="wood_light")
    image = preview(scene)
    rgb = np.asarray(image.convert("RGB"), dtype=np.float64)
    core = glyph_core(scene)
    wood = np.array(hex_rgb(facts("wood_light").surface), dtype=np.float64)
    assert np.abs(rgb[core].mean(axis=0) - wood).max() < 40  # the letters are wood
    assert (rgb[2, 2] > 240).all()  # on white: the pieces are the product
    below = np.roll(core, (6, 4), axis=(0, 1)) & ~core
    assert luminance(image)[below].mean() < 235  # a shadow falls down and right


def test_engraved_image_marks_by_its_darkness_for_photo_previews() -> None:
    """The hook the photo-engraving preview uses: any raster of laser power on any surface."""
    surface = Image.new("RGB", (64, 32), hex_rgb(facts("wood_light").surface))
    power = Image.new("L", (64, 32), 0)
    ImageDraw.Draw(power).rectangle((32, 0, 63, 31), fill=255)
    out = luminance(material_look.engraved_image(surface, power, "wood_light", 4.0))
    assert out[:, :28].mean() > out[:, 36:].mean() + 60


def test_every_material_has_a_look() -> None:
    assert set(LOOKS) == set(MATERIALS)


def _solid_png(color: tuple[int, int, int], size: tuple[int, int] = (600, 420)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return verify_image_bytes(out.getvalue())[1]


SILVER, GOLD = (186, 190, 196), (212, 175, 55)
CHAIN = {"id": "chain", "name": "Chain", "kind": "swatch", "default": "silver", "values": [
    {"id": "silver", "name": "Silver", "mockup_asset_id": "img_silver"},
    {"id": "gold", "name": "Gold", "mockup_asset_id": "img_gold"}]}  # fmt: skip


def _built(doc: dict[str, Any], images: dict[str, bytes], **choices: str) -> Scene:
    product = ProductDoc.model_validate(doc)
    result = validate_inputs(product, WORD, FakeCatalog(), options=choices or None)
    assert result.valid, result.errors
    spec = build_spec("prd_test", 1, product, result)
    return build_scene(spec, product, FakeResources(images), mockup=True)


def test_an_option_value_switches_the_mockup_photo() -> None:
    doc = {"name": "Pendant", "sku": "P-1", "width_mm": 80, "height_mm": 56, "zones": [ENGRAVED],
           "material": "brushed_metal", "options": [CHAIN]}  # fmt: skip
    images = {"img_silver": _solid_png(SILVER), "img_gold": _solid_png(GOLD)}
    gold = preview(_built(doc, images, chain="gold"))
    silver = preview(_built(doc, images, chain="silver"))
    assert np.abs(np.array(gold.getpixel((5, 5))) - GOLD).max() <= 3
    assert np.abs(np.array(silver.getpixel((5, 5))) - SILVER).max() <= 3
    # the default choice is silver: the same preview, byte for byte
    assert (
        render_preview(_built(doc, images), PNG).data
        == render_preview(_built(doc, images, chain="silver"), PNG).data
    )
    scene = _built(doc, images, chain="gold")
    marked, core = luminance(gold), glyph_core(scene)
    assert marked[core].mean() > luminance(unmarked(scene))[core].mean() + 15  # etched lighter


def test_a_sides_mockup_corners_reach_the_preview() -> None:
    """Through the product document: the side's photo and corners, built and previewed."""
    side = {"id": "front", "name": "Front", "width_mm": 80, "height_mm": 56,
            "mockup_asset_id": "img_board", "mockup_corners": CORNERS}  # fmt: skip
    doc = {"name": "Board", "sku": "B-1", "width_mm": 80, "height_mm": 56, "zones": [ENGRAVED],
           "material": "wood_light", "sides": [side]}  # fmt: skip
    scene = _built(doc, {"img_board": _wood_photo()})
    assert scene.mockup_corners == tuple((x, y) for x, y in CORNERS)
    image = preview(scene)
    assert image.size == (1000, 667)
    changed = np.abs(luminance(image) - luminance(unmarked(scene))) > 6
    quad = [(x * 1000 / 1200, y * 1000 / 1200) for x, y in CORNERS]
    assert changed.sum() > 3000
    assert not (changed & ~_quad_mask(image.size, quad, grow=2)).any()


def test_resvg_draws_the_same_material_preview_as_cairo() -> None:
    """The Lambda runtime has no cairo: the look must not depend on the rasterizer."""
    scene = engraved("wood_light", die_line=HEART)
    options = PreviewOptions(format="png", long_side_px=500)
    cairo = decode(render_preview(scene, options, CairoRasterizer()).data)
    resvg = decode(render_preview(scene, options, ResvgRasterizer()).data)
    diff = np.abs(luminance(cairo) - luminance(resvg))
    assert diff.mean() < 0.5 and np.percentile(diff, 99.5) < 8


def test_look_image_bakes_a_final_scene_on_the_whole_material_for_3d_textures() -> None:
    """The 3D texture hook: a final's scene (no mockup, no silhouette) on the material, edge to
    edge, with the marks in it."""
    final = scene_for(ENGRAVED, inputs=WORD, mockup=False, material="wood_light", die_line=HEART)
    assert final.material is None and not final.silhouette
    image = material_look.look_image(final, (400, 280), CairoRasterizer(), material="wood_light")
    rgb = np.asarray(image.convert("RGB"), dtype=np.float64)
    wood = np.array(hex_rgb(facts("wood_light").surface), dtype=np.float64)
    assert np.abs(rgb[2, 2] - wood).max() < 60  # wood in the corner too: a texture, no white
    lum = luminance(image)
    assert lum.min() < 0.6 * np.median(lum)  # the burn is there


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _xyz(x: float, y: float, z: float) -> bytes:
    return b"XYZ " + b"\0" * 4 + _s15(x) + _s15(y) + _s15(z)


def _swapped_profile() -> bytes:
    """An ICC v2 RGB display profile (gamma 2.2, D50) whose red and green primaries are
    swapped: read through it, (200, 60, 40) is a green. Built byte by byte after ICC.1:2001-04
    (header, tag table, XYZType / curveType / textDescriptionType tags); littleCMS reads it."""
    r, g, b = (0.4361, 0.2225, 0.0139), (0.3851, 0.7169, 0.0971), (0.1431, 0.0606, 0.7141)
    curve = b"curv" + b"\0" * 4 + struct.pack(">IH", 1, round(2.2 * 256)) + b"\0\0"
    name = b"red-green swapped\0"
    desc = (b"desc" + b"\0" * 4 + struct.pack(">I", len(name)) + name
            + struct.pack(">IIHB", 0, 0, 0, 0) + b"\0" * 67)  # fmt: skip
    tags = [(b"desc", desc), (b"wtpt", _xyz(0.9642, 1.0, 0.8249)), (b"rXYZ", _xyz(*g)),
            (b"gXYZ", _xyz(*r)), (b"bXYZ", _xyz(*b)), (b"rTRC", curve), (b"gTRC", curve),
            (b"bTRC", curve), (b"cprt", b"text" + b"\0" * 4 + b"none\0\0\0\0")]  # fmt: skip
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for signature, body in tags:
        body += b"\0" * (-len(body) % 4)
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body
    header = (struct.pack(">I", offset + len(data)) + b"\0" * 4 + struct.pack(">I", 0x02100000)
              + b"mntrRGB XYZ " + struct.pack(">6H", 2026, 1, 1, 0, 0, 0) + b"acsp"
              + b"\0" * 28 + _s15(0.9642) + _s15(1.0) + _s15(0.8249) + b"\0" * 48)  # fmt: skip
    return header + struct.pack(">I", len(tags)) + table + data


def test_an_angled_mockup_with_a_colour_profile_is_read_through_it() -> None:
    """Uploads are converted to sRGB when stored; a PNG that still carries a profile is
    converted before blending, so the preview shows the colours the photographer saw."""
    raw = io.BytesIO()
    Image.new("RGB", (1200, 800), (200, 60, 40)).save(
        raw, format="PNG", icc_profile=_swapped_profile()
    )
    scene = scene_for(
        ENGRAVED, inputs=WORD, mockup=True, base=raw.getvalue(), material="wood_light"
    )
    angled = dataclasses.replace(scene, mockup_corners=tuple((x, y) for x, y in CORNERS))
    red, green, _ = preview(angled).getpixel((5, 5))
    assert green > 180 and red < 80  # through the profile: green, not the raw red


def test_mockup_corners_must_run_clockwise_around_a_convex_area() -> None:
    assert corners_in_order(CORNERS)
    tl, tr, br, bl = CORNERS
    assert not corners_in_order([tl, bl, br, tr])  # mirrored
    assert not corners_in_order([tl, tr, bl, br])  # folded (a bow tie)
    assert not corners_in_order([[0, 0], [10, 0], [20, 0], [30, 0]])  # flat
    side = {"id": "front", "name": "Front", "width_mm": 80, "height_mm": 56,
            "mockup_corners": [tl, bl, br, tr]}  # fmt: skip
    doc = ProductDoc.model_validate({"name": "B", "sku": "B-1", "width_mm": 80, "height_mm": 56,
                                     "sides": [side]})  # fmt: skip
    codes = {(i["field"], i["code"]) for i in product_issues(doc, set())}
    assert ("sides[0].mockup_corners", "side.mockup_corners_invalid") in codes


def test_corners_far_off_the_photo_do_not_ask_for_a_huge_artboard() -> None:
    far = ((-90000.0, -60000.0), (95000.0, -50000.0), (90000.0, 70000.0), (-80000.0, 60000.0))
    scene = _on_angled_photo(ENGRAVED, WORD, material="wood_light")
    image = preview(dataclasses.replace(scene, mockup_corners=far), PreviewOptions(format="png"))
    assert image.size == (1000, 667)


def test_a_cover_fitted_mockup_with_a_colour_profile_is_read_through_it() -> None:
    raw = io.BytesIO()
    Image.new("RGB", (400, 280), (200, 60, 40)).save(
        raw, format="PNG", icc_profile=_swapped_profile()
    )
    scene = scene_for(ENGRAVED, inputs=WORD, mockup=True, base=raw.getvalue(), material="slate")
    red, green, _ = preview(scene).getpixel((3, 3))
    assert green > 180 and red < 80
