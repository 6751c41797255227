"""Helpers shared by several test modules (from tests.unit.test_scene)."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image, ImageDraw, ImageFilter

from chalicelib import fonts
from chalicelib.domain.imaging import verify_image_bytes
from chalicelib.domain.personalization import ImageInfo, ZoneInput, validate_inputs
from chalicelib.domain.spec import build_spec
from chalicelib.domain.zone import ProductDoc
from chalicelib.errors import NotFound
from chalicelib.scene.build import build_scene
from chalicelib.scene.model import Scene
from tests.support.personalization import FakeCatalog

BIRTHDAY = "Happy Birthday, AVA!"


HOSTILE = "</svg><script>x</script>"


TEXT_ZONE: dict[str, Any] = {
    "id": "name",
    "name": "Engraving",
    "kind": "text",
    "x_mm": 6,
    "y_mm": 12,
    "width_mm": 68,
    "height_mm": 16,
    "max_chars": 40,
    "max_lines": 2,
    "min_size_mm": 2,
    "max_size_mm": 10,
    "fonts": ["lato-regular", "caladea-regular"],
    "colors": ["#000000", "#1A3C8B", "#C81E1E"],
    "charset": ["latin"],
}


PHOTO_ZONE: dict[str, Any] = {
    "id": "photo",
    "name": "Photo",
    "kind": "image",
    "x_mm": 8,
    "y_mm": 32,
    "width_mm": 30,
    "height_mm": 20,
    "min_dpi": 0,
}


CORD_ZONE: dict[str, Any] = {
    "id": "cord",
    "name": "Cord",
    "kind": "color",
    "x_mm": 50,
    "y_mm": 36,
    "width_mm": 20,
    "height_mm": 12,
    "colors": ["#2E8B57", "#FFD700"],
}


def photo_png(width: int = 90, height: int = 60) -> bytes:
    """A smooth synthetic photo (gradients, soft disc), verified as uploads are."""
    image = Image.new("RGB", (width, height))
    image.putdata(
        [
            (int(255 * x / width), int(255 * y / height), 160 - int(100 * x / width))
            for y in range(height)
            for x in range(width)
        ]
    )
    disc = Image.new("L", (width, height), 0)
    ImageDraw.Draw(disc).ellipse((width // 4, height // 4, width // 2, height // 2), fill=255)
    image.paste((250, 240, 220), mask=disc.filter(ImageFilter.GaussianBlur(3)))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return verify_image_bytes(out.getvalue())[1]


def product(
    *zones: dict[str, Any], width: float = 80, height: float = 56, **extra: Any
) -> ProductDoc:
    return ProductDoc.model_validate(
        {
            "name": "Pendant",
            "sku": "PEND-1",
            "width_mm": width,
            "height_mm": height,
            "zones": list(zones),
            **extra,
        }
    )


class FakeResources:
    """Bundled fonts by id (whatever hash is asked: the builder must notice), images by id."""

    def __init__(self, images: dict[str, bytes] | None = None) -> None:
        self.images = images or {}

    def font(self, font_id: str, sha256: str) -> fonts.LoadedFont:
        return fonts.get_font(font_id)

    def image(self, asset_id: str, sha256: str) -> bytes:
        if asset_id not in self.images:
            raise NotFound("no such image", code="asset.not_found")
        return self.images[asset_id]

    def base_image(self, asset_id: str) -> bytes:
        return self.image(asset_id, "")


def make_spec(
    doc: ProductDoc, inputs: dict[str, ZoneInput], images: dict[str, bytes] | None = None
) -> dict[str, Any]:
    infos = {}
    for asset_id, png in (images or {}).items():
        facts, _ = verify_image_bytes(png)
        infos[asset_id] = ImageInfo("png", facts.width_px, facts.height_px, len(png), facts.sha256)
    result = validate_inputs(doc, inputs, FakeCatalog(images=infos))
    assert result.valid, result.errors
    return build_spec("prd_test", 1, doc, result)


def scene_for(
    *zones: dict[str, Any],
    inputs: dict[str, ZoneInput],
    mockup: bool = False,
    base: bytes | None = None,
    **product_extra: Any,
) -> Scene:
    images = {"img_photo": photo_png()}
    if base is not None:
        images["img_base"] = base
        product_extra["base_image_asset_id"] = "img_base"
    doc = product(*zones, **product_extra)
    spec = make_spec(doc, inputs, {"img_photo": images["img_photo"]})
    return build_scene(spec, doc, FakeResources(images), mockup=mockup)


def birthday_scene(**zone_changes: Any) -> Scene:
    return scene_for({**TEXT_ZONE, **zone_changes}, inputs={"name": ZoneInput(text=BIRTHDAY)})


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image
