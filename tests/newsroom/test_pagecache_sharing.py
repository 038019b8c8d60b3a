"""Reader pages are shared and cached (newsroom/pagecache.py): the same bytes for
every anonymous reader, no database writes, no query on a hit, 304s, and private
pages for everyone else. Behaviour only: no timings."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.models import Story
from tests.factories import make_approved_comment, make_editor, make_published_story

pytestmark = pytest.mark.django_db


def reader_urls(story: Story) -> list[str]:
    topic, author = story.topics.get(), story.authors.get()
    return [
        story.get_absolute_url(),
        reverse("articles:home"),
        topic.get_absolute_url(),
        author.get_absolute_url(),
        reverse("articles:clarification-list"),
        reverse("articles:latest-feed-rss"),
        reverse("articles:latest-feed-atom"),
        reverse("articles:topic-feed-rss", args=[topic.slug]),
        reverse("articles:author-feed-atom", args=[author.slug]),
        reverse("articles:clarification-feed-rss"),
        reverse("articles:sitemap"),
        reverse("articles:news-sitemap"),
    ]


@pytest.mark.parametrize("cached", [False, True], ids=["cache-off", "cache-on"])
def test_two_anonymous_readers_get_the_same_bytes_and_no_cookie(
    client, settings, story, cached
):
    settings.PAGE_CACHE_SECONDS = 600 if cached else 0
    cache.clear()
    make_approved_comment(story, body="Fares were already high.")
    other = type(client)()

    for url in reader_urls(story):
        first, second = client.get(url), other.get(url)

        assert first.status_code == second.status_code == 200, url
        assert first.content == second.content, url
        assert not first.cookies and not second.cookies, url
        assert "Set-Cookie" not in first.headers, url
        assert b"csrfmiddlewaretoken" not in first.content, url


WRITES = ("INSERT", "UPDATE", "DELETE")


def test_reader_pages_never_write_to_the_database(client, page_cache, story):
    make_approved_comment(story)
    urls = [
        *reader_urls(story),
        reverse("articles:search") + "?q=ferry",
        reverse("articles:corrections-policy"),
        reverse("articles:robots-txt"),
        reverse("comments:comment-list", args=[story.pk]),
    ]

    with CaptureQueriesContext(connection) as queries:
        for url in urls * 2:  # a miss, then a hit
            assert client.get(url).status_code == 200, url

    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]
    assert writes == []


def test_a_cached_story_page_costs_no_query(
    client, page_cache, story, django_assert_num_queries
):
    first = client.get(story.get_absolute_url())

    with django_assert_num_queries(0):
        second = client.get(story.get_absolute_url())

    assert first["X-Page-Cache"] == "miss" and second["X-Page-Cache"] == "hit"
    assert second.content == first.content


def test_tracking_parameters_share_the_cached_page_and_pagination_does_not(
    client, page_cache, story, django_assert_num_queries
):
    for n in range(25):
        make_published_story(headline=f"Filler {n}")
    client.get("/")

    with django_assert_num_queries(0):
        shared = client.get("/?utm_source=newsletter&x=1")
    second_page = client.get("/?page=2")

    assert shared["X-Page-Cache"] == "hit"
    assert second_page["X-Page-Cache"] == "miss"
    assert second_page.content != shared.content


def test_junk_page_numbers_are_not_stored(client, page_cache, story):
    for attempt in range(3):
        response = client.get(f"/?page=9999{attempt}")
        assert response.status_code == 404
        assert "X-Page-Cache" not in response

    assert client.get("/")["X-Page-Cache"] == "miss"


def test_anonymous_pages_tell_shared_caches_how_long_to_keep_them(
    client, page_cache, story
):
    response = client.get(story.get_absolute_url())

    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"public", "max-age=0", "s-maxage=1"} <= directives
    assert "stale-while-revalidate=30" in directives
    assert response["ETag"] and response["Last-Modified"]


def test_a_reader_with_a_session_gets_a_private_uncached_page(
    client, page_cache, story
):
    client.force_login(make_editor())

    response = client.get(story.get_absolute_url())

    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]
    assert not response.has_header("ETag")


def test_the_comment_form_is_private(client, story):
    response = client.get(reverse("comments:comment-form", args=[story.pk]))

    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]


def test_editor_preview_is_private(client, story):
    client.force_login(make_editor())

    response = client.get(reverse("articles:story-preview", args=[story.pk]))

    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]


def test_a_conditional_get_is_answered_304_without_a_query(
    client, page_cache, story, django_assert_num_queries
):
    url = story.get_absolute_url()
    first = client.get(url)

    with django_assert_num_queries(0):
        by_etag = client.get(url, headers={"if-none-match": first["ETag"]})
    with django_assert_num_queries(0):
        by_date = client.get(url, headers={"if-modified-since": first["Last-Modified"]})

    assert by_etag.status_code == by_date.status_code == 304
    assert by_etag["ETag"] == first["ETag"]


def test_a_page_that_ignores_pagination_is_one_entry_whatever_the_page_number(
    client, page_cache, story, django_assert_num_queries
):
    client.get(story.get_absolute_url())

    with django_assert_num_queries(0):
        responses = [client.get(f"{story.get_absolute_url()}?page={n}") for n in (2, 3)]

    assert [r["X-Page-Cache"] for r in responses] == ["hit", "hit"]


def test_a_page_number_a_list_does_not_have_is_neither_served_nor_stored(
    client, page_cache, story
):
    client.get("/")

    response = client.get("/?page=7")

    assert response.status_code == 404
    assert "X-Page-Cache" not in response
