"""QuerySet rules the reader site relies on."""

from datetime import timedelta

import pytest
from django.urls import set_script_prefix
from django.utils import timezone

from articles.models import Author, Byline, Clarification, Story, Topic, slug_for
from tests.factories import (
    make_author,
    make_clarification,
    make_published_story,
    make_story,
    make_topic,
)

pytestmark = pytest.mark.django_db


def test_published_hides_drafts_and_embargoed_stories():
    live = make_published_story()
    make_story()  # draft
    make_published_story(published_at=timezone.now() + timedelta(hours=2))

    assert list(Story.objects.published()) == [live]


def test_a_scheduled_story_appears_on_time_without_a_cron_job():
    at = timezone.now() + timedelta(hours=2)
    story = make_published_story(published_at=at)

    assert list(Story.objects.published(at=at + timedelta(seconds=1))) == [story]


def test_last_clarified_at_is_the_newest_published_note_only():
    story = make_published_story()
    now = timezone.now()
    make_clarification(story, published_at=now - timedelta(days=2))
    newest = make_clarification(story, published_at=now - timedelta(hours=1))
    make_clarification(story, published_at=now + timedelta(days=1))  # scheduled
    make_clarification(story, published_at=None)  # draft note

    loaded = Story.objects.with_last_clarified_at().get(pk=story.pk)

    assert loaded.last_clarified_at == newest.published_at
    assert loaded.is_updated
    assert loaded.modified_at == newest.published_at


def test_for_detail_takes_the_updated_time_from_its_published_notes():
    story = make_published_story()
    now = timezone.now()
    make_clarification(story, published_at=now - timedelta(days=2))
    newest = make_clarification(story, published_at=now - timedelta(hours=1))
    make_clarification(story, published_at=now + timedelta(days=1))  # scheduled
    make_clarification(story, published_at=None)  # draft note

    loaded = Story.objects.for_detail().get(pk=story.pk)

    assert loaded.last_clarified_at == newest.published_at
    assert loaded.modified_at == newest.published_at
    assert not Story.objects.for_detail().get(pk=make_published_story().pk).is_updated


def test_without_published_notes_a_story_is_not_updated_and_modified_is_publication():
    story = make_published_story()
    make_clarification(story, published_at=None)

    loaded = Story.objects.for_listing().get(pk=story.pk)

    assert not loaded.is_updated
    assert loaded.modified_at == story.published_at


def test_for_detail_prefetches_published_notes_oldest_first():
    story = make_published_story()
    now = timezone.now()
    second = make_clarification(story, published_at=now - timedelta(hours=1))
    first = make_clarification(
        story, published_at=now - timedelta(days=1), kind="correction"
    )
    make_clarification(story, published_at=now + timedelta(hours=1))

    loaded = Story.objects.for_detail().get(pk=story.pk)

    assert loaded.published_clarifications == [first, second]


def test_writers_keep_byline_order_and_other_roles_are_credited_separately():
    story = make_story(authors=[])
    Byline.objects.filter(story=story).delete()
    b, a, photo = make_author(name="B"), make_author(name="A"), make_author(name="P")
    Byline.objects.create(story=story, author=b, position=0)
    Byline.objects.create(
        story=story, author=photo, position=1, role=Byline.Role.PHOTOGRAPHER
    )
    Byline.objects.create(story=story, author=a, position=2)

    loaded = Story.objects.for_listing().get(pk=story.pk)

    assert loaded.writers == [b, a]
    assert [credit.author for credit in loaded.other_credits] == [photo]


def test_a_story_without_a_writer_credits_everyone_on_its_byline():
    story = make_story(authors=[])
    Byline.objects.filter(story=story).update(role=Byline.Role.CONTRIBUTOR)

    loaded = Story.objects.for_listing().get(pk=story.pk)

    assert len(loaded.writers) == 1
    assert loaded.other_credits == []


def test_for_listing_loads_bylines_and_topics_in_the_story_row(
    django_assert_num_queries,
):
    ann, bo = make_author(name="Ann", slug="ann"), make_author(name="Bo", slug="bo")
    story = make_published_story(
        authors=[bo], topics=[make_topic(name="Zoos"), make_topic(name="Arts")]
    )
    Byline.objects.create(
        story=story, author=ann, position=1, role=Byline.Role.PHOTOGRAPHER
    )

    with django_assert_num_queries(1):
        loaded = Story.objects.for_listing().get(pk=story.pk)
        bylines = [
            (b.author.name, b.author.get_absolute_url(), b.get_role_display())
            for b in loaded.listed_bylines
        ]
        topics = [(t.name, t.get_absolute_url()) for t in loaded.listed_topics]

    assert bylines == [
        ("Bo", "/authors/bo/", "Writer"),
        ("Ann", "/authors/ann/", "Photographer"),
    ]
    assert [t for t, _url in topics] == ["Arts", "Zoos"]
    assert topics[0][1] == Topic.objects.get(name="Arts").get_absolute_url()


