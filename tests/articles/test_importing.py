"""The story-file parser: pure functions, no database."""

import codecs
from datetime import date

import pytest

from articles.importing import (
    StoryFormatError,
    parse_story_file,
    remove_question_mark_artifacts,
)


def parse(text: str):
    return parse_story_file(text.encode())


def repairs_of(story) -> list[str]:
    return [str(repair) for repair in story.repairs]


STORY = "Headline\n\nBy Ann Lee\n\nFirst paragraph.\n\nSecond paragraph.\n"


def test_a_minimal_story_has_headline_author_and_paragraphs():
    story = parse(STORY)

    assert story.headline == "Headline"
    assert story.authors == ("Ann Lee",)
    assert story.body == "First paragraph.\n\nSecond paragraph."
    assert story.notes == ()
    assert story.topics == ()
    assert story.repairs == ()


def test_a_byline_lists_several_authors_in_order_and_repeats_are_dropped():
    story = parse(
        "Headline\nBy Ann Lee, Bo Chen and Cy Diaz\n\nBy Bo Chen\nBy Dee Eve, and "
        "ann  lee\n\nText.\n"
    )

    assert story.authors == ("Ann Lee", "Bo Chen", "Cy Diaz", "Dee Eve")
    assert "line 4: ignored repeated byline “Bo Chen”" in repairs_of(story)
    assert "line 5: ignored repeated byline “ann lee”" in repairs_of(story)


def test_a_first_paragraph_starting_with_by_is_body_not_a_byline():
    story = parse("Headline\n\nBy 2030, most cars will be electric.\n")

    assert story.authors == ()
    assert story.body == "By 2030, most cars will be electric."


def test_updated_is_removed_from_the_headline_and_reported():
    story = parse("Rates Rise (UPDATED) (Updated)\n\nBy Ann Lee\n\nText.\n")

    assert story.headline == "Rates Rise"
    assert any("(UPDATED)" in repair for repair in repairs_of(story))


def test_topics_are_split_trimmed_and_deduplicated_ignoring_case():
    story = parse(STORY + "\nTopics: Science, science , Space Flight,\n")

    assert story.topics == ("Science", "Space Flight")


def test_everything_after_the_topics_line_is_ignored_as_page_furniture():
    story = parse(STORY + "\nTopics: Science\n\nComments (0)\n\nRetype the CAPTCHA\n")

    assert "Comments" not in story.body
    assert "CAPTCHA" not in story.body
    assert "line 11: ignored page furniture after the Topics line (to line 13)" in (
        repairs_of(story)
    )


def test_clarification_and_correction_paragraphs_become_notes_not_body():
    story = parse(
        STORY + "\nClarification: An earlier version said X.\n\nCorrection: It was Y.\n"
    )

    assert story.body == "First paragraph.\n\nSecond paragraph."
    assert [(n.kind, n.text, n.dated, n.line) for n in story.notes] == [
        ("clarification", "An earlier version said X.", None, 9),
        ("correction", "It was Y.", None, 11),
    ]


@pytest.mark.parametrize(
    "note",
    [
        "Correction: July 16, 2025 — The mayor is 54.",
        "Correction: July 16, 2025: The mayor is 54.",
        "Correction: Jul. 16, 2025. The mayor is 54.",
        "Correction: 2025-07-16 - The mayor is 54.",
    ],
)
def test_a_dated_prefix_sets_the_notes_date(note):
    story = parse(f"{STORY}\n{note}\n")

    assert story.notes[0].dated == date(2025, 7, 16)
    assert story.notes[0].text == "The mayor is 54."


def test_a_note_that_merely_starts_with_a_word_keeps_its_text():
    story = parse(f"{STORY}\nClarification: Japan 12, 2015 — was wrong.\n")

    assert story.notes[0].dated is None
    assert story.notes[0].text == "Japan 12, 2015 — was wrong."


def test_an_impossible_date_is_an_error_naming_the_line():
    with pytest.raises(StoryFormatError) as error:
        parse(f"{STORY}\nCorrection: February 30, 2025 — text\n")

    assert str(error.value) == "line 9: “February 30, 2025” is not a real date."


def test_markdown_in_the_body_is_kept_as_written():
    body = (
        "## Subhead\n\nSome *emphasis* and [a link](https://example.org/a_b).\n\n"
        "> A quote"
    )
    story = parse(f"Headline\nBy Ann Lee\n\n{body}\n")

    assert story.body == body


def test_lines_of_a_paragraph_stay_together():
    story = parse("Headline\nBy Ann Lee\n\n- one\n- two\n\nEnd.\n")

    assert story.body == "- one\n- two\n\nEnd."


def test_any_unicode_passes_unchanged_and_unreported():
    text = (
        "中国与日本的防务合作 😀\nBy José Pérez\n\nÉté — “quoted” and ‘single’ … "
        "Zürich, 🇯🇵 👩‍💻 🏴󠁧󠁢󠁥󠁮󠁧󠁿, ﬁ, 100% ¿sí? ¡Olé!\n"
    )
    story = parse(text)

    assert story.headline == "中国与日本的防务合作 😀"
    assert story.authors == ("José Pérez",)
    assert story.body == text.split("\n\n")[1].rstrip("\n")
    assert story.repairs == ()


