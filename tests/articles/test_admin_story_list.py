"""The editors' story list, driven through the test client as an editor would:
what it shows and costs, search, filters, and the publish and unpublish actions."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import dateformat, timezone

from articles.models import Story
from tests.factories import (
    make_author,
    make_clarification,
    make_published_story,
    make_rich_story,
    make_story,
    make_topic,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:articles_story_changelist")


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.mark.parametrize("stories", [1, 12])
def test_the_story_list_costs_the_same_queries_however_many_stories(
    client, editor, django_assert_num_queries, stories
):
    for _ in range(stories):
        make_rich_story()

    # Session, user, whether they turned two-factor sign-in on, their time zone, 2
    # permission lookups, topic and author filter choices, 2 counts, the page of
    # stories, its bylines with authors, its topics, 2 for the date hierarchy: none
    # per story.
    with django_assert_num_queries(15):
        response = client.get(CHANGELIST)

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == stories


def test_the_story_list_shows_authors_topics_and_links(client, editor):
    ann, bo = make_author(name="Ann Lee"), make_author(name="Bo Chen")
    live = make_published_story(
        headline="Live one", authors=[ann, bo], topics=[make_topic(name="City")]
    )
    draft = make_story(headline="Draft one")

    html = client.get(CHANGELIST).content.decode()

    assert "Ann Lee, Bo Chen" in html
    assert "City" in html
    assert f'href="{live.get_absolute_url()}">View</a>' in html
    preview = reverse("articles:story-preview", kwargs={"pk": draft.pk})
    assert f'href="{preview}">Preview</a>' in html


@pytest.mark.parametrize("term", ["Versprille", "defense", "us-japan", "summary"])
def test_search_finds_stories_by_headline_dek_slug_and_author(client, editor, term):
    author = make_author(name="Allyson Versprille")
    wanted = make_story(
        headline="Defense ties",
        slug="us-japan",
        dek="A summary line.",
        authors=[author],
    )
    make_story(headline="Other")

    response = client.get(CHANGELIST, {"q": term})

    assert list(response.context["cl"].result_list) == [wanted]


def test_filters_by_clarification_status_topic_and_author(client, editor):
    topic, author = make_topic(), make_author()
    clarified = make_published_story(topics=[topic], authors=[author])
    make_clarification(clarified)
    plain = make_story()

    def listed(**params):
        return list(client.get(CHANGELIST, params).context["cl"].result_list)

    assert listed(clarified="yes") == [clarified]
    assert listed(clarified="no") == [plain]
    assert listed(status="draft") == [plain]
    assert listed(topics__id__exact=topic.pk) == [clarified]
    assert listed(authors__id__exact=author.pk) == [clarified]


def test_publish_now_publishes_and_reports_what_could_not_be(client, editor):
    ready = make_story(headline="Ready")
    embargoed = make_published_story(published_at=timezone.now() + timedelta(days=1))
    unsigned = Story.objects.create(headline="Unsigned", slug="unsigned", body="x")
    scheduled_for = dateformat.format(
        timezone.localtime(embargoed.published_at), "N j, Y, P T"
    )

    response = client.post(
        CHANGELIST,
        {
            "action": "publish_now",
            "_selected_action": [ready.pk, embargoed.pk, unsigned.pk],
        },
        follow=True,
    )
    for story in (ready, embargoed, unsigned):
        story.refresh_from_db()

    assert ready.is_live and ready.published_by == editor
    assert embargoed.is_live
    assert unsigned.status == Story.Status.DRAFT
    assert messages_of(response) == [
        "“Unsigned” needs at least one author before publishing.",
        f"“{embargoed}” was scheduled for {scheduled_for}; it is live now.",
        "Published 2 stories.",
    ]


def test_unpublish_takes_stories_back_to_draft_keeping_their_time(client, editor):
    story = make_published_story()
    published_at = story.published_at

    response = client.post(
        CHANGELIST,
        {"action": "unpublish", "_selected_action": [story.pk]},
        follow=True,
    )
    story.refresh_from_db()

    assert story.status == Story.Status.DRAFT
    assert story.published_at == published_at
    assert messages_of(response) == ["Unpublished 1 story."]
