"""Word lists and links survive Unicode tricks, and never match inside words."""

import pytest

from comments import rules

ASS = rules.word_pattern(["ass"])
BAD = rules.word_pattern(["badword"])


@pytest.mark.parametrize(
    "text",
    [
        "what a badword",
        "BADWORD!",
        "bad\u200bword",  # zero-width space
        "bad\u200dword",  # zero-width joiner
        "bad\u00adword",  # soft hyphen
        "\u202ebadword\u202c",  # bidi override
        "ｂａｄｗｏｒｄ",  # fullwidth
        "bаdwоrd",  # Cyrillic а and о
        "bαdwοrd",  # Greek alpha and omicron
        "bádwórd",  # accents
        "b\u0301a\u0308dword",  # combining accents
        "𝐛𝐚𝐝𝐰𝐨𝐫𝐝",  # mathematical bold
    ],
)
def test_listed_words_are_found_through_unicode_disguises(text):
    assert rules.find_word(BAD, text) == "badword"


@pytest.mark.parametrize(
    "text", ["a classic move", "Massachusetts", "an assistant", "passes", "bass"]
)
def test_words_match_only_whole_words(text):
    assert rules.find_word(ASS, text) is None


def test_a_whole_word_matches_next_to_punctuation():
    assert rules.find_word(ASS, "what an ass!") == "ass"


def test_phrases_match_across_one_space():
    pattern = rules.word_pattern(["buy now"])

    assert rules.find_word(pattern, "Please BUY NOW today") == "buy now"
    assert rules.find_word(pattern, "buy nowhere") is None


def test_an_empty_list_matches_nothing():
    assert rules.find_word(rules.word_pattern([]), "anything") is None


@pytest.mark.parametrize(
    "text", ["", "   ", "\u200b" * 10, "\u00a0\u00a0", "\u3000", "\n\t \u2060\ufeff"]
)
def test_invisible_or_whitespace_only_text_is_blank(text):
    assert rules.is_blank(text)


def test_text_with_one_visible_letter_is_not_blank():
    assert not rules.is_blank("\u200b a \u200b")


def test_links_are_counted_with_or_without_a_scheme():
    text = "see https://a.example/x, http://b.example and www.c.example or ftp://d"

    assert rules.count_links(text) == 4


def test_names_that_only_look_like_a_reserved_name_are_the_same_name():
    assert rules.same_name("Jane  Dοe", ["Jane Doe"])  # Greek omicron
    assert not rules.same_name("Jane Doer", ["Jane Doe"])


@pytest.mark.parametrize(
    "text",
    [
        "a bad  word here",  # two spaces
        "a bad\tword",
        "a bad\nword",
        "a bad \n\t word",
        "a bad-word",
        "a bad – word",  # en dash with spaces
        "a bad.word",
        "a bad_word",
        "a bad/word",
        "a bad\\word",
        "a bad|word",
        "a bad\u00a0word",  # NBSP
        "ａ ｂａｄ－ｗｏｒｄ",  # fullwidth hyphen
        "a bad-\u200bword",  # zero-width space after the hyphen
    ],
)
def test_phrases_match_across_any_run_of_spacing_and_joining_punctuation(text):
    pattern = rules.word_pattern(["bad word"])

    assert rules.find_word(pattern, text) is not None


def test_a_phrase_listed_with_a_hyphen_also_matches_with_a_space():
    pattern = rules.word_pattern(["bad-word"])

    assert rules.find_word(pattern, "a bad word") == "bad word"


@pytest.mark.parametrize(
    "text", ["badword", "a bad wordsmith", "scrapbad word", "bad swords"]
)
def test_phrases_still_match_only_whole_words(text):
    assert rules.find_word(rules.word_pattern(["bad word"]), text) is None


def test_punctuation_at_the_ends_of_a_listed_word_stays_part_of_it():
    pattern = rules.word_pattern(["c++"])

    assert rules.find_word(pattern, "I write c++ daily") == "c++"
    assert rules.find_word(pattern, "plan c") is None
