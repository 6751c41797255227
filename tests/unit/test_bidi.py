"""Bidi levels and visual order against Unicode's own conformance file, every line of it.

``BidiCharacterTest.txt`` (Debian ``unicode-data``) gives, per test, the code points, the paragraph
direction asked for, the resolved paragraph level, each character's level after rule L1 (``x``
for characters removed by rule X9) and the visual order. python-bidi's levels, as
:mod:`chalicelib.domain.bidi` reads them, must agree on all of them.
"""

from __future__ import annotations

from pathlib import Path

from chalicelib.domain import bidi

CHARACTER_TEST = Path("/usr/share/unicode/BidiCharacterTest.txt")
_BASES: dict[str, bidi.BaseDirection] = {"0": "ltr", "1": "rtl", "2": "auto"}


def _check(line: str) -> str | None:
    fields = line.split(";")
    text = "".join(chr(int(cp, 16)) for cp in fields[0].split())
    levels = bidi.resolve(text, _BASES[fields[1]])
    removed = [cls in bidi._REMOVED for cls in levels.classes]
    got_levels = ["x" if gone else str(lv) for gone, lv in zip(removed, levels.levels, strict=True)]
    got_order = [i for i in bidi.visual_order(levels.levels) if not removed[i]]
    expected_order = [int(i) for i in fields[4].split()]
    if (
        str(levels.paragraph) != fields[2]
        or got_levels != fields[3].split()
        or got_order != expected_order
    ):
        return f"{line}: got {levels.paragraph}; {' '.join(got_levels)}; {got_order}"
    return None


def test_every_line_of_bidi_character_test_gives_the_expected_levels_and_order() -> None:
    lines = [
        raw.strip()
        for raw in CHARACTER_TEST.read_text(encoding="utf-8").splitlines()
        if raw.strip() and not raw.startswith("#")
    ]
    assert len(lines) > 90_000  # the whole file, not a sample
    failures = [f for f in map(_check, lines) if f is not None]
    assert failures == [], f"{len(failures)} failures, first: {failures[:3]}"


def test_arabic_name_with_a_year_reads_year_then_name_from_the_left() -> None:
    text = "نور 2026"
    levels = bidi.resolve(text)
    assert levels.rtl
    assert "".join(text[i] for i in bidi.visual_order(levels.levels)) == "2026 رون"


def test_latin_then_arabic_keeps_latin_left_and_reverses_the_arabic() -> None:
    text = "Ahmed أحمد"
    levels = bidi.resolve(text)
    assert not levels.rtl
    assert "".join(text[i] for i in bidi.visual_order(levels.levels)) == "Ahmed دمحأ"


def test_zone_direction_forces_the_paragraph_level() -> None:
    assert bidi.resolve("Noor", "rtl").paragraph == 1
    assert bidi.resolve("نور", "ltr").paragraph == 0
    assert bidi.resolve("", "rtl").rtl
