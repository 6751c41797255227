"""DXF time and size for 100 cut text items: ``to_dxf`` against a naive ezdxf writer.

Run: ``.venv/bin/python -m bench.dxf_bench [--runs N]``. Prints a table and writes
``bench/results/dxf.json``.

The scene is 10 text zones (different names, Lato, cut) laid out again in 10 columns: 100 text
items, each translated exactly. Both writers start from the same scene in the same process:

- **ours**: :func:`chalicelib.scene.dxf.to_dxf` with the laser-default profile, all included
  (flattening to 0.01 mm, y flip, rounding, ordering, de-duplication, audit, fixed metadata);
  a second row adds kerf (0.15 mm) and stencil bridges, for scale.
- **naive**: what a first ezdxf script does: each contour becomes an ``ezdxf.path.Path`` (quads
  and cubics as they are), flattened by ezdxf itself to the same 0.01 mm, and every segment is
  added as a separate LINE entity (y flipped); no audit, no ordering, default metadata.

Medians of ``--runs`` runs after one warm-up; the ezdxf import is timed once, apart.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.report import Row, median_ms, paired_median_ms
from chalicelib import fonts
from chalicelib.domain.personalization import ZoneInput, validate_inputs
from chalicelib.domain.profile import BUILTIN
from chalicelib.domain.spec import build_spec
from chalicelib.domain.zone import ProductDoc
from chalicelib.scene.build import build_scene
from chalicelib.scene.dxf import prepare_ezdxf_import, to_dxf
from chalicelib.scene.flatten import TOLERANCE_MM
from chalicelib.scene.model import Scene, TextItem
from chalicelib.scene.outline import GlyphOutline, Segment, TextOutline

RESULTS = Path(__file__).resolve().parent / "results" / "dxf.json"
NAMES = ["Ava", "Bob", "Chloé", "Daniel", "Emma", "Félix", "Gabriel", "Hugo", "Inès", "Jules"]
COLUMNS, COLUMN_MM, ROW_MM = 10, 60.0, 20.0


class _Resources:
    def font(self, font_id: str, sha256: str) -> fonts.LoadedFont:
        return fonts.get_font(font_id)

    def image(self, asset_id: str, sha256: str) -> bytes:
        raise KeyError(asset_id)

    def base_image(self, asset_id: str) -> bytes:
        raise KeyError(asset_id)


class _Catalog:
    profanity_allow: tuple[str, ...] = ()
    profanity_deny: tuple[str, ...] = ()

    def font(self, font_id: str) -> fonts.LoadedFont:
        return fonts.get_font(font_id)

    def image(self, asset_id: str) -> Any:
        raise KeyError(asset_id)


def hundred_names() -> Scene:
    """10 zones built through the real pipeline, repeated in 10 columns."""
    zones = [
        {"id": f"name{i}", "name": f"Name {i}", "kind": "text", "process": "cut",
         "x_mm": 2, "y_mm": 2 + i * ROW_MM, "width_mm": COLUMN_MM - 4, "height_mm": ROW_MM - 4,
         "max_chars": 20, "max_size_mm": 14, "charset": ["latin-extended"], "profanity": "off"}
        for i in range(len(NAMES))
    ]  # fmt: skip
    doc = ProductDoc.model_validate(
        {"name": "Name plates", "sku": "PLATE-100", "width_mm": COLUMN_MM * COLUMNS,
         "height_mm": ROW_MM * len(NAMES), "zones": zones}
    )  # fmt: skip
    inputs = {f"name{i}": ZoneInput(text=name) for i, name in enumerate(NAMES)}
    result = validate_inputs(doc, inputs, _Catalog())
    assert result.valid, result.errors
    scene = build_scene(build_spec("prd_bench", 1, doc, result), doc, _Resources(), mockup=False)
    items = [_moved(item, col * COLUMN_MM) for col in range(COLUMNS) for item in scene.items]
    return Scene(scene.width_mm, scene.height_mm, None, tuple(items))


def _moved(item: Any, dx: float) -> TextItem:
    assert isinstance(item, TextItem)
    glyphs = tuple(
        GlyphOutline(
            g.glyph,
            g.char,
            g.line,
            tuple(
                tuple(Segment(s.op, tuple((x + dx, y) for x, y in s.points)) for s in c)
                for c in g.contours
            ),
        )
        for g in item.outline.glyphs
    )
    return TextItem(f"{item.zone_id}-{dx:g}", item.process, item.color, TextOutline(glyphs))


def naive_dxf(scene: Scene) -> bytes:
    """Every flattened segment a LINE, flattened by ezdxf's own Path."""
    prepare_ezdxf_import()
    from ezdxf.filemanagement import new
    from ezdxf.path import Path as DxfPath

    doc = new("R2010", units=4)
    doc.layers.add("CUT", color=1)
    msp = doc.modelspace()
    height = scene.height_mm
    for item in scene.items:
        if not isinstance(item, TextItem):
            continue
        for contour in item.contours:
            path = DxfPath((contour[0].points[0][0], height - contour[0].points[0][1]))
            for seg in contour[1:]:
                pts = [(x, height - y) for x, y in seg.points]
                if seg.op == "L":
                    path.line_to(pts[0])
                elif seg.op == "Q":
                    path.curve3_to(pts[1], pts[0])
                else:
                    path.curve4_to(pts[2], pts[0], pts[1])
            path.close()
            vertices = list(path.flattening(distance=TOLERANCE_MM))
            for a, b in itertools.pairwise(vertices):
                msp.add_line(a, b, dxfattribs={"layer": "CUT"})
    stream = io.StringIO()
    doc.write(stream)
    return doc.encode(stream.getvalue())


