"""A plaque model made in the test, by hand (json + struct), and broken variants of it.

The plaque is a box ``width`` × ``height`` (x, z) × ``thickness`` (y up), in metres. Its top
face (+y) uses material "Face" with TEXCOORD_0 covering [0, 1]²: UV (0, 0) at the corner
(-w/2, top, -h/2) — the artboard's top-left seen from above with -z away from the viewer — and
(1, 1) at (+w/2, top, +h/2). The five other faces use material "Body" (grey, no texture, no UVs).
Written without pygltflib or trimesh so the code under test and the checks read it independently.
"""

from __future__ import annotations

import io
import json
import struct
from typing import Any

from PIL import Image

BODY_COLOR = [0.30, 0.32, 0.35, 1.0]


def _pad(data: bytes, fill: bytes = b"\x00") -> bytes:
    return data + fill * (-len(data) % 4)


def glb(document: dict[str, Any], binary: bytes) -> bytes:
    """A .glb of this JSON document and binary chunk (padded as the spec says)."""
    js = _pad(json.dumps(document, separators=(",", ":")).encode(), b" ")
    chunks = struct.pack("<II", len(js), 0x4E4F534A) + js
    if binary:
        bn = _pad(binary)
        chunks += struct.pack("<II", len(bn), 0x004E4942) + bn
    return b"glTF" + struct.pack("<II", 2, 12 + len(chunks)) + chunks


def plaque_parts(
    width: float = 0.12,
    height: float = 0.04,
    thickness: float = 0.01,
    *,
    uvs: bool = True,
    extra_triangles: int = 0,
    body_texture: bool = False,
) -> tuple[dict[str, Any], bytes]:
    """The plaque's glTF document and binary chunk (to tweak before :func:`glb`)."""
    w, h, t = width / 2, height / 2, thickness
    top = [(-w, t, -h), (w, t, -h), (w, t, h), (-w, t, h)]
    top_uv = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]
    top_idx = [0, 2, 1, 0, 3, 2]  # counter-clockwise seen from +y
    bottom = [(-w, 0, -h), (w, 0, -h), (w, 0, h), (-w, 0, h)]
    body_pos = bottom + top
    body_idx = [0, 1, 2, 0, 2, 3]  # bottom
    for a, b in ((0, 1), (1, 2), (2, 3), (3, 0)):  # four sides
        body_idx += [a, b, b + 4, a, b + 4, a + 4]
    body_idx += [0, 1, 2] * extra_triangles  # degenerate triangles: a "heavy" model
    binary = b""
    views: list[dict[str, Any]] = []
    accessors: list[dict[str, Any]] = []

    def add(fmt: str, values: list[Any], ctype: int, kind: str, target: int, **extra: Any) -> int:
        nonlocal binary
        flat = [x for v in values for x in (v if isinstance(v, tuple) else (v,))]
        data = struct.pack(f"<{len(flat)}{fmt}", *flat)
        binary += b"\x00" * (-len(binary) % 4)
        views.append(
            {"buffer": 0, "byteOffset": len(binary), "byteLength": len(data), "target": target}
        )
        binary += data
        accessors.append(
            {
                "bufferView": len(views) - 1,
                "componentType": ctype,
                "count": len(values),
                "type": kind,
                **extra,
            }
        )
        return len(accessors) - 1

    def bounds(points: list[tuple[float, float, float]]) -> dict[str, Any]:
        return {
            "min": [min(p[i] for p in points) for i in range(3)],
            "max": [max(p[i] for p in points) for i in range(3)],
        }

    top_attrs = {
        "POSITION": add("f", top, 5126, "VEC3", 34962, **bounds(top)),
        "NORMAL": add("f", [(0.0, 1.0, 0.0)] * 4, 5126, "VEC3", 34962),
    }
    if uvs:
        top_attrs["TEXCOORD_0"] = add("f", top_uv, 5126, "VEC2", 34962)
    top_prim = {
        "attributes": top_attrs,
        "indices": add("H", top_idx, 5123, "SCALAR", 34963),
        "material": 0,
    }
    body_prim = {
        "attributes": {"POSITION": add("f", body_pos, 5126, "VEC3", 34962, **bounds(body_pos))},
        "indices": add("I", body_idx, 5125, "SCALAR", 34963),
        "material": 1,
    }
    document: dict[str, Any] = {
        "asset": {"version": "2.0", "generator": "atelier tests"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"mesh": 0, "name": "plaque"}],
        "meshes": [{"primitives": [top_prim, body_prim]}],
        "materials": [
            {
                "name": "Face",
                "pbrMetallicRoughness": {"baseColorFactor": [1, 1, 1, 1], "metallicFactor": 0.0},
            },
            {
                "name": "Body",
                "pbrMetallicRoughness": {"baseColorFactor": BODY_COLOR, "metallicFactor": 0.0},
            },
        ],
        "accessors": accessors,
        "bufferViews": views,
    }
    if body_texture:  # an embedded PNG on the body: must survive the retexturing as uploaded
        png = io.BytesIO()
        Image.new("RGB", (8, 8), (10, 200, 30)).save(png, format="PNG")
        binary += b"\x00" * (-len(binary) % 4)
        views.append({"buffer": 0, "byteOffset": len(binary), "byteLength": len(png.getvalue())})
        binary += png.getvalue()
        document["images"] = [{"bufferView": len(views) - 1, "mimeType": "image/png"}]
        document["textures"] = [{"source": 0}]
    document["buffers"] = [{"byteLength": len(binary)}]
    return document, binary


def plaque_glb(**kwargs: Any) -> bytes:
    document, binary = plaque_parts(**kwargs)
    return glb(document, binary)
