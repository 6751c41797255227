"""Shopper text normalization: repaired output or typed issues, never a crash, for hostile input."""

from __future__ import annotations

import time

import pytest

from chalicelib.domain.text import (
    MAX_CODE_POINTS,
    EmojiPolicy,
    NormalizedText,
    TextTooLong,
    count_graphemes,
    ensure_within_hard_limit,
    is_emoji_cluster,
    normalize_text,
)
from chalicelib.errors import ValidationFailed

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 👨‍👩‍👧‍👦
FLAG_FR = "\U0001f1eb\U0001f1f7"
SCOTLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
THUMBS_MEDIUM = "\U0001f44d\U0001f3fd"
KEYCAP_ONE = "1\ufe0f\u20e3"

HOSTILE = [
    "\u202eevil",
    "abc\u202egpj.exe",
    "a\u200bb\u200cc\u2060d\ufeffe\u00adf",
    "zero\u200djoiner",
    "e" + "\u0301" * 500,
    "\u0301" * 300,
    "bad\ud800half",
    "\udfff",
    "x" * 4000,
    FAMILY * 50,
    "\u0440\u0430ypal",
    "nul\x00byte",
    "\u05e9\u05dc\u05d5\u05dd \u2067Hello\u2069 world",
    "one\r\ntwo\rthree\nfour\u2028five",
    "\x1b[31mred\x1b[0m",
    "\u0085\u009b",
    "\U000e0041\U000e0042 tags",
    "\u200d" * 1000,
    "\U0001f468\u200d" * 1000,
    "\t \u00a0\u3000 ",
    "",
]


@pytest.mark.parametrize("hostile", HOSTILE)
@pytest.mark.parametrize("emoji", ["allow", "deny"])
def test_hostile_text_is_repaired_without_exceptions(hostile: str, emoji: EmojiPolicy) -> None:
    result = normalize_text(hostile, emoji=emoji)
    assert isinstance(result, NormalizedText)
    result.normalized.encode("utf-8")  # no lone surrogate survives
    assert "\u202e" not in result.normalized
    assert result.grapheme_count == sum(count_graphemes(line) for line in result.lines)
    assert normalize_text(result.normalized, emoji=emoji).normalized == result.normalized


def test_bidi_override_is_removed_and_reported() -> None:
    result = normalize_text("\u202eevil")
    assert result.normalized == "evil"
    assert [(r.index, r.code_point, r.reason) for r in result.removed] == [
        (0, "U+202E", "bidi_control")
    ]
    assert result.removed[0].name == "RIGHT-TO-LEFT OVERRIDE"
    issue = result.issues[0]
    assert (issue.code, issue.severity) == ("text.bidi_control_removed", "warning")
    assert issue.params == {"count": 1, "code_points": ["U+202E"]}


def test_isolates_around_rtl_text_are_removed_but_hebrew_is_kept() -> None:
    result = normalize_text("\u05e9\u05dc\u05d5\u05dd \u2067Hello\u2069")
    assert result.normalized == "\u05e9\u05dc\u05d5\u05dd Hello"
    assert {r.reason for r in result.removed} == {"bidi_control"}


def test_zero_width_characters_and_soft_hyphen_are_removed() -> None:
    result = normalize_text("a\u200bb\u200cc\u2060d\ufeffe\u00adf")
    assert result.normalized == "abcdef"
    assert [r.index for r in result.removed] == [1, 3, 5, 7, 9]
    assert {r.reason for r in result.removed} == {"zero_width"}


def test_zwj_between_letters_is_removed() -> None:
    result = normalize_text("zero\u200djoiner")
    assert result.normalized == "zerojoiner"
    assert result.removed[0].reason == "zero_width"


def test_zwj_inside_emoji_sequence_is_kept_when_emoji_allowed() -> None:
    result = normalize_text(f"Hi {FAMILY}")
    assert result.normalized == f"Hi {FAMILY}"
    assert result.emoji == (FAMILY,)
    assert result.removed == ()


