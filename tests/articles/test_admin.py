"""The editors' admin, driven through the test client as an editor would."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from articles.models import Clarification, SlugHistory, Story
from tests.factories import (
    change_url,
    form_data,
    image_file,
    make_author,
    make_clarification,
    make_editor,
    make_published_story,
    make_rich_story,
    make_story,
    make_topic,
    post_story_form,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:articles_story_changelist")


@pytest.fixture
def editor(client):
    user = make_editor()
    client.force_login(user)
    return user


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.mark.parametrize("stories", [1, 12])
def test_the_story_list_costs_the_same_queries_however_many_stories(
    client, editor, django_assert_num_queries, stories
):
    for _ in range(stories):
        make_rich_story()

    # Session, user, 2 permission lookups, topic and author filter choices, 2
    # counts, the page of stories, its bylines with authors, its topics, 2 for the
    # date hierarchy: none of them per story.
    with django_assert_num_queries(13):
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
        "Published 2 stories.",
    ]


def test_publish_now_is_offered_on_the_storys_own_page(client, editor):
    story = make_story()

    response = client.post(
        change_url(story),
        {"CHANGE_FORM-action": "publish_now", "_selected_action": [story.pk]},
        follow=True,
    )
    story.refresh_from_db()

    assert story.is_live
    assert messages_of(response) == ["Published 1 story."]


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


def test_a_slug_changed_in_the_admin_keeps_the_old_address_working(client, editor):
    story = make_published_story(slug="old-slug")
    old_url = story.get_absolute_url()

    response = post_story_form(client, story, slug="new-slug")
    story.refresh_from_db()

    assert response.status_code == 302
    assert story.slug == "new-slug"
    assert SlugHistory.objects.get().slug == "old-slug"
    redirect = client.get(old_url)
    assert redirect.status_code == 301
    assert redirect["Location"].endswith(story.get_absolute_url())


def test_a_clarification_added_in_the_story_form_is_issued_by_the_editor(
    client, editor
):
    story = make_published_story()
    before = Story.objects.get(pk=story.pk).updated_at
    now = timezone.localtime()
    data = form_data(client.get(change_url(story))) | {
        "_save": "Save",
        "clarifications-2-TOTAL_FORMS": "1",
        "clarifications-2-0-kind": "correction",
        "clarifications-2-0-text": "The vote was 5-4, not 4-5.",
        "clarifications-2-0-published_at_0": now.strftime("%Y-%m-%d"),
        "clarifications-2-0-published_at_1": now.strftime("%H:%M:%S"),
    }

    response = client.post(change_url(story), data)
    clarification = story.clarifications.get()
    story.refresh_from_db()

    assert response.status_code == 302
    assert clarification.kind == Clarification.Kind.CORRECTION
    assert clarification.issued_by == editor
    assert clarification.is_published
    assert story.updated_at > before


BEFORE_PUBLICATION = (
    "A clarification can&#x27;t be dated before the story was published"
)


def test_the_story_form_refuses_a_clarification_dated_before_publication(
    client, editor
):
    story = make_published_story(published_at=timezone.now() - timedelta(days=2))
    earlier = timezone.localtime(story.published_at - timedelta(days=1))
    data = form_data(client.get(change_url(story))) | {
        "_save": "Save",
        "clarifications-2-TOTAL_FORMS": "1",
        "clarifications-2-0-kind": "correction",
        "clarifications-2-0-text": "Back-dated.",
        "clarifications-2-0-published_at_0": earlier.strftime("%Y-%m-%d"),
        "clarifications-2-0-published_at_1": earlier.strftime("%H:%M:%S"),
    }

    response = client.post(change_url(story), data)

    assert response.status_code == 200
    html = response.content.decode()
    assert BEFORE_PUBLICATION in html
    published = date_format(timezone.localtime(story.published_at), "DATETIME_FORMAT")
    assert f"({published})." in html
    assert not story.clarifications.exists()


def test_the_story_form_checks_against_the_publication_time_typed_with_it(
    client, editor
):
    story = make_published_story(published_at=timezone.now() - timedelta(days=2))
    moved = timezone.localtime(story.published_at - timedelta(days=5))
    earlier = timezone.localtime(story.published_at - timedelta(days=1))
    data = form_data(client.get(change_url(story))) | {
        "_save": "Save",
        "published_at_0": moved.strftime("%Y-%m-%d"),
        "published_at_1": moved.strftime("%H:%M:%S"),
        "clarifications-2-TOTAL_FORMS": "1",
        "clarifications-2-0-kind": "correction",
        "clarifications-2-0-text": "Dated after the new publication time.",
        "clarifications-2-0-published_at_0": earlier.strftime("%Y-%m-%d"),
        "clarifications-2-0-published_at_1": earlier.strftime("%H:%M:%S"),
    }

    response = client.post(change_url(story), data)

    assert response.status_code == 302
    assert story.clarifications.get().published_at == earlier.replace(microsecond=0)


def test_the_clarification_admin_refuses_a_date_before_publication(client, editor):
    story = make_published_story(published_at=timezone.now() - timedelta(days=2))
    earlier = timezone.localtime(story.published_at - timedelta(hours=3))
    add = reverse("admin:articles_clarification_add")

    response = client.post(
        add,
        {
            "story": story.pk,
            "kind": "clarification",
            "text": "Back-dated.",
            "published_at_0": earlier.strftime("%Y-%m-%d"),
            "published_at_1": earlier.strftime("%H:%M:%S"),
        },
    )

    assert response.status_code == 200
    assert BEFORE_PUBLICATION in response.content.decode()
    assert not Clarification.objects.exists()


def test_the_clarification_admin_accepts_a_date_after_publication_or_none(
    client, editor
):
    story = make_published_story(published_at=timezone.now() - timedelta(days=2))
    later = timezone.localtime(story.published_at + timedelta(hours=3))
    add = reverse("admin:articles_clarification_add")
    common = {"story": story.pk, "kind": "clarification", "text": "Fine."}

    dated = client.post(
        add,
        common
        | {
            "published_at_0": later.strftime("%Y-%m-%d"),
            "published_at_1": later.strftime("%H:%M:%S"),
        },
    )
    draft = client.post(add, common | {"published_at_0": "", "published_at_1": ""})

    assert dated.status_code == draft.status_code == 302
    assert story.clarifications.count() == 2


def test_a_draft_clarification_stays_editable_in_the_story_form(client, editor):
    story = make_published_story()
    draft = make_clarification(story, text="Draft wording.", published_at=None)

    response = post_story_form(
        client, story, **{"clarifications-2-0-text": "Better wording."}
    )
    draft.refresh_from_db()

    assert response.status_code == 302
    assert draft.text == "Better wording."
    assert draft.published_at is None
    assert draft.issued_by == editor


def test_a_published_clarification_cannot_be_edited_or_deleted_in_the_story_form(
    client, editor
):
    story = make_published_story()
    published = make_clarification(story, text="Original note.")
    page = client.get(change_url(story))
    data = form_data(page) | {
        "_save": "Save",
        "clarifications-0-text": "Rewritten history.",
        "clarifications-0-DELETE": "on",
    }

    response = client.post(change_url(story), data)
    published.refresh_from_db()

    assert response.status_code == 302
    assert published.text == "Original note."
    assert 'name="clarifications-0-text"' not in page.content.decode()


def test_a_published_clarification_cannot_be_smuggled_into_the_draft_inline(
    client, editor
):
    story = make_published_story()
    published = make_clarification(story, text="Original note.")
    data = form_data(client.get(change_url(story))) | {
        "_save": "Save",
        "clarifications-2-TOTAL_FORMS": "1",
        "clarifications-2-INITIAL_FORMS": "1",
        "clarifications-2-0-id": str(published.pk),
        "clarifications-2-0-story": str(story.pk),
        "clarifications-2-0-kind": "clarification",
        "clarifications-2-0-text": "Rewritten history.",
    }

    response = client.post(change_url(story), data)
    published.refresh_from_db()

    assert response.status_code == 302  # the row outside the inline is ignored
    assert published.text == "Original note."
    assert story.clarifications.count() == 1


def test_bylines_keep_the_editors_order_numbered_without_gaps(client, editor):
    first, second = make_author(name="First"), make_author(name="Second")
    story = make_story(authors=[first, second])
    post_story_form(
        client, story, **{"bylines-0-position": "7", "bylines-1-position": "3"}
    )

    assert [(b.author.name, b.position) for b in story.bylines.all()] == [
        ("Second", 0),
        ("First", 1),
    ]


def test_a_draft_offers_a_preview_and_a_share_link_that_works(client, editor):
    story = make_story(headline="Secret plans", body="Draft text.")

    page = client.get(change_url(story))
    share_url = page.context["share_url"]
    client.logout()
    shared = client.get(share_url)

    assert page.context["preview_url"] == reverse(
        "articles:story-preview", kwargs={"pk": story.pk}
    )
    assert share_url.startswith("http://testserver/share/")
    assert share_url in page.content.decode()
    assert shared.status_code == 200
    assert "Secret plans" in shared.content.decode()


def test_a_live_story_offers_no_share_link(client, editor):
    page = client.get(change_url(make_published_story()))

    assert "share_url" not in page.context


def test_a_lead_image_without_description_is_refused_in_the_admin(client, editor):

    story = make_story()
    data = form_data(client.get(change_url(story))) | {
        "_save": "Save",
        "lead_image": image_file(),
    }

    response = client.post(change_url(story), data)

    assert response.status_code == 200
    assert "Describe the lead image" in response.content.decode()
    assert not Story.objects.get(pk=story.pk).lead_image


def test_a_story_with_a_published_clarification_cannot_be_deleted(client, editor):
    story = make_published_story()
    make_clarification(story)

    response = client.post(
        reverse("admin:articles_story_delete", args=[story.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert Story.objects.filter(pk=story.pk).exists()


def test_the_clarification_list_filters_and_searches(client, editor):
    story = make_published_story(headline="Harbour deal")
    correction = make_clarification(story, kind="correction", text="Wrong figure.")
    make_clarification(make_published_story(), text="Other.")
    url = reverse("admin:articles_clarification_changelist")

    by_kind = client.get(url, {"kind__exact": "correction"}).context["cl"]
    by_search = client.get(url, {"q": "harbour"}).context["cl"]
    page = client.get(url)

    assert list(by_kind.result_list) == [correction]
    assert list(by_search.result_list) == [correction]
    assert page.context["action_form"] is None  # no bulk delete of the ledger


def test_a_published_clarification_is_read_only_in_its_own_admin(client, editor):
    clarification = make_clarification(make_published_story(), text="Kept.")
    url = reverse("admin:articles_clarification_change", args=[clarification.pk])

    page = client.get(url)
    post = client.post(url, {"text": "Changed.", "kind": "clarification"})
    delete = client.post(
        reverse("admin:articles_clarification_delete", args=[clarification.pk]),
        {"post": "yes"},
    )
    clarification.refresh_from_db()

    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert post.status_code == 403
    assert delete.status_code == 403
    assert clarification.text == "Kept."


def test_a_clarification_added_in_its_own_admin_is_issued_by_the_editor(client, editor):
    story = make_published_story()
    now = timezone.localtime()

    response = client.post(
        reverse("admin:articles_clarification_add"),
        {
            "story": story.pk,
            "kind": "clarification",
            "text": "Added here.",
            "published_at_0": now.strftime("%Y-%m-%d"),
            "published_at_1": now.strftime("%H:%M:%S"),
        },
    )
    clarification = Clarification.objects.get()

    assert response.status_code == 302
    assert clarification.issued_by == editor
    assert clarification.is_published


def test_a_draft_clarification_can_be_edited_and_deleted(client, editor):
    draft = make_clarification(make_published_story(), published_at=None)
    url = reverse("admin:articles_clarification_change", args=[draft.pk])

    edit = client.post(
        url, {"story": draft.story_id, "kind": "clarification", "text": "Reworded."}
    )
    draft.refresh_from_db()
    delete = client.post(
        reverse("admin:articles_clarification_delete", args=[draft.pk]),
        {"post": "yes"},
    )

    assert edit.status_code == 302
    assert draft.text == "Reworded."
    assert delete.status_code == 302
    assert not Clarification.objects.exists()


def test_a_duplicate_topic_name_is_a_form_error_not_a_crash(client, editor):
    make_topic(name="International", slug="international")

    response = client.post(
        reverse("admin:articles_topic_add"), {"name": "international", "slug": "intl"}
    )

    assert response.status_code == 200
    assert "A topic with this name already exists." in response.content.decode()


def test_topics_autocomplete_by_name(client, editor):
    make_topic(name="Procurement")
    make_topic(name="Science")

    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "articles",
            "model_name": "story",
            "field_name": "topics",
            "term": "proc",
        },
    )

    assert [r["text"] for r in response.json()["results"]] == ["Procurement"]


@pytest.mark.parametrize("model", ["story", "clarification", "author", "topic"])
@pytest.mark.parametrize("page", ["changelist", "add"])
def test_every_articles_admin_page_renders(client, editor, model, page):
    make_rich_story()

    response = client.get(reverse(f"admin:articles_{model}_{page}"))

    assert response.status_code == 200


def test_an_author_slug_is_prepopulated_from_the_name(client, editor):
    page = client.get(reverse("admin:articles_author_add")).content.decode()

    assert "data-prepopulated-fields" in page
    assert "&quot;#id_slug&quot;" in page
    assert "&quot;#id_name&quot;" in page
