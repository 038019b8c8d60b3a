"""A reader's own comment awaiting moderation: shown to that browser only (a
signed cookie), while the shared story page stays the same for all."""

import pytest
from django.core import signing
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from comments.models import Comment
from tests.factories import (
    THANKS,
    filled_form,
    form_url,
    make_published_story,
    post_comment,
)

pytestmark = pytest.mark.django_db


def test_readers_see_their_own_pending_comment_marked_for_their_session(client):
    story = make_published_story()
    response = post_comment(
        client, story, filled_form(client, story, body="My own words")
    )

    mine = client.get(reverse("comments:comment-pending", args=[story.pk]))
    someone_else = Client().get(reverse("comments:comment-pending", args=[story.pk]))
    story_page = client.get(story.get_absolute_url()).content.decode()
    form_page = client.get(form_url(story)).content.decode()

    assert response.cookies["comments_pending"].value == "1"
    assert "My own words" in mine.content.decode()
    assert "Awaiting moderation" in mine.content.decode()
    assert "no-store" in mine["Cache-Control"]
    assert "My own words" not in someone_else.content.decode()
    assert "My own words" not in story_page  # the shared page stays the same for all
    assert "My own words" in form_page and "Awaiting moderation" in form_page


def test_the_pending_list_lasts_for_the_browser_session_and_is_not_readable_by_js(
    client,
):
    story = make_published_story()

    response = post_comment(client, story, filled_form(client, story))

    mine = response.cookies["comments_mine"]
    assert mine["httponly"] and mine["samesite"] == "Lax"
    assert not mine["max-age"] and not mine["expires"]  # gone with the session


@pytest.mark.parametrize("forge", ["plain", "other-salt"])
def test_a_forged_pending_cookie_shows_nobody_elses_comment(client, forge):
    story = make_published_story()
    post_comment(client, story, filled_form(client, story, body="Ada's own words"))
    theirs = Comment.objects.get().pk
    value = {
        "plain": str(theirs),
        "other-salt": signing.get_cookie_signer(salt="comments_mine").sign(str(theirs)),
    }[forge]
    intruder = Client()
    intruder.cookies["comments_mine"] = value

    pending = intruder.get(reverse("comments:comment-pending", args=[story.pk]))
    form_page = intruder.get(form_url(story))

    assert "Ada's own words" not in pending.content.decode()
    assert "Ada's own words" not in form_page.content.decode()


def test_pending_rejected_and_dropped_posts_answer_alike(client):
    from comments.models import ModerationWord

    ModerationWord.objects.create(word="scam", action=ModerationWord.Action.REJECT)
    story = make_published_story()

    answers = [
        post_comment(Client(), story, filled_form(client, story)),
        post_comment(Client(), story, filled_form(client, story, body="a scam")),
        post_comment(
            Client(), story, filled_form(client, story, website="http://x.example")
        ),
    ]

    assert [answer.status_code for answer in answers] == [302] * 3
    assert [answer["Location"] for answer in answers] == [answers[0]["Location"]] * 3
    # Same cookie names (only a pending comment's id joins the signed list).
    assert [sorted(answer.cookies) for answer in answers] == [
        ["comments_mine", "comments_pending", "messages"]
    ] * 3


def test_after_the_thanks_page_a_commenter_shares_the_cached_story_page(
    client, settings
):
    settings.PAGE_CACHE_SECONDS = 600
    caches["pages"].clear()
    story = make_published_story()
    anonymous = Client().get(story.get_absolute_url())
    response = post_comment(client, story, filled_form(client, story))

    thanks = client.get(response["Location"])
    later = client.get(story.get_absolute_url())

    assert "private" in thanks["Cache-Control"] and THANKS in thanks.content.decode()
    assert "public" in later["Cache-Control"]
    assert later["ETag"] == anonymous["ETag"]
    assert later.content == anonymous.content


def test_once_approved_the_comment_leaves_the_pending_list_for_the_thread(client):
    story = make_published_story()
    post_comment(client, story, filled_form(client, story, body="Soon public"))
    Comment.objects.update(status=Comment.Status.APPROVED)

    mine = client.get(reverse("comments:comment-pending", args=[story.pk])).content
    page = client.get(story.get_absolute_url()).content.decode()

    assert b"Soon public" not in mine
    assert "Soon public" in page and "Comments (1)" in page


def test_a_comment_rejected_by_a_banned_word_gets_the_same_answer(client):
    from comments.models import ModerationWord

    ModerationWord.objects.create(word="scam", action=ModerationWord.Action.REJECT)
    story = make_published_story()

    response = post_comment(
        client, story, filled_form(client, story, body="total SCAM")
    )

    assert response.status_code == 302
    assert Comment.objects.get().status == Comment.Status.REJECTED
    mine = client.get(reverse("comments:comment-pending", args=[story.pk])).content
    assert b"total SCAM" not in mine
