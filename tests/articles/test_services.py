"""The newsroom's verbs on stories (articles/services.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Byline, Clarification, SlugHistory, Story
from articles.services import (
    ClarificationError,
    PublishError,
    change_story_slug,
    clarify_story,
    publish_story,
    unpublish_story,
)
from tests.factories import make_editor, make_published_story, make_story

pytestmark = pytest.mark.django_db


def test_publish_sets_status_time_and_editor_together():
    story, editor = make_story(), make_editor()

    publish_story(story, by=editor)
    story.refresh_from_db()

    assert story.status == Story.Status.PUBLISHED
    assert story.published_at <= timezone.now()
    assert story.published_by == editor
    assert story.is_live


def test_publish_in_the_future_embargoes_the_story():
    at = timezone.now() + timedelta(hours=3)

    story = publish_story(make_story(), by=None, at=at)

    assert not story.is_live
    assert not Story.objects.published().filter(pk=story.pk).exists()


def test_publishing_a_live_story_again_keeps_its_dated_url():
    story = make_published_story(published_at=timezone.now() - timedelta(days=3))
    url = story.get_absolute_url()

    publish_story(story, by=None)
    story.refresh_from_db()

    assert story.get_absolute_url() == url


def test_publish_refuses_a_story_without_authors_or_body():
    no_author = make_story()
    Byline.objects.filter(story=no_author).delete()
    no_body = make_story(body="   ")

    with pytest.raises(PublishError, match="author"):
        publish_story(no_author, by=None)
    with pytest.raises(PublishError, match="body"):
        publish_story(no_body, by=None)


def test_unpublish_hides_the_story_and_keeps_its_time():
    story = make_published_story()
    published_at = story.published_at

    unpublish_story(story, by=None)
    story.refresh_from_db()

    assert story.status == Story.Status.DRAFT
    assert story.published_at == published_at
    assert not Story.objects.published().exists()


def test_clarify_appends_a_dated_note_and_moves_the_story_updated_time():
    story = make_published_story()
    Story.objects.filter(pk=story.pk).update(
        updated_at=timezone.now() - timedelta(days=1)
    )
    story.refresh_from_db()
    before = story.updated_at

    note = clarify_story(story, text="  Fixed a figure.  ", by=make_editor())
    story.refresh_from_db()

    assert note.text == "Fixed a figure."
    assert note.kind == Clarification.Kind.CLARIFICATION
    assert note.is_published
    assert story.updated_at > before
    assert Story.objects.for_detail().get(pk=story.pk).is_updated


def test_clarify_refuses_empty_text_and_unknown_kinds():
    story = make_published_story()

    with pytest.raises(ClarificationError):
        clarify_story(story, text="  ", by=None)
    with pytest.raises(ClarificationError):
        clarify_story(story, text="x", by=None, kind="retraction")
    assert not story.clarifications.exists()


def test_changing_the_slug_records_the_old_one_and_can_take_it_back():
    story = make_published_story(slug="one")

    change_story_slug(story, new_slug="two")
    change_story_slug(story, new_slug="one")

    assert list(SlugHistory.objects.values_list("slug", flat=True)) == ["two"]
    assert Story.objects.get(pk=story.pk).slug == "one"
