"""Binary glTF (.glb) product models: parse the container and check an upload before use.

A brand uploads one ``.glb`` per product (asset kind ``model``); the ``model`` render later bakes
the design into the base-colour texture of one of its materials. Everything a worker relies on
is checked here, at complete, so a bad model is a 422 with a stable code rather than a failed
render: the container and its chunks, every buffer view and accessor inside the binary chunk,
triangle and texture limits, at least one mesh primitive with ``TEXCOORD_0``, and no compression
extension we cannot decode (Draco, KTX2/Basis, meshopt). External URIs are refused too: a
worker never fetches anything a brand points at.

Pure standard library (``json``, ``struct``): the API verifies uploads without numpy or a glTF
library on its import path.
"""

from __future__ import annotations

import hashlib
import json
import struct
from dataclasses import dataclass
from typing import Any

from chalicelib.errors import ValidationFailed

MAX_MODEL_BYTES = 16 * 1024 * 1024
MAX_TRIANGLES = 200_000
MAX_IMAGES = 16
MAX_TEXTURE_SIDE = 4096
GLB_MAGIC = b"glTF"
CHUNK_JSON = 0x4E4F534A
CHUNK_BIN = 0x004E4942
# Extensions whose data we cannot read: refused whether "used" or "required".
COMPRESSION_EXTENSIONS = {
    "KHR_draco_mesh_compression": "Draco",
    "KHR_texture_basisu": "KTX2",
    "EXT_meshopt_compression": "meshopt",
    "KHR_meshopt_compression": "meshopt",
    "EXT_texture_webp": "WebP textures",
    "KHR_mesh_quantization": "quantized attributes",
}
COMPONENT_SIZE = {5120: 1, 5121: 1, 5122: 2, 5123: 2, 5125: 4, 5126: 4}
TYPE_COUNT = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT2": 4, "MAT3": 9, "MAT4": 16}


class ModelInvalid(ValidationFailed):
    """The upload is not a model we can use; ``code`` says which rule it broke."""

    code = "model.invalid"


@dataclass(frozen=True)
class Glb:
    """The two chunks of a .glb: the parsed JSON document and the binary buffer (may be empty)."""

    document: dict[str, Any]
    binary: bytes


@dataclass(frozen=True)
class ModelFacts:
    sha256: str
    bytes: int
    triangles: int
    meshes: int
    images: int
    materials: list[str]  # names (or "#<index>" when unnamed), in document order
    uv_materials: list[int]  # indices of materials drawn by at least one primitive with UVs

    def to_dict(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "bytes": self.bytes,
            "triangles": self.triangles,
            "meshes": self.meshes,
            "images": self.images,
            "materials": list(self.materials),
            "uv_materials": list(self.uv_materials),
        }


def _fail(code: str, message: str, **details: Any) -> ModelInvalid:
    return ModelInvalid(message, code=code, details=details)


def parse_glb(data: bytes) -> Glb:
    """The JSON and BIN chunks of a glTF 2.0 binary; ``model.invalid_glb`` for anything else."""
    if len(data) < 20 or data[:4] != GLB_MAGIC:
        raise _fail("model.invalid_glb", "The file is not a binary glTF (.glb).")
    version, length = struct.unpack_from("<II", data, 4)
    if version != 2 or length != len(data):
        raise _fail(
            "model.invalid_glb",
            "Only glTF 2.0 binaries whose header length matches the file are accepted.",
            version=version,
        )
    chunks: list[tuple[int, bytes]] = []
    offset = 12
    while offset < len(data):
        if offset + 8 > len(data):
            raise _fail("model.invalid_glb", "A chunk header runs past the end of the file.")
        size, kind = struct.unpack_from("<II", data, offset)
        body = data[offset + 8 : offset + 8 + size]
        if len(body) != size:
            raise _fail("model.invalid_glb", "A chunk runs past the end of the file.")
        chunks.append((kind, body))
        offset += 8 + size
    if not chunks or chunks[0][0] != CHUNK_JSON:
        raise _fail("model.invalid_glb", "The first chunk of a .glb must be its JSON.")
    try:
        document = json.loads(chunks[0][1].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _fail("model.invalid_glb", "The JSON chunk does not parse.") from exc
    if not isinstance(document, dict):
        raise _fail("model.invalid_glb", "The JSON chunk is not an object.")
    binary = chunks[1][1] if len(chunks) > 1 and chunks[1][0] == CHUNK_BIN else b""
    return Glb(document, binary)


def material_label(document: dict[str, Any], index: int) -> str:
    name = (document.get("materials") or [])[index].get("name")
    return str(name) if isinstance(name, str) and name else f"#{index}"


def verify_model_bytes(data: bytes, *, max_bytes: int = MAX_MODEL_BYTES) -> ModelFacts:
    """Facts of a usable model, or :class:`ModelInvalid` with the first rule it breaks."""
    if len(data) > max_bytes:
        raise _fail(
            "asset.too_large",
            f"The model is {len(data)} bytes; the limit is {max_bytes}.",
            max_bytes=max_bytes,
            bytes=len(data),
        )
    glb = parse_glb(data)
    doc = glb.document
    try:
        return _check(doc, glb.binary, data)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError, struct.error) as exc:
        # ModelInvalid is none of these: only a document of the wrong shape lands here.
        raise _fail("model.invalid_glb", f"The glTF document is malformed ({exc!r}).") from exc


