"""USDZ for AR Quick Look, written from a GLB without usd-core.

usd-core cannot ship in the Lambda package (its wheel needs a newer glibc than Lambda's Python
3.11 runtime and is ~200 MiB), so this writes what the USDZ spec asks for by hand:

* a ``.usda`` text layer, the archive's FIRST entry: one ``Mesh`` per triangle primitive under
  an ``Xform`` per glTF node (its matrix or TRS as ``xformOp:transform``), positions, vertex
  normals and ``primvars:st`` (glTF's v flipped: USD's st origin is the bottom-left), and one
  ``UsdPreviewSurface`` per material (base colour factor, metallic, roughness; an embedded
  base-colour texture through ``UsdUVTexture`` reading ``st``);
* the textures as files next to it;
* a zip whose entries are all STORED (no compression) and whose every file's data starts at a
  multiple of 64 bytes (padding in the local header's extra field, as USD's own writer does).

glTF is y-up in metres, so the stage says ``upAxis = "Y"`` and ``metersPerUnit = 1``. The tests
open the result with usd-core (a dev dependency). Only workers import this module (numpy).
"""

from __future__ import annotations

import math
import struct
import zlib
from typing import Any

import numpy as np
from numpy.typing import NDArray

from chalicelib.domain.gltf import COMPONENT_SIZE, TYPE_COUNT, parse_glb

_DTYPES = {5120: "<i1", 5121: "<u1", 5122: "<i2", 5123: "<u2", 5125: "<u4", 5126: "<f4"}
_NORMALIZE = {5120: 127.0, 5121: 255.0, 5122: 32767.0, 5123: 65535.0}
_EXTENSION = {"image/png": "png", "image/jpeg": "jpg"}
ALIGN = 64
_PADDING_ID = 0x1986  # the extra-field id USD's zip writer pads with
_DOS_DATE = (0, 33)  # 1980-01-01 00:00: fixed, so equal inputs give equal bytes


def read_accessor(doc: dict[str, Any], binary: bytes, index: int) -> NDArray[Any]:
    """An accessor as a (count, components) float64 or int array (verified bounds assumed)."""
    acc = doc["accessors"][index]
    ctype, comps, count = int(acc["componentType"]), TYPE_COUNT[acc["type"]], int(acc["count"])
    if "bufferView" not in acc:
        return np.zeros((count, comps))
    view = doc["bufferViews"][int(acc["bufferView"])]
    item = COMPONENT_SIZE[ctype] * comps
    stride = int(view.get("byteStride", 0)) or item
    start = int(view.get("byteOffset", 0)) + int(acc.get("byteOffset", 0))
    raw = np.frombuffer(binary, dtype=np.uint8, count=stride * (count - 1) + item, offset=start)
    rows = np.lib.stride_tricks.as_strided(raw, shape=(count, item), strides=(stride, 1))
    values = np.ascontiguousarray(rows).view(_DTYPES[ctype]).reshape(count, comps)
    if acc.get("normalized") and ctype in _NORMALIZE:
        return np.maximum(values / _NORMALIZE[ctype], -1.0)
    return values


def _fmt(values: NDArray[Any], width: int) -> str:
    rows = values.reshape(-1, width)
    return ", ".join("(" + ", ".join(f"{float(x):.7g}" for x in row) + ")" for row in rows)


def _ints(values: NDArray[Any]) -> str:
    return ", ".join(str(int(v)) for v in values.reshape(-1))


def _matrix(node: dict[str, Any]) -> list[float] | None:
    """The node's local transform as USD's row-vector matrix (glTF's column-major array)."""
    if "matrix" in node:
        return [float(v) for v in node["matrix"]]
    if not any(k in node for k in ("translation", "rotation", "scale")):
        return None
    tx, ty, tz = node.get("translation", [0, 0, 0])
    x, y, z, w = node.get("rotation", [0, 0, 0, 1])
    sx, sy, sz = node.get("scale", [1, 1, 1])
    r = [
        [1 - 2 * (y * y + z * z), 2 * (x * y + z * w), 2 * (x * z - y * w)],
        [2 * (x * y - z * w), 1 - 2 * (x * x + z * z), 2 * (y * z + x * w)],
        [2 * (x * z + y * w), 2 * (y * z - x * w), 1 - 2 * (x * x + y * y)],
    ]  # rows: the rotated x, y and z axes (row-vector convention)
    rows = [[v * s for v in row] + [0.0] for row, s in zip(r, (sx, sy, sz), strict=True)]
    return [*rows[0], *rows[1], *rows[2], float(tx), float(ty), float(tz), 1.0]


