"""The ``model`` render: the design baked into a product model's texture, as GLB and USDZ.

The texture is the same scene as the final (``mockup=False``) on the product's material look
(:func:`chalicelib.scene.material_look.look_image`: a burn on wood, a lighter mark on slate,
flat ink without a material) at :attr:`ModelOptions.texture_px`, placed in the UV rectangle
(glTF UV (0, 0) is the image's top-left corner, so the artboard is drawn upright, unflipped).
The uploaded .glb is rewritten with :mod:`pygltflib`: one image, sampler and texture appended,
the named material's ``baseColorTexture`` pointed at them and its base-colour factor set to
white (the texture carries the colour); every mesh, accessor and other material stays as
uploaded. The USDZ (AR Quick Look) comes from :mod:`chalicelib.scene.usdz`.

Only workers import this module (Pillow, numpy, pygltflib).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from chalicelib.domain.model3d import ModelRef, UvRect, material_index
from chalicelib.domain.render_options import ModelOptions
from chalicelib.scene.model import RenderError
from chalicelib.scene.raster import ImageFormat, Rasterizer, encode
from chalicelib.scene.render import Output, check_deadline, check_pixels

if TYPE_CHECKING:
    from PIL.Image import Image

    from chalicelib.domain.zone import ProductDoc
    from chalicelib.scene.model import Scene

GLB_TYPE = "model/gltf-binary"
USDZ_TYPE = "model/vnd.usdz+zip"
# Opaque (the surface is painted): JPEG is a fraction of the bytes of a PNG.
TEXTURE_FORMAT: ImageFormat = "jpeg"
_DEFAULT_SURFACE = "#FFFFFF"


def texture_size(
    width_mm: float, height_mm: float, rect: UvRect, long_side: int
) -> tuple[int, int]:
    """Texture pixels so the artboard keeps its aspect inside ``rect``; long side ``long_side``."""
    du, dv = rect[2] - rect[0], rect[3] - rect[1]
    ratio = (width_mm / height_mm) * dv / du  # texture width / height
    if ratio >= 1:
        return long_side, max(64, round(long_side / ratio))
    return max(64, round(long_side * ratio)), long_side


def surface_colour(product: ProductDoc) -> str:
    """The product material's surface colour when it names one, else white."""
    from chalicelib.domain.material import FACTS

    return FACTS[product.material].surface if product.material else _DEFAULT_SURFACE


def bake_texture(
    placed: list[tuple[Scene, UvRect]], product: ProductDoc, long_side: int, rasterizer: Rasterizer
) -> Image:
    """One material's texture: its surface colour, each side's look drawn into its rectangle
    (the first side's aspect sets the texture's shape)."""
    from PIL import Image as PILImage

    from chalicelib.scene.material_look import look_image

    first, first_rect = placed[0]
    width, height = texture_size(first.width_mm, first.height_mm, first_rect, long_side)
    check_pixels(width, height)
    texture = PILImage.new("RGB", (width, height), surface_colour(product))
    for scene, rect in placed:
        x0, y0 = round(rect[0] * width), round(rect[1] * height)
        x1, y1 = round(rect[2] * width), round(rect[3] * height)
        size = (max(1, x1 - x0), max(1, y1 - y0))
        art = look_image(scene, size, rasterizer, material=product.material)
        texture.paste(art.convert("RGB"), (x0, y0))
    return texture


def retexture_glb(
    glb: bytes, images: dict[int, bytes], mime_type: str, *, sha256: str | None = None
) -> bytes:
    """The model with each ``images[material]`` as that material's base-colour texture; every
    other byte, mesh and material as uploaded. ``sha256`` (the verified model's) lets a warm
    worker reuse the parsed document: pygltflib's parse is most of the rewrite's time."""
    import copy

    gltf = copy.deepcopy(_parsed(sha256, glb) if sha256 else _parse(glb))
    for material, image in sorted(images.items()):
        _add_texture(gltf, material, image, mime_type)
    return b"".join(gltf.save_to_bytes())