def _check(doc: dict[str, Any], binary: bytes, data: bytes) -> ModelFacts:
    version = str((doc.get("asset") or {}).get("version", ""))
    if not version.startswith("2."):
        raise _fail("model.invalid_glb", "asset.version must be 2.x.", version=version)
    used = set(doc.get("extensionsUsed") or []) | set(doc.get("extensionsRequired") or [])
    compressed = sorted(used & COMPRESSION_EXTENSIONS.keys())
    if compressed:
        raise _fail(
            "model.compression_unsupported",
            "Compressed models (Draco, KTX2, meshopt, ...) are not supported; export it "
            "uncompressed with PNG or JPEG textures.",
            extensions=compressed,
        )
    _check_buffers(doc, binary)
    triangles, uv_materials = _check_meshes(doc)
    if triangles > MAX_TRIANGLES:
        raise _fail(
            "model.too_many_triangles",
            f"The model has {triangles} triangles; the limit is {MAX_TRIANGLES}.",
            triangles=triangles,
            max_triangles=MAX_TRIANGLES,
        )
    if not uv_materials:
        raise _fail(
            "model.no_uvs",
            "No mesh primitive has a material and texture coordinates (TEXCOORD_0); the design "
            "is mapped through them.",
        )
    images = doc.get("images") or []
    if len(images) > MAX_IMAGES:
        raise _fail("model.too_many_textures", f"At most {MAX_IMAGES} images.", images=len(images))
    for i, image in enumerate(images):
        _check_image(doc, binary, i, image)
    materials = [material_label(doc, i) for i in range(len(doc.get("materials") or []))]
    return ModelFacts(
        sha256=hashlib.sha256(data).hexdigest(),
        bytes=len(data),
        triangles=triangles,
        meshes=len(doc.get("meshes") or []),
        images=len(images),
        materials=materials,
        uv_materials=sorted(uv_materials),
    )


def _check_buffers(doc: dict[str, Any], binary: bytes) -> None:
    buffers = doc.get("buffers") or []
    for i, buffer in enumerate(buffers):
        if i > 0 or "uri" in buffer:
            raise _fail(
                "model.external_resource",
                "Every buffer must be the .glb's own binary chunk (no URIs).",
                buffer=i,
            )
        if int(buffer["byteLength"]) > len(binary):
            raise _fail("model.invalid_glb", "The buffer is longer than the binary chunk.")
    for i, view in enumerate(doc.get("bufferViews") or []):
        end = int(view.get("byteOffset", 0)) + int(view["byteLength"])
        if int(view["buffer"]) != 0 or not buffers or end > len(binary):
            raise _fail("model.invalid_glb", "A buffer view lies outside the binary chunk.", view=i)
    views = doc.get("bufferViews") or []
    for i, acc in enumerate(doc.get("accessors") or []):
        if "sparse" in acc:
            raise _fail("model.invalid_glb", "Sparse accessors are not supported.", accessor=i)
        if "bufferView" not in acc:
            continue
        view = views[int(acc["bufferView"])]
        item = COMPONENT_SIZE[int(acc["componentType"])] * TYPE_COUNT[str(acc["type"])]
        stride = int(view.get("byteStride", 0)) or item
        count = int(acc["count"])
        need = int(acc.get("byteOffset", 0)) + (stride * (count - 1) + item if count else 0)
        if need > int(view["byteLength"]):
            raise _fail("model.invalid_glb", "An accessor reads past its buffer view.", accessor=i)


def _check_meshes(doc: dict[str, Any]) -> tuple[int, set[int]]:
    accessors = doc.get("accessors") or []
    triangles, uv_materials = 0, set()
    n_materials = len(doc.get("materials") or [])
    for mesh in doc.get("meshes") or []:
        for prim in mesh["primitives"]:
            attributes = prim["attributes"]
            if "POSITION" not in attributes:
                raise _fail("model.invalid_glb", "A primitive has no POSITION.")
            source = prim.get("indices", attributes["POSITION"])
            count = int(accessors[int(source)]["count"])
            mode = int(prim.get("mode", 4))
            triangles += count // 3 if mode == 4 else max(0, count - 2) if mode in (5, 6) else 0
            material = prim.get("material")
            if material is not None and not 0 <= int(material) < n_materials:
                raise _fail("model.invalid_glb", "A primitive names a missing material.")
            if "TEXCOORD_0" in attributes and material is not None and mode == 4:
                uv = accessors[int(attributes["TEXCOORD_0"])]
                if uv["type"] == "VEC2" and int(uv["componentType"]) == 5126:
                    uv_materials.add(int(material))
    return triangles, uv_materials


def _check_image(doc: dict[str, Any], binary: bytes, index: int, image: dict[str, Any]) -> None:
    if "bufferView" not in image:
        raise _fail("model.external_resource", "Images must be embedded in the .glb.", image=index)
    view = (doc.get("bufferViews") or [])[int(image["bufferView"])]
    start = int(view.get("byteOffset", 0))
    head = binary[start : start + min(int(view["byteLength"]), 64 * 1024)]
    size = image_size(head)
    if size is None:
        raise _fail("model.unsupported_texture", "Textures must be PNG or JPEG.", image=index)
    if max(size) > MAX_TEXTURE_SIDE:
        raise _fail(
            "model.texture_too_large",
            f"Textures may be at most {MAX_TEXTURE_SIDE} px on a side.",
            image=index,
            width_px=size[0],
            height_px=size[1],
        )


def image_size(head: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG IHDR or a JPEG SOF marker; None for anything else."""
    if head[:8] == b"\x89PNG\r\n\x1a\n" and len(head) >= 24:
        w, h = struct.unpack_from(">II", head, 16)
        return int(w), int(h)
    if head[:2] != b"\xff\xd8":
        return None
    i = 2
    while i + 9 < len(head):
        if head[i] != 0xFF:
            return None
        marker = head[i + 1]
        length = struct.unpack_from(">H", head, i + 2)[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h, w = struct.unpack_from(">HH", head, i + 5)
            return int(w), int(h)
        i += 2 + length
    return None
