"""Named character sets: what a zone's font can render, checked per code point after NFC."""

from __future__ import annotations

import pytest

from chalicelib.domain.charsets import (
    CHARSETS,
    UnknownCharset,
    charset_issue,
    find_disallowed,
    resolve_charset,
)
from chalicelib.errors import ValidationFailed

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"


def test_basic_latin_text_is_allowed_by_latin() -> None:
    latin = resolve_charset(["latin"])
    assert find_disallowed("Anna & Ben, 14/02/2024 (forever!)", latin) == []


def test_cjk_character_is_rejected_by_latin() -> None:
    assert find_disallowed("Love \u4e2d", resolve_charset(["latin"])) == ["\u4e2d"]


def test_accented_letter_is_rejected_by_latin_but_allowed_by_latin_extended() -> None:
    assert find_disallowed("Zo\u00eb", resolve_charset(["latin"])) == ["\u00eb"]
    assert (
        find_disallowed("Zo\u00eb \u0141ukasz \u0218tefan", resolve_charset(["latin-extended"]))
        == []
    )


def test_decomposed_accent_is_checked_after_nfc() -> None:
    assert find_disallowed("Zoe\u0308", resolve_charset(["latin-extended"])) == []


def test_accent_without_precomposed_form_is_reported_as_the_mark() -> None:
    assert find_disallowed("q\u0301", resolve_charset(["latin-extended"])) == ["\u0301"]


def test_typographic_punctuation_is_in_latin_extended() -> None:
    text = "\u201cYes\u201d \u2014 it\u2019s \u00ab\u00a0oui\u00a0\u00bb\u2026 \u20ac5"
    assert find_disallowed(text, resolve_charset(["latin-extended"])) == []


def test_cyrillic_is_accepted_by_cyrillic_with_digits_and_punctuation() -> None:
    assert find_disallowed("\u041c\u0430\u0448\u0430, 1990!", resolve_charset(["cyrillic"])) == []


def test_latin_letters_are_rejected_by_cyrillic() -> None:
    assert find_disallowed("\u041c\u0430\u0448\u0430 Ivan", resolve_charset(["cyrillic"])) == [
        "I",
        "v",
        "a",
        "n",
    ]


def test_polytonic_greek_is_accepted_by_greek() -> None:
    assert (
        find_disallowed("\u1f08\u03b8\u03ae\u03bd\u03b1 \u03ac", resolve_charset(["greek"])) == []
    )


def test_digits_set_accepts_only_digits_and_whitespace() -> None:
    digits = resolve_charset(["digits"])
    assert find_disallowed("12 34\n56", digits) == []
    assert find_disallowed("12-34", digits) == ["-"]


def test_disallowed_characters_are_unique_and_in_order_of_appearance() -> None:
    assert find_disallowed("\u4e2d\u00e9\u4e2dx\u00e9\u6587", resolve_charset(["latin"])) == [
        "\u4e2d",
        "\u00e9",
        "\u6587",
    ]


def test_whitespace_and_newlines_are_always_allowed() -> None:
    assert find_disallowed(" \n\t\u00a0\u3000", resolve_charset([])) == []


def test_empty_configuration_allows_only_whitespace() -> None:
    assert find_disallowed("a b", resolve_charset([])) == ["a", "b"]


def test_explicit_characters_extend_a_named_set() -> None:
    charset = resolve_charset(["latin"], extra="\u2665\u00e9")
    assert find_disallowed("I \u2665 Zo\u00e9 \u2605", charset) == ["\u2605"]


def test_explicit_characters_alone_form_a_set() -> None:
    assert find_disallowed("ABBA C", resolve_charset([], extra="AB")) == ["C"]


def test_sets_combine_as_a_union() -> None:
    charset = resolve_charset(["latin", "cyrillic"])
    assert find_disallowed("Ivan \u0418\u0432\u0430\u043d \u03a9", charset) == ["\u03a9"]


def test_control_and_format_characters_are_never_in_a_named_set() -> None:
    assert find_disallowed("a\u00adb\x00", resolve_charset(["latin-extended"])) == [
        "\u00ad",
        "\x00",
    ]


def test_emoji_code_points_are_reported_unless_skipped() -> None:
    latin = resolve_charset(["latin"])
    assert "\u200d" in find_disallowed(f"Hi {FAMILY}", latin)
    assert find_disallowed(f"Hi {FAMILY}", latin, skip_emoji=True) == []


def test_unknown_charset_is_a_typed_validation_error() -> None:
    with pytest.raises(UnknownCharset) as caught:
        resolve_charset(["latin", "klingon"])
    assert isinstance(caught.value, ValidationFailed)
    assert caught.value.code == "zone.unknown_charset"
    assert caught.value.details == {"charset": "klingon", "known": sorted(CHARSETS)}


def test_charset_issue_names_characters_and_code_points() -> None:
    issue = charset_issue("Love \u4e2d", resolve_charset(["latin"]))
    assert issue is not None
    assert issue.code == "text.disallowed_characters"
    assert issue.params == {"characters": ["\u4e2d"], "code_points": ["U+4E2D"]}


def test_charset_issue_is_none_for_allowed_text() -> None:
    assert charset_issue("Love", resolve_charset(["latin"])) is None
