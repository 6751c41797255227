"""Every file a pack can hold, from one registry: a format is one writer and one entry.

Each writer draws one file from the production scene and the workshop's profile; the pack
worker walks :data:`~chalicelib.domain.pack.PACK_FORMATS` in order and asks the registry, so
the zip's order (and bytes) follow that tuple. Writers import their renderer when called: the
registry itself is light.

The machine files (DXF, machine SVG) may raise :class:`~chalicelib.scene.flatten.GeometryError`
when the profile's kerf or bridges cannot be applied, or a connector cannot attach.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.domain.pack import PackFormat
from chalicelib.domain.profile import ProfileDoc
from chalicelib.domain.render_options import FinalOptions
from chalicelib.scene.model import Scene

if TYPE_CHECKING:
    from chalicelib.scene.raster import Rasterizer


@dataclass(frozen=True)
class Writer:
    content_type: str
    write: Callable[[Scene, ProfileDoc, Rasterizer], bytes]


def _png(scene: Scene, profile: ProfileDoc, rasterizer: Rasterizer) -> bytes:
    from chalicelib.scene.render import render_final

    final = FinalOptions(dpi=profile.print_dpi, bleed_mm=profile.bleed_mm)
    return render_final(scene, final, rasterizer)[0].data


def _pdf(scene: Scene, profile: ProfileDoc, rasterizer: Rasterizer) -> bytes:
    from chalicelib.scene.pdf import to_pdf

    return to_pdf(scene, bleed_mm=profile.bleed_mm, crop_marks=profile.crop_marks, profile=profile)


def _svg(scene: Scene, profile: ProfileDoc, rasterizer: Rasterizer) -> bytes:
    from chalicelib.scene.vector_svg import to_machine_svg

    return to_machine_svg(scene, profile).encode("utf-8")


def _dxf(scene: Scene, profile: ProfileDoc, rasterizer: Rasterizer) -> bytes:
    from chalicelib.scene.dxf import to_dxf

    return to_dxf(scene, profile)


WRITERS: dict[PackFormat, Writer] = {
    "png": Writer("image/png", _png),
    "pdf": Writer("application/pdf", _pdf),
    "svg": Writer("image/svg+xml", _svg),
    "dxf": Writer("application/dxf", _dxf),
}
