"""Helpers shared by several test modules (from tests.unit.test_fonts)."""

from __future__ import annotations

import io
from pathlib import Path

# Debian's fonts-dejavu-core (Makefile DEB_PACKAGES): a real font file that is no bundled font.
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def dejavu_bytes() -> bytes:
    return DEJAVU.read_bytes()


def truncated_font_bytes() -> bytes:
    """DejaVu Sans as a download cut short: its tables rewritten with glyf last (where many
    fonts keep it), then the file cut halfway through glyf. Every table the loader reads at
    once (head, hhea, hmtx, maxp, cmap, post) is whole; glyf is read lazily, later."""
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.sfnt import SFNTWriter

    font = TTFont(io.BytesIO(dejavu_bytes()))
    tags = sorted(font.reader.keys(), key=lambda tag: tag == "glyf")
    out = io.BytesIO()
    writer = SFNTWriter(out, len(tags), font.sfntVersion)
    for tag in tags:  # the writer lays tables out in the order they are given
        writer[tag] = font.reader[tag]
    writer.close()
    data = out.getvalue()
    glyf = TTFont(io.BytesIO(data)).reader.tables["glyf"]
    assert glyf.offset + glyf.length == len(data)
    return data[: glyf.offset + glyf.length // 2]


def broken_kerning_font_bytes() -> bytes:
    """DejaVu Sans whose first class-kerning subtable keeps one row of its 53-row value matrix:
    every table parses and every glyph draws, but most kerning pairs index past the matrix."""
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(dejavu_bytes()))
    pair_pos = next(
        st
        for lookup in font["GPOS"].table.LookupList.Lookup
        if lookup.LookupType == 2
        for st in lookup.SubTable
        if st.Format == 2
    )
    pair_pos.Class1Record = pair_pos.Class1Record[:1]
    pair_pos.Class1Count = 1
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def os2_garbage_font_bytes() -> bytes:
    """DejaVu Sans with every byte of its OS/2 table overwritten with 0xFF (version 65535)."""
    from fontTools.ttLib import TTFont

    data = bytearray(dejavu_bytes())
    os2 = TTFont(io.BytesIO(bytes(data))).reader.tables["OS/2"]
    data[os2.offset : os2.offset + os2.length] = b"\xff" * os2.length
    return bytes(data)
