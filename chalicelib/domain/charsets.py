"""Named character sets a zone can allow, and the check that lists what a text breaks.

A zone is limited to what its font and its manufacturing process can render (a laser font with
Latin glyphs only cannot engrave 中), so the check runs per code point after NFC, where a
precomposed "é" is one code point that the font either has or has not. Whitespace and newlines
are always allowed: layout, not the font, decides what they look like.

Resolving the set names is separate from checking a text, so a zone's configuration can be
validated once (raising :class:`UnknownCharset`) and then applied to every shopper text.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from chalicelib.domain.text import TextIssue, graphemes, is_emoji_cluster
from chalicelib.errors import ValidationFailed

_Range = tuple[int, int]

# ASCII space, digits and punctuation: script-neutral, so every script set includes them.
_ASCII_COMMON: tuple[_Range, ...] = ((0x20, 0x40), (0x5B, 0x60), (0x7B, 0x7E))
# Typographic punctuation shoppers paste from phones: dashes, curly quotes, bullets, ellipsis,
# per mille, primes, guillemets (single and double), numero sign, euro and trade mark signs.
_PUNCTUATION: tuple[_Range, ...] = (
    (0x2010, 0x2027),
    (0x2030, 0x203A),
    (0xAB, 0xAB),
    (0xBB, 0xBB),
    (0x2116, 0x2116),
    (0x20AC, 0x20AC),
    (0x2122, 0x2122),
)

CHARSETS: dict[str, tuple[_Range, ...]] = {
    "latin": ((0x20, 0x7E),),
    # Latin-1 Supplement, Latin Extended-A and -B, and Latin Extended Additional (Vietnamese).
    "latin-extended": ((0x20, 0x7E), (0xA0, 0x24F), (0x1E00, 0x1EFF), *_PUNCTUATION),
    "cyrillic": (*_ASCII_COMMON, (0x400, 0x52F), *_PUNCTUATION),
    "greek": (*_ASCII_COMMON, (0x370, 0x3FF), (0x1F00, 0x1FFF), *_PUNCTUATION),
    "digits": ((0x30, 0x39),),
    # Arabic block (letters, harakat, Arabic-Indic and Persian digits, Arabic punctuation),
    # Arabic Supplement and Extended-A; no presentation forms (shaping makes those).
    "arabic": (*_ASCII_COMMON, (0x600, 0x6FF), (0x750, 0x77F), (0x8A0, 0x8FF), *_PUNCTUATION),
    # Hebrew letters, niqqud and cantillation marks, geresh and gershayim.
    "hebrew": (*_ASCII_COMMON, (0x591, 0x5F4), *_PUNCTUATION),
    # Devanagari and Devanagari Extended (danda and double danda included).
    "devanagari": (*_ASCII_COMMON, (0x900, 0x97F), (0xA8E0, 0xA8FF), *_PUNCTUATION),
}
# Scripts whose spelling needs ZWJ/ZWNJ between letters (Persian ZWNJ, Devanagari half forms);
# normalization keeps joiners only there, so these sets accept what it kept.
_JOINER_CHARSETS = frozenset({"arabic", "devanagari"})
_JOINERS = "\u200c\u200d"


class UnknownCharset(ValidationFailed):
    """A zone names a character set this module does not define."""

    code = "zone.unknown_charset"

    def __init__(self, name: str) -> None:
        super().__init__(
            f"Unknown character set {name!r}.",
            details={"charset": name, "known": sorted(CHARSETS)},
        )


@dataclass(frozen=True)
class Charset:
    """The union of named sets and explicitly listed characters a zone accepts."""

    names: tuple[str, ...]
    ranges: tuple[_Range, ...]
    extra: frozenset[str]

    def allows(self, ch: str) -> bool:
        """Whether one code point is acceptable; controls, format and unassigned never are."""
        if ch.isspace() or ch in self.extra:
            return True
        cp = ord(ch)
        in_range = any(low <= cp <= high for low, high in self.ranges)
        return in_range and unicodedata.category(ch)[0] != "C"


def resolve_charset(names: Iterable[str], extra: str = "") -> Charset:
    """Build a :class:`Charset`; ``extra`` lists additional allowed characters (NFC-normalized).

    With no names and no extra characters only whitespace is allowed: an empty configuration
    is a closed door, never an open one.
    """
    wanted = tuple(dict.fromkeys(names))
    ranges: list[_Range] = []
    for name in wanted:
        if name not in CHARSETS:
            raise UnknownCharset(name)
        ranges.extend(CHARSETS[name])
    if _JOINER_CHARSETS.intersection(wanted):
        extra += _JOINERS
    return Charset(wanted, tuple(ranges), frozenset(unicodedata.normalize("NFC", extra)))


def find_disallowed(text: str, charset: Charset, *, skip_emoji: bool = False) -> list[str]:
    """Code points of ``text`` (after NFC) that ``charset`` rejects: unique, in order of appearance.

    ``skip_emoji`` ignores whole emoji clusters, for zones whose emoji policy is "allow": their
    code points (ZWJ, VS16, skin tones) belong to no script and must not be reported one by one.
    Call it on normalized text; a lone surrogate in raw input would be reported as-is.
    """
    bad: dict[str, None] = {}
    for cluster in graphemes(unicodedata.normalize("NFC", text)):
        if skip_emoji and is_emoji_cluster(cluster):
            continue
        for ch in cluster:
            if not charset.allows(ch):
                bad.setdefault(ch)
    return list(bad)


def charset_issue(text: str, charset: Charset, *, skip_emoji: bool = False) -> TextIssue | None:
    """The ``text.disallowed_characters`` issue for ``text``, or None when everything is allowed."""
    bad = find_disallowed(text, charset, skip_emoji=skip_emoji)
    if not bad:
        return None
    return TextIssue(
        "text.disallowed_characters",
        "Some characters cannot be used here: " + " ".join(bad),
        {"characters": bad, "code_points": [f"U+{ord(ch):04X}" for ch in bad]},
    )
