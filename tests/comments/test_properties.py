"""Generated inputs (hypothesis) against the comment and report forms: never a
server error, never half a comment or report. The number of examples comes from
the profile (tests/conftest.py): 2,000 in CI."""

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from comments.models import Comment, ModerationEvent, Report
from tests.factories import (
    filled_form,
    form_url,
    make_approved_comment,
    make_comment,
    make_published_story,
)

TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=200)
BODY = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=3200)


@pytest.fixture
def reader(settings):
    """A client whose every post reaches the form (set once: the examples share
    the fixture)."""
    settings.COMMENTS_THROTTLE_PER_IP = settings.COMMENTS_THROTTLE_PER_EMAIL = 10**9
    settings.COMMENTS_THROTTLE_WRONG_PER_IP = 10**9
    settings.COMMENTS_THROTTLE_REFRESH_PER_IP = 10**9
    return Client(raise_request_exception=False)


@pytest.mark.django_db
@given(
    name=TEXT,
    email=st.one_of(st.emails(), TEXT),
    body=BODY,
    website=st.one_of(st.just(""), TEXT),
    answer=st.sampled_from(["solved", "wrong", "empty", "junk key"]),
    started=st.one_of(st.none(), TEXT),
)
def test_any_comment_post_is_stored_whole_or_not_at_all(
    reader, name, email, body, website, answer, started
):
    story = Comment.objects.first().story if Comment.objects.exists() else None
    story = story or make_published_story()
    data = filled_form(reader, story, name=name, email=email, body=body)
    data["website"] = website
    if started is not None:
        data["started"] = started
    if answer == "wrong":
        data["captcha_1"] = "wrong!"
    elif answer == "empty":
        data["captcha_1"] = ""
    elif answer == "junk key":
        data["captcha_0"] = name[:40]
    before = (Comment.objects.count(), ModerationEvent.objects.count())

    response = reader.post(form_url(story), data)

    added = Comment.objects.count() - before[0]
    assert response.status_code in (302, 400, 429), response.status_code
    # One comment comes with its one audit row, or there is neither.
    assert added in (0, 1)
    assert ModerationEvent.objects.count() - before[1] == added
    if added:
        assert response.status_code == 302
        comment = Comment.objects.latest("pk")
        assert comment.body == body.strip() and comment.story == story


@pytest.fixture
def reporter(settings):
    """A client whose reports are never throttled (the examples share it)."""
    settings.COMMENTS_THROTTLE_REPORTS_PER_IP = 10**9
    return Client(raise_request_exception=False)


@pytest.mark.django_db
@given(
    reason=st.one_of(st.sampled_from([r.value for r in Report.Reason]), TEXT),
    text=st.one_of(st.just(""), TEXT, BODY),
    target=st.sampled_from(["approved", "pending", "hidden", "missing"]),
    address=st.sampled_from(["198.51.100.1", "198.51.100.2", "2001:db8::1", "junk"]),
)
def test_any_report_is_stored_whole_or_not_at_all(
    reporter, reason, text, target, address
):
    story = make_published_story()
    comment = {
        "approved": lambda: make_approved_comment(story),
        "pending": lambda: make_comment(story),
        "hidden": lambda: make_comment(story, status=Comment.Status.HIDDEN),
        "missing": lambda: Comment(pk=2**40),
    }[target]()
    url = reverse("comments:comment-report", args=[comment.pk])
    before = Report.objects.count()

    response = reporter.post(url, {"reason": reason, "text": text}, REMOTE_ADDR=address)

    added = Report.objects.count() - before
    assert response.status_code in (302, 400, 404), response.status_code
    assert added in (0, 1)
    if added:
        assert response.status_code == 302 and target == "approved"
        report = Report.objects.latest("pk")
        assert report.reason == reason and report.comment_id == comment.pk
    if target != "approved":
        assert response.status_code == 404
