"""Draw the rendering page's material pictures through the real preview path.

    .venv/bin/python docs/material_pictures.py docs/

``material-looks.png``: one engraved heart pendant (the same spec) previewed on eight materials,
no photo (the die-line silhouette in the material's surface). ``material-angled.png``: left, a
mockup photo of a board taken at an angle (drawn here: a wood board warped onto a table); right,
the preview with the board's corners given as ``mockup_corners``: the engraving follows the
perspective and the board's own grain. Every picture is ``render_preview`` output, downscaled.
"""

from __future__ import annotations

import dataclasses
import io
import sys
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from chalicelib.domain.personalization import ZoneInput
from chalicelib.domain.spec import build_spec
from chalicelib.domain.zone import ProductDoc
from chalicelib.scene.build import build_scene
from chalicelib.scene.material_texture import surface
from chalicelib.scene.perspective import coefficients
from chalicelib.scene.render import PreviewOptions, render_preview
from tests.support.personalization import FakeCatalog
from tests.support.scene import FakeResources

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
MATERIALS = ("wood_light", "wood_dark", "brushed_metal", "gold", "slate",
             "anodized_aluminium", "acrylic", "leather")  # fmt: skip
HEART = {"shape": "heart", "x_mm": 2, "y_mm": 2, "width_mm": 56, "height_mm": 46}
NAME = {"id": "name", "name": "Name", "kind": "text", "process": "engrave", "x_mm": 12,
        "y_mm": 13, "width_mm": 36, "height_mm": 14, "max_chars": 20, "max_lines": 1,
        "max_size_mm": 12, "colors": ["#000000"], "charset": ["latin"]}  # fmt: skip
BOARD_CORNERS = ((330.0, 180.0), (1450.0, 300.0), (1330.0, 980.0), (190.0, 810.0))


def _preview(doc: dict[str, Any], text: str, images: dict[str, bytes], **scene: Any) -> Image.Image:
    from chalicelib.domain.personalization import validate_inputs

    product = ProductDoc.model_validate(doc)
    result = validate_inputs(product, {"name": ZoneInput(text=text)}, FakeCatalog())
    assert result.valid, result.errors
    spec = build_spec("prd_docs", 1, product, result)
    built = build_scene(spec, product, FakeResources(images), mockup=True)
    if scene:
        built = dataclasses.replace(built, **scene)
    data = render_preview(built, PreviewOptions(format="png", long_side_px=1000)).data
    return Image.open(io.BytesIO(data)).convert("RGB")


def _label(image: Image.Image, text: str) -> Image.Image:
    out = Image.new("RGB", (image.width, image.height + 26), "white")
    out.paste(image, (0, 0))
    ImageDraw.Draw(out).text((8, image.height + 5), text, fill="#333333",
                             font=ImageFont.truetype(FONT, 15))  # fmt: skip
    return out


def looks() -> Image.Image:
    doc = {"name": "Pendant", "sku": "P-1", "width_mm": 60, "height_mm": 50, "die_line": HEART,
           "zones": [NAME]}  # fmt: skip
    tiles = []
    for material in MATERIALS:
        picture = _preview({**doc, "material": material}, "Ava", {}).resize((240, 200))
        tiles.append(_label(picture, material.replace("_", " ")))
    sheet = Image.new("RGB", (4 * 240, 2 * tiles[0].height), "white")
    for i, tile in enumerate(tiles):
        sheet.paste(tile, ((i % 4) * 240, (i // 4) * tile.height))
    return sheet


def board_photo() -> bytes:
    """A board on a table, seen at an angle: the wood surface warped into BOARD_CORNERS."""
    size = (1600, 1100)
    wood = surface("wood_light", (1200, 700), 10.0)
    frame = [(0.0, 0.0), (1200.0, 0.0), (1200.0, 700.0), (0.0, 700.0)]
    table = np.linspace(150, 95, size[1], dtype=np.float32)[:, None].repeat(size[0], axis=1)
    photo = Image.fromarray(np.dstack([table, table * 0.97, table * 0.93]).astype(np.uint8))
    shadow = Image.new("L", size, 0)
    ImageDraw.Draw(shadow).polygon([(x + 18, y + 26) for x, y in BOARD_CORNERS], fill=140)
    photo.paste((30, 28, 26), mask=shadow.filter(ImageFilter.GaussianBlur(14)))
    warp = coefficients(BOARD_CORNERS, frame)
    board = wood.transform(size, Image.Transform.PERSPECTIVE, warp, Image.Resampling.BICUBIC)
    inside = Image.new("L", size, 0)
    ImageDraw.Draw(inside).polygon(BOARD_CORNERS, fill=255)
    photo.paste(board, mask=inside)
    out = io.BytesIO()
    photo.save(out, format="PNG")
    return out.getvalue()


def angled() -> Image.Image:
    photo = board_photo()
    zone = {**NAME, "x_mm": 20, "y_mm": 20, "width_mm": 80, "height_mm": 30, "max_size_mm": 24}
    doc = {"name": "Board", "sku": "B-1", "width_mm": 120, "height_mm": 70, "zones": [zone],
           "material": "wood_light", "base_image_asset_id": "img_board"}  # fmt: skip
    preview = _preview(doc, "Ava & Noah", {"img_board": photo}, mockup_corners=BOARD_CORNERS)
    before = Image.open(io.BytesIO(photo)).convert("RGB").resize(preview.size)
    half = (480, round(480 * preview.height / preview.width))
    sheet = Image.new("RGB", (2 * half[0], half[1] + 26), "white")
    sheet.paste(_label(before.resize(half), "mockup photo (corners marked by the brand)"), (0, 0))
    sheet.paste(_label(preview.resize(half), "preview: engraved in perspective"), (half[0], 0))
    return sheet


def save(image: Image.Image, path: Path) -> None:
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        path, format="PNG", optimize=True
    )
    print(f"{path}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "docs")
    save(looks(), folder / "material-looks.png")
    save(angled(), folder / "material-angled.png")
