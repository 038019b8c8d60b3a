"""The rules of comments/models.py, against real PostgreSQL: which comments readers
and moderators see and in what order, which stories take comments, what a comment
links to and is called, and which values the database refuses."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles.models import Story
from comments.models import (
    Ban,
    Comment,
    ModerationEvent,
    ModerationWord,
    Report,
    accepts_comments,
)
from tests.factories import make_comment, make_published_story, make_story

pytestmark = pytest.mark.django_db

PENDING, APPROVED = Comment.Status.PENDING, Comment.Status.APPROVED
REJECTED, SPAM = Comment.Status.REJECTED, Comment.Status.SPAM


# --- Which comments, in what order -----------------------------------------------


def test_a_comment_is_pending_unless_told_otherwise():
    assert make_comment().status == PENDING


def test_public_lists_only_comments_readers_see_oldest_first():
    story = make_published_story()
    now = timezone.now()
    newer = make_comment(story, status=APPROVED, submitted_at=now)
    older = make_comment(story, status=APPROVED, submitted_at=now - timedelta(hours=1))
    for status in (PENDING, REJECTED, SPAM):
        make_comment(story, status=status, submitted_at=now - timedelta(hours=2))

    public = Comment.objects.order_by("-submitted_at").public()

    assert list(public) == [older, newer]


def test_awaiting_moderation_lists_only_pending_comments_oldest_first():
    story = make_published_story()
    now = timezone.now()
    newer = make_comment(story, submitted_at=now)
    older = make_comment(story, submitted_at=now - timedelta(hours=3))
    for status in (APPROVED, REJECTED, SPAM):
        make_comment(story, status=status, submitted_at=now - timedelta(hours=4))

    queue = Comment.objects.order_by("-submitted_at").awaiting_moderation()

    assert list(queue) == [older, newer]


def test_comments_sent_at_the_same_moment_keep_the_order_they_were_stored_in():
    story, at = make_published_story(), timezone.now()
    first = make_comment(story, status=APPROVED, submitted_at=at)
    second = make_comment(story, status=APPROVED, submitted_at=at)
    third = make_comment(story, submitted_at=at)
    fourth = make_comment(story, submitted_at=at)
    newest_row_first = Comment.objects.order_by("-pk")

    assert list(newest_row_first.public()) == [first, second]
    assert list(newest_row_first.awaiting_moderation()) == [third, fourth]


def test_comments_and_their_audit_rows_come_oldest_first_by_default():
    story, now = make_published_story(), timezone.now()
    later = make_comment(story, submitted_at=now)
    earlier = make_comment(story, submitted_at=now - timedelta(minutes=5))
    new = ModerationEvent.objects.create(
        comment=later, actor_name="system", to_status=PENDING, created_at=now
    )
    old = ModerationEvent.objects.create(
        comment=later,
        actor_name="system",
        to_status=PENDING,
        created_at=now - timedelta(minutes=5),
    )

    assert list(Comment.objects.all()) == [earlier, later]
    assert list(ModerationEvent.objects.all()) == [old, new]


# --- Which stories take comments -------------------------------------------------


def test_a_draft_takes_no_comments():
    assert not accepts_comments(make_story())


def test_a_scheduled_story_takes_no_comments_before_its_time():
    story = make_published_story(published_at=timezone.now() + timedelta(hours=2))

    assert not accepts_comments(story)


def test_a_story_an_editor_closed_takes_no_comments():
    story = make_published_story(comment_policy=Story.CommentPolicy.CLOSED)

    assert not accepts_comments(story)


def test_a_story_an_editor_opened_takes_comments_with_no_time_limit(settings):
    settings.COMMENTS_CLOSE_AFTER_DAYS = 30
    story = make_published_story(
        published_at=timezone.now() - timedelta(days=365),
        comment_policy=Story.CommentPolicy.OPEN,
    )

    assert accepts_comments(story)


def test_an_opened_draft_still_takes_no_comments():
    story = make_story(comment_policy=Story.CommentPolicy.OPEN)

    assert not accepts_comments(story)


def test_the_usual_policy_takes_comments_until_the_configured_days_have_passed(
    settings,
):
    settings.COMMENTS_CLOSE_AFTER_DAYS = 30
    story = make_published_story(published_at=timezone.now() - timedelta(days=40))
    closes_at = story.published_at + timedelta(days=30)

    assert story.comment_policy == Story.CommentPolicy.LIMITED
    assert accepts_comments(story, at=closes_at - timedelta(seconds=1))
    assert not accepts_comments(story, at=closes_at)
    assert not accepts_comments(story)  # now: the usual period has expired


def test_a_story_within_the_usual_period_takes_comments(settings):
    settings.COMMENTS_CLOSE_AFTER_DAYS = 30
    story = make_published_story(published_at=timezone.now() - timedelta(days=29))

    assert accepts_comments(story)


# --- What a comment links to and is called ---------------------------------------


def test_a_comment_links_to_its_place_on_the_story_page():
    story = make_published_story()
    comment = make_comment(story, status=APPROVED)

    assert comment.get_absolute_url() == (
        f"{story.get_absolute_url()}#comment-{comment.pk}"
    )


def test_a_comment_is_named_by_its_writer_and_story():
    story = make_published_story(headline="Ferry fares rise")

    assert str(make_comment(story, name="Ada")) == "Ada on Ferry fares rise"


def test_an_audit_row_says_what_changed_and_who_did_it():
    comment = make_comment()
    created = ModerationEvent(comment=comment, actor_name="system", to_status=PENDING)
    approved = ModerationEvent(
        comment=comment, actor_name="kim", from_status=PENDING, to_status=APPROVED
    )

    assert str(created) == "new → pending by system"
    assert str(approved) == "pending → approved by kim"


def test_moderation_words_are_named_by_the_word_and_listed_alphabetically():
    ModerationWord.objects.create(word="scam")
    ModerationWord.objects.create(word="casino")

    assert [str(word) for word in ModerationWord.objects.all()] == ["casino", "scam"]


# --- What the database refuses ---------------------------------------------------


def test_the_database_refuses_an_unknown_comment_status():
    comment = make_comment()

    with (
        pytest.raises(IntegrityError, match="comment_status_known"),
        transaction.atomic(),
    ):
        Comment.objects.filter(pk=comment.pk).update(status="deleted")

    comment.refresh_from_db()
    assert comment.status == PENDING


def test_the_database_accepts_each_known_comment_status():
    comment = make_comment()

    for status in Comment.Status:
        Comment.objects.filter(pk=comment.pk).update(status=status)
        comment.refresh_from_db()
        assert comment.status == status


def test_a_moderation_word_is_listed_once():
    ModerationWord.objects.create(word="scam")

    with pytest.raises(IntegrityError), transaction.atomic():
        ModerationWord.objects.create(word="scam", action=ModerationWord.Action.REJECT)


def test_the_database_counts_one_report_per_client_and_comment():
    comment = make_comment(status=APPROVED)
    Report.objects.create(comment=comment, reason="spam", reporter_hash="a" * 64)

    with (
        pytest.raises(IntegrityError, match="report_one_per_client"),
        transaction.atomic(),
    ):
        Report.objects.create(comment=comment, reason="abuse", reporter_hash="a" * 64)

    assert Report.objects.count() == 1


def test_the_database_keeps_one_open_ban_per_commenter():
    Ban.objects.create(email="a@example.org", email_hash="h", reason="x")
    Ban.objects.create(
        email="a@example.org", email_hash="h", reason="old", lifted_at=timezone.now()
    )

    with (
        pytest.raises(IntegrityError, match="ban_one_open_per_commenter"),
        transaction.atomic(),
    ):
        Ban.objects.create(email="A@example.org", email_hash="h", reason="again")


def test_a_ban_is_in_force_until_its_end_date_or_until_lifted():
    today = timezone.localdate()
    forever = Ban.objects.create(email="a@example.org", email_hash="a", reason="x")
    ends = Ban.objects.create(
        email="b@example.org",
        email_hash="b",
        reason="x",
        ends_on=today + timedelta(days=1),
    )
    Ban.objects.create(
        email="c@example.org", email_hash="c", reason="x", lifted_at=timezone.now()
    )

    assert set(Ban.objects.active()) == {forever, ends}
    assert list(Ban.objects.active(on=today + timedelta(days=1))) == [forever]
    assert ends.is_active and str(ends) == "Ban of b@example.org"
