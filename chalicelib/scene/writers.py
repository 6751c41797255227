"""Every file a pack can hold, from one registry: a format is one writer and one entry.

Each writer draws one file from the production scene and the workshop's profile; the pack
worker walks :data:`~chalicelib.domain.pack.PACK_FORMATS` in order and asks the registry, so
the zip's order (and bytes) follow that tuple. Writers import their renderer when called: the
registry itself is light.

A product with several sides gets a file per side, or one file holding every side where the
format and the profile say so (:attr:`Writer.one_file`): the PDF has a page per side, the DXF a
block per side with ``dxf_sides: blocks``. :func:`side_files` applies that rule for the pack.

The machine files (DXF, machine SVG) may raise :class:`~chalicelib.scene.flatten.GeometryError`
when the profile's kerf or bridges cannot be applied, or a connector cannot attach.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.domain.pack import PackFormat
from chalicelib.domain.profile import ProfileDoc
from chalicelib.domain.render_options import FinalOptions
from chalicelib.scene.model import Scene

if TYPE_CHECKING:
    from chalicelib.scene.raster import Rasterizer


def _never(profile: ProfileDoc) -> bool:
    return False


@dataclass(frozen=True)
class Writer:
    content_type: str
    write: Callable[[Scene, ProfileDoc, Rasterizer], bytes]
    # Every side in one file (a page or a block per side) when ``one_file(profile)``.
    write_sides: Callable[[Sequence[Scene], ProfileDoc, Rasterizer], bytes] | None = None
    one_file: Callable[[ProfileDoc], bool] = _never


@dataclass(frozen=True)
class SideFile:
    """One file of a pack and the sides it draws (one, or all of them in a combined file)."""

    format: PackFormat
    sides: tuple[str, ...]
    data: bytes
    content_type: str


def side_files(
    scenes: Sequence[Scene],
    profile: ProfileDoc,
    rasterizer: Rasterizer,
    formats: Sequence[PackFormat],
) -> list[SideFile]:
    """Each format's files for these sides, in format order then side order."""
    out: list[SideFile] = []
    for name in formats:
        writer = WRITERS[name]
        if writer.write_sides is not None and writer.one_file(profile) and len(scenes) > 1:
            data = writer.write_sides(scenes, profile, rasterizer)
            out.append(SideFile(name, tuple(s.side_id for s in scenes), data, writer.content_type))
            continue
        for scene in scenes:
            data = writer.write(scene, profile, rasterizer)
            out.append(SideFile(name, (scene.side_id,), data, writer.content_type))
    return out


def _png(scene: Scene, profile: ProfileDoc, rasterizer: Rasterizer) -> bytes:
    from chalicelib.scene.render import render_final

    final = FinalOptions(dpi=profile.print_dpi, bleed_mm=profile.bleed_mm)
    return render_final(scene, final, rasterizer)[0].data


def _pdf(scene: Scene, profile: ProfileDoc, rasterizer: Rasterizer) -> bytes:
    from chalicelib.scene.pdf import to_pdf

    return to_pdf(scene, bleed_mm=profile.bleed_mm, crop_marks=profile.crop_marks, profile=profile)


def _pdf_pages(scenes: Sequence[Scene], profile: ProfileDoc, rasterizer: Rasterizer) -> bytes:
    from chalicelib.scene.pdf import to_pdf_pages

    return to_pdf_pages(
        scenes, bleed_mm=profile.bleed_mm, crop_marks=profile.crop_marks, profile=profile
    )


def _svg(scene: Scene, profile: ProfileDoc, rasterizer: Rasterizer) -> bytes:
    from chalicelib.scene.vector_svg import to_machine_svg

    return to_machine_svg(scene, profile).encode("utf-8")


def _dxf(scene: Scene, profile: ProfileDoc, rasterizer: Rasterizer) -> bytes:
    from chalicelib.scene.dxf import to_dxf

    return to_dxf(scene, profile)


def _dxf_blocks(scenes: Sequence[Scene], profile: ProfileDoc, rasterizer: Rasterizer) -> bytes:
    from chalicelib.scene.dxf import to_dxf_blocks

    return to_dxf_blocks(scenes, profile)


def _always(profile: ProfileDoc) -> bool:
    return True


def _dxf_blocks_asked(profile: ProfileDoc) -> bool:
    return profile.dxf_sides == "blocks"


WRITERS: dict[PackFormat, Writer] = {
    "png": Writer("image/png", _png),
    "pdf": Writer("application/pdf", _pdf, _pdf_pages, _always),
    "svg": Writer("image/svg+xml", _svg),
    "dxf": Writer("application/dxf", _dxf, _dxf_blocks, _dxf_blocks_asked),
}
