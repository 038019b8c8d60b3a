"""The story page: its address and redirects, what it shows, its metadata for
search engines and social sites, its lead image, and what it costs."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from PIL import Image

from articles.models import Byline
from articles.services import change_story_slug, save_story, unpublish_story
from tests.factories import (
    image_file,
    json_ld_blocks,
    make_author,
    make_clarification,
    make_published_story,
    make_story,
    make_story_with,
    make_topic,
)

pytestmark = pytest.mark.django_db

# Queries per page, with the page cache off. Each page's topics bar (1 query) and the
# story page's comment thread (1 query) are cached fragments when it is on.
STORY_PAGE_QUERIES = 6  # story, bylines with authors, topics, notes; nav; comments

NEWSROOM_TZ = ZoneInfo("America/New_York")


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
        '<h1>New Era of Cooperation <a class="updated-flag" '
        f'href="{story.get_changes_url()}" aria-label="Updated: what changed">'
        "(UPDATED)</a></h1>"
    ) in after


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


def upload_lead_image(story, upload, capture) -> None:
    """What the admin does: the story service saves the image, and once that
    commits a background task makes its renditions (run at once in tests)."""
    story.lead_image = upload
    with capture(execute=True):
        save_story(story, by=None)


def test_lead_image_has_alt_caption_credit_and_responsive_sizes(
    client, settings, django_capture_on_commit_callbacks
):
    story = make_published_story(
        lead_image_alt="A V-22 Osprey on a carrier deck",
        lead_image_caption="An Osprey in the Pacific.",
        lead_image_credit="U.S. Navy",
    )
    upload_lead_image(
        story, image_file("JPEG", (1600, 900)), django_capture_on_commit_callbacks
    )

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


def test_until_its_renditions_exist_a_page_offers_the_original_and_writes_nothing(
    client, settings, django_capture_on_commit_callbacks
):
    story = make_published_story(lead_image_alt="A harbour")
    story.lead_image = image_file("JPEG", (1600, 900), name="harbour.jpg")
    with django_capture_on_commit_callbacks(execute=False):
        save_story(story, by=None)  # the renditions task has not run yet
    files_before = sorted(settings.MEDIA_ROOT.rglob("*"))

    html = client.get(story.get_absolute_url()).content.decode()

    assert f'srcset="{story.lead_image.url} 1600w"' in html
    assert sorted(settings.MEDIA_ROOT.rglob("*")) == files_before


def test_a_small_lead_image_is_never_upscaled(
    client, django_capture_on_commit_callbacks
):
    story = make_published_story(lead_image_alt="A chart")
    upload_lead_image(
        story, image_file("JPEG", (400, 300)), django_capture_on_commit_callbacks
    )

    html = client.get(story.get_absolute_url()).content.decode()

    assert f'srcset="{story.lead_image.url} 400w"' in html


def test_a_lead_image_missing_from_storage_still_renders_the_page(client):
    story = make_published_story(lead_image_alt="Lost")
    story.lead_image.save("lost.jpg", image_file("JPEG", (1000, 500)))
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
