"""Reader reports: a never-cached form under each comment readers see, one report
per client, hidden at once past the threshold (audited as the system), throttled,
and refused in words for comments readers don't see."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from comments.models import Comment, ModerationEvent, Report
from comments.services import ReportRefused, approve_comments, report_comment
from tests.factories import (
    make_approved_comment,
    make_comment,
    make_moderator,
    make_published_story,
)

pytestmark = pytest.mark.django_db

Status = Comment.Status
REPORTED = "Thanks — your report was sent to the moderators."
NOT_SHOWN = "This comment is not shown on the site"


def report_url(comment) -> str:
    return reverse("comments:comment-report", args=[comment.pk])


def send(client, comment, reason="abuse", text="", **extra):
    """Open the report form as a reader does, then send it."""
    client.get(report_url(comment), **extra)
    data = {"reason": reason, "text": text}
    return client.post(report_url(comment), data, **extra)


def from_ip(ip: str) -> dict:
    return {"REMOTE_ADDR": ip}


# --- The service ------------------------------------------------------------------


def test_each_client_counts_once_and_the_threshold_hides_the_comment(
    settings, django_capture_on_commit_callbacks
):
    settings.COMMENTS_REPORTS_TO_HIDE = 3
    comment = make_approved_comment()

    outcomes = [
        report_comment(comment.pk, reporter_ip="198.51.100.1", reason="spam"),
        report_comment(comment.pk, reporter_ip="198.51.100.1", reason="abuse"),
        report_comment(comment.pk, reporter_ip="198.51.100.2", reason="abuse"),
    ]
    with django_capture_on_commit_callbacks() as callbacks:
        outcomes.append(
            report_comment(comment.pk, reporter_ip="198.51.100.3", reason="other")
        )

    comment.refresh_from_db()
    assert outcomes == ["recorded", "already", "recorded", "hidden"]
    assert comment.status == Status.HIDDEN
    assert Report.objects.filter(comment=comment).count() == 3
    event = comment.moderation_events.get()
    assert (event.actor, event.actor_name, event.rule) == (None, "system", "reports")
    assert (event.from_status, event.to_status) == ("approved", "hidden")
    assert event.reason == "Hidden after 3 reader reports"
    assert len(callbacks) == 2  # the story's stamp, and the moderators' mail


def test_the_reporters_address_is_kept_only_as_a_keyed_hash():
    comment = make_approved_comment()

    report_comment(comment.pk, reporter_ip="203.0.113.9", reason="spam")

    stored = Report.objects.get().reporter_hash
    assert len(stored) == 64 and "203.0.113.9" not in stored


def test_moderators_are_mailed_when_reports_hide_a_comment(
    settings, django_capture_on_commit_callbacks
):
    settings.COMMENTS_REPORTS_TO_HIDE = 1
    make_moderator(email="mod@newsroom.example")
    comment = make_approved_comment(email="writer@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        report_comment(comment.pk, reporter_ip="198.51.100.1", reason="abuse")

    (message,) = mail.outbox
    assert message.subject.startswith("Comment hidden: ")
    assert "Hidden after 1 reader reports" in message.body
    assert f"/admin/comments/moderate/?comment={comment.pk}" in message.body
    assert "writer@example.org" not in message.body


def test_a_comment_a_moderator_kept_is_not_hidden_again_by_new_reports(settings):
    settings.COMMENTS_REPORTS_TO_HIDE = 2
    comment = make_approved_comment()
    for ip in ("198.51.100.1", "198.51.100.2"):
        report_comment(comment.pk, reporter_ip=ip, reason="abuse")
    approve_comments(Comment.objects.filter(pk=comment.pk), by=make_moderator())

    for ip in ("198.51.100.3", "198.51.100.4"):
        report_comment(comment.pk, reporter_ip=ip, reason="abuse")

    comment.refresh_from_db()
    assert comment.status == Status.APPROVED
    assert list(Comment.objects.reported()) == [comment]  # back in the queue


@pytest.mark.parametrize("status", [Status.PENDING, Status.REJECTED, Status.HIDDEN])
def test_comments_readers_do_not_see_cannot_be_reported(status):
    comment = make_comment(status=status)

    with pytest.raises(ReportRefused):
        report_comment(comment.pk, reporter_ip="198.51.100.1", reason="spam")

    assert not Report.objects.exists()


def test_a_post_moderated_comment_shown_at_once_can_be_reported():
    comment = make_comment(status=Status.UNREVIEWED)

    assert report_comment(comment.pk, reporter_ip="198.51.100.1", reason="spam") == (
        "recorded"
    )


# --- The form ---------------------------------------------------------------------


def test_the_report_form_is_never_cached_and_carries_a_csrf_token(client):
    comment = make_approved_comment(body="Quoted <b>here</b>")

    response = client.get(report_url(comment))

    html = response.content.decode()
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    assert "csrfmiddlewaretoken" in html
    assert "Quoted &lt;b&gt;here&lt;/b&gt;" in html
    for reason in ("Spam", "Abuse or harassment", "Off-topic", "Personal information"):
        assert reason in html
    assert "Send report" in html


def test_every_comment_readers_see_has_a_report_link(client):
    comment = make_approved_comment(name="Rin")
    reply = make_approved_comment(comment.story, parent=comment)

    page = client.get(comment.story.get_absolute_url()).content.decode()

    assert f'href="{report_url(comment)}"' in page
    assert f'href="{report_url(reply)}"' in page
    assert 'aria-label="Report the comment by Rin"' in page


def test_a_reader_reports_a_comment_and_goes_back_to_the_story(client):
    comment = make_approved_comment()

    response = send(client, comment, reason="personal", text="  My phone number.  ")

    assert response.status_code == 302
    assert response["Location"] == f"{comment.story.get_absolute_url()}#comments"
    report = Report.objects.get()
    assert (report.reason, report.text) == ("personal", "My phone number.")
    page = client.get(response["Location"]).content.decode()
    assert REPORTED in page


def test_reporting_twice_is_thanked_and_counted_once(client):
    comment = make_approved_comment()
    send(client, comment)

    again = send(client, comment, reason="spam")

    assert again.status_code == 302
    assert "already reported" in client.get(again["Location"]).content.decode()
    assert Report.objects.count() == 1


@pytest.mark.parametrize(
    ("reason", "text", "error"),
    [
        ("", "", "Choose what is wrong with the comment."),
        ("rude", "", "Select a valid choice."),
        ("spam", "x" * 501, "Ensure this value has at most 500 characters"),
        ("spam", "nul\x00byte", "Null characters are not allowed."),
    ],
)
def test_a_bad_report_is_sent_back_with_the_reason_in_words(
    client, reason, text, error
):
    comment = make_approved_comment()

    response = send(client, comment, reason=reason, text=text)

    assert response.status_code == 400
    assert error in response.content.decode()
    assert "Your report was not sent" in response.content.decode()
    assert not Report.objects.exists()


@pytest.mark.parametrize("kind", ["pending", "rejected", "hidden", "missing", "huge"])
def test_reports_on_comments_readers_do_not_see_are_refused_in_words(client, kind):
    comment = {
        "pending": lambda: make_comment(),
        "rejected": lambda: make_comment(status=Status.REJECTED),
        "hidden": lambda: make_comment(status=Status.HIDDEN),
        "missing": lambda: Comment(pk=987_654_321),
        "huge": lambda: Comment(pk=99_999_999_999_999_999_999),
    }[kind]()

    page = client.get(report_url(comment))
    post = client.post(report_url(comment), {"reason": "spam"})

    for response in (page, post):
        assert response.status_code == 404
        assert NOT_SHOWN in response.content.decode()
    assert not Report.objects.exists()


def test_a_report_without_the_csrf_token_is_refused():
    comment = make_approved_comment()
    reader = Client(enforce_csrf_checks=True)

    response = reader.post(report_url(comment), {"reason": "spam"})

    assert response.status_code == 403
    assert not Report.objects.exists()


def test_a_flood_of_reports_from_one_client_is_throttled(client, settings):
    settings.COMMENTS_THROTTLE_REPORTS_PER_IP = 2
    comments = [make_approved_comment() for _ in range(3)]

    statuses = [send(client, comment).status_code for comment in comments]

    assert statuses == [302, 302, 429]
    assert Report.objects.count() == 2
    last = client.post(report_url(comments[2]), {"reason": "spam"})
    assert "many reports in a short time" in last.content.decode()
    assert last["Retry-After"] == str(settings.COMMENTS_THROTTLE_WINDOW_SECONDS)


def test_reporters_behind_a_trusted_proxy_count_by_their_own_address(settings):
    settings.TRUSTED_PROXY_HOPS = 1
    settings.COMMENTS_REPORTS_TO_HIDE = 2
    comment = make_approved_comment()
    proxy = {"REMOTE_ADDR": "10.0.0.1"}

    for client_address in ("198.51.100.7", "198.51.100.8"):
        send(Client(), comment, HTTP_X_FORWARDED_FOR=client_address, **proxy)

    comment.refresh_from_db()
    assert Report.objects.count() == 2
    assert comment.status == Status.HIDDEN


def test_without_trusted_proxies_a_forged_forwarded_for_counts_as_one_client(settings):
    settings.TRUSTED_PROXY_HOPS = 0
    comment = make_approved_comment()

    for forged in ("198.51.100.7", "198.51.100.8", "198.51.100.9"):
        send(Client(), comment, HTTP_X_FORWARDED_FOR=forged, **from_ip("192.0.2.1"))

    comment.refresh_from_db()
    assert Report.objects.count() == 1
    assert comment.status == Status.APPROVED


def test_a_hidden_comment_leaves_the_cached_story_page_at_once(
    page_cache, settings, django_capture_on_commit_callbacks
):
    settings.COMMENTS_REPORTS_TO_HIDE = 2
    story = make_published_story()
    comment = make_approved_comment(story, body="Reported words.")
    reader = Client()
    assert "Reported words." in reader.get(story.get_absolute_url()).content.decode()
    assert reader.get(story.get_absolute_url())["X-Page-Cache"] == "hit"

    with django_capture_on_commit_callbacks(execute=True):
        for ip in ("198.51.100.1", "198.51.100.2"):
            send(Client(), comment, **from_ip(ip))

    page = reader.get(story.get_absolute_url()).content.decode()
    assert "Reported words." not in page
    assert "Comments (0)" in page
    assert ModerationEvent.objects.filter(to_status="hidden").count() == 1


def test_a_report_that_hides_nothing_keeps_the_cached_page(
    page_cache, django_capture_on_commit_callbacks
):
    story = make_published_story()
    comment = make_approved_comment(story)
    reader = Client()
    reader.get(story.get_absolute_url())

    with django_capture_on_commit_callbacks(execute=True):
        send(Client(), comment, **from_ip("198.51.100.1"))

    assert reader.get(story.get_absolute_url())["X-Page-Cache"] == "hit"
