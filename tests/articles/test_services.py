"""The newsroom's verbs on stories (articles/services.py)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from articles.models import Byline, Clarification, SlugHistory, Story
from articles.services import (
    ClarificationError,
    Credit,
    PublishError,
    change_story_slug,
    clarify_story,
    delete_clarification,
    edit_clarification,
    publish_story,
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


def test_publish_sets_status_time_and_editor_together():
    story, editor = make_story(), make_editor()

    publish_story(story, by=editor)
    story.refresh_from_db()

    assert story.status == Story.Status.PUBLISHED
    assert story.published_at <= timezone.now()
    assert story.published_by == editor
    assert story.is_live


def test_schedule_embargoes_the_story_until_its_time():
    at = timezone.now() + timedelta(hours=3)
    editor = make_editor()

    story = schedule_story(make_story(), at=at, by=editor)

    assert story.is_scheduled and not story.is_live
    assert not Story.objects.published().filter(pk=story.pk).exists()
    assert Story.objects.published(at=at).filter(pk=story.pk).exists()
    event = story.events.get()
    assert (event.action, event.by, event.by_name) == (
        "scheduled",
        editor,
        editor.username,
    )


def test_schedule_refuses_a_time_that_has_passed_and_publish_one_to_come():
    story = make_story()
    past, future = (
        timezone.now() - timedelta(minutes=1),
        timezone.now() + timedelta(days=1),
    )

    with pytest.raises(PublishError, match="has passed"):
        schedule_story(story, at=past, by=None)
    with pytest.raises(PublishError, match="schedule"):
        publish_story(story, by=None, at=future)
    story.refresh_from_db()
    assert story.status == Story.Status.DRAFT and not story.events.exists()


def test_publish_now_puts_a_scheduled_story_live_at_once():
    story = make_published_story(published_at=timezone.now() + timedelta(days=2))

    publish_story(story, by=None)

    assert story.is_live
    assert story.published_at <= timezone.now()


def test_an_imported_story_can_keep_the_date_it_first_ran():
    ran = timezone.now() - timedelta(days=400)

    story = publish_story(make_story(), by=None, at=ran)

    assert story.published_at == ran and story.is_live
    assert story.events.get().by_name == "import"


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


def test_unpublish_hides_the_story_keeps_its_time_and_records_who():
    story = make_published_story()
    published_at = story.published_at
    editor = make_editor()

    unpublish_story(story, by=editor)
    unpublish_story(story, by=editor)  # a draft already: nothing more happens
    story.refresh_from_db()

    assert story.status == Story.Status.DRAFT
    assert story.published_at == published_at
    assert not Story.objects.published().exists()
    assert list(story.events.values_list("action", "by")) == [
        ("unpublished", editor.pk)
    ]


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

    change_story_slug(story, new_slug="two", by=None)
    change_story_slug(story, new_slug="one", by=None)

    assert list(SlugHistory.objects.values_list("slug", flat=True)) == ["two"]
    assert Story.objects.get(pk=story.pk).slug == "one"
    assert story.events.filter(action="slug-changed").count() == 2


def test_no_story_takes_or_wipes_another_storys_old_address():
    moved = make_published_story(slug="bridge")
    change_story_slug(moved, new_slug="bridge-repairs", by=None)
    other = make_published_story(slug="ferry")

    with pytest.raises(ValidationError) as refused:
        change_story_slug(other, new_slug="bridge", by=None)
    other.refresh_from_db()
    change_story_slug(other, new_slug="ferry-returns", by=None)

    assert "old address of the story" in refused.value.message_dict["slug"][0]
    assert other.slug == "ferry-returns"
    assert dict(SlugHistory.objects.values_list("slug", "story")) == {
        "bridge": moved.pk,
        "ferry": other.pk,
    }


def test_a_made_slug_that_is_another_storys_old_address_is_refused_too():
    moved = make_published_story(slug="bridge-repairs")
    SlugHistory.objects.create(slug="bridge-closes", story=moved)
    stories = Story.objects.count()

    with pytest.raises(ValidationError):
        save_story(Story(headline="Bridge closes", body="Text."), by=None)

    assert Story.objects.count() == stories


def test_an_old_address_leads_to_the_story_that_last_had_it():
    """Sites from before the rule may have a story holding another's old address;
    when it moves on, its old links lead to it, not to the first owner."""
    first = make_published_story(slug="bridge-repairs")
    SlugHistory.objects.create(slug="bridge", story=first)
    holder = make_published_story(slug="bridge")

    change_story_slug(holder, new_slug="bridge-reopens", by=None)

    assert SlugHistory.objects.get(slug="bridge").story == holder


# --- Saving ---------------------------------------------------------------------------


def test_save_story_writes_the_byline_in_order_and_the_topics():
    writer, photographer = make_author(name="Wu"), make_author(name="Pat")
    topic = make_topic()
    story = Story(headline="Harbour dredged", slug="harbour", body="Text.")

    save_story(
        story,
        by=None,
        credits=[
            Credit(writer),
            Credit(photographer, Byline.Role.PHOTOGRAPHER),
            Credit(writer),  # listed twice: kept once, first place
        ],
        topics=[topic],
    )

    bylines = list(story.bylines.values_list("author__name", "role", "position"))
    assert bylines == [("Wu", "writer", 0), ("Pat", "photographer", 1)]
    assert list(story.topics.all()) == [topic]


def test_save_story_without_credits_or_topics_leaves_them_alone():
    story = make_published_story(topics=[make_topic()])
    before = list(story.bylines.values_list("pk", flat=True))
    story.headline = "New headline"

    save_story(story, by=None)

    assert list(story.bylines.values_list("pk", flat=True)) == before
    assert story.topics.count() == 1
    assert Story.objects.get(pk=story.pk).headline == "New headline"


def test_saving_moves_the_page_cache_stamp_after_commit(
    django_capture_on_commit_callbacks,
):
    story = make_story()

    with django_capture_on_commit_callbacks() as callbacks:
        save_story(story, by=None)

    # The service and the safety-net signal both ask; one move is made.
    assert {(id(callback), callback.scope) for callback in callbacks} == {
        (id(callbacks[0]), "site")
    }


# --- Clarifications -------------------------------------------------------------------


def test_a_draft_note_has_no_date_and_is_not_public():
    story = make_published_story()

    note = clarify_story(story, text="To check.", by=None, draft=True)

    assert note.published_at is None
    assert not story.events.exists()
    assert not Story.objects.for_detail().get(pk=story.pk).is_updated


def test_giving_a_draft_a_date_publishes_it():
    story = make_published_story()
    note = clarify_story(story, text="To check.", by=None, draft=True)
    editor = make_editor()

    edit_clarification(
        note, text="Checked.", kind="correction", at=timezone.now(), by=editor
    )

    note.refresh_from_db()
    assert note.is_published and note.issued_by == editor and note.text == "Checked."
    assert story.events.get().detail == "correction"


def test_a_note_cannot_be_dated_before_the_story_went_live():
    story = make_published_story()

    with pytest.raises(ClarificationError, match="before the story was published"):
        clarify_story(story, text="x", by=None, at=story.published_at - timedelta(1))
    assert not story.clarifications.exists()


def test_published_notes_can_be_neither_edited_nor_deleted():
    story = make_published_story()
    note = clarify_story(story, text="Final.", by=None)

    with pytest.raises(ClarificationError, match="can't be changed"):
        edit_clarification(note, text="Changed", kind=note.kind, at=None, by=None)
    with pytest.raises(ClarificationError, match="can't be deleted"):
        delete_clarification(note, by=None)
    note.refresh_from_db()
    assert note.text == "Final." and note.is_published


def test_a_draft_or_scheduled_note_can_be_deleted():
    story = make_published_story()
    draft = clarify_story(story, text="Draft.", by=None, draft=True)
    later = clarify_story(
        story, text="Later.", by=None, at=timezone.now() + timedelta(days=1)
    )

    delete_clarification(draft, by=None)
    delete_clarification(later, by=None)

    assert not story.clarifications.exists()
