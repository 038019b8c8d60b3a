"""The public reader site: story pages, listings, search, previews and share links."""

import json
import re
from datetime import datetime, timedelta
from html.parser import HTMLParser
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.core.signing import TimestampSigner
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from articles.models import Byline, Story
from articles.previews import share_token
from articles.services import change_story_slug, unpublish_story
from tests.factories import (
    make_author,
    make_clarification,
    make_editor,
    make_moderator,
    make_published_story,
    make_story,
    make_topic,
)

pytestmark = pytest.mark.django_db

# Queries per page, with the page cache off. Each page's topics bar (1 query) and the
# story page's comment thread (1 query) are cached fragments when it is on.
STORY_PAGE_QUERIES = 6  # story, bylines with authors, topics, notes; nav; comments
HOME_PAGE_QUERIES = 5  # count, stories, bylines with authors, topics; nav
TOPIC_PAGE_QUERIES = 5  # topic, then the home page's five less the count
AUTHOR_PAGE_QUERIES = 5  # author, then the home page's five less the count
CLARIFICATIONS_PAGE_QUERIES = 3  # count, notes with their stories, nav topics

NEWSROOM_TZ = ZoneInfo("America/New_York")


class PageOutline(HTMLParser):
    """Headings, scripts and inline-style attributes of a page, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.script_types: list[str | None] = []
        self.style_attributes = 0
        self.labels: set[str] = set()
        self.inputs: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "script":
            self.script_types.append(attributes.get("type"))
        if "style" in attributes:
            self.style_attributes += 1
        if tag == "label":
            self.labels.add(attributes.get("for"))
        if tag == "input":
            self.inputs.append(attributes.get("id"))


def outline(response) -> PageOutline:
    parser = PageOutline()
    parser.feed(response.content.decode())
    return parser


def json_ld_blocks(response) -> list[dict]:
    html = response.content.decode()
    blocks = re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL
    )
    return [json.loads(block) for block in blocks]


def make_story_with(*, authors=3, topics=2, notes=1, **fields) -> Story:
    story = make_published_story(
        authors=[make_author() for _ in range(authors)],
        topics=[make_topic() for _ in range(topics)],
        **fields,
    )
    for n in range(notes):
        make_clarification(story, published_at=timezone.now() - timedelta(minutes=n))
    return story


def image_file(width: int, height: int) -> ContentFile:
    buffer = BytesIO()
    Image.new("RGB", (width, height), (120, 30, 30)).save(buffer, format="JPEG")
    return ContentFile(buffer.getvalue(), name="osprey.jpg")


# --- Story page -------------------------------------------------------------------


def test_story_lives_at_its_dated_address_without_leading_zeros():
    story = make_published_story(
        slug="new-era-of-us-japan-defense-cooperation-sparks-debate",
        published_at=datetime(2015, 5, 8, 10, 0, tzinfo=NEWSROOM_TZ),
    )

    assert story.get_absolute_url() == (
        "/articles/2015/5/8/new-era-of-us-japan-defense-cooperation-sparks-debate/"
    )


def test_story_page_shows_headline_dek_byline_dates_body_and_topics(client):
    ann, bob, cy = (make_author(name=n) for n in ("Ann Lee", "Bob Ray", "Cy Oh"))
    topic = make_topic(name="Procurement")
    story = make_published_story(
        authors=[ann, bob, cy],
        topics=[topic],
        headline="Osprey sale approved",
        dek="Congress still has to agree.",
        body="The *first* paragraph.\n\n## What comes next",
    )

    html = client.get(story.get_absolute_url()).content.decode()

    assert "<h1>Osprey sale approved</h1>" in html
    assert '<p class="dek">Congress still has to agree.</p>' in html
    assert (
        f'By <a href="{ann.get_absolute_url()}">Ann Lee</a>, '
        f'<a href="{bob.get_absolute_url()}">Bob Ray</a> and '
        f'<a href="{cy.get_absolute_url()}">Cy Oh</a></p>'
    ) in html
    assert html.count(">Ann Lee</a>") == 1
    # Whole seconds: HTML's datetime takes at most three fraction digits.
    published = timezone.localtime(story.published_at).strftime("%Y-%m-%dT%H:%M:%S%z")
    assert f'<time datetime="{published}">' in html
    assert "<p>The <em>first</em> paragraph.</p>" in html
    assert "<h2>What comes next</h2>" in html
    assert f'<a href="{topic.get_absolute_url()}">Procurement</a>' in html
    assert "Updated" not in html
    assert "(UPDATED)" not in html


def test_byline_of_one_and_of_two_authors_reads_naturally(client):
    one = make_published_story(authors=[make_author(name="Ann")])
    two = make_published_story(
        authors=[make_author(name="Ann"), make_author(name="Bo")]
    )

    one_html = client.get(one.get_absolute_url()).content.decode()
    two_html = client.get(two.get_absolute_url()).content.decode()

    assert re.search(r"By <a [^>]+>Ann</a></p>", one_html)
    assert re.search(r"By <a [^>]+>Ann</a> and <a [^>]+>Bo</a></p>", two_html)


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


def test_photographer_is_credited_after_the_writers_not_in_the_by_line(client):
    story = make_published_story(authors=[make_author(name="Ann")])
    Byline.objects.create(
        story=story,
        author=make_author(name="Pat Lens"),
        role=Byline.Role.PHOTOGRAPHER,
        position=5,
    )

    html = client.get(story.get_absolute_url()).content.decode()

    assert re.search(r"By <a [^>]+>Ann</a></p>", html)
    assert re.search(r"Photographer: <a [^>]+>Pat Lens</a>", html)


def test_updated_flag_follows_a_published_clarification_and_is_never_doubled(client):
    story = make_published_story(headline="New Era of Cooperation (UPDATED)")
    before = client.get(story.get_absolute_url()).content.decode()
    make_clarification(story)
    make_clarification(story)
    after = client.get(story.get_absolute_url()).content.decode()

    assert "(UPDATED)" not in before
    assert "<h1>New Era of Cooperation</h1>" in before
    assert after.count("(UPDATED)") == 1
    assert (
        '<h1>New Era of Cooperation <span class="updated-flag">(UPDATED)</span></h1>'
        in after
    )


def test_a_scheduled_clarification_does_not_mark_the_story_updated_yet(client):
    story = make_published_story()
    make_clarification(story, published_at=timezone.now() + timedelta(hours=1))

    html = client.get(story.get_absolute_url()).content.decode()

    assert "(UPDATED)" not in html
    assert "An earlier version" not in html


def test_title_social_meta_and_json_ld_use_the_headline_without_the_flag(client):
    story = make_published_story(headline="Ospreys (UPDATED)")
    make_clarification(story)

    response = client.get(story.get_absolute_url())
    html = response.content.decode()
    (article,) = json_ld_blocks(response)

    assert "<title>Ospreys · Newsroom</title>" in html
    assert '<meta property="og:title" content="Ospreys">' in html
    assert '<meta name="twitter:title" content="Ospreys">' in html
    assert article["headline"] == "Ospreys"


def test_dated_notes_follow_the_body_in_newsroom_time(client):
    story = make_published_story(
        published_at=datetime(2015, 5, 7, 9, 0, tzinfo=NEWSROOM_TZ)
    )
    make_clarification(
        story,
        text="An earlier version of this story stated that Japan will export arms.",
        published_at=datetime(2015, 5, 8, 23, 30, tzinfo=NEWSROOM_TZ),
    )
    make_clarification(
        story,
        kind="correction",
        text="The sale is worth $3 billion.",
        published_at=datetime(2015, 5, 9, 8, 0, tzinfo=NEWSROOM_TZ),
    )

    html = client.get(story.get_absolute_url()).content.decode()
    text = re.sub(r"<[^>]+>", "", html)

    assert (
        "Clarification, May 8, 2015: An earlier version of this story stated that "
        "Japan will export arms." in text
    )
    assert "Correction, May 9, 2015: The sale is worth $3 billion." in text
    assert text.index("Clarification, May 8") < text.index("Correction, May 9")
    assert html.index('class="story-body"') < html.index("Clarification, ")


def test_drafts_future_and_unpublished_stories_are_not_found(client):
    draft = make_story()
    scheduled = make_published_story(published_at=timezone.now() + timedelta(hours=3))
    withdrawn = make_published_story()
    unpublish_story(withdrawn, by=None)

    for story in (draft, scheduled, withdrawn):
        assert client.get(story.get_absolute_url()).status_code == 404


def test_an_old_slug_answers_301_to_the_current_address(client):
    story = make_published_story(slug="first-name")
    old_url = story.get_absolute_url()
    change_story_slug(story, new_slug="second-name", by=None)
    change_story_slug(story, new_slug="third-name", by=None)

    first = client.get(old_url)
    second = client.get(old_url.replace("first-name", "second-name"))

    assert first.status_code == 301
    assert first["Location"] == story.get_absolute_url()
    assert second["Location"] == story.get_absolute_url()
    assert story.get_absolute_url().endswith("/third-name/")


def test_a_wrong_or_zero_padded_date_answers_301_to_the_current_address(client):
    make_published_story(
        slug="ospreys", published_at=datetime(2015, 5, 8, 10, 0, tzinfo=NEWSROOM_TZ)
    )

    wrong_day = client.get("/articles/2015/5/7/ospreys/")
    padded = client.get("/articles/2015/05/08/ospreys/")

    assert wrong_day.status_code == padded.status_code == 301
    assert wrong_day["Location"] == padded["Location"] == "/articles/2015/5/8/ospreys/"


def test_an_old_slug_of_a_story_readers_cannot_see_is_not_found(client):
    story = make_published_story(slug="before")
    change_story_slug(story, new_slug="after", by=None)
    unpublish_story(story, by=None)

    assert client.get("/articles/2015/5/8/before/").status_code == 404


def test_story_page_has_canonical_link_and_social_meta(client):
    topic = make_topic(name="International")
    author = make_author()
    story = make_published_story(
        authors=[author], topics=[topic], dek="A short summary."
    )

    html = client.get(story.get_absolute_url()).content.decode()
    url = f"http://testserver{story.get_absolute_url()}"

    assert f'<link rel="canonical" href="{url}">' in html
    assert f'<meta property="og:url" content="{url}">' in html
    assert '<meta property="og:type" content="article">' in html
    assert '<meta property="og:description" content="A short summary.">' in html
    assert (
        f'<meta property="article:author" '
        f'content="http://testserver{author.get_absolute_url()}">'
    ) in html
    assert '<meta property="article:section" content="International">' in html
    assert '<meta name="twitter:card" content="summary">' in html


def test_json_ld_news_article_has_the_required_fields(client):
    ann, bob = make_author(name="Ann"), make_author(name="Bob")
    story = make_published_story(
        authors=[ann, bob], published_at=datetime(2015, 5, 7, 9, tzinfo=NEWSROOM_TZ)
    )
    make_clarification(
        story, text="First note.", published_at=datetime(2015, 5, 8, tzinfo=NEWSROOM_TZ)
    )
    make_clarification(
        story,
        kind="correction",
        text="Second note.",
        published_at=datetime(2015, 5, 9, 12, tzinfo=NEWSROOM_TZ),
    )
    url = f"http://testserver{story.get_absolute_url()}"

    (article,) = json_ld_blocks(client.get(story.get_absolute_url()))

    assert article["@context"] == "https://schema.org"
    assert article["@type"] == "NewsArticle"
    assert article["datePublished"] == "2015-05-07T09:00:00-04:00"
    assert article["dateModified"] == "2015-05-09T12:00:00-04:00"
    assert article["mainEntityOfPage"] == {"@type": "WebPage", "@id": url}
    assert article["author"] == [
        {
            "@type": "Person",
            "name": "Ann",
            "url": f"http://testserver/authors/{ann.slug}/",
        },
        {
            "@type": "Person",
            "name": "Bob",
            "url": f"http://testserver/authors/{bob.slug}/",
        },
    ]
    assert article["publisher"]["@type"] == "NewsMediaOrganization"
    assert article["publisher"]["name"] == "Newsroom"
    assert article["publisher"]["logo"]["url"].startswith("http://testserver/static/")
    assert article["correction"] == [
        {
            "@type": "CorrectionComment",
            "text": "Clarification: First note.",
            "datePublished": "2015-05-08T00:00:00-04:00",
        },
        {
            "@type": "CorrectionComment",
            "text": "Correction: Second note.",
            "datePublished": "2015-05-09T12:00:00-04:00",
        },
    ]


def test_json_ld_without_notes_is_modified_at_publication_and_has_no_correction(
    client,
):
    story = make_published_story()

    (article,) = json_ld_blocks(client.get(story.get_absolute_url()))

    assert article["dateModified"] == article["datePublished"]
    assert "correction" not in article


def test_json_ld_cannot_be_broken_out_of_by_a_headline(client):
    story = make_published_story(
        headline="</script><script>alert(1)</script> & <!-- x",
        dek="Fish & <chips>",
    )

    response = client.get(story.get_absolute_url())
    html = response.content.decode()
    (article,) = json_ld_blocks(response)

    assert "<script>alert(1)" not in html
    assert article["headline"] == "</script><script>alert(1)</script> & <!-- x"
    assert article["description"] == "Fish & <chips>"


def test_lead_image_has_alt_caption_credit_and_responsive_sizes(client, settings):
    story = make_published_story(
        lead_image_alt="A V-22 Osprey on a carrier deck",
        lead_image_caption="An Osprey in the Pacific.",
        lead_image_credit="U.S. Navy",
    )
    story.lead_image.save("osprey.jpg", image_file(1600, 900))

    response = client.get(story.get_absolute_url())
    html = response.content.decode()
    (article,) = json_ld_blocks(response)
    srcset = re.search(r'srcset="([^"]+)"', html)[1]
    widths = [int(part.rsplit(" ", 1)[1][:-1]) for part in srcset.split(", ")]

    assert 'alt="A V-22 Osprey on a carrier deck"' in html
    assert 'width="1600" height="900"' in html
    assert "An Osprey in the Pacific." in html
    assert '<span class="image-credit">U.S. Navy</span>' in html
    assert widths == [480, 800, 1200, 1600]
    for candidate in srcset.split(", "):
        path = candidate.split(" ")[0].removeprefix(settings.MEDIA_URL)
        with Image.open(settings.MEDIA_ROOT / path) as picture:
            assert picture.width == int(candidate.rsplit(" ", 1)[1][:-1])
    assert article["image"] == [f"http://testserver{story.lead_image.url}"]
    assert '<meta name="twitter:card" content="summary_large_image">' in html


def test_a_small_lead_image_is_never_upscaled(client):
    story = make_published_story(lead_image_alt="A chart")
    story.lead_image.save("chart.jpg", image_file(400, 300))

    html = client.get(story.get_absolute_url()).content.decode()

    assert f'srcset="{story.lead_image.url} 400w"' in html


def test_a_lead_image_missing_from_storage_still_renders_the_page(client):
    story = make_published_story(lead_image_alt="Lost")
    story.lead_image.save("lost.jpg", image_file(1000, 500))
    story.lead_image.storage.delete(story.lead_image.name)

    response = client.get(story.get_absolute_url())

    assert response.status_code == 200
    assert f'src="{story.lead_image.url}"' in response.content.decode()


def test_story_page_queries_stay_constant_as_authors_topics_and_notes_grow(
    client, django_assert_num_queries
):
    small = make_story_with(authors=1, topics=1, notes=0)
    large = make_story_with(authors=6, topics=5, notes=4)
    Byline.objects.create(
        story=large, author=make_author(), role=Byline.Role.PHOTOGRAPHER, position=9
    )

    with django_assert_num_queries(STORY_PAGE_QUERIES):
        assert client.get(small.get_absolute_url()).status_code == 200
    with django_assert_num_queries(STORY_PAGE_QUERIES):
        assert client.get(large.get_absolute_url()).status_code == 200


def test_the_comments_slot_follows_the_topics(client):
    story = make_published_story(topics=[make_topic()])

    html = client.get(story.get_absolute_url()).content.decode()

    assert html.index('class="story-topics"') < html.index('id="comments"')


# --- Listings ---------------------------------------------------------------------


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


# --- Search -----------------------------------------------------------------------


def test_search_finds_ranked_published_stories_with_highlighted_excerpts(client):
    best = make_published_story(headline="Osprey sale", body="Ospreys & eagles: 3 < 4")
    make_published_story(headline="Budget", body="An osprey appears once.")
    make_story(headline="Osprey draft")

    response = client.get(reverse("articles:search"), {"q": "osprey"})
    html = response.content.decode()

    assert response.context["stories"][0] == best
    assert response.context["paginator"].count == 2
    assert "<mark>Ospreys</mark> &amp; eagles: 3 &lt; 4" in html
    assert "Osprey draft" not in html


@pytest.mark.parametrize("q", ["", "   ", "\t\n", "\x00", "the"])
def test_empty_blank_or_stopword_searches_answer_calmly(client, q):
    make_published_story(headline="The story")

    response = client.get(reverse("articles:search"), {"q": q})

    assert response.status_code == 200
    assert not response.context["stories"]


def test_a_very_long_search_is_cut_to_the_limit_and_says_so(client):
    make_published_story(headline="Osprey")

    response = client.get(reverse("articles:search"), {"q": "osprey " * 1000})

    assert response.status_code == 200
    assert len(response.context["terms"]) <= 200
    assert "Searches are limited to 200 characters" in response.content.decode()
    assert response.context["paginator"].count == 1


def test_search_input_is_labelled_and_the_form_uses_get(client):
    html = client.get(reverse("articles:search")).content.decode()
    page = outline(client.get(reverse("articles:search")))

    assert 'method="get"' in html
    assert set(page.inputs) <= page.labels


# --- Site furniture, accessibility, and no per-visitor bytes ----------------------


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


# --- Previews and share links -----------------------------------------------------


def test_editors_preview_drafts_uncached_and_unindexed(client):
    draft = make_story(headline="Not yet")
    client.force_login(make_editor())

    response = client.get(reverse("articles:story-preview", args=[draft.pk]))
    html = response.content.decode()

    assert response.status_code == 200
    assert "<h1>Not yet</h1>" in html
    assert "no-store" in response["Cache-Control"]
    assert "noindex" in response["X-Robots-Tag"]
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert "application/ld+json" not in html


def test_preview_needs_an_account_with_change_story(client):
    draft = make_story()
    url = reverse("articles:story-preview", args=[draft.pk])

    anonymous = client.get(url)
    client.force_login(make_moderator())
    moderator = client.get(url)

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("admin:login"))
    assert moderator.status_code == 403


def test_a_share_link_shows_a_draft_to_anyone_until_it_expires(client, monkeypatch):
    draft = make_story(headline="For review")
    fresh = share_token(draft)
    eight_days_ago = timezone.now().timestamp() - 8 * 86400
    with monkeypatch.context() as patch:
        patch.setattr("django.core.signing.time.time", lambda: eight_days_ago)
        stale = share_token(draft)

    ok = client.get(reverse("articles:story-share", args=[fresh]))
    expired = client.get(reverse("articles:story-share", args=[stale]))

    assert ok.status_code == 200
    assert "<h1>For review</h1>" in ok.content.decode()
    assert "no-store" in ok["Cache-Control"]
    assert expired.status_code == 410
    assert "expired" in expired.content.decode()
    assert "no-store" in expired["Cache-Control"]


def test_a_forged_or_altered_share_link_is_not_found(client):
    draft = make_story()
    other = make_story()
    token = share_token(draft)
    forged = TimestampSigner(salt="something-else").sign(str(other.pk))
    altered = str(other.pk) + token[len(str(draft.pk)) :]

    for bad in (forged, altered, "nonsense"):
        response = client.get(reverse("articles:story-share", args=[bad]))
        assert response.status_code == 404
        assert "not valid" in response.content.decode()
