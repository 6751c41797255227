"""Profanity check on what would be engraved: disguises are seen through, whole words only."""

from __future__ import annotations

import pytest

from chalicelib.domain.profanity import (
    ProfanityChecker,
    UnknownLanguage,
    find_profanity,
    fold,
)
from chalicelib.errors import ValidationFailed


def test_plain_swear_word_is_found_as_typed() -> None:
    assert find_profanity("Well SHIT happens") == ["SHIT"]


def test_clean_text_has_no_offending_words() -> None:
    assert find_profanity("Happy birthday Anna, love from Ben & the kids 2024") == []


@pytest.mark.parametrize(
    "word", ["sh1t", "$hit", "5hit", "sh!t", "@$$", "a55hole", "b!tch", "c0ck"]
)
def test_leetspeak_is_decoded(word: str) -> None:
    assert find_profanity(f"you {word} there") == [word]


def test_repeated_letters_are_collapsed() -> None:
    assert find_profanity("fuuuuuck shiiiit") == ["fuuuuuck", "shiiiit"]


def test_collapsing_does_not_turn_short_words_into_listed_ones() -> None:
    assert find_profanity("as good as it gets") == []


@pytest.mark.parametrize(
    "spaced", ["f.u.c.k", "f u c k", "f-u-c-k", "f_u_c_k", "s. h. i. t", "c*u*n*t"]
)
def test_words_split_by_separators_are_found(spaced: str) -> None:
    assert find_profanity(f"what the {spaced} man") == [spaced]


def test_word_split_inside_a_chunk_is_found() -> None:
    assert find_profanity("fu.ck off") == ["fu.ck"]


def test_zero_width_space_does_not_hide_a_word() -> None:
    assert find_profanity("f\u200buck") == ["f\u200buck"]


def test_three_letter_monograms_are_not_joined() -> None:
    assert find_profanity("J.A.P. & F A G") == []


def test_accents_are_stripped() -> None:
    assert find_profanity("p\u00fbt\u00e0\u00efn") == ["p\u00fbt\u00e0\u00efn"]


def test_french_words_are_found_with_accents_and_plurals() -> None:
    assert find_profanity("Bande d'encul\u00e9s et de connards!") == ["encul\u00e9s", "connards"]


def test_english_plural_is_found() -> None:
    assert find_profanity("silly bitches and cunts") == ["bitches", "cunts"]


def test_cyrillic_homoglyphs_in_latin_word_are_seen_through() -> None:
    assert find_profanity("\u0441unt") == ["\u0441unt"]


def test_all_cyrillic_word_that_looks_latin_is_flagged() -> None:
    assert find_profanity("\u0441\u043e\u0441k") == ["\u0441\u043e\u0441k"]


def test_greek_homoglyphs_are_seen_through() -> None:
    assert find_profanity("\u03c1\u03b9ss") == ["\u03c1\u03b9ss"]


def test_fullwidth_letters_are_folded() -> None:
    assert find_profanity("\uff46\uff55\uff43\uff4b") == ["\uff46\uff55\uff43\uff4b"]


def test_ordinary_russian_word_is_not_flagged() -> None:
    assert find_profanity("\u041c\u0430\u0448\u0430 \u043b\u044e\u0431\u043b\u044e") == []


def test_whole_words_only_so_scunthorpe_passes() -> None:
    assert find_profanity("Greetings from Scunthorpe, Essex and Cockburn") == []


def test_innocent_words_sharing_letters_pass() -> None:
    text = "magna cum laude, assistant, class, shiitake, cul-de-sac, chili con carne, Dickens"
    assert find_profanity(text) == []


def test_numbers_alone_are_not_read_as_leetspeak() -> None:
    assert find_profanity("455 5318008 1337") == []


def test_stem_catches_derived_words() -> None:
    assert find_profanity("motherfucking fuckface") == ["motherfucking", "fuckface"]


def test_allow_list_overrides_builtin_words_and_stems() -> None:
    assert find_profanity("Dick & Fucking, Austria", allow=["dick", "Fucking"]) == []


def test_allow_list_matches_whole_words_only() -> None:
    assert find_profanity("Fucking fucker", allow=["Fucking"]) == ["fucker"]


def test_deny_list_adds_brand_words() -> None:
    checker = ProfanityChecker(deny=["Rivalco", "scam*"])
    assert checker.find("Rivalco and scammers, rivalco") == ["Rivalco", "scammers", "rivalco"]


def test_languages_can_be_restricted() -> None:
    assert find_profanity("connard", languages=["en"]) == []
    assert find_profanity("connard", languages=["fr"]) == ["connard"]


def test_unknown_language_is_a_typed_validation_error() -> None:
    with pytest.raises(UnknownLanguage) as caught:
        ProfanityChecker(["xx"])
    assert isinstance(caught.value, ValidationFailed)
    assert caught.value.code == "profanity.unknown_language"


def test_duplicates_are_reported_once_in_order() -> None:
    assert find_profanity("shit, crap, shit") == ["shit", "crap"]


def test_issue_lists_offending_words() -> None:
    issue = ProfanityChecker().issue("no shit")
    assert issue is not None
    assert (issue.code, issue.params) == ("text.profanity", {"words": ["shit"]})
    assert ProfanityChecker().issue("no worries") is None


def test_fold_strips_accents_case_homoglyphs_and_leetspeak() -> None:
    assert fold("\u00c9L\u00c8V3 \u0430-1!") == "eleveaii"


@pytest.mark.parametrize(
    "hostile",
    [
        "",
        "f " * 2000,
        "!" * 4000,
        "a.b" * 1300,
        "\u0301" * 4000,
        "e" + "\u0301" * 500,
        "bad\ud800half",
        "\u202eevil",
        "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    ],
)
def test_hostile_text_never_raises(hostile: str) -> None:
    assert isinstance(find_profanity(hostile), list)
