"""Clarifications in the admin, in the story form and on their own pages: issued
by the editor, never dated before publication, a published one never rewritten."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from articles.models import Clarification, Story
from tests.factories import (
    change_url,
    form_data,
    make_clarification,
    make_published_story,
    post_story_form,
)

pytestmark = pytest.mark.django_db


BEFORE_PUBLICATION = (
    "A clarification can&#x27;t be dated before the story was published"
)


# --- In the story form --------------------------------------------------------------


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


# --- In their own admin -------------------------------------------------------------


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
