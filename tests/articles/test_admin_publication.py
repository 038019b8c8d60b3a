"""Publishing from the story's own page: the buttons save what was typed first, then
publish, schedule or unpublish; "Scheduled" shows until the time comes; and the
papercuts around it (View on site, Published by, times in the editor's zone)."""

import zoneinfo
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import dateformat, timezone

from articles.models import Story
from newsroom.models import StaffTimeZone
from tests.factories import (
    change_url,
    form_data,
    make_moderator,
    make_published_story,
    make_story,
    make_user,
)

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def press(client, story, button: str, **changes):
    """The story's page as it shows, with `changes` typed, sent with `button`."""
    data = form_data(client.get(change_url(story))) | {button: "x"} | changes
    data.pop("_save", None)
    return client.post(change_url(story), data)


def typed(moment) -> dict[str, str]:
    local = timezone.localtime(moment)
    return {
        "published_at_0": local.strftime("%Y-%m-%d"),
        "published_at_1": local.strftime("%H:%M:%S"),
    }


def test_schedule_saves_the_edits_and_sets_the_story_to_go_live_later(client, editor):
    story = make_story(body="Old text.")
    at = (timezone.now() + timedelta(hours=5)).replace(microsecond=0)

    response = press(client, story, "_schedule", body="New text.", **typed(at))

    story.refresh_from_db()
    assert response.status_code == 302
    assert (story.body, story.published_at, story.is_scheduled) == (
        "New text.",
        at,
        True,
    )
    assert story.events.get().action == "scheduled"
    page = client.get(change_url(story)).content.decode()
    when = dateformat.format(timezone.localtime(at), "N j, Y, P T")
    assert f"Scheduled for {when}" in page
    listing = client.get(reverse("admin:articles_story_changelist")).content.decode()
    assert f"Scheduled for {when}" in listing


def test_a_schedule_in_the_past_is_refused_with_the_text_kept_and_nothing_saved(
    client, editor
):
    story = make_story(body="Old text.")
    past = timezone.now() - timedelta(hours=1)

    response = press(client, story, "_schedule", body="Typed text.", **typed(past))

    story.refresh_from_db()
    assert response.status_code == 200
    assert "has passed: pick a time to come, or publish now." in str(
        response.context["adminform"].form.errors["published_at"]
    )
    assert "Typed text." in response.content.decode()
    assert (story.body, story.status) == ("Old text.", Story.Status.DRAFT)
    assert not story.events.exists() and not story.revisions.exists()


def test_schedule_without_a_time_says_to_set_one(client, editor):
    story = make_story()

    response = press(client, story, "_schedule")

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["published_at"] == [
        "Set the publication time first: the story goes live at that time."
    ]


def test_publish_now_on_a_scheduled_story_publishes_now_and_says_so(client, editor):
    at = timezone.now() + timedelta(days=1)
    story = make_published_story(published_at=at, headline="Embargoed")

    response = press(client, story, "_publish")

    story.refresh_from_db()
    assert story.is_live
    when = dateformat.format(timezone.localtime(at), "N j, Y, P T")
    assert messages_of(response) == [
        f"Saved and published “Embargoed” now, instead of at {when} as scheduled."
    ]


def test_unpublish_from_the_story_page_keeps_the_edits_typed(client, editor):
    story = make_published_story(body="Live text.")

    response = press(client, story, "_unpublish", body="Fixed while pulling it.")

    story.refresh_from_db()
    assert response.status_code == 302
    assert story.status == Story.Status.DRAFT
    assert story.body == "Fixed while pulling it."


def test_a_new_story_can_be_written_and_published_in_one_go(client, editor):
    add = reverse("admin:articles_story_add")
    data = form_data(client.get(add)) | {
        "headline": "Written and published",
        "slug": "written-and-published",
        "body": "Text.",
        "bylines-TOTAL_FORMS": "0",
        "_publish": "x",
    }
    data.pop("_save", None)

    response = client.post(add, data)

    story = Story.objects.get()
    assert response.status_code == 302
    assert story.status == Story.Status.DRAFT  # saved, but no author yet
    assert messages_of(response) == [
        "Saved, but “Written and published” needs at least one author before "
        "publishing."
    ]


def test_moving_a_scheduled_time_reschedules_it_and_a_live_story_cannot_move_ahead(
    client, editor
):
    scheduled = make_published_story(published_at=timezone.now() + timedelta(days=1))
    live = make_published_story()
    later = (timezone.now() + timedelta(days=2)).replace(microsecond=0)

    moved = press(client, scheduled, "_save", **typed(later))
    refused = press(client, live, "_save", **typed(later))

    scheduled.refresh_from_db()
    assert moved.status_code == 302
    assert scheduled.published_at == later
    assert scheduled.events.get().action == "scheduled"
    assert refused.status_code == 200
    assert "already live" in str(refused.context["adminform"].form.errors)


def test_moderators_cannot_press_the_publication_buttons(client):
    story = make_story()
    client.force_login(make_moderator())

    response = client.post(change_url(story), {"_publish": "x"})

    story.refresh_from_db()
    assert response.status_code == 403
    assert story.status == Story.Status.DRAFT


def test_view_on_site_opens_a_drafts_preview_and_a_live_storys_page(client, editor):
    draft, live = make_story(), make_published_story()

    draft_page = client.get(change_url(draft))
    live_page = client.get(change_url(live))

    preview = reverse("articles:story-preview", kwargs={"pk": draft.pk})
    assert draft_page.context["absolute_url"].endswith(preview)
    assert client.get(preview).status_code == 200
    assert live_page.context["absolute_url"].endswith(live.get_absolute_url())


def test_published_by_links_only_for_those_who_can_view_users(client, editor):
    admin_user = make_user(is_superuser=True, username="chief")
    story = make_published_story(published_by=admin_user)

    as_editor = client.get(change_url(story)).content.decode()
    client.force_login(admin_user)
    as_admin = client.get(change_url(story)).content.decode()

    user_page = reverse("admin:auth_user_change", args=[admin_user.pk])
    assert user_page not in as_editor and "chief" in as_editor
    assert user_page in as_admin


def test_the_form_says_which_time_zone_its_times_are_in(client, editor):
    StaffTimeZone.objects.create(user=editor, name="Asia/Tokyo")
    at = timezone.now() + timedelta(hours=5)
    story = make_published_story(published_at=at)

    page = client.get(change_url(story))
    html = page.content.decode()

    assert "Times are in Asia/Tokyo, your time zone on the desk" in html
    tokyo = timezone.localtime(at, timezone=zoneinfo.ZoneInfo("Asia/Tokyo"))
    assert form_data(page)["published_at_1"] == tokyo.strftime("%H:%M:%S")
