"""`manage.py import_story`: files in, stories out, one transaction per file."""

from datetime import datetime
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

import articles
from articles.models import Author, Byline, Clarification, SlugHistory, Story, Topic
from articles.services import change_story_slug
from tests.factories import make_author, make_clarification, make_topic

pytestmark = pytest.mark.django_db

SEED = Path(articles.__file__).parent / "demo" / "us-japan-defense-cooperation.txt"
NEW_YORK = ZoneInfo("America/New_York")


def run(*args: str, **options) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_story", *map(str, args), stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def run_failing(*args, **options) -> tuple[str, str, CommandError]:
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as error:
        call_command("import_story", *map(str, args), stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue(), error.value


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def test_the_seed_story_comes_out_as_the_newsroom_wants(capsys):
    out, _ = run(SEED, published_at="2015-05-08T12:00")
    story = Story.objects.get()

    assert story.headline == "New Era of U.S.-Japan Defense Cooperation Sparks Debate"
    assert story.slug == "new-era-of-us-japan-defense-cooperation-sparks-debate"
    assert story.status == Story.Status.PUBLISHED
    assert story.published_at == datetime(2015, 5, 8, 12, tzinfo=NEW_YORK)
    assert [b.author.name for b in story.bylines.all()] == ["Allyson Versprille"]
    assert Author.objects.count() == 1
    assert sorted(story.topics.values_list("name", flat=True)) == [
        "International",
        "Procurement",
    ]
    clarification = story.clarifications.get()
    assert clarification.kind == Clarification.Kind.CLARIFICATION
    assert clarification.text.startswith("An earlier version of this story stated")
    assert clarification.published_at == story.published_at
    assert "Clarification" not in story.body
    assert "Topics" not in story.body
    assert "Comments (0)" not in story.body
    assert "CAPTCHA" not in story.body
    assert "??" not in story.body
    assert "\u00a0" not in story.body
    assert "allies. \n" not in story.body and "allies.\n\n" in story.body
    assert "tank.\n\n" in story.body
    assert "he said.\n\n" in story.body
    assert "equipment — a major shift" in story.body
    assert "doesn’t obligate" in story.body
    assert "initiative and … emphasis" in story.body
    assert "Abe's administration" in story.body
    assert story.body.startswith("The United States and Japan in April approved")
    assert story.body.endswith('lots of problems along the way to develop."')
    assert "line 11: removed “??” (encoding artifact)" in out
    assert out.splitlines()[-1] == story.get_absolute_url()
    assert story.get_absolute_url() == (
        "/articles/2015/5/8/new-era-of-us-japan-defense-cooperation-sparks-debate/"
    )


def test_importing_the_same_file_again_changes_nothing():
    run(SEED, published_at="2015-05-08T12:00")
    before = Story.objects.get()
    out, _ = run(SEED)
    after = Story.objects.get()

    assert after.updated_at == before.updated_at
    assert after.published_at == before.published_at
    assert (Byline.objects.count(), Topic.objects.count()) == (1, 2)
    assert Clarification.objects.count() == 1
    assert "unchanged:" in out


def test_a_reimport_replaces_bylines_and_topics_and_keeps_published_notes(tmp_path):
    first = write(
        tmp_path,
        "a.txt",
        "Budget Vote\nBy Ann Lee and Bo Chen\n\nText.\n\nClarification: Old note.\n\n"
        "Topics: Money, City\n",
    )
    run(first, published_at="2024-03-01T09:00")
    story = Story.objects.get()
    write(
        tmp_path,
        "a.txt",
        "Budget Vote\nBy Bo Chen\n\nNew text.\n\nCorrection: New note.\n\n"
        "Topics: City\n",
    )
    out, _ = run(first)
    story.refresh_from_db()

    assert story.body == "New text."
    assert [b.author.name for b in story.bylines.all()] == ["Bo Chen"]
    assert [t.name for t in story.topics.all()] == ["City"]
    assert sorted(story.clarifications.values_list("kind", "text")) == [
        ("clarification", "Old note."),
        ("correction", "New note."),
    ]
    assert "kept the published clarification of March 1, 2024" in out
    assert "updated:" in out


def test_a_reimport_replaces_draft_notes_without_duplicating(tmp_path):
    path = write(tmp_path, "a.txt", "Vote\nBy Ann Lee\n\nText.\n\nCorrection: Typo.\n")
    run(path, draft=True)
    write(tmp_path, "a.txt", "Vote\nBy Ann Lee\n\nText.\n\nCorrection: Fixed.\n")
    run(path, draft=True)
    run(path, draft=True)

    assert list(Clarification.objects.values_list("text", "published_at")) == [
        ("Fixed.", None)
    ]


def test_existing_topics_match_ignoring_case_and_authors_match_by_slug(tmp_path):
    topic = make_topic(name="International", slug="international")
    author = make_author(name="Allyson Versprille", slug="allyson-versprille")
    run(SEED)
    story = Story.objects.get()

    assert topic in story.topics.all()
    assert list(story.authors.all()) == [author]
    assert Topic.objects.filter(name__iexact="international").count() == 1


def test_draft_imports_are_not_published_and_undated_notes_stay_drafts():
    out, _ = run(SEED, draft=True)
    story = Story.objects.get()

    assert story.status == Story.Status.DRAFT
    assert story.published_at is None
    assert story.clarifications.get().published_at is None
    assert "(draft)" in out
    assert out.splitlines()[-1] == story.get_absolute_url()


def test_a_dated_correction_gets_its_own_date(tmp_path):
    path = write(
        tmp_path,
        "a.txt",
        "Vote\nBy Ann Lee\n\nText.\n\nCorrection: July 16, 2025 — The vote was 5-4.\n",
    )
    run(path, published_at="2025-07-01T08:00")

    note = Clarification.objects.get()
    assert note.kind == Clarification.Kind.CORRECTION
    assert note.text == "The vote was 5-4."
    assert note.published_at == datetime(2025, 7, 16, tzinfo=NEW_YORK)


def test_published_at_takes_an_offset(tmp_path):
    run(SEED, published_at="2015-05-08T16:00:00+00:00")

    assert Story.objects.get().published_at == datetime(2015, 5, 8, 12, tzinfo=NEW_YORK)


def test_a_bad_published_at_is_refused_before_anything_is_written():
    _, _, error = run_failing(SEED, published_at="yesterday")

    assert "“yesterday” is not an ISO date-time" in str(error)
    assert not Story.objects.exists()


def test_a_bad_published_at_on_the_command_line_exits_nonzero():
    with pytest.raises(CommandError, match="not an ISO date-time"):
        call_command("import_story", str(SEED), "--published-at=2015-13-45")


def test_several_files_show_progress_and_a_bad_one_spoils_only_itself(tmp_path):
    good = write(tmp_path, "good.txt", "Good One\nBy Ann Lee\n\nText.\n")
    bad = write(tmp_path, "bad.txt", "Bad One\nBy Bo Chen\n\n\nTopics: Lost\n")
    missing = tmp_path / "missing.txt"
    out, err, error = run_failing(good, bad, missing, SEED)

    assert f"[1/4] {good}" in out
    assert f"[4/4] {SEED}" in out
    assert f"{bad}: line 5: the story has no body" in err
    assert f"{missing}: no such file." in err
    assert "2 of 4 file(s) could not be imported" in str(error)
    assert sorted(Story.objects.values_list("headline", flat=True)) == [
        "Good One",
        "New Era of U.S.-Japan Defense Cooperation Sparks Debate",
    ]
    assert not Author.objects.filter(name="Bo Chen").exists()
    assert not Topic.objects.filter(name="Lost").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (
            b"GIF89a\x01\x00\x01\x00\x00\xff\x00",
            "line 1: this looks like a binary file",
        ),
        (b"Headline\nBy Ann\n\nCaf\xe9\n", "line 4: the file is not UTF-8 text"),
        (b"By Ann Lee\n\nText.\n", "line 1: expected the headline"),
    ],
)
def test_bad_files_exit_nonzero_naming_the_file_and_write_nothing(
    tmp_path, content, message
):
    path = write(tmp_path, "story.txt", content)
    _, err, error = run_failing(path)

    assert f"{path}: {message}" in err
    assert "Nothing was imported." in err
    assert "1 of 1 file(s) could not be imported" in str(error)
    assert not Story.objects.exists()
    assert not Author.objects.exists()


