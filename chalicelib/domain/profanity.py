"""Profanity check for shopper text, tuned for what ends up *engraved or printed*.

Words are compared on a folded key: NFKD with accents dropped (so fullwidth and math letters
fold too), Cyrillic/Greek homoglyphs mapped to the Latin letter they look like, casefold, simple
leetspeak, letters only. Homoglyphs are mapped even in all-Cyrillic words because the product
shows glyphs, not code points: "сосk" engraves exactly like the English word.

Matching is on whole words, so "Scunthorpe" passes. A listed word matches a token whose runs of
repeated letters are at least as long as the word's ("fuuuck" matches "fuck"; "as" does not match
"ass"), with a plain "s"/"es" plural allowed. Entries ending in "*" are stems matched anywhere
inside a word; keep that set tiny because every stem is a false-positive risk. Words split by
separators are caught in two ways: tokens inside one whitespace-free chunk are joined ("fu.ck"),
and runs of at least four single letters ("f u c k", "s.h.i.t") are joined. Three single letters
are left alone: monograms like "J.A.P." are common on jewellery.

A brand's allow-list wins over everything; its deny-list adds words (and "*" stems).
Word lists are data files shipped in the package and loaded once, on first use.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources

from chalicelib.domain.text import TextIssue
from chalicelib.errors import ValidationFailed

SUPPORTED_LANGUAGES = ("en", "fr")
MIN_SPACED_LETTERS = 4
MAX_SPACED_LETTERS = 16  # longer than any listed word, with room for a stretched letter
MAX_SEPARATOR_GAP = 3  # "f . u" still counts as one spaced word

_LEET_SYMBOLS = "@$!"
_LEET = str.maketrans("013457@$!", "oieastasi")
_HOMOGLYPHS = str.maketrans(
    "АВЕКМНОРСТУХЅІЈавекмнорстухѕіјԁһԛԝӏΑΒΕΖΗΙΚΜΝΟΡΤΥΧαβγεηικνορτυχω",
    "ABEKMHOPCTYXSIJabekmhopctyxsijdhqwlABEZHIKMNOPTYXabyenikvoptuxw",
)

_Token = tuple[int, int, str]  # start, end, folded key


class UnknownLanguage(ValidationFailed):
    """A profanity language was requested for which no word list ships."""

    code = "profanity.unknown_language"

    def __init__(self, language: str) -> None:
        super().__init__(
            f"No profanity list for language {language!r}.",
            details={"language": language, "known": list(SUPPORTED_LANGUAGES)},
        )


def fold(word: str) -> str:
    """The comparison key of a word: what it looks like once styling and disguise are removed."""
    decomposed = unicodedata.normalize("NFKD", word)
    bare = "".join(c for c in decomposed if unicodedata.category(c)[0] != "M")
    key = bare.translate(_HOMOGLYPHS).casefold().translate(_LEET)
    return "".join(c for c in key if c.isalpha())


def _runs(key: str) -> tuple[str, tuple[int, ...]]:
    """Split a key into its letters with repeats squeezed, and the length of each run."""
    letters: list[str] = []
    lengths: list[int] = []
    for c in key:
        if letters and letters[-1] == c:
            lengths[-1] += 1
        else:
            letters.append(c)
            lengths.append(1)
    return "".join(letters), tuple(lengths)


def _variants(key: str) -> list[str]:
    """The key and its singular guesses, so plurals of listed words need no extra entries."""
    found = [key]
    if len(key) > 4 and key.endswith("es"):
        found.append(key[:-2])
    if len(key) > 3 and key.endswith("s"):
        found.append(key[:-1])
    return found


@dataclass
class _Lexicon:
    """Listed words indexed by squeezed key (with their run lengths) plus substring stems.

    Filled once by :meth:`add` while loading, read-only afterwards (the built-in ones are shared).
    """

    words: dict[str, list[tuple[int, ...]]] = field(default_factory=dict)
    stems: set[str] = field(default_factory=set)

    def add(self, entry: str) -> None:
        raw = entry.strip()
        if not raw or raw.startswith("#"):
            return
        key = fold(raw)
        if not key:
            return
        if raw.endswith("*"):
            self.stems.add(_runs(key)[0])
        else:
            squeezed, lengths = _runs(key)
            self.words.setdefault(squeezed, []).append(lengths)

    def matches(self, key: str) -> bool:
        for variant in _variants(key):
            squeezed, lengths = _runs(variant)
            for wanted in self.words.get(squeezed, ()):
                if all(have >= need for have, need in zip(lengths, wanted, strict=True)):
                    return True
        squeezed = _runs(key)[0]
        return any(stem in squeezed for stem in self.stems)


@functools.cache
def _builtin(language: str) -> _Lexicon:
    """Load one shipped word list on first use; cached for the life of the Lambda container."""
    if language not in SUPPORTED_LANGUAGES:
        raise UnknownLanguage(language)
    source = resources.files("chalicelib.domain").joinpath("wordlists").joinpath(f"{language}.txt")
    lexicon = _Lexicon()
    for line in source.read_text(encoding="utf-8").splitlines():
        lexicon.add(line)
    return lexicon


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch in _LEET_SYMBOLS or unicodedata.category(ch)[0] == "M"


def _tokens(text: str) -> list[_Token]:
    """Runs of letters, digits, marks and leet symbols, with "!" trimmed from both ends."""
    found: list[_Token] = []
    start = None
    for i, ch in enumerate([*text, " "]):
        if _is_word_char(ch):
            start = i if start is None else start
        elif start is not None:
            end = i
            while start < end and text[start] == "!":
                start += 1
            while end > start and text[end - 1] == "!":
                end -= 1
            if start < end:
                found.append((start, end, fold(text[start:end])))
            start = None
    return found


def _groups(
    tokens: Sequence[_Token], linked: Callable[[_Token, _Token], bool]
) -> Iterator[list[_Token]]:
    """Consecutive tokens where each is ``linked`` to the one before it."""
    group: list[_Token] = []
    for token in tokens:
        if group and linked(group[-1], token):
            group.append(token)
            continue
        if group:
            yield group
        group = [token]
    if group:
        yield group


def _chunk_joins(text: str, tokens: Sequence[_Token]) -> Iterator[_Token]:
    """Tokens touching each other through punctuation only ("fu.ck"), one span per chunk."""

    def same_chunk(before: _Token, after: _Token) -> bool:
        return not any(c.isspace() for c in text[before[1] : after[0]])

    for group in _groups(tokens, same_chunk):
        if len(group) > 1 and any(len(key) > 1 for _, _, key in group):
            yield group[0][0], group[-1][1], "".join(key for _, _, key in group)


def _spaced_letters(tokens: Sequence[_Token]) -> Iterator[_Token]:
    """Sub-runs of single letters split by short gaps ("f u c k"), longest first per start."""

    def spaced(before: _Token, after: _Token) -> bool:
        close = after[0] - before[1] <= MAX_SEPARATOR_GAP
        return close and len(before[2]) == 1 and len(after[2]) == 1

    for run in _groups(tokens, spaced):
        letters = [key for _, _, key in run]
        for i in range(len(run)):
            longest = min(len(run), i + MAX_SPACED_LETTERS)
            for j in range(longest, i + MIN_SPACED_LETTERS - 1, -1):
                yield run[i][0], run[j - 1][1], "".join(letters[i:j])


def _flaggable(surface: str) -> bool:
    """Numbers alone ("455", "2024") are never words, even if leetspeak would read them so."""
    return any(c.isalpha() or c in _LEET_SYMBOLS for c in surface)


class ProfanityChecker:
    """A brand's profanity policy: built-in lists for some languages, its allow and deny words."""

    def __init__(
        self,
        languages: Iterable[str] = SUPPORTED_LANGUAGES,
        *,
        allow: Iterable[str] = (),
        deny: Iterable[str] = (),
    ) -> None:
        self._lexicons = [_builtin(language) for language in dict.fromkeys(languages)]
        self._allowed = {_runs(fold(word))[0] for word in allow} - {""}
        extra = _Lexicon()
        for word in deny:
            extra.add(word)
        self._lexicons.append(extra)

    def _offends(self, surface: str, key: str) -> bool:
        if not key or not _flaggable(surface):
            return False
        if any(_runs(v)[0] in self._allowed for v in _variants(key)):
            return False
        return any(lexicon.matches(key) for lexicon in self._lexicons)

    def find(self, text: str) -> list[str]:
        """Offending words as they appear in ``text``: unique, in order of appearance."""
        tokens = _tokens(text)
        candidates = [*tokens, *_chunk_joins(text, tokens), *_spaced_letters(tokens)]
        taken = [False] * len(text)
        flagged: list[tuple[int, int]] = []
        for start, end, key in candidates:
            if any(taken[start:end]) or not self._offends(text[start:end], key):
                continue
            taken[start:end] = [True] * (end - start)
            flagged.append((start, end))
        return list(dict.fromkeys(text[s:e] for s, e in sorted(flagged)))

    def issue(self, text: str) -> TextIssue | None:
        """The ``text.profanity`` issue for ``text``, or None when it is clean."""
        words = self.find(text)
        if not words:
            return None
        message = "This text contains words that are not allowed."
        return TextIssue("text.profanity", message, {"words": words})


def find_profanity(
    text: str,
    *,
    languages: Iterable[str] = SUPPORTED_LANGUAGES,
    allow: Iterable[str] = (),
    deny: Iterable[str] = (),
) -> list[str]:
    """One-shot form of :meth:`ProfanityChecker.find`; build a checker to reuse a policy."""
    return ProfanityChecker(languages, allow=allow, deny=deny).find(text)
