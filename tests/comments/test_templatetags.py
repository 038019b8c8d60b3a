"""The comment section the story page shows: one query, public columns only, and
rendered once per state of the story's comments."""

from datetime import timedelta

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from comments.models import Comment
from comments.services import approve_comments
from comments.threads import thread_page
from tests.factories import (
    make_approved_comment,
    make_comment,
    make_moderator,
    make_published_story,
)

pytestmark = pytest.mark.django_db


def test_the_thread_is_fetched_in_one_query_with_its_count(django_assert_num_queries):
    story = make_published_story()
    for _ in range(55):
        make_approved_comment(story)
    make_comment(story)
    make_approved_comment(make_published_story())

    with django_assert_num_queries(1):
        thread = thread_page(story)

    assert thread.count == 55
    assert len(thread.comments) == 50
    assert thread.more == 5


def test_the_thread_never_carries_the_email():
    story = make_published_story()
    make_approved_comment(story)

    (entry,) = thread_page(story).comments

    assert not hasattr(entry, "email")
    assert not hasattr(entry, "ip_address")


def test_an_empty_thread_counts_zero():
    thread = thread_page(make_published_story())

    assert (thread.count, thread.comments, thread.more) == (0, [], 0)


def test_the_partial_renders_on_its_own_with_no_visitor_data(django_assert_num_queries):
    story = make_published_story()
    make_approved_comment(
        story, body="First!", submitted_at=timezone.now() - timedelta(hours=1)
    )
    make_approved_comment(story, body="Second.")
    make_comment(story, body="Pending one", status=Comment.Status.PENDING)

    with django_assert_num_queries(1):
        html = render_to_string(
            "comments/_thread.html", {"story": story, "thread": thread_page(story)}
        )

    assert "Comments (2)" in html
    assert html.index("First!") < html.index("Second.")
    assert "Pending one" not in html
    assert "csrf" not in html
    assert "captcha" not in html.lower()
    assert 'href="/static/css/comments.css"' in html
    assert 'src="/static/js/comments.js" defer' in html


def test_comments_are_escaped_with_their_paragraphs_kept():
    story = make_published_story()
    make_approved_comment(
        story,
        name="<b>Ann</b>",
        body="First line & <script>x</script>\nsecond line\n\nNew paragraph.",
    )

    html = render_to_string(
        "comments/_thread.html", {"story": story, "thread": thread_page(story)}
    )

    assert "&lt;script&gt;" in html and "<script>x" not in html
    assert "&lt;b&gt;Ann&lt;/b&gt;" in html
    assert "<p>First line &amp; &lt;script&gt;x&lt;/script&gt;<br>second line</p>" in (
        html
    )
    assert "<p>New paragraph.</p>" in html


THREAD = Template("{% load comments %}{% comment_thread story %}")


def render_thread(story) -> str:
    request = RequestFactory().get("/")
    return THREAD.render(Context({"story": story, "request": request}))


def test_with_the_page_cache_on_the_thread_is_rendered_once_per_state(
    page_cache, django_assert_num_queries, django_capture_on_commit_callbacks
):
    story = make_published_story()
    held = make_comment(story, body="Held until approved.")
    first = render_thread(story)

    with django_assert_num_queries(0):
        again = render_thread(story)
    with django_capture_on_commit_callbacks(execute=True):
        approve_comments(Comment.objects.filter(pk=held.pk), by=make_moderator())
    after = render_thread(story)

    assert again == first and "Comments (0)" in first
    assert "Held until approved." in after and "Comments (1)" in after