def _entities(data: bytes) -> int:
    from ezdxf.filemanagement import read

    return len(read(io.StringIO(data.decode("utf-8"))).modelspace())


def rows(runs: int) -> list[Row]:
    """Time and size of ``to_dxf`` against the naive writer, on the same 100 text items."""
    scene = hundred_names()
    ours, naive = to_dxf(scene, BUILTIN["laser-default"]), naive_dxf(scene)
    ours_ms, naive_ms = paired_median_ms(
        lambda: to_dxf(scene, BUILTIN["laser-default"]), lambda: naive_dxf(scene), runs
    )
    vs = "ezdxf, one LINE per flattened segment"
    return [
        Row(f"DXF, {len(scene.items)} text items: time", ours_ms, naive_ms, "ms", vs),
        Row(f"DXF, {len(scene.items)} text items: size", len(ours) / 1024, len(naive) / 1024,
            "KiB", vs),
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    prepare_ezdxf_import()
    from ezdxf.version import __version__ as ezdxf_version

    import_ms = (time.perf_counter() - start) * 1000
    scene = hundred_names()
    laser = BUILTIN["laser-default"]
    stencil = laser.model_copy(update={"kerf_mm": 0.15, "stencil_bridges": True})
    writers: dict[str, Callable[[], bytes]] = {
        "ours": lambda: to_dxf(scene, laser),
        "ours+kerf+bridges": lambda: to_dxf(scene, stencil),
        "naive LINEs": lambda: naive_dxf(scene),
    }
    rows: dict[str, dict[str, float]] = {}
    for name, run in writers.items():
        ms, data = median_ms(run, args.runs)
        rows[name] = {"ms": ms, "bytes": len(data), "entities": _entities(data)}
    naive = rows["naive LINEs"]
    print(f"DXF, {len(scene.items)} text items, median of {args.runs} (ezdxf {ezdxf_version})")
    header = ("writer", "time", "bytes", "entities", "time/naive", "size/naive")
    print("{:<20} {:>10} {:>12} {:>9} {:>11} {:>11}".format(*header))
    for name, r in rows.items():
        print(
            f"{name:<20} {r['ms']:>8.1f}ms {r['bytes']:>12,} {r['entities']:>9,.0f} "
            f"{r['ms'] / naive['ms']:>10.2f}× {r['bytes'] / naive['bytes']:>10.2f}×"
        )
    print(f"ezdxf import (first, in this process): {import_ms:.0f} ms")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "text_items": len(scene.items),
        "runs": args.runs,
        "ezdxf": ezdxf_version,
        "ezdxf_import_ms": import_ms,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "naive": "ezdxf Path.flattening(0.01 mm) of each contour, one LINE entity per segment",
        "writers": rows,
    }
    RESULTS.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
