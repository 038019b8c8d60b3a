"""What every reader page shares: the topics navigation and footer, one h1 and no
inline code, no per-visitor bytes, and robots.txt."""

import pytest
from django.urls import reverse

from tests.factories import (
    make_clarification,
    make_published_story,
    make_topic,
    outline,
)

pytestmark = pytest.mark.django_db


def test_a_renamed_topic_shows_in_the_navigation_on_the_next_page(client):
    topic = make_topic(name="Transport", slug="transport")
    make_published_story(topics=[topic])
    before = client.get("/").content.decode()

    topic.name, topic.slug = "Transit", "transit"
    topic.save()
    after = client.get("/").content.decode()

    assert '<a href="/topics/transport/">Transport</a>' in before
    assert '<a href="/topics/transit/">Transit</a>' in after
    assert "Transport" not in after


def test_navigation_lists_topics_with_visible_stories_and_footer_links(client):
    used = make_topic(name="International")
    make_topic(name="Empty")
    make_published_story(topics=[used])

    html = client.get("/").content.decode()

    assert '<nav class="site-nav" aria-label="Topics">' in html
    assert f'<a href="{used.get_absolute_url()}">International</a>' in html
    assert ">Empty<" not in html
    for name in (
        "articles:clarification-list",
        "articles:corrections-policy",
        "articles:latest-feed-rss",
        "articles:latest-feed-atom",
    ):
        assert f'href="{reverse(name)}"' in html


@pytest.mark.parametrize(
    "url",
    [
        lambda s: s.get_absolute_url(),
        lambda s: "/",
        lambda s: s.topics.get().get_absolute_url(),
        lambda s: s.authors.get().get_absolute_url(),
        lambda s: reverse("articles:clarification-list"),
        lambda s: reverse("articles:search") + "?q=osprey",
        lambda s: reverse("articles:corrections-policy"),
        lambda s: "/no-such-page/",
    ],
)
def test_pages_have_one_h1_no_skipped_levels_and_no_inline_code(client, url):
    story = make_published_story(
        headline="Osprey", topics=[make_topic()], body="# Big\n\n#### Small"
    )
    make_clarification(story)

    page = outline(client.get(url(story)))

    assert page.headings.count(1) == 1 and page.headings[0] == 1
    for previous, current in zip(page.headings, page.headings[1:], strict=False):
        assert current <= previous + 1 or (previous, current) == (2, 4)
    assert page.style_attributes == 0
    assert set(page.script_types) <= {"application/ld+json", None}


def test_anonymous_pages_carry_no_per_visitor_bytes(client):
    story = make_published_story()
    for url in ("/", story.get_absolute_url(), reverse("articles:search") + "?q=x"):
        first, second = client.get(url), client.get(url)

        assert first.content == second.content
        assert "csrfmiddlewaretoken" not in first.content.decode()
        assert "csrftoken" not in first.cookies
        assert "sessionid" not in first.cookies


def test_robots_txt_points_at_both_sitemaps(client):
    response = client.get("/robots.txt")
    text = response.content.decode()

    assert response["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://testserver/sitemap.xml" in text
    assert "Sitemap: http://testserver/news-sitemap.xml" in text
    assert "Disallow: /preview/" in text
