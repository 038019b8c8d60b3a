"""The body editor's live preview (the readers' renderer, staff only, never cached,
CSRF-checked) and the corrections report."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from articles.reports import corrections_report, duration_words
from tests.factories import (
    make_author,
    make_clarification,
    make_moderator,
    make_published_story,
    make_topic,
)

pytestmark = pytest.mark.django_db

PREVIEW = reverse("admin:articles_story_preview_body")
REPORT = reverse("admin:articles_story_report")
NEW_YORK = ZoneInfo("America/New_York")


def test_the_preview_is_what_readers_get(client, editor):
    response = client.post(PREVIEW, {"body": "## Vote\n\n**5-4**<script>x</script>"})

    assert response.status_code == 200
    assert response.content.decode() == "<h2>Vote</h2>\n<p><strong>5-4</strong></p>"
    assert "no-store" in response["Cache-Control"]


def test_the_preview_refuses_a_body_over_the_limit_in_words(client, editor, settings):
    settings.MAX_BODY_CHARS = 10

    response = client.post(PREVIEW, {"body": "x" * 11})

    assert response.status_code == 400
    assert response.content.decode() == (
        "The story is 11 characters long; the limit is 10. Shorten it, or split it "
        "into parts."
    )


def test_the_preview_is_for_editors_only_and_checks_the_csrf_token(client, editor):
    checked = Client(enforce_csrf_checks=True)
    checked.force_login(editor)
    moderator = Client()
    moderator.force_login(make_moderator())

    assert checked.post(PREVIEW, {"body": "x"}).status_code == 403  # no token
    assert moderator.post(PREVIEW, {"body": "x"}).status_code == 403
    assert client.get(PREVIEW).status_code == 405
    client.logout()
    assert client.post(PREVIEW, {"body": "x"}).status_code == 302  # to sign in


def test_the_report_counts_notes_per_month_topic_and_author():
    now = datetime(2026, 6, 15, 12, tzinfo=NEW_YORK)
    ann, city = make_author(name="Ann Lee"), make_topic(name="City")
    story = make_published_story(
        authors=[ann], topics=[city], published_at=now - timedelta(days=50)
    )
    make_clarification(story, kind="correction", published_at=now - timedelta(days=46))
    make_clarification(
        story, kind="clarification", published_at=now - timedelta(days=1)
    )
    other = make_published_story(published_at=now - timedelta(days=20))
    make_clarification(other, kind="correction", published_at=now - timedelta(days=18))
    make_clarification(other, kind="correction", published_at=now + timedelta(days=1))

    report = corrections_report(now=now)

    months = {
        m.first_day.month: (m.corrections, m.clarifications) for m in report.months
    }
    assert len(report.months) == 12 and report.months[-1].first_day.month == 6
    assert months[4] == (1, 0) and months[5] == (1, 0) and months[6] == (0, 1)
    assert [(t.name, t.corrections, t.clarifications) for t in report.by_topic] == [
        ("City", 1, 1)
    ]
    assert ("Ann Lee", 1, 1) in [
        (t.name, t.corrections, t.clarifications) for t in report.by_author
    ]
    # First corrections came 4 and 2 days after publication: the median is 3.
    assert report.median_to_first_correction == timedelta(days=3)
    assert report.median_words == "3 days"
    assert report.stories_corrected == 2
    assert len(report.bars) == 24


def test_durations_read_as_an_editor_says_them():
    assert duration_words(timedelta(days=2, hours=4, minutes=5)) == "2 days and 4 hours"
    assert duration_words(timedelta(hours=1, minutes=1)) == "1 hour and 1 minute"
    assert duration_words(timedelta(seconds=20)) == "less than a minute"


@pytest.mark.parametrize("stories", [1, 8])
def test_the_report_page_costs_the_same_however_many_notes(
    client, editor, django_assert_num_queries, stories
):
    for _ in range(stories):
        make_clarification(
            make_published_story(topics=[make_topic()]), kind="correction"
        )

    # Session, user, two-factor, time zone, 2 permission lookups; months, topics,
    # authors, median: none per note.
    with django_assert_num_queries(10):
        page = client.get(REPORT)

    assert page.status_code == 200
    html = page.content.decode()
    assert '<svg viewBox="-40 -10 780 250" role="img"' in html
    assert page.context["report"].stories_corrected == stories


def test_only_those_allowed_see_the_report(client):
    client.force_login(make_moderator())

    assert client.get(REPORT).status_code == 403
