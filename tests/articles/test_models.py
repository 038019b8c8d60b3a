"""QuerySet rules the reader site relies on."""

from datetime import timedelta

import pytest
from django.urls import set_script_prefix
from django.utils import timezone

from articles.models import (
    Author,
    Byline,
    Clarification,
    Story,
    Topic,
    next_scheduled_change,
    slug_for,
)
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


def test_for_listing_loads_bylines_and_topics_in_three_queries_for_any_number(
    django_assert_num_queries,
):
    ann, bo = make_author(name="Ann", slug="ann"), make_author(name="Bo", slug="bo")
    story = make_published_story(
        authors=[bo], topics=[make_topic(name="Zoos"), make_topic(name="Arts")]
    )
    Byline.objects.create(
        story=story, author=ann, position=1, role=Byline.Role.PHOTOGRAPHER
    )
    make_published_story(topics=[make_topic()])

    with django_assert_num_queries(3):
        loaded = {s.pk: s for s in Story.objects.for_listing()}[story.pk]
        bylines = [
            (b.author.name, b.author.get_absolute_url(), b.get_role_display())
            for b in loaded.bylines.all()
        ]
        topics = [t.name for t in loaded.topics.all()]
        flags = (loaded.is_updated, [w.name for w in loaded.writers])

    assert bylines == [
        ("Bo", "/authors/bo/", "Writer"),
        ("Ann", "/authors/ann/", "Photographer"),
    ]
    assert topics == ["Arts", "Zoos"]
    assert flags == (False, ["Bo"])


def test_a_story_without_bylines_or_topics_lists_none():
    story = make_story(authors=[])
    Byline.objects.filter(story=story).delete()

    loaded = Story.objects.for_listing().get(pk=story.pk)

    assert list(loaded.bylines.all()) == []
    assert list(loaded.topics.all()) == []
    assert loaded.writers == []


@pytest.mark.parametrize(
    "load",
    [
        lambda pk: Story.objects.get(pk=pk),
        lambda pk: Story.objects.published().get(pk=pk),
        lambda pk: Story.objects.only("pk", "published_at").get(pk=pk),
        lambda pk: Story.objects.for_listing().get(pk=pk),
        lambda pk: Story.objects.for_detail().get(pk=pk),
        lambda pk: Story.objects.for_editing().get(pk=pk),
    ],
    ids=["get", "published", "only", "for_listing", "for_detail", "for_editing"],
)
def test_every_property_works_however_the_story_was_loaded(load):
    writer, photographer = make_author(name="Wu"), make_author(name="Pat")
    story = make_published_story(authors=[writer], topics=[make_topic(name="Ports")])
    Byline.objects.create(
        story=story, author=photographer, position=1, role=Byline.Role.PHOTOGRAPHER
    )
    note = make_clarification(story, published_at=timezone.now() - timedelta(hours=1))

    loaded = load(story.pk)

    assert loaded.is_updated
    assert loaded.last_clarified_at == note.published_at
    assert loaded.modified_at == note.published_at
    assert loaded.published_clarifications == [note]
    assert loaded.writers == [writer]
    assert [credit.author for credit in loaded.other_credits] == [photographer]
    assert [topic.name for topic in loaded.topics.all()] == ["Ports"]
    assert loaded.is_live and not loaded.is_scheduled
    assert loaded.get_absolute_url() == story.get_absolute_url()


def test_a_scheduled_story_is_neither_live_nor_published():
    story = make_published_story(published_at=timezone.now() + timedelta(hours=1))

    assert story.is_scheduled and not story.is_live
    assert list(Story.objects.scheduled()) == [story]
    assert not Story.objects.published().exists()


def test_the_next_scheduled_change_is_the_soonest_story_or_note_to_go_live():
    now = timezone.now()
    story = make_published_story()
    make_published_story(published_at=now + timedelta(hours=3))
    soon = make_clarification(story, published_at=now + timedelta(hours=1))
    make_clarification(story, published_at=None)

    assert next_scheduled_change() == soon.published_at
    soon.delete()
    assert next_scheduled_change() == now + timedelta(hours=3)


def test_nothing_scheduled_means_no_next_change():
    make_published_story()

    assert next_scheduled_change() is None


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


@pytest.mark.parametrize(
    ("terms", "finds"),
    [
        ('"guidelines', True),  # an unclosed quote
        ("-", False),
        ("OR OR", False),
        ("guidelines & b | !c", False),
        ("the", False),  # a stop word alone matches nothing
        ("guideline -budget", True),
    ],
)
def test_search_accepts_any_typed_syntax(terms, finds):
    story = make_published_story(headline="The guidelines")

    found = list(Story.objects.published().search(terms))  # no database error

    assert found == ([story] if finds else [])


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
