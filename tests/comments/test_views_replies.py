"""Replies: a Reply link under each comment readers see, the same CAPTCHA form,
moderated like any comment, shown under their comment; never under a comment
readers don't see, and never a reply to a reply."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from comments.models import Comment, ModerationEvent
from comments.services import approve_comments
from tests.factories import (
    THANKS,
    filled_form,
    form_url,
    make_approved_comment,
    make_comment,
    make_moderator,
    make_published_story,
    post_comment,
)

pytestmark = pytest.mark.django_db

Status = Comment.Status
REFUSED = "You can only reply to a comment shown on this story."


def reply_url(story, parent) -> str:
    return f"{form_url(story)}?reply_to={parent.pk}"


def test_each_comment_readers_see_has_a_reply_link_but_replies_do_not(client):
    story = make_published_story()
    parent = make_approved_comment(story, name="Rin")
    make_approved_comment(story, parent=parent, name="Kenji")

    page = client.get(story.get_absolute_url()).content.decode()

    assert page.count(f'href="{reply_url(story, parent)}"') == 1
    assert page.count('aria-label="Reply to') == 1
    assert 'aria-label="Reply to Rin"' in page


def test_a_closed_story_offers_no_reply(client):
    story = make_published_story(comment_policy="closed")
    make_approved_comment(story)

    page = client.get(story.get_absolute_url()).content.decode()

    assert "reply_to=" not in page


def test_the_reply_form_quotes_the_comment_and_carries_its_id(client):
    story = make_published_story()
    parent = make_approved_comment(story, name="Rin", body="Who pays <for> it?")

    response = client.get(reply_url(story, parent))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Reply to <bdi>Rin</bdi>" in html
    assert "Who pays &lt;for&gt; it?" in html
    assert f'name="reply_to" value="{parent.pk}"' in html
    assert "Send reply" in html
    assert "no-cache" in response["Cache-Control"]


def test_a_reply_is_stored_under_its_comment_and_waits_for_a_moderator(client):
    story = make_published_story()
    parent = make_approved_comment(story)
    html = client.get(reply_url(story, parent)).content.decode()
    assert f'value="{parent.pk}"' in html
    data = filled_form(client, story, body="I agree.") | {"reply_to": parent.pk}

    response = post_comment(client, story, data)

    reply = Comment.objects.get(body="I agree.")
    assert response.status_code == 302
    assert (reply.parent, reply.status) == (parent, Status.PENDING)
    page = client.get(story.get_absolute_url()).content.decode()
    assert THANKS in page
    assert "Comments (1)" in page  # the parent alone until a moderator approves
    assert "I agree." not in page


def test_an_approved_reply_shows_under_its_comment_and_counts(client):
    story = make_published_story()
    parent = make_approved_comment(story, body="The parent.")
    make_approved_comment(story, body="Another thread.")
    reply = make_comment(story, parent=parent, body="The reply.")
    approve_comments(Comment.objects.filter(pk=reply.pk), by=make_moderator())

    reader = Client()
    pages = [
        reader.get(story.get_absolute_url()).content.decode(),
        reader.get(f"/comments/{story.pk}/").content.decode(),
    ]

    for page in pages:
        replies = page.index('class="comment-list comment-replies"')
        assert page.index("The parent.") < replies < page.index("The reply.")
        assert page.index("The reply.") < page.index("Another thread.")
    assert "Comments (3)" in pages[0]
    assert "(3)</h1>" in pages[1]


@pytest.mark.parametrize(
    "target",
    ["pending", "rejected", "hidden", "a reply", "another story", "missing"],
)
def test_no_reply_to_a_comment_readers_do_not_see_here(client, target):
    story = make_published_story()
    parent = {
        "pending": lambda: make_comment(story),
        "rejected": lambda: make_comment(story, status=Status.REJECTED),
        "hidden": lambda: make_comment(story, status=Status.HIDDEN),
        "a reply": lambda: make_approved_comment(
            story, parent=make_approved_comment(story)
        ),
        "another story": lambda: make_approved_comment(make_published_story()),
        "missing": lambda: Comment(pk=999_999_999, story=story),
    }[target]()
    data = filled_form(client, story, body="Sneaky reply.") | {"reply_to": parent.pk}

    page = client.get(reply_url(story, parent))
    post = post_comment(client, story, data)

    assert page.status_code == 404
    assert REFUSED in page.content.decode()
    assert post.status_code == 400
    assert REFUSED in post.content.decode()
    assert not Comment.objects.filter(body="Sneaky reply.").exists()


@pytest.mark.parametrize("junk", ["abc", "-1", "99999999999999999999999", "1e3", ""])
def test_junk_in_reply_to_is_refused_in_words(client, junk):
    story = make_published_story()

    page = client.get(f"{form_url(story)}?reply_to={junk}")
    post = post_comment(client, story, filled_form(client, story) | {"reply_to": junk})

    assert page.status_code == 404
    if junk:
        assert post.status_code == 400
        assert REFUSED in post.content.decode()
    else:  # an empty reply_to is a plain comment
        assert post.status_code == 302


def test_a_comment_removed_while_its_reply_is_written_stores_nothing(client):
    story = make_published_story()
    parent = make_approved_comment(story)
    data = filled_form(client, story, body="Too late.") | {"reply_to": parent.pk}
    Comment.objects.filter(pk=parent.pk).update(status=Status.REJECTED)

    response = post_comment(client, story, data)

    assert response.status_code == 400
    assert REFUSED in response.content.decode()
    assert "Too late." in response.content.decode()  # the text is kept
    assert not Comment.objects.filter(body="Too late.").exists()
    assert not ModerationEvent.objects.filter(comment__body="Too late.").exists()


def story_page_queries(client, story):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    return len(captured)


def test_the_story_page_costs_the_same_with_few_or_many_comments_and_replies(client):
    few, many = make_published_story(), make_published_story()
    parent = make_approved_comment(few)
    make_approved_comment(few, parent=parent)
    for _ in range(30):
        parent = make_approved_comment(many)
        for _ in range(3):
            make_approved_comment(many, parent=parent)

    assert story_page_queries(client, few) == story_page_queries(client, many)