def test_a_story_that_cannot_be_published_rolls_back_entirely(tmp_path):
    path = write(tmp_path, "a.txt", "No Byline\n\nText.\n\nTopics: Orphans\n")
    _, err, _ = run_failing(path)

    assert "needs at least one author before publishing" in err
    assert not Story.objects.exists()
    assert not Topic.objects.exists()


def test_a_folder_is_refused(tmp_path):
    _, err, _ = run_failing(tmp_path)

    assert f"{tmp_path}: is a folder, not a story file." in err


def test_unicode_headlines_get_a_stable_slug_and_reimport_finds_them(tmp_path):
    text = "中国与日本 😀\nBy 李明\n\nÉté — “quoted” 🇯🇵.\n\nTopics: 国际\n"
    path = write(tmp_path, "zh.txt", text)
    out, _ = run(path)
    run(path)
    story = Story.objects.get()

    assert story.headline == "中国与日本 😀"
    assert story.slug.startswith("story-")
    assert story.body == "Été — “quoted” 🇯🇵."
    assert story.authors.get().name == "李明"
    assert story.topics.get().name == "国际"
    assert out.splitlines()[-1] == story.get_absolute_url()


def test_a_story_whose_slug_was_changed_is_still_found(tmp_path):
    run(SEED)
    story = Story.objects.get()
    change_story_slug(story, new_slug="us-japan-defense", by=None)
    run(SEED)

    assert Story.objects.get().slug == "us-japan-defense"
    assert SlugHistory.objects.filter(story=story).exists()


def test_an_existing_published_clarification_is_not_duplicated():
    run(SEED, published_at="2015-05-08T12:00")
    story = Story.objects.get()
    make_clarification(story, text="A later, separate note.")
    run(SEED)

    assert story.clarifications.count() == 2
