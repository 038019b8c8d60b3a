"""RSS and Atom feeds, read back with feedparser as a feed reader would."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import feedparser
import pytest
from django.urls import reverse
from django.utils import timezone

from articles.services import change_story_slug, clarify_story
from tests.factories import (
    make_author,
    make_clarification,
    make_published_story,
    make_story,
    make_topic,
)

pytestmark = pytest.mark.django_db

LATEST_FEED_QUERIES = 4  # stories, their bylines with authors, topics, notes
TOPIC_FEED_QUERIES = 5  # topic + the latest feed's four
AUTHOR_FEED_QUERIES = 5  # author + the latest feed's four
CLARIFICATIONS_FEED_QUERIES = 1  # notes joined to their stories

FORMATS = ["rss", "atom"]


def parse(client, url):
    response = client.get(url)
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    return feed


def latest(kind):
    return reverse(f"articles:latest-feed-{kind}")


@pytest.mark.parametrize("kind", FORMATS)
def test_latest_feed_lists_published_stories_with_every_author(client, kind):
    ann, bob = make_author(name="Ann Lee"), make_author(name="Bob Ray")
    story = make_published_story(authors=[ann, bob], headline="Ospreys")
    make_story(headline="Draft")
    make_published_story(
        headline="Embargoed", published_at=timezone.now() + timedelta(hours=1)
    )

    feed = parse(client, latest(kind))
    (entry,) = feed.entries

    assert entry.title == "Ospreys"
    assert entry.link == f"http://testserver{story.get_absolute_url()}"
    assert [author.name for author in entry.authors] == ["Ann Lee", "Bob Ray"]


def test_atom_authors_link_to_their_pages(client):
    ann = make_author(name="Ann Lee")
    make_published_story(authors=[ann])

    (entry,) = parse(client, latest("atom")).entries

    assert entry.authors[0].href == f"http://testserver{ann.get_absolute_url()}"


@pytest.mark.parametrize("kind", FORMATS)
def test_entry_ids_survive_a_slug_change(client, kind):
    story = make_published_story(slug="first-slug")
    before = parse(client, latest(kind)).entries[0]
    change_story_slug(story, new_slug="second-slug", by=None)
    after = parse(client, latest(kind)).entries[0]

    assert before.id == after.id
    assert before.id.startswith("tag:testserver,")
    assert before.id.endswith(f":story:{story.pk}")
    assert before.link != after.link


def test_rss_guid_is_not_a_permalink(client):
    make_published_story()

    xml = client.get(latest("rss")).content.decode()

    assert '<guid isPermaLink="false">tag:' in xml


def test_atom_updated_moves_with_each_published_clarification(client):
    tz = ZoneInfo("America/New_York")
    story = make_published_story(published_at=datetime(2015, 5, 7, 9, tzinfo=tz))
    first = parse(client, latest("atom")).entries[0]
    make_clarification(story, published_at=datetime(2015, 5, 8, 12, tzinfo=tz))
    second = parse(client, latest("atom")).entries[0]
    clarify_story(story, text="Another note.", by=None)
    third = parse(client, latest("atom")).entries[0]

    assert first.updated == first.published == "2015-05-07T13:00:00+00:00"
    assert second.updated == "2015-05-08T16:00:00+00:00"
    assert third.updated_parsed > second.updated_parsed
    assert third.published == first.published


@pytest.mark.parametrize("kind", FORMATS)
def test_feed_titles_never_carry_updated_and_descriptions_carry_the_notes(client, kind):
    story = make_published_story(
        headline="Ospreys (UPDATED)", body="The *body*.", dek="Summary."
    )
    make_clarification(
        story,
        text="An earlier version misstated the price.",
        published_at=datetime(2015, 5, 8, 12, tzinfo=ZoneInfo("America/New_York")),
    )

    (entry,) = parse(client, latest(kind)).entries

    assert entry.title == "Ospreys"
    assert "<em>body</em>" in entry.summary
    assert (
        "<strong>Clarification, May 8, 2015:</strong> An earlier version misstated "
        "the price." in entry.summary
    )


def test_feed_descriptions_are_sanitised(client):
    make_published_story(body="Hi <script>alert(1)</script> [x](javascript:alert(1))")

    (entry,) = parse(client, latest("rss")).entries

    assert "script" not in entry.summary
    assert "javascript:" not in entry.summary


@pytest.mark.parametrize("kind", FORMATS)
def test_topic_and_author_feeds_list_only_their_stories(client, kind):
    topic, author = make_topic(name="Procurement"), make_author(name="Ann")
    on_topic = make_published_story(topics=[topic], headline="On topic")
    by_author = make_published_story(authors=[author], headline="By Ann")
    make_published_story(headline="Elsewhere")

    topic_feed = parse(
        client, reverse(f"articles:topic-feed-{kind}", args=[topic.slug])
    )
    author_feed = parse(
        client, reverse(f"articles:author-feed-{kind}", args=[author.slug])
    )

    assert [e.title for e in topic_feed.entries] == [on_topic.headline]
    assert [e.title for e in author_feed.entries] == [by_author.headline]
    assert "Procurement" in topic_feed.feed.title
    assert (
        client.get(reverse(f"articles:topic-feed-{kind}", args=["nope"])).status_code
        == 404
    )


@pytest.mark.parametrize("kind", FORMATS)
def test_clarifications_feed_has_one_stable_entry_per_public_note(client, kind):
    story = make_published_story(headline="Ospreys", slug="ospreys")
    note = make_clarification(story, text="Price <was> wrong.")
    make_clarification(make_story(), text="Draft story's note.")
    before = parse(client, reverse(f"articles:clarification-feed-{kind}"))
    change_story_slug(story, new_slug="ospreys-2", by=None)
    after = parse(client, reverse(f"articles:clarification-feed-{kind}"))

    (entry,) = before.entries
    assert entry.title == "Clarification: Ospreys"
    assert (
        "Price <was> wrong." in entry.summary
        or "Price &lt;was&gt; wrong." in entry.summary
    )
    assert entry.link.endswith(f"#note-{note.pk}")
    assert after.entries[0].id == entry.id
    assert after.entries[0].link.endswith(f"/ospreys-2/#note-{note.pk}")


@pytest.mark.parametrize(
    ("feed", "queries"),
    [
        ("latest", LATEST_FEED_QUERIES),
        ("topic", TOPIC_FEED_QUERIES),
        ("author", AUTHOR_FEED_QUERIES),
        ("clarifications", CLARIFICATIONS_FEED_QUERIES),
    ],
)
def test_feed_queries_stay_constant_as_stories_authors_topics_and_notes_grow(
    client, django_assert_num_queries, feed, queries
):
    topic, author = make_topic(), make_author()
    url = {
        "latest": latest("atom"),
        "topic": reverse("articles:topic-feed-atom", args=[topic.slug]),
        "author": reverse("articles:author-feed-atom", args=[author.slug]),
        "clarifications": reverse("articles:clarification-feed-atom"),
    }[feed]

    make_clarification(make_published_story(authors=[author], topics=[topic]))
    with django_assert_num_queries(queries):
        client.get(url)
    for _ in range(5):
        story = make_published_story(
            authors=[author, make_author(), make_author()],
            topics=[topic, make_topic(), make_topic()],
        )
        make_clarification(story)
        make_clarification(story)
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert len(feedparser.parse(response.content).entries) >= 6
