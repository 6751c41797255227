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
    scene: Scene, product: ProductDoc, rect: UvRect, long_side: int, rasterizer: Rasterizer
) -> Image:
    """The texture image: the material's surface colour, the artboard's look drawn into ``rect``."""
    from PIL import Image as PILImage

    from chalicelib.scene.material_look import look_image

    width, height = texture_size(scene.width_mm, scene.height_mm, rect, long_side)
    check_pixels(width, height)
    surface = surface_colour(product)
    x0, y0 = round(rect[0] * width), round(rect[1] * height)
    x1, y1 = round(rect[2] * width), round(rect[3] * height)
    size = (max(1, x1 - x0), max(1, y1 - y0))
    art = look_image(scene, size, rasterizer, material=product.material)
    texture = PILImage.new("RGB", (width, height), surface)
    texture.paste(art.convert("RGB"), (x0, y0))
    return texture


def retexture_glb(glb: bytes, material: int, image: bytes, mime_type: str) -> bytes:
    """The model with ``image`` as ``material``'s base-colour texture; all else as uploaded."""
    import pygltflib

    gltf = pygltflib.GLTF2.load_from_bytes(glb)
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
    return b"".join(gltf.save_to_bytes())


def render_model(
    scene: Scene,
    product: ProductDoc,
    model: ModelRef,
    model_facts: dict[str, Any],
    glb: bytes,
    options: ModelOptions,
    rasterizer: Rasterizer,
    *,
    deadline: float | None = None,
) -> list[Output]:
    """[GLB, USDZ] of the design on ``product``'s model (``glb``, verified: ``model_facts``)."""
    from chalicelib.scene.usdz import usdz_from_glb

    index = material_index(model, model_facts)
    if index is None:
        raise RenderError(
            "The product's model has no such textured material.", code="render.no_model"
        )
    check_deadline(deadline, "start")
    texture = bake_texture(scene, product, model.rect(), options.texture_px, rasterizer)
    check_deadline(deadline, "raster")
    image = encode(texture, TEXTURE_FORMAT)
    mime = "image/jpeg"
    out_glb = retexture_glb(glb, index, image, mime)
    check_deadline(deadline, "glb")
    out_usdz = usdz_from_glb(out_glb)
    w, h = texture.size
    return [_output(out_glb, GLB_TYPE, w, h, "glb"), _output(out_usdz, USDZ_TYPE, w, h, "usdz")]


def _output(data: bytes, content_type: str, w: int, h: int, extension: str) -> Output:
    return Output(data, content_type, w, h, hashlib.sha256(data).hexdigest(), extension)
