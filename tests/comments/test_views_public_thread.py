"""What every reader sees of the comments: approved ones only, oldest first and
paged, escaped, and never an email or an IP address."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from comments.models import Comment
from tests.factories import (
    filled_form,
    form_url,
    make_approved_comment,
    make_comment,
    make_published_story,
    post_comment,
)

pytestmark = pytest.mark.django_db


def test_the_story_page_shows_approved_comments_oldest_first_with_a_count(client):
    story = make_published_story()
    now = timezone.now()
    make_approved_comment(story, body="Second said", submitted_at=now)
    make_approved_comment(
        story, body="First said", submitted_at=now - timedelta(hours=1)
    )
    make_comment(story, body="Still pending")
    make_comment(story, body="Rejected one", status=Comment.Status.REJECTED)

    page = client.get(story.get_absolute_url()).content.decode()

    assert "Comments (2)" in page
    assert page.index("First said") < page.index("Second said")
    assert "Still pending" not in page
    assert "Rejected one" not in page


def test_past_50_comments_the_thread_links_to_the_next_page(client):
    story = make_published_story()
    start = timezone.now() - timedelta(days=1)
    for n in range(51):
        make_approved_comment(
            story, body=f"Comment #{n:02}", submitted_at=start + timedelta(minutes=n)
        )

    page = client.get(story.get_absolute_url()).content.decode()
    second = client.get(
        reverse("comments:comment-list", args=[story.pk]) + "?page=2"
    ).content.decode()

    assert "Comments (51)" in page
    assert "Comment #49" in page
    assert "Comment #50" not in page
    assert "Read 1 more comment" in page
    assert "Comment #50" in second
    assert "Comment #49" not in second


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '"><iframe src=//evil.example>',
        "<svg onload=alert(1)>",
    ],
)
def test_markup_in_comments_is_shown_escaped_on_every_public_page(client, text):
    story = make_published_story()
    make_approved_comment(story, name=text[:50], body=text)
    mine = filled_form(client, story, name="Pending " + text[:30], body=text)
    post_comment(client, story, mine)

    pages = [
        client.get(story.get_absolute_url()).content.decode(),
        client.get(reverse("comments:comment-list", args=[story.pk])).content.decode(),
        client.get(
            reverse("comments:comment-pending", args=[story.pk])
        ).content.decode(),
        client.get(form_url(story)).content.decode(),
    ]

    for html in pages:
        assert text not in html
        assert "<script>alert" not in html
    assert escape(text) in pages[0]  # approved: on the story page
    assert escape(text) in pages[1]  # and on the comment list
    assert escape(text) in pages[2]  # pending: shown to its author


def test_template_syntax_in_a_comment_is_shown_literally(client, settings):
    story = make_published_story()
    make_approved_comment(story, body="{{ settings.SECRET_KEY }} {% debug %}")

    page = client.get(story.get_absolute_url()).content.decode()

    assert "{{ settings.SECRET_KEY }} {% debug %}" in page
    assert settings.SECRET_KEY not in page


def test_a_long_unbroken_token_is_accepted_and_wraps(client):
    story = make_published_story()
    make_approved_comment(story, body="w" * 3000)

    page = client.get(story.get_absolute_url()).content.decode()
    css = client.get("/static/css/comments.css")

    assert "w" * 3000 in page
    assert "overflow-wrap: anywhere" in b"".join(css.streaming_content).decode()


def test_emails_and_ips_never_reach_public_pages_or_feeds(client):
    story = make_published_story()
    make_approved_comment(
        story, email="secret.reader@example.org", ip_address="203.0.113.77"
    )
    mine = filled_form(client, story, email="pending.reader@example.org")
    post_comment(client, story, mine)

    outputs = [
        client.get(story.get_absolute_url()),
        client.get(reverse("comments:comment-list", args=[story.pk])),
        client.get(reverse("comments:comment-pending", args=[story.pk])),
        client.get(reverse("articles:latest-feed-rss")),
        client.get(reverse("articles:latest-feed-atom")),
    ]

    for response in outputs:
        assert response.status_code == 200
        body = response.content.decode()
        for secret in ("secret.reader", "pending.reader", "203.0.113.77", "127.0.0.1"):
            assert secret not in body