def _material_usda(doc: dict[str, Any], index: int, textures: dict[int, str]) -> str:
    material = doc["materials"][index]
    pbr = material.get("pbrMetallicRoughness") or {}
    r, g, b, a = (float(v) for v in pbr.get("baseColorFactor", [1, 1, 1, 1]))
    metallic = float(pbr.get("metallicFactor", 1.0))
    rough = float(pbr.get("roughnessFactor", 1.0))
    tex = pbr.get("baseColorTexture")
    image = textures.get(int(doc["textures"][int(tex["index"])]["source"])) if tex else None
    colour = f"color3f inputs:diffuseColor = ({r:.6g}, {g:.6g}, {b:.6g})"
    shaders = ""
    if image is not None:
        colour = "color3f inputs:diffuseColor.connect = <../Texture.outputs:rgb>"
        shaders = f"""
            def Shader "Texture"
            {{
                uniform token info:id = "UsdUVTexture"
                asset inputs:file = @{image}@
                float2 inputs:st.connect = <../St.outputs:result>
                token inputs:wrapS = "clamp"
                token inputs:wrapT = "clamp"
                token inputs:sourceColorSpace = "sRGB"
                float3 outputs:rgb
            }}

            def Shader "St"
            {{
                uniform token info:id = "UsdPrimvarReader_float2"
                string inputs:varname = "st"
                float2 outputs:result
            }}"""
    return f"""
        def Material "M{index}"
        {{
            token outputs:surface.connect = <Surface.outputs:surface>

            def Shader "Surface"
            {{
                uniform token info:id = "UsdPreviewSurface"
                {colour}
                float inputs:opacity = {a:.6g}
                float inputs:metallic = {metallic:.6g}
                float inputs:roughness = {rough:.6g}
                token outputs:surface
            }}{shaders}
        }}
"""


def _mesh_usda(doc: dict[str, Any], binary: bytes, mesh: int, indent: str) -> str:
    out = []
    for p, prim in enumerate(doc["meshes"][mesh]["primitives"]):
        if int(prim.get("mode", 4)) != 4:
            continue  # points and lines have no surface to show
        attrs = prim["attributes"]
        points = read_accessor(doc, binary, int(attrs["POSITION"]))
        indices: NDArray[Any] = (
            read_accessor(doc, binary, int(prim["indices"])).reshape(-1)
            if "indices" in prim
            else np.arange(len(points))
        )
        indices = indices[: len(indices) - len(indices) % 3]
        lines = [
            f"int[] faceVertexCounts = [{_ints(np.full(len(indices) // 3, 3))}]",
            f"int[] faceVertexIndices = [{_ints(indices)}]",
            f"point3f[] points = [{_fmt(points, 3)}]",
            'uniform token subdivisionScheme = "none"',
        ]
        if "NORMAL" in attrs:
            normals = read_accessor(doc, binary, int(attrs["NORMAL"]))
            lines.append(f'normal3f[] normals = [{_fmt(normals, 3)}] (interpolation = "vertex")')
        if "TEXCOORD_0" in attrs:
            st = read_accessor(doc, binary, int(attrs["TEXCOORD_0"])).astype(np.float64)
            st[:, 1] = 1.0 - st[:, 1]  # glTF v grows down the image, USD t grows up
            lines.append(f'texCoord2f[] primvars:st = [{_fmt(st, 2)}] (interpolation = "vertex")')
        material = prim.get("material")
        if material is not None:
            lines.append(f"rel material:binding = </Root/Materials/M{int(material)}>")
            if doc["materials"][int(material)].get("doubleSided"):
                lines.append("uniform bool doubleSided = 1")
        body = "\n".join(f"{indent}    {line}" for line in lines)
        schema = f'(\n{indent}    prepend apiSchemas = ["MaterialBindingAPI"]\n{indent})'
        out.append(f'{indent}def Mesh "Prim{p}" {schema}\n{indent}{{\n{body}\n{indent}}}\n')
    return "".join(out)


