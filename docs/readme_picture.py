"""Draw the README's picture from a real run: the shopper's preview beside the pack's DXF.

Run against ``make run`` after the README walkthrough (it reads ``.local/demo.json``)::

    .venv/bin/python docs/readme_picture.py <snapshot_id> pack.zip docs/atelier.png

The left half is the preview PNG the API renders for the snapshot; the right half is the DXF
from the pack zip, every LWPOLYLINE drawn in its layer's colour (ENGRAVE black, CUT red), so the
picture shows what the machine gets, not a mock-up of it.
"""

from __future__ import annotations

import io
import json
import sys
import time
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

import cairosvg
import ezdxf
from PIL import Image, ImageDraw, ImageFont

LAYER_COLOURS = {"CUT": "#d62728", "ENGRAVE": "#111111", "SCORE": "#1f77b4"}
HEIGHT = 360
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def call(demo: dict[str, Any], method: str, path: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    headers = {"Authorization": f"Bearer {demo['secret_key']}", "Content-Type": "application/json"}
    if method == "POST":
        headers["Idempotency-Key"] = f"readme-picture-{time.time_ns()}"
    req = urllib.request.Request(demo["api_url"] + path, data, headers, method=method)
    with urllib.request.urlopen(req, timeout=60) as resp:
        return json.load(resp)


def preview_png(demo: dict[str, Any], snapshot_id: str) -> Image.Image:
    """Ask the API for a PNG preview of the snapshot and wait until the worker has drawn it."""
    opts = {"format": "png", "long_side_px": 900}
    body = {"snapshot_id": snapshot_id, "options": opts}
    render = call(demo, "POST", "/v1/renders/preview", body)
    for _ in range(120):
        status = call(demo, "GET", f"/v1/renders/{render['render_id']}")["status"]
        if status in ("succeeded", "failed"):
            break
        time.sleep(0.5)
    result = call(demo, "GET", f"/v1/renders/{render['render_id']}/result")
    with urllib.request.urlopen(result["url"], timeout=60) as resp:
        return Image.open(io.BytesIO(resp.read())).convert("RGBA")


def dxf_png(zip_path: Path) -> Image.Image:
    """Every closed polyline of the pack's DXF as an SVG path, rasterized by cairosvg."""
    with zipfile.ZipFile(zip_path) as pack:
        name = next(n for n in pack.namelist() if n.endswith(".dxf"))
        doc = ezdxf.read(io.StringIO(pack.read(name).decode()))
    paths, xs, ys = [], [], []
    for poly in doc.modelspace().query("LWPOLYLINE"):
        points = [(x, y) for x, y, *_ in poly.get_points()]
        xs += [x for x, _ in points]
        ys += [y for _, y in points]
        d = "M" + " L".join(f"{x:.3f},{-y:.3f}" for x, y in points) + " Z"
        colour = LAYER_COLOURS.get(poly.dxf.layer, "#888888")
        paths.append(f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="0.15"/>')
    pad = 2.0
    box = (min(xs) - pad, -max(ys) - pad, max(xs) - min(xs) + 2 * pad, max(ys) - min(ys) + 2 * pad)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{" ".join(map(str, box))}" '
        f'height="{HEIGHT}" width="{HEIGHT * box[2] / box[3]:.0f}">'
        f'<rect x="{box[0]}" y="{box[1]}" width="{box[2]}" height="{box[3]}" fill="white"/>'
        + "".join(paths)
        + "</svg>"
    )
    return Image.open(io.BytesIO(cairosvg.svg2png(bytestring=svg.encode()))).convert("RGBA")


def side_by_side(left: Image.Image, right: Image.Image, captions: tuple[str, str]) -> Image.Image:
    left = left.resize((round(left.width * HEIGHT / left.height), HEIGHT))
    gap, label = 24, 36
    out = Image.new("RGBA", (left.width + gap + right.width, HEIGHT + label), "white")
    out.alpha_composite(left, (0, label))
    out.alpha_composite(right, (left.width + gap, label))
    draw = ImageDraw.Draw(out)
    font = ImageFont.truetype(FONT, 18)
    draw.text((4, 8), captions[0], fill="#333333", font=font)
    draw.text((left.width + gap + 4, 8), captions[1], fill="#333333", font=font)
    return out.convert("RGB")


def main(argv: list[str]) -> int:
    snapshot_id, zip_path, out = argv[1], Path(argv[2]), Path(argv[3])
    demo = json.loads(Path(".local/demo.json").read_text())
    picture = side_by_side(
        preview_png(demo, snapshot_id),
        dxf_png(zip_path),
        ("What the shopper sees: the preview", "What the machine gets: the pack's DXF"),
    )
    picture.save(out, optimize=True)
    print(f"{out}: {picture.width}x{picture.height}, {out.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
