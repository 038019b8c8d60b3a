"""/sitemap.xml, the Google News sitemap and robots.txt, parsed as XML."""

import xml.etree.ElementTree as ET
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from articles import sitemaps
from articles.models import Story
from tests.factories import (
    make_author,
    make_clarification,
    make_published_story,
    make_story,
    make_topic,
)

pytestmark = pytest.mark.django_db

SITEMAP_QUERIES = 6  # per section (stories, topics, authors): a count and a page
NEWS_SITEMAP_QUERIES = 1

NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}


def urls(client, path):
    response = client.get(path)
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    return {
        url.findtext("sm:loc", namespaces=NS): url for url in root.findall("sm:url", NS)
    }


def test_sitemap_lists_public_pages_stories_topics_and_authors(client):
    topic, author = make_topic(), make_author()
    story = make_published_story(topics=[topic], authors=[author])
    draft = make_story(topics=[make_topic()], authors=[make_author()])

    found = urls(client, reverse("articles:sitemap"))

    base = "http://testserver"
    assert base + story.get_absolute_url() in found
    assert base + draft.get_absolute_url() not in found
    assert base + topic.get_absolute_url() in found
    assert base + author.get_absolute_url() in found
    assert base + reverse("articles:home") in found
    assert base + reverse("articles:clarification-list") in found
    assert len([u for u in found if "/topics/" in u]) == 1
    assert len([u for u in found if "/authors/" in u]) == 1


def lastmod(client, story) -> str:
    loc = f"http://testserver{story.get_absolute_url()}"
    found = urls(client, reverse("articles:sitemap"))
    return found[loc].findtext("sm:lastmod", namespaces=NS)


def test_story_lastmod_moves_to_the_newest_published_clarification(client):
    now = timezone.now()
    story = make_published_story(published_at=now - timedelta(days=10))
    Story.objects.filter(pk=story.pk).update(updated_at=now - timedelta(days=10))
    before = lastmod(client, story)
    make_clarification(story, published_at=now - timedelta(days=2))
    make_clarification(story, published_at=now + timedelta(days=1))  # not yet
    after = lastmod(client, story)

    assert before == timezone.localdate(now - timedelta(days=10)).isoformat()
    assert after == timezone.localdate(now - timedelta(days=2)).isoformat()


def test_story_lastmod_follows_a_later_edit(client):
    now = timezone.now()
    story = make_published_story(published_at=now - timedelta(days=10))
    make_clarification(story, published_at=now - timedelta(days=5))
    Story.objects.filter(pk=story.pk).update(updated_at=now - timedelta(days=1))

    assert (
        lastmod(client, story)
        == timezone.localdate(now - timedelta(days=1)).isoformat()
    )


def test_sitemap_queries_stay_constant(client, django_assert_num_queries):
    make_published_story(topics=[make_topic()])
    with django_assert_num_queries(SITEMAP_QUERIES):
        client.get(reverse("articles:sitemap"))
    for _ in range(5):
        story = make_published_story(
            authors=[make_author(), make_author()], topics=[make_topic(), make_topic()]
        )
        make_clarification(story)
    with django_assert_num_queries(SITEMAP_QUERIES):
        client.get(reverse("articles:sitemap"))


def test_news_sitemap_has_recent_stories_with_publication_and_title(client):
    tz = ZoneInfo("America/New_York")
    recent = make_published_story(headline="Ospreys & more (UPDATED)")
    make_clarification(recent)
    make_published_story(published_at=timezone.now() - timedelta(days=3))
    make_story(headline="Draft")
    published = timezone.localtime(recent.published_at, tz).isoformat()

    found = urls(client, reverse("articles:news-sitemap"))

    (loc,) = found
    news = found[loc].find("news:news", NS)
    assert loc == f"http://testserver{recent.get_absolute_url()}"
    assert news.findtext("news:publication/news:name", namespaces=NS) == "Newsroom"
    assert news.findtext("news:publication/news:language", namespaces=NS) == "en"
    assert news.findtext("news:publication_date", namespaces=NS) == published
    assert news.findtext("news:title", namespaces=NS) == "Ospreys & more"


def test_a_clarification_does_not_bring_an_old_story_back_into_news(client):
    old = make_published_story(published_at=timezone.now() - timedelta(days=5))
    make_clarification(old)

    assert urls(client, reverse("articles:news-sitemap")) == {}


def test_news_sitemap_is_capped(client, monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(sitemaps, "NEWS_LIMIT", 3)
    for _ in range(5):
        make_published_story()

    with django_assert_num_queries(NEWS_SITEMAP_QUERIES):
        found = urls(client, reverse("articles:news-sitemap"))

    assert len(found) == 3


@pytest.mark.parametrize(
    ("code", "expected"), [("en-us", "en"), ("fr", "fr"), ("zh-tw", "zh-tw")]
)
def test_news_language_is_what_google_expects(code, expected):
    assert sitemaps.news_language(code) == expected
