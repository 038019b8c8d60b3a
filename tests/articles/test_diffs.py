"""Word-level differences (articles/diffs.py): pure functions, no database."""

import random
import time

from articles.diffs import Paragraph, Piece, changed, paragraph_diff, word_diff


def test_a_changed_word_reads_as_one_removal_and_one_addition():
    pieces = word_diff("The vote was 4-5 on Tuesday.", "The vote was 5-4 on Tuesday.")

    assert pieces == [
        Piece("same", "The vote was "),
        Piece("removed", "4-5"),
        Piece("added", "5-4"),
        Piece("same", " on Tuesday."),
    ]


def test_whole_words_change_never_parts_of_them():
    pieces = word_diff("The harbor was dredged.", "The harbour was dredged.")

    assert Piece("removed", "harbor") in pieces
    assert Piece("added", "harbour") in pieces


def test_identical_texts_have_no_change():
    assert word_diff("Same words.", "Same words.") == [Piece("same", "Same words.")]
    assert not changed(word_diff("Same words.", "Same words."))
    assert word_diff("", "") == []


def test_unchanged_paragraphs_fold_into_a_count():
    old = "One.\n\nTwo.\n\nThree.\n\nFour is old.\n\nFive."
    new = "One.\n\nTwo.\n\nThree.\n\nFour is new.\n\nFive."

    paragraphs = paragraph_diff(old, new)

    assert paragraphs == [
        Paragraph(unchanged=3),
        Paragraph(
            pieces=(
                Piece("same", "Four is "),
                Piece("removed", "old"),
                Piece("added", "new"),
                Piece("same", "."),
            )
        ),
        Paragraph(unchanged=1),
    ]
    assert changed(paragraphs)


def test_an_added_paragraph_is_shown_as_added():
    paragraphs = paragraph_diff("One.\n\nTwo.", "One.\n\nNew middle.\n\nTwo.")

    assert Paragraph(pieces=(Piece("added", "New middle."),)) in paragraphs


def test_texts_beyond_the_basic_plane_and_many_distinct_words_round_trip():
    words = [f"w{n}" for n in range(60_000)] + ["😀", "日本"]
    old = " ".join(words)
    new = old.replace("w59999", "changed")

    pieces = word_diff(old, new)

    assert "".join(p.text for p in pieces if p.kind != "added") == old
    assert "".join(p.text for p in pieces if p.kind != "removed") == new


def test_two_200000_character_bodies_that_share_nothing_diff_within_seconds():
    rng = random.Random(14)
    vocabulary = [f"word{n}" for n in range(5_000)]

    def body() -> str:
        paragraphs = []
        while sum(map(len, paragraphs)) < 200_000:
            paragraphs.append(" ".join(rng.choice(vocabulary) for _ in range(60)))
        return "\n\n".join(paragraphs)[:200_000]

    old, new = body(), body()
    started = time.perf_counter()
    pieces = word_diff(old, new)
    seconds = time.perf_counter() - started

    assert seconds < 10  # the search stops after its budget (1 s) and cleans up
    assert "".join(p.text for p in pieces if p.kind != "added") == old
    assert "".join(p.text for p in pieces if p.kind != "removed") == new