def test_a_story_without_bylines_or_topics_lists_none():
    story = make_story(authors=[])
    Byline.objects.filter(story=story).delete()

    loaded = Story.objects.for_listing().get(pk=story.pk)

    assert loaded.listed_bylines == []
    assert loaded.listed_topics == []
    assert loaded.writers == []


def test_addresses_follow_the_script_prefix():
    author = make_author(slug="ann")
    assert author.get_absolute_url() == "/authors/ann/"

    set_script_prefix("/news/")
    try:
        assert author.get_absolute_url() == "/news/authors/ann/"
    finally:
        set_script_prefix("/")
    assert author.get_absolute_url() == "/authors/ann/"


def test_addresses_follow_the_urlconf_in_force(settings):
    author = make_author(slug="ann")
    assert author.get_absolute_url() == "/authors/ann/"

    settings.ROOT_URLCONF = "tests.articles.mounted_urls"
    mounted = author.get_absolute_url()
    settings.ROOT_URLCONF = "newsroom.urls"

    assert mounted == "/news/authors/ann/"
    assert author.get_absolute_url() == "/authors/ann/"


def test_plain_headline_never_carries_a_typed_updated_flag():
    story = make_story(headline="New Era of Defense Cooperation (UPDATED)")

    assert story.plain_headline == "New Era of Defense Cooperation"


def test_search_ranks_headline_matches_above_body_matches():
    body_only = make_published_story(
        headline="Budget talks", body="The Osprey order was delayed."
    )
    in_headline = make_published_story(
        headline="Osprey sale approved", body="Congress must still agree."
    )
    make_published_story(headline="Unrelated", body="Nothing here.")

    found = list(Story.objects.published().search("osprey"))

    assert found == [in_headline, body_only]
    assert found[0].rank > found[1].rank


def test_search_uses_stemming_and_marks_matches_in_the_excerpt():
    story = make_published_story(body="Japan will continue exporting arms.")

    found = Story.objects.published().search("export").get()

    assert found == story
    assert "\ue000exporting\ue001" in found.excerpt


def test_search_never_finds_drafts():
    make_story(headline="Secret Osprey plan")

    assert not Story.objects.published().search("osprey").exists()


@pytest.mark.parametrize("terms", ['"unclosed', "-", "OR OR", "a & b | !c", "the"])
def test_search_accepts_any_typed_syntax(terms):
    make_published_story(headline="The guidelines")

    list(Story.objects.published().search(terms))  # no database error


def test_public_clarifications_skip_drafts_and_hidden_stories_newest_first():
    now = timezone.now()
    live = make_published_story()
    older = make_clarification(live, published_at=now - timedelta(days=2))
    newer = make_clarification(live, published_at=now - timedelta(hours=1))
    make_clarification(live, published_at=None)
    make_clarification(make_story(), published_at=now - timedelta(hours=1))

    assert list(Clarification.objects.public()) == [newer, older]


def test_topics_in_use_have_a_story_readers_can_see():
    used, unused, draft_only = make_topic(), make_topic(), make_topic()
    make_published_story(topics=[used])
    make_published_story(topics=[used])
    make_story(topics=[draft_only])

    assert list(Topic.objects.in_use()) == [used]
    assert unused not in Topic.objects.in_use()


def test_bylined_authors_have_a_story_readers_can_see():
    seen, unseen = make_author(), make_author()
    make_published_story(authors=[seen])
    make_story(authors=[unseen])

    assert list(Author.objects.bylined()) == [seen]


def test_modified_at_is_never_before_publication():
    story = make_published_story()
    make_clarification(story, published_at=story.published_at - timedelta(days=1))

    loaded = Story.objects.for_listing().get(pk=story.pk)

    assert loaded.is_updated
    assert loaded.modified_at == story.published_at


def test_names_without_latin_letters_still_get_a_stable_slug():
    # The importer and the admin share this rule (models.slug_for).
    first = Story.objects.create(headline="日美防卫合作", body="Text.")
    second = Story.objects.create(headline="新闻自由", body="Text.")
    author = Author.objects.create(name="李明")
    topic = Topic.objects.create(name="🚢")

    assert first.slug.startswith("story-") and second.slug.startswith("story-")
    assert first.slug != second.slug
    assert first.slug == slug_for("日美防卫合作", fallback="story", max_length=200)
    assert author.slug.startswith("author-")
    assert topic.slug.startswith("topic-")
    assert Story.objects.create(headline="Port reopens", body="Text.").slug == (
        "port-reopens"
    )
