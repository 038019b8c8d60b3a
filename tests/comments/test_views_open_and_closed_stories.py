"""Which stories take comments: not drafts, embargoed or missing stories, not once
an editor closes them or the usual period ends."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Story
from comments.models import Comment
from tests.factories import (
    filled_form,
    form_url,
    make_published_story,
    make_story,
    post_comment,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "story_fields",
    [
        {"status": "draft"},
        {"status": "published", "published_at_offset": timedelta(hours=2)},
    ],
)
def test_drafts_and_embargoed_stories_take_no_comments(client, story_fields):
    offset = story_fields.pop("published_at_offset", None)
    if offset:
        story_fields["published_at"] = timezone.now() + offset
    story = make_story(**story_fields)
    live = make_published_story()
    data = filled_form(client, live)

    assert client.get(form_url(story)).status_code == 404
    assert post_comment(client, story, data).status_code == 404
    assert not Comment.objects.exists()


def test_a_missing_story_is_404(client):
    assert (
        client.get(reverse("comments:comment-form", args=[999_999])).status_code == 404
    )


def test_an_editor_can_close_comments_on_a_story(client):
    story = make_published_story()
    data = filled_form(client, story)
    story.comment_policy = Story.CommentPolicy.CLOSED
    story.save()

    form = client.get(form_url(story))
    posted = post_comment(client, story, data)
    page = client.get(story.get_absolute_url()).content.decode()

    assert form.status_code == posted.status_code == 403
    assert "Comments are closed on this story." in posted.content.decode()
    assert "Comments are closed on this story." in page
    assert "data-comment-form-link" not in page
    assert not Comment.objects.exists()


def test_comments_close_by_themselves_after_the_configured_days(client, settings):
    settings.COMMENTS_CLOSE_AFTER_DAYS = 30
    old = make_published_story(
        published_at=timezone.now() - timedelta(days=30, hours=1)
    )
    recent = make_published_story(published_at=timezone.now() - timedelta(days=29))

    assert client.get(form_url(old)).status_code == 403
    assert client.get(form_url(recent)).status_code == 200