def _parse(glb: bytes) -> Any:
    import pygltflib

    return pygltflib.GLTF2.load_from_bytes(glb)


_PARSED: OrderedDict[str, Any] = OrderedDict()  # sha256 of a verified model -> parsed
_PARSED_MAX = 4


def _parsed(sha256: str, glb: bytes) -> Any:
    """The parsed model, once per warm worker and model (the verified hash names the bytes)."""
    found = _PARSED.get(sha256)
    if found is None:
        found = _PARSED[sha256] = _parse(glb)
        while len(_PARSED) > _PARSED_MAX:
            _PARSED.popitem(last=False)
    return found


def _add_texture(gltf: Any, material: int, image: bytes, mime_type: str) -> None:
    import pygltflib

    blob = gltf.binary_blob() or b""
    offset = len(blob) + (-len(blob) % 4)
    blob = blob + b"\x00" * (offset - len(blob)) + image
    if not gltf.buffers:
        gltf.buffers.append(pygltflib.Buffer(byteLength=0))
    gltf.buffers[0].byteLength = len(blob)
    gltf.set_binary_blob(blob)
    view = pygltflib.BufferView(buffer=0, byteOffset=offset, byteLength=len(image))
    gltf.bufferViews.append(view)
    gltf.images.append(pygltflib.Image(bufferView=len(gltf.bufferViews) - 1, mimeType=mime_type))
    gltf.samplers.append(
        pygltflib.Sampler(
            magFilter=pygltflib.LINEAR,
            minFilter=pygltflib.LINEAR_MIPMAP_LINEAR,
            wrapS=pygltflib.CLAMP_TO_EDGE,
            wrapT=pygltflib.CLAMP_TO_EDGE,
        )
    )
    gltf.textures.append(
        pygltflib.Texture(sampler=len(gltf.samplers) - 1, source=len(gltf.images) - 1)
    )
    target = gltf.materials[material]
    pbr = target.pbrMetallicRoughness or pygltflib.PbrMetallicRoughness()
    pbr.baseColorTexture = pygltflib.TextureInfo(index=len(gltf.textures) - 1, texCoord=0)
    pbr.baseColorFactor = [1.0, 1.0, 1.0, 1.0]
    target.pbrMetallicRoughness = pbr


def render_model(
    scenes: dict[str, Scene],
    product: ProductDoc,
    model: ModelRef,
    model_facts: dict[str, Any],
    glb: bytes,
    options: ModelOptions,
    rasterizer: Rasterizer,
    *,
    deadline: float | None = None,
) -> list[Output]:
    """[GLB, USDZ] of the design on ``product``'s model (``glb``, verified: ``model_facts``);
    ``scenes``: the final's scene of each side the model shows, by side id."""
    from chalicelib.scene.usdz import usdz_from_glb

    by_material: dict[int, list[tuple[Scene, UvRect]]] = {}
    for side, material, rect in model.placements(product.all_sides[0].id):
        index = material_index(material, model_facts)
        if index is None or side not in scenes:
            raise RenderError(
                "The product's model has no such textured material or side.",
                code="render.no_model",
                details={"side": side, "material": material},
            )
        by_material.setdefault(index, []).append((scenes[side], rect))
    check_deadline(deadline, "start")
    textures = {
        index: bake_texture(placed, product, options.texture_px, rasterizer)
        for index, placed in by_material.items()
    }
    check_deadline(deadline, "raster")
    images = {index: encode(texture, TEXTURE_FORMAT) for index, texture in textures.items()}
    sha256 = str(model_facts.get("sha256", "")) or None
    out_glb = retexture_glb(glb, images, "image/jpeg", sha256=sha256)
    check_deadline(deadline, "glb")
    out_usdz = usdz_from_glb(out_glb)
    w, h = max(t.size for t in textures.values())
    return [_output(out_glb, GLB_TYPE, w, h, "glb"), _output(out_usdz, USDZ_TYPE, w, h, "usdz")]


def _output(data: bytes, content_type: str, w: int, h: int, extension: str) -> Output:
    return Output(data, content_type, w, h, hashlib.sha256(data).hexdigest(), extension)
