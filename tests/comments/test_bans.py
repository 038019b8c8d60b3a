"""Bans by email: a keyed hash to match on, the address for moderators, a reason
and an optional end date; the banned commenter's comments are rejected by a rule
without telling them; lifting is recorded; bad dates are refused in words."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from comments.models import Ban, Comment
from comments.services import (
    BanRefused,
    ban_commenter,
    commenter_hash,
    lift_bans,
    submit_comment,
)
from tests.factories import (
    THANKS,
    filled_form,
    form_url,
    make_approved_comment,
    make_comment,
    make_editor,
    make_moderator,
    make_published_story,
    make_user,
    post_comment,
)

pytestmark = pytest.mark.django_db

Status = Comment.Status
EMAIL = "troll@example.org"


def today():
    return timezone.localdate()


def submit(email=EMAIL, **fields):
    data = {"name": "Tr", "email": email, "body": "Hello.", "ip_address": None}
    return submit_comment(make_published_story(), **data | fields)


def test_a_ban_keeps_a_keyed_hash_and_the_address_for_moderators():
    moderator = make_moderator(username="kim")

    ban, rejected = ban_commenter(EMAIL, by=moderator, reason="  Abuse,\n again ")

    assert ban.email == EMAIL
    assert ban.email_hash == commenter_hash(" TROLL@example.org ") != EMAIL
    assert len(ban.email_hash) == 64
    assert (ban.reason, ban.created_by, ban.created_by_name) == (
        "Abuse, again",
        moderator,
        "kim",
    )
    assert (ban.ends_on, rejected) == (None, 0)


def test_a_banned_commenters_comments_are_rejected_by_a_rule():
    ban_commenter(EMAIL, by=make_moderator(), reason="Abuse")

    comment = submit(email="Troll@Example.org")
    other = submit(email="someone@example.org")

    assert (comment.status, comment.rule) == (Status.REJECTED, Comment.Rule.BANNED)
    assert comment.moderation_events.get().reason == "Banned commenter"
    assert other.status == Status.PENDING


def test_the_banned_commenter_is_told_what_everyone_is_told(client):
    story = make_published_story()
    ban_commenter(EMAIL, by=make_moderator(), reason="Abuse")

    response = post_comment(client, story, filled_form(client, story, email=EMAIL))
    landing = client.get(response["Location"]).content.decode()
    form = client.get(form_url(story)).content.decode()

    assert response.status_code == 302
    assert THANKS in landing
    assert Comment.objects.get().status == Status.REJECTED
    # Their own list shows it as awaiting moderation, as anyone's pending comment.
    assert "Awaiting moderation" in form


def test_a_ban_can_reject_what_of_theirs_waits_for_a_decision_in_one_step():
    moderator = make_moderator()
    waiting = [
        make_comment(email=EMAIL),
        make_comment(email="TROLL@example.org", status=Status.UNREVIEWED),
        make_comment(email=EMAIL, status=Status.HIDDEN),
    ]
    approved = make_approved_comment(email=EMAIL)
    someone_else = make_comment(email="other@example.org")

    _, rejected = ban_commenter(
        EMAIL, by=moderator, reason="Spam run", reject_waiting=True
    )

    assert rejected == 3
    for comment in waiting:
        comment.refresh_from_db()
        assert comment.status == Status.REJECTED
        event = comment.moderation_events.get()
        assert (event.actor, event.reason) == (moderator, "Banned: Spam run")
    approved.refresh_from_db()
    someone_else.refresh_from_db()
    assert approved.status == Status.APPROVED
    assert someone_else.status == Status.PENDING


@pytest.mark.parametrize("days", [0, -1, -400])
def test_a_ban_must_end_after_today(days):
    with pytest.raises(BanRefused, match="must end after today"):
        ban_commenter(
            EMAIL, by=make_moderator(), reason="x", ends_on=today() + timedelta(days)
        )

    assert not Ban.objects.exists()


def test_a_ban_needs_a_reason():
    with pytest.raises(BanRefused, match="Say why"):
        ban_commenter(EMAIL, by=make_moderator(), reason=" \n ")

    assert not Ban.objects.exists()


def test_a_commenter_is_banned_once_at_a_time():
    moderator = make_moderator()
    ban_commenter(EMAIL, by=moderator, reason="First", ends_on=today() + timedelta(9))

    with pytest.raises(BanRefused, match="already banned until"):
        ban_commenter("Troll@example.org", by=moderator, reason="Second")

    assert Ban.objects.count() == 1


def test_a_ban_ends_on_its_date_and_may_then_be_made_again():
    moderator = make_moderator()
    old, _ = ban_commenter(
        EMAIL, by=moderator, reason="Old", ends_on=today() + timedelta(2)
    )
    Ban.objects.filter(pk=old.pk).update(ends_on=today())  # its last day is over

    assert submit().status == Status.PENDING
    again, _ = ban_commenter(EMAIL, by=moderator, reason="Again")

    old.refresh_from_db()
    assert old.lifted_by_name == "system" and old.lifted_at is not None
    assert list(Ban.objects.active()) == [again]


def test_lifting_a_ban_is_recorded_and_lets_the_commenter_back():
    moderator = make_moderator(username="kim")
    ban, _ = ban_commenter(EMAIL, by=moderator, reason="Abuse")

    lifted = lift_bans(Ban.objects.all(), by=moderator)
    again = lift_bans(Ban.objects.all(), by=moderator)

    ban.refresh_from_db()
    assert (lifted, again) == (1, 0)
    assert (ban.lifted_by, ban.lifted_by_name) == (moderator, "kim")
    assert ban.lifted_at is not None
    assert submit().status == Status.PENDING


def test_a_ban_and_its_lifting_apply_to_the_very_next_post(
    django_capture_on_commit_callbacks,
):
    """The bans are read once per state of the moderators' lists (with the word
    lists): banning and lifting move that state, on every worker."""
    moderator = make_moderator()
    assert submit().status == Status.PENDING  # the lists are read and kept

    with django_capture_on_commit_callbacks(execute=True):
        ban_commenter(EMAIL, by=moderator, reason="Abuse")
    banned = submit()
    with django_capture_on_commit_callbacks(execute=True):
        lift_bans(Ban.objects.all(), by=moderator)
    back = submit()

    assert (banned.status, banned.rule) == (Status.REJECTED, Comment.Rule.BANNED)
    assert back.status == Status.PENDING


@pytest.mark.parametrize("maker", [make_editor, make_user])
def test_only_moderators_ban_and_lift(maker):
    ban, _ = ban_commenter(EMAIL, by=make_moderator(), reason="Abuse")

    with pytest.raises(PermissionDenied):
        ban_commenter("b@example.org", by=maker(), reason="x")
    with pytest.raises(PermissionDenied):
        lift_bans(Ban.objects.all(), by=maker())

    ban.refresh_from_db()
    assert ban.lifted_at is None
    assert Ban.objects.count() == 1


# --- The ban list in the admin ------------------------------------------------------

BANS = reverse("admin:comments_ban_changelist")


def test_moderators_read_the_ban_list_and_lift_bans_there(client):
    moderator = make_moderator(username="kim")
    ban, _ = ban_commenter(EMAIL, by=moderator, reason="Abuse")
    client.force_login(moderator)

    listing = client.get(BANS).content.decode()
    response = client.post(
        BANS, {"action": "lift_selected", "_selected_action": [ban.pk], "index": 0}
    )

    assert EMAIL in listing and "In force" in listing
    assert response.status_code == 302
    ban.refresh_from_db()
    assert ban.lifted_by_name == "kim"
    assert (
        "Lifted by kim" in client.get(BANS + "?lifted_at__isempty=0").content.decode()
    )


def test_editors_never_see_bans(client):
    ban_commenter(EMAIL, by=make_moderator(), reason="Abuse")
    client.force_login(make_editor())

    assert client.get(BANS).status_code == 403


def test_nobody_adds_edits_or_deletes_a_ban_in_the_admin(client):
    ban, _ = ban_commenter(EMAIL, by=make_moderator(), reason="Abuse")
    client.force_login(make_user(is_superuser=True))

    add = client.get(reverse("admin:comments_ban_add"))
    edit = client.post(
        reverse("admin:comments_ban_change", args=[ban.pk]), {"reason": "Edited"}
    )
    delete = client.post(
        reverse("admin:comments_ban_delete", args=[ban.pk]), {"post": "yes"}
    )

    assert (add.status_code, edit.status_code, delete.status_code) == (403, 403, 403)
    ban.refresh_from_db()
    assert ban.reason == "Abuse"
