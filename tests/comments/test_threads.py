"""What readers see of a story's comments (comments/threads.py and the public()
rule): threads with their replies in order, the counts, one query per page, and
where a comment's "View on site" leads."""

from datetime import timedelta

import pytest
from django.utils import timezone

from comments.models import Comment
from comments.threads import thread_page
from tests.factories import (
    make_approved_comment,
    make_comment,
    make_published_story,
)

pytestmark = pytest.mark.django_db

Status = Comment.Status


def minutes_ago(n: int):
    return timezone.now() - timedelta(minutes=n)


def test_readers_see_approved_and_post_moderated_comments_only():
    story = make_published_story()
    shown = [
        make_comment(story, status=Status.APPROVED, submitted_at=minutes_ago(9)),
        make_comment(story, status=Status.UNREVIEWED, submitted_at=minutes_ago(8)),
    ]
    for status in (Status.PENDING, Status.HIDDEN, Status.REJECTED, Status.SPAM):
        make_comment(story, status=status)

    assert list(Comment.objects.public()) == shown


def test_a_removed_comment_takes_its_replies_off_the_page():
    story = make_published_story()
    parent = make_approved_comment(story)
    reply = make_approved_comment(story, parent=parent)
    assert list(Comment.objects.public()) == [parent, reply]

    Comment.objects.filter(pk=parent.pk).update(status=Status.HIDDEN)

    assert list(Comment.objects.public()) == []
    assert thread_page(story).count == 0


def test_replies_come_under_their_comment_in_order_and_count():
    story = make_published_story()
    first = make_approved_comment(story, body="First", submitted_at=minutes_ago(60))
    second = make_approved_comment(story, body="Second", submitted_at=minutes_ago(50))
    make_approved_comment(
        story, parent=first, body="Late reply", submitted_at=minutes_ago(1)
    )
    make_approved_comment(
        story, parent=first, body="Early reply", submitted_at=minutes_ago(55)
    )
    make_comment(story, parent=second, body="Pending reply")

    thread = thread_page(story)

    assert [entry.body for entry in thread.comments] == ["First", "Second"]
    assert [reply.body for reply in thread.comments[0].replies] == [
        "Early reply",
        "Late reply",
    ]
    assert thread.comments[1].replies == []
    assert (thread.count, thread.threads, thread.more) == (4, 2, 0)


def fill(story, threads: int, replies_each: int) -> None:
    for n in range(threads):
        parent = make_approved_comment(story, submitted_at=minutes_ago(1000 - n))
        for m in range(replies_each):
            make_approved_comment(
                story, parent=parent, submitted_at=minutes_ago(900 - n - m)
            )


@pytest.mark.parametrize(("threads", "replies_each"), [(2, 1), (60, 3)])
def test_a_page_of_threads_is_one_query_whatever_the_number(
    django_assert_num_queries, threads, replies_each
):
    story = make_published_story()
    fill(story, threads, replies_each)

    with django_assert_num_queries(1):
        thread = thread_page(story)

    assert thread.count == threads * (1 + replies_each)
    assert len(thread.comments) == min(threads, 50)
    assert thread.shown == min(threads, 50) * (1 + replies_each)


def test_the_second_page_holds_the_threads_after_the_first_fifty():
    story = make_published_story()
    fill(story, 52, 1)

    second = thread_page(story, 2)

    assert len(second.comments) == 2
    assert second.pages == 2
    assert second.start_index == 51
    assert len(second.comments[0].replies) == 1
    assert thread_page(story, 3) is None
    assert thread_page(story, 0) is None


def test_an_empty_story_has_one_empty_page():
    thread = thread_page(make_published_story())

    assert (thread.comments, thread.count, thread.pages) == ([], 0, 1)


def test_a_comment_links_to_the_page_that_shows_it():
    story = make_published_story()
    fill(story, 51, 0)
    first = Comment.objects.public().first()
    last = Comment.objects.public().last()
    reply = make_approved_comment(story, parent=last)

    assert first.get_absolute_url() == (
        f"{story.get_absolute_url()}#comment-{first.pk}"
    )
    assert last.get_absolute_url() == (
        f"/comments/{story.pk}/?page=2#comment-{last.pk}"
    )
    assert reply.get_absolute_url() == (
        f"/comments/{story.pk}/?page=2#comment-{reply.pk}"
    )
