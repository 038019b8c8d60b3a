"""Deciding on the desk: one POST per decision (back to the same place with a
message), JSON for desk.js, stale and forged decisions refused in words, undo for
a short time, bans from a card, and the same buttons on the comment's own page."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from comments.models import Ban, Comment, ModerationEvent, Report
from comments.services import UNDO_SECONDS
from tests.factories import (
    make_approved_comment,
    make_comment,
    make_moderator,
    make_published_story,
    make_report,
)

pytestmark = pytest.mark.django_db

DESK = reverse("desk:queue")
DECIDE = reverse("desk:decide")
UNDO = reverse("desk:undo")
BAN = reverse("desk:ban")
LIFT = reverse("desk:lift-ban")
Status = Comment.Status
JSON = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


@pytest.fixture
def moderator(client):
    user = make_moderator(username="kim")
    client.force_login(user)
    return user


def decide(client, comment, decision, *, seen=None, extra=None, **fields):
    """Post a card's decision form (`fields` replace what the card sends)."""
    data = {
        "comment": comment.pk,
        "decision": decision,
        "seen": seen or comment.status,
        "next": f"{DESK}?queue=new&page=1",
        "after": "",
    }
    return client.post(DECIDE, data | fields, **(extra or {}))


def messages_after(client, response) -> str:
    return client.get(response["Location"].split("#")[0]).content.decode()


def test_approve_goes_back_to_the_same_place_with_a_message(client, moderator):
    comment = make_comment(name="Rin")
    after = make_comment()

    response = decide(client, comment, "approve", after=str(after.pk))

    assert response.status_code == 302
    assert response["Location"] == f"{DESK}?queue=new&page=1#card-{after.pk}"
    comment.refresh_from_db()
    assert (comment.status, comment.moderated_by) == (Status.APPROVED, moderator)
    page = messages_after(client, response)
    assert "Approved: the comment by Rin." in page
    assert 'name="event"' in page and "Undo" in page


@pytest.mark.parametrize(
    ("decision", "status", "said"),
    [("reject", Status.REJECTED, "Rejected"), ("spam", Status.SPAM, "Marked as spam")],
)
def test_reject_and_spam_keep_an_optional_reason(
    client, moderator, decision, status, said
):
    comment = make_comment(name="Rin")

    response = decide(client, comment, decision, reason="Off topic")

    comment.refresh_from_db()
    event = comment.moderation_events.get(actor=moderator)
    assert comment.status == status
    assert event.reason == "Off topic"
    assert f"{said}: the comment by Rin." in messages_after(client, response)


def test_desk_js_gets_json_with_what_to_undo(client, moderator):
    comment = make_comment(name="Rin")

    response = client.post(
        DECIDE,
        {"comment": comment.pk, "decision": "approve", "seen": "pending"},
        **JSON,
    )

    event = ModerationEvent.objects.get(actor=moderator)
    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "message": "Approved: the comment by Rin.",
        "undo": event.pk,
    }


def test_a_decision_someone_else_made_a_moment_ago_is_refused(client, moderator):
    comment = make_comment()
    other = Client()
    other.force_login(make_moderator(username="lee"))
    decide(other, comment, "reject")

    response = decide(client, comment, "approve", seen="pending", extra=JSON)

    comment.refresh_from_db()
    assert response.status_code == 409
    assert "changed since you looked at it" in response.json()["message"]
    assert "“Rejected” (lee," in response.json()["message"]
    assert comment.status == Status.REJECTED
    assert comment.moderation_events.filter(to_status="approved").count() == 0


def test_the_same_decision_sent_twice_is_applied_once(client, moderator):
    comment = make_comment()

    first = decide(client, comment, "approve", seen="pending")
    second = decide(client, comment, "approve", seen="pending")

    assert first.status_code == second.status_code == 302
    assert "Nothing was changed" in messages_after(client, second)
    assert comment.moderation_events.filter(actor=moderator).count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("decision", "delete", "Choose Approve, Reject or Spam."),
        ("decision", "", "Choose Approve, Reject or Spam."),
        ("seen", "bogus", "Reload the page and decide again."),
        ("comment", "987654321", "That comment no longer exists."),
        ("comment", "99999999999999999999999", "That comment no longer exists."),
        ("comment", "0", "That comment no longer exists."),
        ("comment", "abc", "Say which comment."),
        ("reason", "x" * 201, "at most 200 characters"),
    ],
)
def test_a_forged_decision_is_refused_in_words_and_changes_nothing(
    client, moderator, field, value, message
):
    comment = make_comment()

    forged = {"comment": comment.pk, "decision": "approve", "seen": "pending"}
    response = client.post(DECIDE, forged | {field: value}, **JSON)

    assert response.status_code == 400
    assert message in response.json()["message"]
    comment.refresh_from_db()
    assert comment.status == Status.PENDING
    assert not ModerationEvent.objects.filter(actor=moderator).exists()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/"])
