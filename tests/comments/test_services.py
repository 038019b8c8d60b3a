"""submit_comment's rules and audit; moderation verbs, set-based and audited."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment, ModerationEvent, ModerationWord
from comments.services import (
    CommentsClosed,
    approve_comments,
    mark_comments_as_spam,
    reject_comments,
    submit_comment,
)
from tests.factories import (
    make_author,
    make_comment,
    make_editor,
    make_moderator,
    make_published_story,
    make_story,
    make_user,
)

pytestmark = pytest.mark.django_db


def submit(story=None, **fields):
    defaults = {
        "name": "Ada",
        "email": "ada@example.org",
        "body": "Fine words.",
        "ip_address": "198.51.100.4",
    }
    return submit_comment(story or make_published_story(), **defaults | fields)


def test_a_new_comment_is_pending_with_a_system_audit_row():
    comment = submit()

    event = comment.moderation_events.get()
    assert comment.status == Comment.Status.PENDING
    assert comment.rule == ""
    assert (event.actor, event.actor_name, event.from_status, event.to_status) == (
        None,
        "system",
        "",
        "pending",
    )


def test_the_ip_is_stored_with_a_keyed_hash_that_is_not_the_ip():
    first = submit(ip_address="198.51.100.4")
    second = submit(ip_address="198.51.100.4")

    assert first.ip_hash == second.ip_hash
    assert "198.51.100.4" not in first.ip_hash


def test_banned_words_reject_and_record_the_rule():
    ModerationWord.objects.create(word="scam", action=ModerationWord.Action.REJECT)

    comment = submit(body="A s\u200bcam, clearly")

    event = comment.moderation_events.get()
    assert comment.status == Comment.Status.REJECTED
    assert comment.rule == Comment.Rule.BANNED_WORD
    assert "scam" in comment.hold_reason
    assert (event.to_status, event.rule) == ("rejected", "banned-word")


@pytest.mark.parametrize(
    "body", ["That bad  word", "That bad\tword", "That bad\nword", "That bad-word"]
)
def test_banned_phrases_reject_whatever_joins_their_words(body):
    ModerationWord.objects.create(word="bad word", action=ModerationWord.Action.REJECT)

    comment = submit(body=body)

    assert comment.status == Comment.Status.REJECTED
    assert comment.rule == Comment.Rule.BANNED_WORD


def test_suspect_words_hold_and_never_approve():
    ModerationWord.objects.create(word="lawsuit", action=ModerationWord.Action.HOLD)

    comment = submit(body="Expect a ＬＡＷＳＵＩＴ")

    assert comment.status == Comment.Status.PENDING
    assert comment.rule == Comment.Rule.SUSPECT_WORD


def test_a_banned_word_wins_over_a_suspect_word():
    ModerationWord.objects.create(word="scam", action=ModerationWord.Action.REJECT)
    ModerationWord.objects.create(word="lawsuit", action=ModerationWord.Action.HOLD)

    assert submit(body="lawsuit scam").status == Comment.Status.REJECTED


def test_the_scunthorpe_problem_does_not_hold_innocent_words():
    ModerationWord.objects.create(word="ass", action=ModerationWord.Action.REJECT)

    comment = submit(body="A classic Massachusetts assessment.")

    assert comment.status == Comment.Status.PENDING
    assert comment.rule == ""


def test_more_than_two_links_hold_the_comment_but_two_do_not():
    two = submit(body="https://a.example and https://b.example")
    three = submit(body="https://a.example https://b.example www.c.example")
    in_name = submit(name="www.a.example", body="https://b.example http://c.example")

    assert two.rule == ""
    assert (three.status, three.rule) == ("pending", "links")
    assert three.hold_reason == "3 links (more than 2)"
    assert in_name.rule == "links"


def test_names_of_staff_or_bylines_are_held():
    make_author(name="Maria Lopez")

    look_alike = submit(name="Mаria Lοpez")  # Cyrillic а, Greek ο
    staff = submit(name="Newsroom Staff")

    assert look_alike.rule == staff.rule == Comment.Rule.RESERVED_NAME


def test_the_same_text_on_another_story_within_the_hour_is_held():
    submit(body="Visit my shop for deals")

    repeat = submit(body="Visit my shop for deals")

    assert repeat.rule == Comment.Rule.REPEAT


def test_moderators_are_emailed_after_commit_about_held_comments_only(
    django_capture_on_commit_callbacks,
):
    make_moderator(email="mod@newsroom.example")
    make_editor(email="editor@newsroom.example")
    ModerationWord.objects.create(word="lawsuit")

    with django_capture_on_commit_callbacks(execute=True):
        submit(body="No rule here")
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        held = submit(
            name="<b>Bob</b>",
            email="commenter@example.org",
            ip_address="203.0.113.5",
            body="<script>alert(1)</script> lawsuit",
        )

    (message,) = mail.outbox
    assert message.to == ["mod@newsroom.example"]
    assert "Held because: Suspect word “lawsuit”" in message.body
    assert "commenter@example.org" not in message.message().as_string()
    assert "203.0.113.5" not in message.message().as_string()
    review = (
        "Review it on the moderation desk: "
        f"http://127.0.0.1:8000/admin/comments/moderate/?comment={held.pk}"
    )
    assert review in message.body.splitlines()
    # Plain text only: no HTML part for markup to run in.
    assert not getattr(message, "alternatives", [])
    assert message.content_subtype == "plain"


def test_the_mail_is_not_sent_before_the_transaction_commits(
    django_capture_on_commit_callbacks,
):
    make_moderator(email="mod@newsroom.example")
    ModerationWord.objects.create(word="lawsuit")
    story = make_published_story()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        submit(story, body="lawsuit")
    assert mail.outbox == []

    for callback in callbacks:  # the commit
        callback()
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    "story_fields",
    [
        {"status": "draft"},
        {"status": "published", "published_at": timezone.now() + timedelta(days=1)},
        {
            "comment_policy": "closed",
            "status": "published",
            "published_at": timezone.now(),
        },
        {"status": "published", "published_at": timezone.now() - timedelta(days=31)},
    ],
)
def test_stories_that_take_no_comments_refuse_them(story_fields):
    story = make_story(**story_fields)

    with pytest.raises(CommentsClosed):
        submit(story)
    assert not Comment.objects.exists()


def test_an_editor_can_reopen_comments_past_the_usual_period():
    old = timezone.now() - timedelta(days=365)
    reopened = make_story(status="published", published_at=old, comment_policy="open")
    usual = make_story(status="published", published_at=old)

    submit(reopened)

    assert Comment.objects.filter(story=reopened).count() == 1
    with pytest.raises(CommentsClosed):
        submit(usual)


# --- Moderation ------------------------------------------------------------------


def test_approving_changes_status_and_writes_one_event_per_comment(
    django_capture_on_commit_callbacks,
):
    moderator = make_moderator()
    story = make_published_story()
    comments = [make_comment(story) for _ in range(3)]

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        changed = approve_comments(Comment.objects.all(), by=moderator)

    assert changed == 3
    assert set(Comment.objects.values_list("status", flat=True)) == {"approved"}
    assert Comment.objects.filter(moderated_by=moderator).count() == 3
    events = ModerationEvent.objects.filter(to_status="approved")
    assert sorted(events.values_list("comment_id", flat=True)) == [
        c.pk for c in comments
    ]
    assert set(events.values_list("actor_name", "from_status")) == {
        (moderator.username, "pending")
    }
    assert len(callbacks) == 1  # the story's stamp moves once, after commit


def test_approve_reject_approve_leaves_three_events():
    moderator = make_moderator()
    comment = make_comment()
    one = Comment.objects.filter(pk=comment.pk)

    approve_comments(one, by=moderator)
    reject_comments(one, by=moderator, reason="Off topic")
    approve_comments(one, by=moderator)

    steps = list(comment.moderation_events.values_list("from_status", "to_status"))
    assert steps == [
        ("pending", "approved"),
        ("approved", "rejected"),
        ("rejected", "approved"),
    ]


def test_re_approving_an_approved_comment_changes_nothing():
    moderator = make_moderator()
    comment = make_comment(status=Comment.Status.APPROVED)

    assert approve_comments(Comment.objects.filter(pk=comment.pk), by=moderator) == 0
    assert not comment.moderation_events.exists()


def test_spam_is_its_own_status():
    moderator = make_moderator()
    comment = make_comment()

    mark_comments_as_spam(Comment.objects.all(), by=moderator)

    comment.refresh_from_db()
    assert comment.status == Comment.Status.SPAM


@pytest.mark.parametrize("maker", [make_editor, make_user])
def test_only_moderators_may_change_a_status(maker):
    comment = make_comment()

    with pytest.raises(PermissionDenied):
        approve_comments(Comment.objects.all(), by=maker())

    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING
    assert not ModerationEvent.objects.exclude(actor_name="system").exists()


def test_superusers_may_moderate():
    boss = make_user(is_superuser=True)
    make_comment()

    assert reject_comments(Comment.objects.all(), by=boss) == 1


def test_the_audit_survives_the_moderator_account():
    moderator = make_moderator(username="kim")
    make_comment()
    approve_comments(Comment.objects.all(), by=moderator)

    moderator.delete()

    event = ModerationEvent.objects.get(to_status="approved")
    assert (event.actor, event.actor_name) == (None, "kim")


def test_moderating_many_comments_takes_as_many_queries_as_moderating_a_few():
    moderator = make_moderator()
    story = make_published_story()
    few = [make_comment(story).pk for _ in range(3)]
    many = [make_comment(story).pk for _ in range(40)]
    approve_comments(Comment.objects.none(), by=moderator)  # warm the permission cache

    with CaptureQueriesContext(connection) as for_few:
        approve_comments(Comment.objects.filter(pk__in=few), by=moderator)
    with CaptureQueriesContext(connection) as for_many:
        approve_comments(Comment.objects.filter(pk__in=many), by=moderator)

    assert len(for_many) == len(for_few) <= 6
    assert ModerationEvent.objects.filter(to_status="approved").count() == 43


def test_the_review_link_in_the_mail_starts_with_the_site_url(
    settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://news.example.org"
    make_moderator(email="mod@newsroom.example")
    ModerationWord.objects.create(word="lawsuit")

    with django_capture_on_commit_callbacks(execute=True):
        held = submit(body="A lawsuit")

    (message,) = mail.outbox
    path = f"{reverse('desk:queue')}?comment={held.pk}"
    assert f"desk: https://news.example.org{path}" in message.body


def test_a_word_added_by_a_moderator_applies_to_the_next_comment(
    page_cache, django_capture_on_commit_callbacks
):
    story = make_published_story()
    assert submit(story, body="See you in court.").rule == ""

    with django_capture_on_commit_callbacks(execute=True):
        ModerationWord.objects.create(word="court")

    assert submit(story, body="See you in court again.").rule == "suspect-word"


def test_an_author_added_to_a_byline_becomes_a_reserved_name_at_once(
    page_cache, django_capture_on_commit_callbacks
):
    story = make_published_story()
    assert submit(story, name="Ida Wells").rule == ""

    with django_capture_on_commit_callbacks(execute=True):
        make_author(name="Ida Wells")

    assert submit(story, name="Ida Wells").rule == "reserved-name"