def test_zwj_is_removed_when_emoji_are_denied_and_emoji_are_an_error() -> None:
    result = normalize_text(f"Hi {FAMILY}", emoji="deny")
    assert "\u200d" not in result.normalized
    codes = {issue.code: issue.severity for issue in result.issues}
    assert codes == {"text.zero_width_removed": "warning", "text.emoji_not_allowed": "error"}


def test_endless_zwj_chain_is_cut_to_three_joins() -> None:
    result = normalize_text("\U0001f468\u200d" * 1000)
    assert result.grapheme_count == 250
    assert all(g.count("\u200d") == 3 for g in result.emoji)


def test_subdivision_flag_keeps_its_tags_but_stray_tags_are_removed() -> None:
    assert normalize_text(SCOTLAND).normalized == SCOTLAND
    result = normalize_text("\U000e0041\U000e0042 tags")
    assert result.normalized == "tags"
    assert {r.reason for r in result.removed} == {"format"}


def test_combining_flood_is_trimmed_to_four_marks() -> None:
    result = normalize_text("e" + "\u0301" * 500)
    assert result.normalized == "\u00e9" + "\u0301" * 3
    assert result.grapheme_count == 1
    assert len(result.removed) == 496
    assert result.issues[0].code == "text.combining_marks_trimmed"


def test_precomposed_base_counts_its_own_accent_towards_the_flood_limit() -> None:
    composed = normalize_text("\u00e9" + "\u0301" * 10).normalized
    decomposed = normalize_text("e" + "\u0301" * 11).normalized
    assert composed == decomposed


def test_two_accents_on_vietnamese_letter_are_kept() -> None:
    assert normalize_text("Vi\u1ec7t").normalized == "Vi\u1ec7t"


def test_lone_surrogate_is_removed_and_reported() -> None:
    result = normalize_text("bad\ud800half")
    assert result.normalized == "badhalf"
    removed = result.removed[0]
    assert (removed.index, removed.code_point, removed.name, removed.reason) == (
        3,
        "U+D800",
        None,
        "lone_surrogate",
    )


def test_nul_and_escape_controls_are_removed() -> None:
    assert normalize_text("nul\x00byte").normalized == "nulbyte"
    result = normalize_text("\x1b[31mred\x1b[0m")
    assert result.normalized == "[31mred[0m"
    assert {r.reason for r in result.removed} == {"control"}


def test_c1_controls_are_removed() -> None:
    result = normalize_text("a\u0085b\u009bc")
    assert result.normalized == "abc"


def test_mixed_newlines_become_lines() -> None:
    result = normalize_text("one\r\ntwo\rthree\nfour\u2028five")
    assert result.lines == ("one", "two", "three", "four", "five")
    assert result.normalized == "one\ntwo\nthree\nfour\nfive"
    assert result.removed == ()


def test_whitespace_runs_collapse_and_only_outer_blank_lines_are_dropped() -> None:
    result = normalize_text("\n\n  Anna\t \u00a0 &\u3000Ben  \n  \n 2024 \n\n")
    assert result.lines == ("Anna & Ben", "", "2024")


def test_blank_text_normalizes_to_nothing() -> None:
    result = normalize_text(" \t\u200b\n ")
    assert (result.normalized, result.lines, result.grapheme_count) == ("", (), 0)


def test_nfc_composes_decomposed_accents() -> None:
    result = normalize_text("Cafe\u0301")
    assert result.normalized == "Caf\u00e9"
    assert result.has_non_ascii


def test_upper_case_is_applied_after_nfc_and_renormalized() -> None:
    assert normalize_text("ame\u0301lie", case="upper").normalized == "AM\u00c9LIE"
    assert normalize_text("Stra\u00dfe", case="upper").normalized == "STRASSE"


def test_lower_case_transform() -> None:
    assert normalize_text("\u00c9MILE", case="lower").normalized == "\u00e9mile"