def test_a_decision_never_sends_the_moderator_off_the_admin(client, moderator, target):
    comment = make_comment()

    response = decide(client, comment, "approve", next=target)

    assert response["Location"] == DESK


def test_decisions_need_post(client, moderator):
    comment = make_comment()

    response = client.get(DECIDE, {"comment": comment.pk, "decision": "approve"})

    assert response.status_code == 405
    comment.refresh_from_db()
    assert comment.status == Status.PENDING


def test_keeping_a_hidden_comment_dismisses_its_reports_and_shows_it_again(
    client, moderator, django_capture_on_commit_callbacks
):
    comment = make_comment(status=Status.HIDDEN, body="Fair criticism.")
    make_report(comment)
    make_report(comment)

    with django_capture_on_commit_callbacks(execute=True):
        response = decide(client, comment, "approve")

    comment.refresh_from_db()
    assert comment.status == Status.APPROVED
    assert not Report.objects.open().exists()
    assert Report.objects.filter(dismissed_by=moderator).count() == 2
    assert comment.moderation_events.get().reason == "Kept: reports dismissed"
    assert "Kept (reports dismissed)" in messages_after(client, response)
    assert (
        "Fair criticism."
        in Client().get(comment.story.get_absolute_url()).content.decode()
    )


def test_keeping_a_reported_comment_readers_still_see_is_audited(client, moderator):
    comment = make_approved_comment()
    make_report(comment)

    decide(client, comment, "approve")

    event = comment.moderation_events.get()
    assert (event.from_status, event.to_status) == ("approved", "approved")
    assert not Comment.objects.reported().exists()


def test_removing_a_reported_comment_leaves_the_reported_queue(client, moderator):
    comment = make_comment(status=Status.HIDDEN)
    make_report(comment)

    decide(client, comment, "reject")

    assert not Comment.objects.reported().exists()
    assert Comment.objects.get().status == Status.REJECTED


# --- Undo ---------------------------------------------------------------------------


def last_event(user) -> ModerationEvent:
    return ModerationEvent.objects.filter(actor=user).latest("pk")


def test_undo_takes_the_last_decision_back_and_is_audited(client, moderator):
    comment = make_comment()
    decide(client, comment, "spam")

    response = client.post(UNDO, {"event": last_event(moderator).pk, "next": DESK})

    comment.refresh_from_db()
    assert comment.status == Status.PENDING
    assert "Undone: the comment is back to “Pending”." in messages_after(
        client, response
    )
    steps = list(comment.moderation_events.values_list("from_status", "to_status"))
    assert steps == [("pending", "spam"), ("spam", "pending")]


def test_undoing_a_keep_opens_the_reports_again(client, moderator):
    comment = make_comment(status=Status.HIDDEN)
    make_report(comment)
    decide(client, comment, "approve")

    client.post(UNDO, {"event": last_event(moderator).pk})

    comment.refresh_from_db()
    assert comment.status == Status.HIDDEN
    assert list(Comment.objects.reported()) == [comment]


def test_undo_is_refused_after_the_window(client, moderator):
    comment = make_comment()
    decide(client, comment, "reject")
    event = last_event(moderator)
    past = timezone.now() - timedelta(seconds=UNDO_SECONDS + 1)
    ModerationEvent.objects.filter(pk=event.pk).update(created_at=past)

    response = client.post(UNDO, {"event": event.pk}, **JSON)

    assert response.status_code == 409
    assert "Too late to undo" in response.json()["message"]
    assert Comment.objects.get().status == Status.REJECTED


def test_undo_is_refused_once_the_comment_changed_again(client, moderator):
    comment = make_comment()
    decide(client, comment, "reject")
    event = last_event(moderator)
    other = Client()
    other.force_login(make_moderator())
    decide(other, comment, "approve", seen="rejected")

    response = client.post(UNDO, {"event": event.pk}, **JSON)

    assert response.status_code == 409
    assert "changed since your decision" in response.json()["message"]
    assert Comment.objects.get().status == Status.APPROVED


