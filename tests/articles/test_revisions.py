"""Revisions: every save through the story service records one, readers' versions are
the ones they could see, and restoring records a new one (articles/services.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Author, Revision, Story
from articles.services import (
    Credit,
    PublishError,
    RevisionError,
    publish_story,
    restore_revision,
    save_story,
    schedule_story,
    unpublish_story,
)
from tests.factories import (
    make_author,
    make_editor,
    make_published_story,
    make_story,
    make_topic,
)

pytestmark = pytest.mark.django_db


def edit(story: Story, by=None, note: str = "", **fields) -> Story:
    for name, value in fields.items():
        setattr(story, name, value)
    return save_story(story, by=by, note=note)


def test_a_save_records_the_words_byline_topics_and_who():
    editor = make_editor()
    ann = make_author(name="Ann Lee")
    city = make_topic(name="City")
    story = Story(headline="Dredging approved", slug="dredging", body="First.")

    save_story(
        story,
        by=editor,
        credits=[Credit(ann, "photographer")],
        topics=[city],
        note="First draft",
    )

    revision = story.revisions.get()
    assert (revision.number, revision.headline, revision.body) == (
        1,
        "Dredging approved",
        "First.",
    )
    assert revision.byline == [
        {"author": ann.pk, "name": "Ann Lee", "role": "photographer"}
    ]
    assert revision.topics == [{"topic": city.pk, "name": "City"}]
    assert (revision.by, revision.by_name, revision.note) == (
        editor,
        editor.username,
        "First draft",
    )
    assert revision.public_from is None  # a draft: readers never saw it


def test_each_change_is_numbered_and_an_unchanged_save_records_nothing():
    story = make_story()
    edit(story, body="One.")
    edit(story, body="Two.")
    edit(story, body="Two.")  # nothing changed

    assert list(story.revisions.values_list("number", "body")) == [
        (1, "One."),
        (2, "Two."),
    ]


def test_a_save_of_a_live_story_is_public_at_once():
    story = make_published_story(body="As published.")
    edit(story, body="Edited while live.")

    revision = story.revisions.get()
    assert revision.public_from is not None
    assert revision.public_from <= timezone.now()
    assert list(Revision.objects.public()) == [revision]


def test_publishing_makes_the_current_version_public_at_the_publication_time():
    story = make_story()
    edit(story, body="Draft one.")
    edit(story, body="Draft two.")

    publish_story(story, by=None)

    first, second = story.revisions.all()
    assert first.public_from is None  # readers never saw the first draft
    assert second.public_from == story.published_at


def test_a_scheduled_version_is_replaced_by_a_later_save_before_its_time():
    story = make_story(body="Planned.")
    edit(story, body="Planned.", headline="Planned story")
    at = timezone.now() + timedelta(hours=2)
    schedule_story(story, at=at, by=None)

    edit(story, body="Improved before the time came.")

    planned, improved = story.revisions.all()
    assert planned.public_from is None
    assert improved.public_from == at
    assert not Revision.objects.public().exists()  # not yet
    assert list(Revision.objects.public(at=at)) == [improved]


def test_unpublishing_a_scheduled_story_withdraws_its_waiting_version():
    story = make_story()
    edit(story, body="Planned.")
    schedule_story(story, at=timezone.now() + timedelta(hours=2), by=None)

    unpublish_story(story, by=None)

    assert story.revisions.get().public_from is None


def test_versions_saved_while_unpublished_stay_private_until_republished():
    story = make_story()
    edit(story, body="Seen.")
    publish_story(story, by=None)
    unpublish_story(story, by=None)
    edit(story, body="Work in progress.")
    edit(story, body="Ready again.")
    publish_story(story, by=None)

    public = list(Revision.objects.public().values_list("body", flat=True))
    assert public == ["Seen.", "Ready again."]


def test_a_live_story_cannot_be_scheduled():
    story = make_published_story()

    with pytest.raises(PublishError, match="already live"):
        schedule_story(story, at=timezone.now() + timedelta(days=1), by=None)
    assert not story.events.exists()


def test_restore_records_a_new_version_and_keeps_the_past():
    editor = make_editor()
    story = make_published_story(headline="First headline", body="First text.")
    edit(story, headline="First headline", body="First text.")
    edit(story, headline="Second headline", body="Second text.")

    new, left_out = restore_revision(story, story.revisions.get(number=1), by=editor)

    story.refresh_from_db()
    assert (story.headline, story.body) == ("First headline", "First text.")
    assert left_out == []
    assert (new.number, new.body, new.restored_from.number) == (3, "First text.", 1)
    assert new.note == "Restored version 1" and new.by == editor
    assert list(story.revisions.values_list("body", flat=True)) == [
        "First text.",
        "Second text.",
        "First text.",
    ]


def test_restore_brings_back_the_byline_and_topics_that_still_exist():
    ann, bo = make_author(name="Ann Lee"), make_author(name="Bo Chen")
    city, gone = make_topic(name="City"), make_topic(name="Gone")
    story = make_story(authors=[ann])
    save_story(story, by=None, credits=[Credit(ann), Credit(bo)], topics=[city, gone])
    save_story(story, by=None, credits=[Credit(ann)], topics=[])
    gone.delete()

    _, left_out = restore_revision(story, story.revisions.get(number=1), by=None)

    assert [b.author for b in story.bylines.all()] == [ann, bo]
    assert list(story.topics.all()) == [city]
    assert left_out == ["the topic Gone (deleted since)"]


def test_restore_leaves_out_an_author_deleted_since():
    ann, bo = make_author(name="Ann Lee"), make_author(name="Bo Chen")
    story = make_story(authors=[ann])
    save_story(story, by=None, credits=[Credit(ann), Credit(bo)])
    save_story(story, by=None, credits=[Credit(ann)])
    Author.objects.filter(pk=bo.pk).delete()

    _, left_out = restore_revision(story, story.revisions.get(number=1), by=None)

    assert [b.author for b in story.bylines.all()] == [ann]
    assert left_out == ["Bo Chen (no longer an author)"]


def test_restoring_the_current_version_changes_nothing():
    story = make_story()
    edit(story, body="Only version.")

    new, _ = restore_revision(story, story.revisions.get(), by=None)

    assert new is None
    assert story.revisions.count() == 1


def test_a_version_of_another_story_is_refused_and_nothing_is_written():
    story, other = make_story(body="Mine."), make_story(body="Theirs.")
    edit(story, body="Mine.")
    edit(other, body="Theirs.")

    with pytest.raises(RevisionError, match="belongs to another story"):
        restore_revision(story, other.revisions.get(), by=None)

    story.refresh_from_db()
    assert story.body == "Mine."
    assert story.revisions.count() == 1


def test_restore_keeps_the_current_address():
    story = make_story(slug="first-address")
    edit(story, body="Text.")
    edit(story, slug="second-address")

    restore_revision(story, story.revisions.get(number=1), by=None)

    story.refresh_from_db()
    assert story.slug == "second-address"
