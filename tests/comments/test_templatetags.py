"""The thread partial the story page includes: one query, public columns only."""

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from comments.models import Comment
from comments.templatetags.comments import approved_comments, comment_items
from tests.factories import make_approved_comment, make_comment, make_published_story

pytestmark = pytest.mark.django_db


def test_the_thread_is_fetched_in_one_query_with_its_count(django_assert_num_queries):
    story = make_published_story()
    for _ in range(55):
        make_approved_comment(story)
    make_comment(story)
    make_approved_comment(make_published_story())

    with django_assert_num_queries(1):
        thread = approved_comments(story)

    assert thread.count == 55
    assert len(thread.comments) == 50
    assert thread.more == 5


def test_the_thread_never_carries_the_email():
    story = make_published_story()
    make_approved_comment(story)

    (row,) = approved_comments(story).comments

    assert "email" not in row
    assert "ip_address" not in row


def test_an_empty_thread_counts_zero():
    thread = approved_comments(make_published_story())

    assert (thread.count, thread.comments, thread.more) == (0, [], 0)


def test_the_partial_renders_on_its_own_with_no_visitor_data(django_assert_num_queries):
    story = make_published_story()
    make_approved_comment(
        story, body="First!", submitted_at=timezone.now() - timedelta(hours=1)
    )
    make_approved_comment(story, body="Second.")
    make_comment(story, body="Pending one", status=Comment.Status.PENDING)

    with django_assert_num_queries(1):
        html = render_to_string("comments/_thread.html", {"story": story})

    assert "Comments (2)" in html
    assert html.index("First!") < html.index("Second.")
    assert "Pending one" not in html
    assert "csrf" not in html
    assert "captcha" not in html.lower()
    assert 'href="/static/css/comments.css"' in html
    assert 'src="/static/js/comments.js" defer' in html


def test_comment_items_match_the_comment_partial_byte_for_byte():
    story = make_published_story()
    make_approved_comment(
        story,
        name="<b>Ann</b> & \u202eco",
        body="First line & <script>x</script>\nsecond line\n\nNew paragraph.",
        submitted_at=timezone.now() - timedelta(days=40, hours=7),
    )
    make_approved_comment(story, body="Plain.")
    rows = approved_comments(story).comments

    items = comment_items(rows)

    expected = "".join(
        render_to_string("comments/_comment.html", {"comment": row}) for row in rows
    )
    assert items == expected
    assert "&lt;script&gt;" in items
