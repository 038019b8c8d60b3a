"""Who may do what in the articles admin: each role its job and no more.

The groups come from the articles data migration (0002). Comment permissions are
granted by the comments app and tested there.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Author, Clarification, Story, Topic
from tests.factories import (
    make_clarification,
    make_editor,
    make_moderator,
    make_published_story,
    make_story,
)

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    return reverse(f"admin:articles_{name}", args=args)


@pytest.fixture
def as_editor(client):
    client.force_login(make_editor())
    return client


@pytest.fixture
def as_moderator(client):
    client.force_login(make_moderator())
    return client


def story_post(story: Story | None = None, **changes) -> dict:
    """What the story form posts: its fields and empty inline management forms."""
    data = {
        "headline": story.headline if story else "New story",
        "slug": story.slug if story else "new-story",
        "body": "Text.",
        "comment_policy": "limited",
        "text_changes": "site",
        "comment_moderation": "pre",
        "_save": "Save",
    }
    for prefix in ("bylines", "clarifications", "clarifications-2"):
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    return data | changes


# --- Anonymous visitors ----------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        url("story_changelist"),
        url("story_add"),
        url("clarification_changelist"),
        url("author_add"),
        url("topic_changelist"),
    ],
)
def test_anonymous_visitors_are_sent_to_the_login_page(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse('admin:login')}?next=")


def test_anonymous_visitors_cannot_publish(client):
    story = make_story()

    response = client.post(
        url("story_changelist"),
        {"action": "publish_now", "_selected_action": [story.pk]},
    )
    story.refresh_from_db()

    assert response.status_code == 302
    assert story.status == Story.Status.DRAFT


# --- Editors ---------------------------------------------------------------------


def test_an_editor_can_add_a_story(as_editor):
    response = as_editor.post(url("story_add"), story_post())

    assert response.status_code == 302
    assert Story.objects.get().headline == "New story"


def test_an_editor_can_change_a_story(as_editor):
    story = make_story()

    response = as_editor.post(
        url("story_change", story.pk), story_post(story, headline="Better")
    )
    story.refresh_from_db()

    assert response.status_code == 302
    assert story.headline == "Better"


def test_an_editor_sets_a_storys_comment_moderation(as_editor):
    story = make_story()

    response = as_editor.post(
        url("story_change", story.pk), story_post(story, comment_moderation="post")
    )
    story.refresh_from_db()

    assert response.status_code == 302
    assert story.comment_moderation == Story.CommentModeration.POST


def test_an_editor_can_publish_and_unpublish(as_editor):
    story = make_story()
    publish = {"action": "publish_now", "_selected_action": [story.pk]}
    unpublish = {"action": "unpublish", "_selected_action": [story.pk]}

    as_editor.post(url("story_changelist"), publish)
    story.refresh_from_db()
    was_live = story.is_live
    as_editor.post(url("story_changelist"), unpublish)
    story.refresh_from_db()

    assert was_live
    assert story.status == Story.Status.DRAFT


def test_an_editor_can_add_a_clarification(as_editor):
    story = make_published_story()
    now = timezone.localtime()

    response = as_editor.post(
        url("clarification_add"),
        {
            "story": story.pk,
            "kind": "correction",
            "text": "A later correction.",
            "published_at_0": now.strftime("%Y-%m-%d"),
            "published_at_1": now.strftime("%H:%M:%S"),
        },
    )

    assert response.status_code == 302
    assert Clarification.objects.get().text == "A later correction."


def test_an_editor_cannot_edit_or_delete_a_published_clarification(as_editor):
    clarification = make_clarification(make_published_story(), text="As issued.")

    change = as_editor.post(
        url("clarification_change", clarification.pk),
        {"story": clarification.story_id, "kind": "clarification", "text": "Edited"},
    )
    delete = as_editor.post(
        url("clarification_delete", clarification.pk), {"post": "yes"}
    )
    clarification.refresh_from_db()

    assert (change.status_code, delete.status_code) == (403, 403)
    assert clarification.text == "As issued."


def test_an_editor_can_add_authors_and_topics(as_editor):
    author = as_editor.post(url("author_add"), {"name": "Ann Lee", "slug": "ann-lee"})
    topic = as_editor.post(url("topic_add"), {"name": "City", "slug": "city"})

    assert (author.status_code, topic.status_code) == (302, 302)
    assert Author.objects.filter(slug="ann-lee").exists()
    assert Topic.objects.filter(slug="city").exists()


def test_an_editor_cannot_manage_users(as_editor):
    assert as_editor.get(reverse("admin:auth_user_changelist")).status_code == 403


# --- Moderators: stories are read-only -------------------------------------------


def test_a_moderator_can_read_the_story_list_and_a_story(as_moderator):
    story = make_story()

    listing = as_moderator.get(url("story_changelist"))
    page = as_moderator.get(url("story_change", story.pk))

    assert listing.status_code == 200
    assert page.status_code == 200
    assert not page.context["has_change_permission"]


@pytest.mark.parametrize(
    "name", ["story_add", "clarification_add", "author_add", "topic_add"]
)
def test_a_moderator_cannot_add_anything_to_articles(as_moderator, name):
    assert as_moderator.get(url(name)).status_code == 403


def test_a_moderator_cannot_change_a_story(as_moderator):
    story = make_story(headline="Original")

    response = as_moderator.post(
        url("story_change", story.pk), story_post(story, headline="Defaced")
    )
    story.refresh_from_db()

    assert response.status_code == 403
    assert story.headline == "Original"


@pytest.mark.parametrize("action", ["publish_now", "unpublish", "delete_selected"])
def test_a_moderator_cannot_run_story_actions(as_moderator, action):
    draft, live = make_story(), make_published_story()

    response = as_moderator.post(
        url("story_changelist"),
        {"action": action, "_selected_action": [draft.pk, live.pk], "post": "yes"},
    )
    draft.refresh_from_db()
    live.refresh_from_db()

    assert response.status_code == 403
    assert draft.status == Story.Status.DRAFT
    assert live.is_live


def test_a_moderator_cannot_change_a_storys_comment_moderation(as_moderator):
    story = make_story()

    response = as_moderator.post(
        url("story_change", story.pk), story_post(story, comment_moderation="post")
    )
    story.refresh_from_db()

    assert response.status_code == 403
    assert story.comment_moderation == Story.CommentModeration.PRE


def test_a_moderator_cannot_delete_a_story(as_moderator):
    story = make_story()

    response = as_moderator.post(url("story_delete", story.pk), {"post": "yes"})

    assert response.status_code == 403
    assert Story.objects.filter(pk=story.pk).exists()


def test_a_moderator_cannot_change_a_draft_clarification(as_moderator):
    draft = make_clarification(make_published_story(), published_at=None)

    response = as_moderator.post(
        url("clarification_change", draft.pk),
        {"story": draft.story_id, "kind": "clarification", "text": "Edited"},
    )

    assert response.status_code == 403


def test_a_moderator_cannot_manage_users(as_moderator):
    assert as_moderator.get(reverse("admin:auth_user_changelist")).status_code == 403


# --- The desk's new pages: history, restore, schedule, report, time zone ---------


def _two_versions() -> Story:
    from articles.services import save_story

    story = make_story(body="One.")
    for body in ("One.", "Two."):
        story.body = body
        save_story(story, by=None)
    return story


def test_an_editor_can_restore_a_version_and_read_the_report(as_editor):
    story = _two_versions()
    first = story.revisions.get(number=1)

    restore = as_editor.post(url("story_restore", story.pk, first.pk))
    report = as_editor.get(url("story_report"))

    assert (restore.status_code, report.status_code) == (302, 200)
    assert story.revisions.count() == 3


def test_a_moderator_cannot_restore_schedule_or_read_the_report(as_moderator):
    story = _two_versions()
    first = story.revisions.get(number=1)
    at = timezone.localtime() + timedelta(days=1)

    restore = as_moderator.post(url("story_restore", story.pk, first.pk))
    schedule = as_moderator.post(
        url("story_change", story.pk),
        story_post(
            story,
            _schedule="Save and schedule",
            published_at_0=at.strftime("%Y-%m-%d"),
            published_at_1=at.strftime("%H:%M:%S"),
        ),
    )
    report = as_moderator.get(url("story_report"))
    history = as_moderator.get(url("story_history", story.pk))

    assert (restore.status_code, schedule.status_code, report.status_code) == (
        403,
        403,
        403,
    )
    assert history.status_code == 200  # reading the history is fine
    story.refresh_from_db()
    assert story.status == Story.Status.DRAFT and story.revisions.count() == 2


def test_anyone_on_the_desk_sets_their_own_time_zone_only(as_moderator):
    page = as_moderator.get(reverse("admin:time-zone"))

    assert page.status_code == 200


def test_anonymous_visitors_cannot_reach_the_desks_new_pages(client):
    story = _two_versions()
    paths = [
        url("story_history", story.pk),
        url("story_report"),
        url("story_restore", story.pk, story.revisions.first().pk),
        reverse("admin:time-zone"),
    ]

    assert {client.get(path).status_code for path in paths} == {302}
    assert client.post(url("story_preview_body"), {"body": "x"}).status_code == 302