def test_mojibake_is_repaired_and_reported_with_its_line():
    story = parse("Headline\nBy Ann Lee\n\nThe deal doesnâ€™t bind anyone.\n")

    assert story.body == "The deal doesn’t bind anyone."
    assert "line 4: repaired mojibake: “â€™” → “’”" in repairs_of(story)


def test_non_breaking_spaces_become_plain_spaces_and_are_reported():
    story = parse("Headline\nBy Ann\u00a0Lee\n\nIn\u00a0April\u00a0 they met.\n")

    assert story.authors == ("Ann Lee",)
    assert story.body == "In April they met."
    assert "line 4: replaced 2 non-breaking space(s) with spaces" in repairs_of(story)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("a Washington think tank.??", "a Washington think tank."),
        ("with its allies. \u00a0??", "with its allies."),
        ("at a better cost, he said. ?", "at a better cost, he said."),
        ("He said so.?? Then he left.", "He said so. Then he left."),
        ("??", ""),
    ],
)
def test_question_mark_artifacts_are_removed(line, expected):
    story = parse(f"Headline\nBy Ann Lee\n\n{line}\n\nEnd.\n")

    assert story.body.split("\n\n")[0] == (expected or "End.")
    assert any("encoding artifact" in repair for repair in repairs_of(story))


@pytest.mark.parametrize(
    "line",
    [
        "Really?? Yes.",
        "“Why?” he asked.",
        "Did he say “no”??",
        "What…?? Nobody knew.",
        "Wait...?? Nobody knew.",
        "What?!?",
        "The Café?? sign was lost.",
        "A URL like https://example.org/?q=1 stays.",
        "Vraiment ? Oui.",
    ],
)
def test_question_marks_that_read_as_text_are_kept(line):
    cleaned, removed, _ = remove_question_mark_artifacts(line)

    assert cleaned == line
    assert removed == []


def test_kept_double_question_marks_are_pointed_out():
    story = parse("Headline\nBy Ann Lee\n\nReally?? Yes.\n")

    assert story.body == "Really?? Yes."
    assert "line 4: kept “??” after “Really”: it reads as text" in repairs_of(story)


def test_crlf_line_endings_and_a_bom_are_accepted_and_reported():
    data = codecs.BOM_UTF8 + STORY.replace("\n", "\r\n").encode()
    story = parse_story_file(data)

    assert story.body == "First paragraph.\n\nSecond paragraph."
    assert repairs_of(story) == [
        "line 1: removed the byte-order mark (BOM)",
        "converted CRLF (Windows) line endings to LF",
    ]


def test_utf16_with_a_byte_order_mark_is_read():
    story = parse_story_file(("\ufeff" + STORY).encode("utf-16"))

    assert story.headline == "Headline"
    assert story.authors == ("Ann Lee",)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty."),
        (b"  \n\n \t\n", "the file is empty."),
        (b"Headline\nBy Ann\n\x00\x01\x02", "line 3: this looks like a binary file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "line 3: this looks like a binary file"),
        (b"Headline\n\nCaf\xe9 au lait\n", "line 3: the file is not UTF-8 text"),
        (b"Headline\nBy Ann Lee\n\n", "line 1: the story has no body"),
        (b"Headline\nBy Ann Lee\n\nTopics: A\n\nLots of furniture\n", "no body"),
        (b"Headline\nBy Ann\n\nClarification: only a note.\n", "no body"),
        (b"By Ann Lee\n\nText.\n", "line 1: expected the headline on the first line"),
        (b"\n\nTopics: A\n", "line 3: expected the headline on the first line"),
        (b"Headline\x1b[31m\n\nText.\n", "line 1: control character U+001B"),
        (("H" * 201 + "\n\nText.\n").encode(), "line 1: the headline has 201"),
    ],
)
def test_bad_input_is_refused_with_a_message_naming_the_line(data, message):
    with pytest.raises(StoryFormatError) as error:
        parse_story_file(data)

    assert message in str(error.value)


def test_the_seed_story_parses_as_the_newsroom_expects():
    from pathlib import Path

    import articles

    seed = Path(articles.__file__).parent / "demo" / "us-japan-defense-cooperation.txt"
    story = parse_story_file(seed.read_bytes())

    assert story.headline == "New Era of U.S.-Japan Defense Cooperation Sparks Debate"
    assert story.authors == ("Allyson Versprille",)
    assert story.topics == ("International", "Procurement")
    assert [note.kind for note in story.notes] == ["clarification"]
    assert story.notes[0].text.startswith("An earlier version of this story stated")
    assert "?" not in story.body.replace("'What's going to be done in practice?'", "")
    assert "\u00a0" not in story.body
