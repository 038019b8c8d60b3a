"""The listings: home, topic and author pages, the clarifications archive, and
how their pages are numbered and what they cost."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.models import Byline
from tests.factories import (
    json_ld_blocks,
    make_author,
    make_clarification,
    make_published_story,
    make_story,
    make_story_with,
    make_topic,
)

pytestmark = pytest.mark.django_db

# Queries per page, with the page cache off. Each page's topics bar (1 query) is a
# cached fragment when it is on.
HOME_PAGE_QUERIES = 5  # count, stories, bylines with authors, topics; nav
TOPIC_PAGE_QUERIES = 5  # topic, then the home page's five less the count
AUTHOR_PAGE_QUERIES = 5  # author, then the home page's five less the count
CLARIFICATIONS_PAGE_QUERIES = 3  # count, notes with their stories, nav topics


def test_byline_of_three_authors_in_a_listing_reads_naturally_and_is_escaped(client):
    make_published_story(
        authors=[
            make_author(name="Ann", slug="ann"),
            make_author(name="Bo & <Co>"),
            make_author(name="Cy"),
        ]
    )

    html = client.get("/").content.decode()

    assert re.search(
        r'By <a href="/authors/ann/">Ann</a>, <a [^>]+>Bo &amp; &lt;Co&gt;</a> '
        r"and <a [^>]+>Cy</a> · <time",
        html,
    )


def test_home_lists_only_published_stories_newest_first(client):
    older = make_published_story(published_at=timezone.now() - timedelta(days=2))
    newer = make_published_story(published_at=timezone.now() - timedelta(hours=1))
    draft = make_story()

    response = client.get(reverse("articles:home"))

    assert list(response.context["stories"]) == [newer, older]
    assert draft.headline not in response.content.decode()


def test_home_is_paginated(client):
    for _ in range(21):
        make_published_story()

    first = client.get("/")
    second = client.get("/?page=2")

    assert len(first.context["stories"]) == 20
    assert len(second.context["stories"]) == 1
    assert 'rel="next" href="?page=2"' in first.content.decode()
    assert client.get("/?page=3").status_code == 404
    assert client.get("/?page=abc").status_code == 404


def test_listing_marks_updated_stories(client):
    story = make_published_story(headline="Ospreys (UPDATED)")
    make_clarification(story)

    html = client.get("/").content.decode()

    assert html.count("(UPDATED)") == 1


def test_home_carries_the_organization_naming_the_corrections_policy(client):
    (organization,) = json_ld_blocks(client.get("/"))
    policy = "http://testserver" + reverse("articles:corrections-policy")

    assert organization["@type"] == "NewsMediaOrganization"
    assert organization["correctionsPolicy"] == policy
    assert organization["publishingPrinciples"] == policy
    assert client.get(policy).status_code == 200


def test_topic_page_lists_its_published_stories(client):
    topic, other = make_topic(name="Procurement"), make_topic()
    mine = make_published_story(topics=[topic])
    make_published_story(topics=[other])
    make_story(topics=[topic])

    response = client.get(topic.get_absolute_url())

    assert list(response.context["stories"]) == [mine]
    assert "<h1>Procurement</h1>" in response.content.decode()
    assert client.get("/topics/no-such-topic/").status_code == 404


def test_author_page_lists_their_published_stories_paginated(client):
    author = make_author(name="Allyson Versprille", job_title="Reporter")
    for _ in range(21):
        make_published_story(authors=[author])
    make_published_story()
    make_story(authors=[author])

    first = client.get(author.get_absolute_url())
    second = client.get(author.get_absolute_url() + "?page=2")

    assert len(first.context["stories"]) == 20
    assert len(second.context["stories"]) == 1
    assert 'rel="next" href="?page=2"' in first.content.decode()
    assert 'rel="prev" href="?page=1"' in second.content.decode()
    assert 'rel="next"' not in second.content.decode()
    assert "<h1>Allyson Versprille</h1>" in first.content.decode()
    assert client.get("/authors/nobody/").status_code == 404


@pytest.mark.parametrize("page", ["3", "0", "-1", "abc", "1.5"])
def test_archive_pages_past_the_end_or_malformed_are_not_found(client, page):
    author = make_author()
    for _ in range(21):
        make_published_story(authors=[author])

    assert client.get(f"{author.get_absolute_url()}?page={page}").status_code == 404


def test_archive_pages_do_not_count_the_whole_archive(client):
    # "Page 2", never "of N": the page is read with one row more, not counted.
    topic = make_topic(name="Transport")
    for _ in range(25):
        make_published_story(topics=[topic])

    with CaptureQueriesContext(connection) as queries:
        html = client.get(f"{topic.get_absolute_url()}?page=2").content.decode()

    assert not [q for q in queries if "COUNT(" in q["sql"].upper()]
    assert '<li aria-current="page">Page 2</li>' in html


@pytest.mark.parametrize(
    ("page", "queries"),
    [
        ("home", HOME_PAGE_QUERIES),
        ("topic", TOPIC_PAGE_QUERIES),
        ("author", AUTHOR_PAGE_QUERIES),
    ],
)
def test_listing_queries_stay_constant_as_stories_grow(
    client, django_assert_num_queries, page, queries
):
    topic, author = make_topic(), make_author()

    def url():
        return {
            "home": "/",
            "topic": topic.get_absolute_url(),
            "author": author.get_absolute_url(),
        }[page]

    make_published_story(authors=[author], topics=[topic])
    with django_assert_num_queries(queries):
        client.get(url())
    for _ in range(5):
        story = make_story_with(authors=3, topics=3, notes=2)
        story.topics.add(topic)
        Byline.objects.create(story=story, author=author, position=9)
    with django_assert_num_queries(queries):
        response = client.get(url())
    assert len(response.context["stories"]) == 6


def test_clarifications_archive_lists_public_notes_newest_first(
    client, django_assert_num_queries
):
    story = make_published_story(headline="Ospreys")
    older = make_clarification(story, text="Older note.")
    newer = make_clarification(story, text="Newer note.", published_at=timezone.now())
    make_clarification(make_story(), text="Note on a draft.")
    make_clarification(story, text="Draft note.", published_at=None)

    with django_assert_num_queries(CLARIFICATIONS_PAGE_QUERIES):
        response = client.get(reverse("articles:clarification-list"))
    html = response.content.decode()

    assert list(response.context["notes"]) == [newer, older]
    assert f'href="{story.get_absolute_url()}#note-{newer.pk}"' in html
    assert "Note on a draft." not in html and "Draft note." not in html