def _node_usda(doc: dict[str, Any], binary: bytes, index: int, depth: int) -> str:
    if depth > 64:
        raise ValueError("the node hierarchy is too deep")
    node = doc["nodes"][index]
    indent = "    " * depth
    inner = ""
    matrix = _matrix(node)
    if matrix is not None and all(math.isfinite(v) for v in matrix):
        rows = ", ".join(
            "(" + ", ".join(f"{v:.9g}" for v in matrix[i : i + 4]) + ")" for i in range(0, 16, 4)
        )
        inner += f"{indent}    matrix4d xformOp:transform = ({rows})\n"
        inner += f'{indent}    uniform token[] xformOpOrder = ["xformOp:transform"]\n'
    if "mesh" in node:
        inner += _mesh_usda(doc, binary, int(node["mesh"]), indent + "    ")
    for child in node.get("children", []):
        inner += _node_usda(doc, binary, int(child), depth + 1)
    return f'{indent}def Xform "N{index}"\n{indent}{{\n{inner}{indent}}}\n'


def usda_layer(doc: dict[str, Any], binary: bytes, textures: dict[int, str]) -> str:
    """The root layer: the scene's nodes under ``/Root``, materials in ``/Root/Materials``."""
    scenes = doc.get("scenes") or [{"nodes": list(range(len(doc.get("nodes") or [])))}]
    roots = scenes[int(doc.get("scene", 0))].get("nodes", [])
    nodes = "".join(_node_usda(doc, binary, int(n), 1) for n in roots)
    materials = "".join(
        _material_usda(doc, i, textures) for i in range(len(doc.get("materials") or []))
    )
    return f"""#usda 1.0
(
    defaultPrim = "Root"
    metersPerUnit = 1
    upAxis = "Y"
)

def Xform "Root" (
    kind = "component"
)
{{
{nodes}
    def Scope "Materials"
    {{{materials}    }}
}}
"""


def usdz_from_glb(glb: bytes) -> bytes:
    """A USDZ package (root layer ``model.usda`` first, then the textures) of this GLB."""
    parsed = parse_glb(glb)
    doc, binary = parsed.document, parsed.binary
    files: list[tuple[str, bytes]] = []
    textures: dict[int, str] = {}
    for i, image in enumerate(doc.get("images") or []):
        ext = _EXTENSION.get(str(image.get("mimeType", "")))
        if ext is None or "bufferView" not in image:
            continue
        view = doc["bufferViews"][int(image["bufferView"])]
        start = int(view.get("byteOffset", 0))
        textures[i] = f"textures/image{i}.{ext}"
        files.append((textures[i], binary[start : start + int(view["byteLength"])]))
    layer = usda_layer(doc, binary, textures).encode("utf-8")
    return stored_zip([("model.usda", layer), *files])


def stored_zip(files: list[tuple[str, bytes]]) -> bytes:
    """A zip of uncompressed entries whose data each start at a multiple of :data:`ALIGN`."""
    out = bytearray()
    central = bytearray()
    time_, date = _DOS_DATE
    for name, data in files:
        encoded = name.encode("utf-8")
        crc = zlib.crc32(data) & 0xFFFFFFFF
        offset = len(out)
        pad = -(offset + 30 + len(encoded)) % ALIGN
        if 0 < pad < 4:
            pad += ALIGN  # an extra field is at least its 4-byte header
        extra = struct.pack("<HH", _PADDING_ID, pad - 4) + b"\x00" * (pad - 4) if pad else b""
        out += struct.pack(
            "<IHHHHHIIIHH",
            0x04034B50,
            20,
            0,
            0,
            time_,
            date,
            crc,
            len(data),
            len(data),
            len(encoded),
            len(extra),
        )
        out += encoded + extra + data
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            20,
            20,
            0,
            0,
            time_,
            date,
            crc,
            len(data),
            len(data),
            len(encoded),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        central += encoded
    start = len(out)
    out += central
    out += struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(files), len(files), len(central), start, 0
    )
    return bytes(out)
