"""A story's moderation mode (pre or post) and a commenter's standing (trusted
after N approved comments, off by default): what a new comment's status is, what
readers see at once, and what still waits for a moderator."""

import pytest

from articles.models import Story
from comments.models import Comment, ModerationWord
from comments.services import submit_comment
from tests.factories import (
    filled_form,
    make_approved_comment,
    make_comment,
    make_published_story,
    post_comment,
)

pytestmark = pytest.mark.django_db

Status = Comment.Status
POST = Story.CommentModeration.POST
EMAIL = "regular@example.org"


def submit(story=None, **fields):
    data = {"name": "Ada", "email": EMAIL, "body": "Fine words.", "ip_address": None}
    return submit_comment(story or make_published_story(), **data | fields)


def test_stories_are_pre_moderated_unless_an_editor_says_otherwise():
    story = make_published_story()

    assert story.comment_moderation == Story.CommentModeration.PRE
    assert submit(story).status == Status.PENDING


def test_on_a_post_moderated_story_a_comment_shows_at_once_and_waits_for_review(
    django_capture_on_commit_callbacks,
):
    story = make_published_story(comment_moderation=POST)

    with django_capture_on_commit_callbacks() as callbacks:
        comment = submit(story)

    assert comment.status == Status.UNREVIEWED
    assert list(Comment.objects.public()) == [comment]
    assert list(Comment.objects.in_queue(Comment.Queue.NEW)) == [comment]
    event = comment.moderation_events.get()
    assert event.reason == "Post-moderated story: shown at once"
    # The story's page changes after commit, once (the same callback, however
    # many writes asked for it).
    assert len({id(callback) for callback in callbacks}) == 1


def test_rules_still_hold_comments_on_a_post_moderated_story():
    ModerationWord.objects.create(word="lawsuit")
    story = make_published_story(comment_moderation=POST)

    held = submit(story, body="A lawsuit")

    assert (held.status, held.rule) == (Status.PENDING, Comment.Rule.SUSPECT_WORD)
    assert not Comment.objects.public().exists()


def test_a_post_moderated_story_tells_the_reader_the_comment_is_published(client):
    story = make_published_story(comment_moderation=POST)

    response = post_comment(client, story, filled_form(client, story, body="Live!"))

    page = client.get(response["Location"]).content.decode()
    assert "Thanks — your comment is published." in page
    assert "Live!" in page
    assert "Comments (1)" in page


def test_a_closed_story_takes_no_comment_whatever_its_moderation_mode(client):
    story = make_published_story(comment_moderation=POST)
    data = filled_form(client, story)
    Story.objects.filter(pk=story.pk).update(comment_policy="closed")

    response = post_comment(client, story, data)

    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_trust_is_off_by_default(settings):
    assert settings.COMMENTS_TRUSTED_AFTER == 0
    for _ in range(5):
        make_approved_comment(email=EMAIL)

    assert submit().status == Status.PENDING


def test_a_trusted_commenters_comment_is_approved_at_once(settings):
    settings.COMMENTS_TRUSTED_AFTER = 3
    for _ in range(3):
        make_approved_comment(email="Regular@Example.org")

    comment = submit()

    assert comment.status == Status.APPROVED
    assert comment.moderation_events.get().reason == "Trusted commenter (3 approved)"


def test_fewer_approved_comments_than_the_setting_earn_no_trust(settings):
    settings.COMMENTS_TRUSTED_AFTER = 3
    for _ in range(2):
        make_approved_comment(email=EMAIL)

    assert submit().status == Status.PENDING


@pytest.mark.parametrize("bad", [Status.REJECTED, Status.SPAM, Status.HIDDEN])
def test_one_rejected_spam_or_hidden_comment_loses_the_trust(settings, bad):
    settings.COMMENTS_TRUSTED_AFTER = 2
    for _ in range(5):
        make_approved_comment(email=EMAIL)
    make_comment(email=EMAIL, status=bad)

    assert submit().status == Status.PENDING


def test_rules_still_hold_a_trusted_commenters_comment(settings):
    settings.COMMENTS_TRUSTED_AFTER = 1
    make_approved_comment(email=EMAIL)

    held = submit(body="Look: http://a.example http://b.example http://c.example")

    assert (held.status, held.rule) == (Status.PENDING, Comment.Rule.LINKS)
