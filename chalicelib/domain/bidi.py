"""Bidirectional text (UAX #9): embedding levels per character and the visual order of a line.

The levels come from ``python-bidi``, which wraps the maintained Rust ``unicode-bidi`` crate and
ships manylinux wheels for both Lambda architectures. Its public API returns only a reordered
string, except that ``get_display(..., debug=True)`` returns the crate's resolved ``BidiInfo``
(bidi classes and levels per UTF-8 byte, paragraph levels) as its ``Debug`` text; this module
parses that text, maps bytes back to characters and applies the line rules itself (L1: trailing
whitespace and separators back to the paragraph level; L2: reverse runs from the highest level
down). The suite runs every line of Unicode's ``BidiCharacterTest.txt`` through
:func:`resolve` and :func:`visual_order`, so a future wheel that changes the text format or the
algorithm fails there, not on an order.

A line with no right-to-left, Arabic-number or explicit-embedding character in a left-to-right
or ``auto`` paragraph is all level 0 by the algorithm itself; that case (most names) skips the
library and its text parsing.

A name is one paragraph: callers pass one line at a time (normalization already removed every
explicit bidi control a shopper could paste, so only implicit levels occur in practice; the
conformance test covers the explicit ones too).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

BaseDirection = Literal["auto", "ltr", "rtl"]

_CLASSES = re.compile(r"original_classes: \[(.*?)\]", re.S)
_LEVELS = re.compile(r"levels: \[(.*?)\n    \]", re.S)
_LEVEL = re.compile(r"Level\(\s*(\d+),?\s*\)")
_PARAGRAPH_LEVEL = re.compile(r"ParagraphInfo \{\s*range: \d+\.\.\d+,\s*level: Level\(\s*(\d+)")
# Classes whose level L1 resets at the end of a line (with any removed-by-X9 class among them).
_TRAILING = frozenset({"WS", "FSI", "LRI", "RLI", "PDI"})
_REMOVED = frozenset({"RLE", "LRE", "RLO", "LRO", "PDF", "BN"})
_SEPARATORS = frozenset({"S", "B"})
# Without any of these every level is 0 in a left-to-right paragraph (rules W1-W7, N1-N2, I1).
_NOT_LTR_ONLY = frozenset({"R", "AL", "AN", "LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI"})


class BidiUnavailable(RuntimeError):
    """The bidi library answered in a form this module does not understand (a build problem)."""


@dataclass(frozen=True)
class Levels:
    """Resolved levels of one line: ``paragraph`` is 0 (LTR) or 1 (RTL)."""

    paragraph: int
    levels: tuple[int, ...]  # per character, after rule L1
    classes: tuple[str, ...]  # original bidi class per character (``BN``, ``LRE``...: removed)

    @property
    def rtl(self) -> bool:
        return self.paragraph % 2 == 1


def resolve(text: str, base: BaseDirection = "auto") -> Levels:
    """Embedding levels of a single-paragraph line; ``base`` forces the paragraph direction."""
    if not text:
        return Levels(1 if base == "rtl" else 0, (), ())
    if base != "rtl":  # most names: no right-to-left or explicit character, so all level 0
        ltr_classes = tuple(unicodedata.bidirectional(ch) for ch in text)
        if _NOT_LTR_ONLY.isdisjoint(ltr_classes):
            return Levels(0, (0,) * len(text), ltr_classes)
    from bidi import get_display

    base_dir = {"auto": None, "ltr": "L", "rtl": "R"}[base]
    info = str(get_display(text, base_dir=base_dir, debug=True))
    classes_match, levels_match = _CLASSES.search(info), _LEVELS.search(info)
    paragraph_match = _PARAGRAPH_LEVEL.search(info)
    if classes_match is None or levels_match is None or paragraph_match is None:
        raise BidiUnavailable("python-bidi did not return its BidiInfo")
    byte_classes = [c.strip() for c in classes_match.group(1).split(",") if c.strip()]
    byte_levels = [int(v) for v in _LEVEL.findall(levels_match.group(1))]
    encoded = text.encode("utf-8")
    if len(byte_classes) != len(encoded) or len(byte_levels) != len(encoded):
        raise BidiUnavailable("python-bidi returned levels that do not cover the text")
    classes: list[str] = []
    levels: list[int] = []
    offset = 0
    for ch in text:
        classes.append(byte_classes[offset])
        levels.append(byte_levels[offset])
        offset += len(ch.encode("utf-8"))
    paragraph = int(paragraph_match.group(1))
    return Levels(paragraph, tuple(_line_rule_l1(classes, levels, paragraph)), tuple(classes))


def _line_rule_l1(classes: Sequence[str], levels: list[int], paragraph: int) -> list[int]:
    """L1: separators, and whitespace or isolates before them or at the line's end, take the
    paragraph level (characters removed by X9 inside such a sequence go with it)."""
    out = list(levels)
    trailing = True  # walking backwards: still inside the line-end sequence
    for i in range(len(classes) - 1, -1, -1):
        cls = classes[i]
        if cls in _SEPARATORS:
            out[i] = paragraph
            trailing = True
        elif trailing and (cls in _TRAILING or cls in _REMOVED):
            out[i] = paragraph
        else:
            trailing = False
    return out


def visual_order(levels: Sequence[int]) -> list[int]:
    """Logical indices in visual order (rule L2): from the highest level down to the lowest odd
    one, reverse every maximal run at that level or higher."""
    order = list(range(len(levels)))
    if not levels:
        return order
    highest = max(levels)
    lowest_odd = min(level for level in levels) | 1
    for level in range(highest, lowest_odd - 1, -1):
        i = 0
        while i < len(order):
            if levels[order[i]] >= level:
                j = i
                while j < len(order) and levels[order[j]] >= level:
                    j += 1
                order[i:j] = order[i:j][::-1]
                i = j
            else:
                i += 1
    return order