def test_a_moderator_cannot_undo_someone_elses_decision(client, moderator):
    comment = make_comment()
    other = Client()
    lee = make_moderator()
    other.force_login(lee)
    decide(other, comment, "reject")

    response = client.post(UNDO, {"event": last_event(lee).pk}, **JSON)

    assert response.status_code == 409
    assert response.json()["message"] == "There is no decision of yours to undo."
    assert Comment.objects.get().status == Status.REJECTED


@pytest.mark.parametrize("event", ["", "abc", "-1", "99999999999999999999999"])
def test_a_forged_undo_changes_nothing(client, moderator, event):
    make_comment()

    response = client.post(UNDO, {"event": event}, **JSON)

    assert response.status_code == 400
    assert response.json()["message"] == "There is nothing to undo."
    assert Comment.objects.get().status == Status.PENDING


# --- Bans from a card ---------------------------------------------------------------


def ban(client, comment, **fields):
    data = {"comment": comment.pk, "reason": "Abuse", "ends_on": "", "next": DESK}
    return client.post(BAN, data | fields)


def test_a_card_bans_its_commenter_and_rejects_what_waits(client, moderator):
    comment = make_comment(email="troll@example.org")
    make_comment(email="troll@example.org")
    ends = timezone.localdate() + timedelta(days=30)

    response = ban(client, comment, ends_on=ends.isoformat(), reject_waiting="on")

    made = Ban.objects.get()
    assert (made.email, made.ends_on, made.created_by) == (
        "troll@example.org",
        ends,
        moderator,
    )
    assert Comment.objects.filter(status=Status.REJECTED).count() == 2
    page = messages_after(client, response)
    assert "Banned troll@example.org until" in page
    assert "Rejected 2 of their comment(s) waiting for a decision." in page
    assert "Lift the ban" in client.get(f"{DESK}?comment={comment.pk}").content.decode()


@pytest.mark.parametrize(
    ("ends_on", "message"),
    [
        ("yesterday", "Enter the end date as a date"),
        ("2026-02-30", "Enter the end date as a date"),
        ("99999-01-01", "Enter the end date as a date"),
        ("2000-01-01", "A ban must end after today."),
    ],
)
def test_a_ban_with_a_bad_date_is_refused_in_words(client, moderator, ends_on, message):
    comment = make_comment()

    response = ban(client, comment, ends_on=ends_on, reject_waiting="on")

    assert message in messages_after(client, response)
    assert not Ban.objects.exists()
    assert Comment.objects.get().status == Status.PENDING


def test_a_card_lifts_a_ban(client, moderator):
    comment = make_comment(email="troll@example.org")
    ban(client, comment)
    made = Ban.objects.get()

    first = messages_after(client, client.post(LIFT, {"ban": made.pk, "next": DESK}))
    again = messages_after(client, client.post(LIFT, {"ban": made.pk, "next": DESK}))

    made.refresh_from_db()
    assert made.lifted_by == moderator
    assert "Lifted the ban of troll@example.org." in first
    assert "That ban was already lifted." in again


# --- Costs, and the comment's own page ----------------------------------------------


def test_one_decision_costs_a_constant_number_of_queries(client, moderator):
    story = make_published_story()
    light = make_comment(story, status=Status.HIDDEN)
    make_report(light)
    heavy = make_comment(story, status=Status.HIDDEN, email="many@example.org")
    for _ in range(30):
        make_report(heavy)
        make_comment(email="many@example.org")
    decide(client, make_comment(), "reject")  # warm up the session

    counts = []
    for comment in (light, heavy):
        with CaptureQueriesContext(connection) as captured:
            decide(client, comment, "approve")
        counts.append(len(captured))

    assert counts[0] == counts[1]


def test_the_comments_page_has_the_buttons_and_comes_back_to_itself(client, moderator):
    comment = make_comment()
    page = reverse("admin:comments_comment_change", args=[comment.pk])

    html = client.get(page).content.decode()
    response = decide(client, comment, "approve", next=page)

    assert "Decide on this comment" in html
    for label in ("Approve", "Reject", "Spam"):
        assert f">{label}</button>" in html
    assert response["Location"] == page
    assert Comment.objects.get().status == Status.APPROVED


def test_view_on_site_opens_a_waiting_comments_card_and_a_public_ones_page(
    client, moderator
):
    pending = make_comment()
    public = make_approved_comment()

    def view_on_site(comment) -> str:
        url = reverse("admin:comments_comment_change", args=[comment.pk])
        return client.get(url).context["adminform"].model_admin.view_on_site(comment)

    assert view_on_site(pending) == f"{DESK}?comment={pending.pk}"
    assert view_on_site(public) == public.get_absolute_url()
    assert f"#comment-{public.pk}" in view_on_site(public)
