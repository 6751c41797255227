"""Helpers shared by several test modules (from tests.unit.test_dxf)."""

from __future__ import annotations

import io
import subprocess
import sys
from typing import TYPE_CHECKING, Any

from chalicelib.domain.personalization import ZoneInput
from chalicelib.domain.profile import BUILTIN, Operation, ProfileDoc
from chalicelib.scene.dxf import prepare_ezdxf_import
from tests.conftest import ROOT
from tests.support.scene import BIRTHDAY, CORD_ZONE, PHOTO_ZONE, TEXT_ZONE, scene_for

if TYPE_CHECKING:
    from ezdxf.document import Drawing
    from ezdxf.entities.lwpolyline import LWPolyline


LASER = BUILTIN["laser-default"]


CUSTOM = ProfileDoc(
    name="Atelier Nord",
    operations={
        "cut": Operation(layer="Schneiden", aci=3, rgb="#00FF00"),
        "score": Operation(layer="Ritzen", aci=4, rgb="#00FFFF"),
        "engrave": Operation(layer="Gravur", aci=2, rgb="#FFFF00"),
        "print": Operation(layer="Druck", aci=9, rgb="#C0C0C0"),
    },
)


PROFILES = {**BUILTIN, "custom": CUSTOM}


COUNTERS = "ABDOPQR8"


CUT_TEXT = {**TEXT_ZONE, "process": "cut", "charset": ["latin", "digits"], "max_size_mm": 12}


# Engraved text, a cut colour zone (turned 20°) and a photo: one item of each kind.
MIXED = scene_for(
    {**TEXT_ZONE, "process": "engrave"},
    {**CORD_ZONE, "process": "cut", "rotation_deg": 20},
    PHOTO_ZONE,
    inputs={
        "name": ZoneInput(text=BIRTHDAY),
        "cord": ZoneInput(color="#2E8B57"),
        "photo": ZoneInput(asset_id="img_photo"),
    },
)


LETTERS = scene_for(CUT_TEXT, inputs={"name": ZoneInput(text=COUNTERS)})


def profile(base: ProfileDoc = LASER, **changes: Any) -> ProfileDoc:
    return base.model_copy(update=changes)


def read(data: bytes) -> Drawing:
    prepare_ezdxf_import()
    from ezdxf.filemanagement import read as read_dxf

    return read_dxf(io.StringIO(data.decode("utf-8")))


def polylines(doc: Drawing, layer: str | None = None) -> list[LWPolyline]:
    from ezdxf.entities.lwpolyline import LWPolyline

    query = "LWPOLYLINE" if layer is None else f'LWPOLYLINE[layer=="{layer}"]'
    return [e for e in doc.modelspace().query(query) if isinstance(e, LWPolyline)]


def points(entity: LWPolyline) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in entity.get_points(format="xy")]


def sha256_in_other_processes(module: str, expression: str) -> set[str]:
    """The sha256 of ``expression`` (bytes, evaluated in ``module``) in four fresh
    interpreters with different hash seeds."""
    import os

    code = (
        f"import hashlib\nfrom {module} import *\nprint(hashlib.sha256({expression}).hexdigest())"
    )
    return {
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout.strip()
        for seed in ("1", "2", "3", "4")
    }
