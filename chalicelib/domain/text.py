"""Normalization and inspection of shopper text typed into a zone.

Everything a renderer, a spec hash or a manufacturing file sees must come out of
:func:`normalize_text`, so that two texts that *look* the same are stored the same, and nothing
invisible (bidi overrides, zero-width characters, controls) can hide in an engraving or flip its
reading order. The function never raises on hostile text: the only exception is the typed
:class:`TextTooLong`, thrown by the cheap bound check *before* any per-character work, so the cost
of everything after it is linear in at most ``max_code_points`` characters.

Policy decisions (the integrating code relies on them):

* Removals are *warnings*: the text is repaired and each removal is reported in ``removed`` and,
  aggregated per reason, in ``issues`` (``severity="warning"``). Errors are ``text.too_long``
  (raised) and ``text.emoji_not_allowed`` (an issue with ``severity="error"``).
* Combining-mark floods ("Zalgo") are *trimmed*, not rejected: a base keeps its first
  ``max_combining_marks`` marks, counted in NFD so "é"+marks and "e"+U+0301+marks trim alike.
  Trimming happens before NFC so NFC never sorts a huge run of marks.
* ZWJ (U+200D) survives between two pictographs only when emoji are allowed; at most
  ``MAX_ZWJ_PER_SEQUENCE`` per sequence so one "grapheme" cannot hide a thousand glyphs. Tag
  characters (subdivision flags) follow the same rule.
* ZWJ and ZWNJ (U+200C) also survive, one at a time, between two letters of a script whose
  spelling needs them (Arabic for Persian ZWNJ, Devanagari and the other Indic scripts for half
  forms and explicit virama): the letter before may carry marks, the one after must be of the
  same script. Anywhere else (between Latin letters, at an edge) they are only a spoofing
  trick and go.
* Lines are split on ``\\n``; ``\\r\\n``, ``\\r``, U+2028 and U+2029 become ``\\n``; tab becomes a
  space; each line has whitespace runs collapsed to one ASCII space and is stripped; leading and
  trailing blank lines are dropped. ``grapheme_count`` excludes the line separators.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import regex

from chalicelib.errors import ValidationFailed

MAX_CODE_POINTS = 4096
MAX_COMBINING_MARKS = 4
MAX_ZWJ_PER_SEQUENCE = 3  # the longest RGI sequences (family, kiss with skin tones) use three
MAX_TAGS_PER_SEQUENCE = 8  # subdivision flags use five or six tag characters

CaseTransform = Literal["none", "upper", "lower"]
EmojiPolicy = Literal["allow", "deny"]
Severity = Literal["error", "warning"]

ZWJ = "\u200d"
ZWNJ = "\u200c"
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
_ZERO_WIDTH = frozenset("\u200b\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e\u034f")
_NEWLINES = frozenset("\n\u2028\u2029")
_EMOJI_MODIFIERS = frozenset(chr(cp) for cp in range(0x1F3FB, 0x1F400))
_TAGS = range(0xE0020, 0xE0080)

_GRAPHEME = regex.compile(r"\X")
_JOINING_SCRIPTS = tuple(
    regex.compile(rf"\p{{Script={name}}}")
    for name in (
        "Arabic",
        "Syriac",
        "Devanagari",
        "Bengali",
        "Gurmukhi",
        "Gujarati",
        "Oriya",
        "Tamil",
        "Telugu",
        "Kannada",
        "Malayalam",
        "Sinhala",
    )
)
_PICTOGRAPH = regex.compile(r"\p{Extended_Pictographic}")
# Emoji by default (Emoji_Presentation), flags, keycaps: emoji whatever follows them.
_EMOJI_ALWAYS = regex.compile(r"\p{Emoji_Presentation}|\p{Regional_Indicator}|\u20e3")
# A text-default pictograph (©, ®, ™, ❤) is an emoji only when asked for by VS16, ZWJ or a modifier.
_EMOJI_QUALIFIER = regex.compile(r"\ufe0f|\u200d|\p{Emoji_Modifier}")

_REMOVAL_ISSUES: dict[str, tuple[str, str]] = {
    "bidi_control": ("text.bidi_control_removed", "Bidirectional control characters were removed."),
    "zero_width": ("text.zero_width_removed", "Invisible zero-width characters were removed."),
    "control": ("text.control_removed", "Control characters were removed."),
    "lone_surrogate": ("text.lone_surrogate_removed", "Broken characters were removed."),
    "format": ("text.format_removed", "Invisible formatting characters were removed."),
    "combining_flood": ("text.combining_marks_trimmed", "Excess stacked accents were removed."),
}

_CASES: dict[str, Callable[[str], str] | None] = {
    "none": None,
    "upper": str.upper,
    "lower": str.lower,
}


@dataclass(frozen=True)
class TextIssue:
    """One structured finding; ``code`` is the stable contract, ``message`` is for humans."""

    code: str
    message: str
    params: dict[str, Any]
    severity: Severity = "error"


class TextTooLong(ValidationFailed):
    """Raised before any real work so a megabyte of marks cannot cost more than a bounds check."""

    code = "text.too_long"

    def __init__(self, length: int, limit: int) -> None:
        super().__init__(
            f"Text has {length} characters; at most {limit} are accepted.",
            details={"length": length, "limit": limit},
        )


@dataclass(frozen=True)
class RemovedChar:
    """A character dropped from the input; ``index`` points into the *original* string."""

    index: int
    code_point: str
    name: str | None
    reason: str


@dataclass(frozen=True)
class NormalizedText:
    """The outcome of :func:`normalize_text`.

    ``original`` may contain lone surrogates, so it cannot be encoded to UTF-8: never persist or
    echo it; use ``normalized``.
    """

    original: str
    normalized: str
    removed: tuple[RemovedChar, ...]
    grapheme_count: int
    has_non_ascii: bool
    lines: tuple[str, ...]
    emoji: tuple[str, ...]
    issues: tuple[TextIssue, ...]


_Item = tuple[int, str]  # (index in the original, character)


def ensure_within_hard_limit(text: str, limit: int = MAX_CODE_POINTS) -> None:
    """Reject oversized input in O(1), before normalization, grapheme splitting or regexes."""
    if len(text) > limit:
        raise TextTooLong(len(text), limit)


def graphemes(text: str) -> list[str]:
    """Split into extended grapheme clusters: what a shopper perceives as one character."""
    return list(_GRAPHEME.findall(text))


def count_graphemes(text: str) -> int:
    """Length as a shopper counts it: "e"+U+0301, a flag and a family emoji each count one."""
    return len(_GRAPHEME.findall(text))


def is_emoji_cluster(cluster: str) -> bool:
    """True for a grapheme that renders as an emoji rather than as a font glyph."""
    if _EMOJI_ALWAYS.search(cluster):
        return True
    return bool(_PICTOGRAPH.search(cluster)) and bool(_EMOJI_QUALIFIER.search(cluster))


def normalize_text(
    text: str,
    *,
    case: CaseTransform = "none",
    emoji: EmojiPolicy = "allow",
    max_code_points: int = MAX_CODE_POINTS,
    max_combining_marks: int = MAX_COMBINING_MARKS,
) -> NormalizedText:
    """Repair and canonicalize shopper text; see the module docstring for every policy."""
    ensure_within_hard_limit(text, max_code_points)
    if case not in _CASES or emoji not in ("allow", "deny"):
        raise ValueError(f"unknown case transform {case!r} or emoji policy {emoji!r}")
    removed: list[RemovedChar] = []
    items = _strip_invisible(text, removed)
    items = _resolve_joiners(items, allow_emoji=emoji == "allow", removed=removed)
    items = _trim_combining_floods(items, max_combining_marks, removed)
    composed = unicodedata.normalize("NFC", "".join(ch for _, ch in items))
    transform = _CASES[case]
    if transform is not None:
        composed = unicodedata.normalize("NFC", transform(composed))
    lines = _clean_lines(composed)
    clusters = [g for line in lines for g in graphemes(line)]
    found_emoji = tuple(g for g in clusters if is_emoji_cluster(g))
    normalized = "\n".join(lines)
    removed.sort(key=lambda r: r.index)
    return NormalizedText(
        original=text,
        normalized=normalized,
        removed=tuple(removed),
        grapheme_count=len(clusters),
        has_non_ascii=not normalized.isascii(),
        lines=lines,
        emoji=found_emoji,
        issues=_issues(removed, found_emoji, emoji),
    )


def _removal(index: int, ch: str, reason: str) -> RemovedChar:
    return RemovedChar(index, f"U+{ord(ch):04X}", unicodedata.name(ch, None), reason)


def _invisible_reason(ch: str) -> str | None:
    """Why ``ch`` must go, or None to keep it (ZWJ and tags are decided later, in context)."""
    if ch in (ZWJ, ZWNJ) or ord(ch) in _TAGS:
        return None
    if "\ud800" <= ch <= "\udfff":
        return "lone_surrogate"
    if ch in _BIDI:
        return "bidi_control"
    if ch in _ZERO_WIDTH:
        return "zero_width"
    category = unicodedata.category(ch)
    if category == "Cc":
        return "control"
    if category == "Cf":
        return "format"
    return None


def _strip_invisible(text: str, removed: list[RemovedChar]) -> list[_Item]:
    """Unify line endings and tabs, drop controls, bidi, zero-width and lone surrogates."""
    items: list[_Item] = []
    for index, ch in enumerate(text):
        if ch == "\r":
            if not text.startswith("\n", index + 1):
                items.append((index, "\n"))
            continue
        if ch in _NEWLINES:
            items.append((index, "\n"))
            continue
        if ch == "\t":
            items.append((index, " "))
            continue
        reason = _invisible_reason(ch)
        if reason is None:
            items.append((index, ch))
        else:
            removed.append(_removal(index, ch, reason))
    return items


def _extends_emoji(ch: str) -> bool:
    """Characters that continue an emoji without ending it: VS16, keycap, skin tones, tags."""
    return unicodedata.category(ch)[0] == "M" or ch in _EMOJI_MODIFIERS or ord(ch) in _TAGS


def _resolve_joiners(
    items: list[_Item], *, allow_emoji: bool, removed: list[RemovedChar]
) -> list[_Item]:
    """Keep ZWJ and tag characters only inside emoji sequences, and only a bounded number."""
    kept: list[_Item] = []
    after_pictograph = False
    joins = tags = 0
    for pos, (index, ch) in enumerate(items):
        if ch in (ZWJ, ZWNJ) and _script_needs_joiner(items, pos, kept):
            kept.append((index, ch))
            continue
        if ch == ZWNJ:
            removed.append(_removal(index, ch, "zero_width"))
            continue
        if ch == ZWJ:
            following = items[pos + 1][1] if pos + 1 < len(items) else ""
            ok = (
                after_pictograph
                and joins < MAX_ZWJ_PER_SEQUENCE
                and bool(_PICTOGRAPH.match(following))
            )
            if allow_emoji and ok:
                joins += 1
                kept.append((index, ch))
            else:
                removed.append(_removal(index, ch, "zero_width"))
            continue
        if ord(ch) in _TAGS:
            if allow_emoji and after_pictograph and tags < MAX_TAGS_PER_SEQUENCE:
                tags += 1
                kept.append((index, ch))
            else:
                removed.append(_removal(index, ch, "format"))
            continue
        if _PICTOGRAPH.match(ch):
            if not (kept and kept[-1][1] == ZWJ):
                joins = tags = 0
            after_pictograph = True
        elif not _extends_emoji(ch):
            after_pictograph = False
        kept.append((index, ch))
    return kept


def _script_needs_joiner(items: list[_Item], pos: int, kept: list[_Item]) -> bool:
    """A joiner between a letter (with its marks) and a letter of the same joining script."""
    if pos + 1 >= len(items) or not kept or kept[-1][1] in (ZWJ, ZWNJ):
        return False
    base = len(kept) - 1
    while base > 0 and unicodedata.category(kept[base][1])[0] == "M":
        base -= 1
    before, after = kept[base][1], items[pos + 1][1]
    return any(script.match(before) and script.match(after) for script in _JOINING_SCRIPTS)


def _own_marks(ch: str) -> int:
    """How many combining marks a precomposed character already carries (its NFD tail)."""
    if ch.isascii():
        return 0
    return sum(1 for c in unicodedata.normalize("NFD", ch) if unicodedata.category(c)[0] == "M")


def _trim_combining_floods(
    items: list[_Item], limit: int, removed: list[RemovedChar]
) -> list[_Item]:
    """Keep at most ``limit`` marks per base (counted in NFD); the rest go, reported."""
    kept: list[_Item] = []
    marks = 0
    for index, ch in items:
        if unicodedata.category(ch)[0] == "M":
            if marks >= limit:
                removed.append(_removal(index, ch, "combining_flood"))
                continue
            marks += 1
        else:
            marks = _own_marks(ch)
        kept.append((index, ch))
    return kept


def _clean_lines(text: str) -> tuple[str, ...]:
    """Collapse whitespace runs, strip each line, and drop blank lines at both ends."""
    lines = [" ".join(line.split()) for line in text.split("\n")]
    start, end = 0, len(lines)
    while start < end and not lines[start]:
        start += 1
    while end > start and not lines[end - 1]:
        end -= 1
    return tuple(lines[start:end])


def _issues(
    removed: Sequence[RemovedChar], found_emoji: tuple[str, ...], policy: EmojiPolicy
) -> tuple[TextIssue, ...]:
    """One warning per removal reason (in a fixed order), then the emoji error if any."""
    issues: list[TextIssue] = []
    for reason, (code, message) in _REMOVAL_ISSUES.items():
        points = [r.code_point for r in removed if r.reason == reason]
        if points:
            params = {"count": len(points), "code_points": list(dict.fromkeys(points))}
            issues.append(TextIssue(code, message, params, severity="warning"))
    if found_emoji and policy == "deny":
        params = {"emoji": list(dict.fromkeys(found_emoji))}
        issues.append(TextIssue("text.emoji_not_allowed", "Emoji are not allowed here.", params))
    return tuple(issues)