def test_ascii_text_reports_no_non_ascii() -> None:
    assert not normalize_text("Plain text").has_non_ascii


def test_text_over_hard_limit_is_rejected_before_any_work() -> None:
    with pytest.raises(TextTooLong) as caught:
        normalize_text("\u0301" * (MAX_CODE_POINTS + 1))
    assert isinstance(caught.value, ValidationFailed)
    assert caught.value.code == "text.too_long"
    assert caught.value.details == {"length": MAX_CODE_POINTS + 1, "limit": MAX_CODE_POINTS}


def test_hard_limit_is_configurable() -> None:
    ensure_within_hard_limit("abc", limit=3)
    with pytest.raises(TextTooLong):
        ensure_within_hard_limit("abcd", limit=3)


def test_ten_thousand_characters_are_rejected_by_the_hard_limit() -> None:
    with pytest.raises(TextTooLong):
        normalize_text("x" * 10_000)


def test_worst_case_text_at_the_limit_is_fast() -> None:
    worst = [
        "\u0301" * MAX_CODE_POINTS,
        ("\U0001f468\u200d" * MAX_CODE_POINTS)[:MAX_CODE_POINTS],
        ("e\u0301\u0302\u0303\u0304\u0305" * MAX_CODE_POINTS)[:MAX_CODE_POINTS],
        "\u1100" * MAX_CODE_POINTS,
    ]
    for text in worst:
        started = time.perf_counter()
        normalize_text(text)
        assert time.perf_counter() - started < 1.0


def test_unknown_case_transform_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        normalize_text("x", case="title")  # type: ignore[arg-type]  # deliberately invalid


def test_decomposed_accent_counts_as_one_grapheme() -> None:
    assert count_graphemes("e\u0301") == 1


def test_family_emoji_counts_as_one_grapheme() -> None:
    assert count_graphemes(FAMILY) == 1


def test_flag_counts_as_one_grapheme() -> None:
    assert count_graphemes(FLAG_FR) == 1
    assert count_graphemes(FLAG_FR + FLAG_FR) == 2


def test_grapheme_count_excludes_line_breaks() -> None:
    assert normalize_text(f"ab\n{FAMILY}c").grapheme_count == 4


@pytest.mark.parametrize("cluster", [FAMILY, FLAG_FR, SCOTLAND, THUMBS_MEDIUM, KEYCAP_ONE, "😀"])
def test_emoji_clusters_are_detected(cluster: str) -> None:
    assert is_emoji_cluster(cluster)


@pytest.mark.parametrize("cluster", ["a", "\u00e9", "\u00a9", "\u2122", "\u2764", "1", "\u4e2d"])
def test_text_symbols_and_letters_are_not_emoji(cluster: str) -> None:
    assert not is_emoji_cluster(cluster)


def test_text_default_symbol_with_emoji_selector_is_emoji() -> None:
    assert is_emoji_cluster("\u2764\ufe0f")


def test_emoji_found_in_order_with_duplicates() -> None:
    result = normalize_text(f"I {THUMBS_MEDIUM} {FLAG_FR} {THUMBS_MEDIUM}")
    assert result.emoji == (THUMBS_MEDIUM, FLAG_FR, THUMBS_MEDIUM)


def test_emoji_denied_issue_lists_each_emoji_once() -> None:
    result = normalize_text("\U0001f600 \U0001f600 \U0001f389", emoji="deny")
    (issue,) = result.issues
    assert issue.code == "text.emoji_not_allowed"
    assert issue.params == {"emoji": ["\U0001f600", "\U0001f389"]}


def test_homoglyph_text_is_left_as_typed() -> None:
    assert normalize_text("\u0440\u0430ypal").normalized == "\u0440\u0430ypal"


def test_removed_indices_point_into_the_original_across_crlf() -> None:
    result = normalize_text("a\r\n\u200bb")
    assert result.removed[0].index == 3
    assert result.original[3] == "\u200b"
