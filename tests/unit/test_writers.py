"""One registry of pack writers: every format has exactly one, and each writes its file."""

from __future__ import annotations

import pytest

from chalicelib.domain.pack import PACK_FORMATS
from chalicelib.domain.profile import BUILTIN
from chalicelib.scene.raster import default_rasterizer
from chalicelib.scene.writers import WRITERS
from chalicelib.store.packs import FORMATS
from tests.support.dxf import MIXED

MAGIC = {"png": b"\x89PNG", "pdf": b"%PDF", "svg": b"<svg", "dxf": b"  0\nSECTION"}


def test_every_pack_format_has_one_writer_in_the_zip_order() -> None:
    assert tuple(WRITERS) == PACK_FORMATS == FORMATS


@pytest.mark.parametrize("name", PACK_FORMATS)
def test_each_writer_writes_its_own_kind_of_file(name: str) -> None:
    data = WRITERS[name].write(MIXED, BUILTIN["laser-default"], default_rasterizer())
    assert data.startswith(MAGIC[name])
