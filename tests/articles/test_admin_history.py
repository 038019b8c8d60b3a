"""A story's History page in the admin: versions and publication events, comparing
two versions, restoring one; and what is refused, in words, with nothing written."""

import pytest
from django.urls import reverse

from articles.models import Revision
from articles.services import publish_story, save_story, unpublish_story
from tests.factories import (
    make_moderator,
    make_published_story,
    make_story,
    post_story_form,
)

pytestmark = pytest.mark.django_db


def history_url(story) -> str:
    return reverse("admin:articles_story_history", args=[story.pk])


def compare_url(story, old, new) -> str:
    url = reverse("admin:articles_story_compare", args=[story.pk])
    return f"{url}?old={old.pk}&new={new.pk}"


def restore_url(story, revision) -> str:
    return reverse("admin:articles_story_restore", args=[story.pk, revision.pk])


def edited(story, **fields):
    for name, value in fields.items():
        setattr(story, name, value)
    return save_story(story, by=None)


def test_every_save_in_the_admin_records_a_version_with_its_note(client, editor):
    story = make_story(body="First text.")

    post_story_form(client, story, body="Second text.", revision_note="Tightened")

    revision = story.revisions.get()
    assert (revision.body, revision.note, revision.by) == (
        "Second text.",
        "Tightened",
        editor,
    )


def test_the_history_lists_versions_and_publication_events(client, editor):
    story = make_story(headline="Harbor plan")
    edited(story, body="Draft.")
    publish_story(story, by=editor)
    edited(story, body="Edited after publication.")
    unpublish_story(story, by=editor)

    page = client.get(history_url(story))
    html = page.content.decode()

    assert page.status_code == 200
    rows = [entry.revision or entry.event for entry in page.context["entries"]]
    assert [getattr(row, "number", None) or row.action for row in rows] == [
        "unpublished",
        2,
        "published",
        1,
    ]
    assert "Readers saw it from" in html
    assert "Restore this version" in html


def test_two_versions_compare_word_by_word(client, editor):
    story = make_story()
    edited(story, headline="Council votes 4-5", body="One.\n\nThe vote was 4-5.")
    edited(story, headline="Council votes 5-4", body="One.\n\nThe vote was 5-4.")
    old, new = story.revisions.all()

    page = client.get(compare_url(story, old, new))
    html = page.content.decode()

    assert page.status_code == 200
    assert [change.label for change in page.context["changes"]] == [
        "Headline",
        "Body",
    ]
    assert '<del><span class="visually-hidden">[removed: </span>4-5' in html
    assert '<ins><span class="visually-hidden">[added: </span>5-4' in html
    assert "(1 unchanged paragraph)" in html


def test_comparing_versions_of_two_stories_is_refused_in_words(client, editor):
    story, other = make_story(headline="Mine"), make_story(headline="Theirs")
    edited(story, body="Mine.")
    edited(other, body="Theirs.")

    page = client.get(compare_url(story, story.revisions.get(), other.revisions.get()))

    assert page.status_code == 400
    assert page.context["message"] == (
        "Version 1 belongs to another story (“Theirs”), not to “Mine”: versions "
        "can only be compared within one story."
    )


@pytest.mark.parametrize(
    "query", ["", "?old=1", "?old=x&new=2", "?old=-1&new=2", "?old=1&new=99999999999"]
)
def test_a_comparison_without_two_versions_is_refused_in_words(client, editor, query):
    story = make_story()

    url = reverse("admin:articles_story_compare", args=[story.pk]) + query
    page = client.get(url)

    assert page.status_code == 400
    assert page.context["message"] in {
        "Pick two versions of this story to compare.",
        "That version does not exist (any more).",
    }


def test_restoring_shows_what_changes_then_records_a_new_version(client, editor):
    story = make_published_story(body="As first published.")
    edited(story, body="As first published.")
    edited(story, body="A mistaken rewrite.")
    first = story.revisions.get(number=1)

    confirm = client.get(restore_url(story, first))
    response = client.post(restore_url(story, first), follow=True)

    assert confirm.status_code == 200
    assert [change.label for change in confirm.context["changes"]] == ["Body"]
    assert response.redirect_chain == [(history_url(story), 302)]
    story.refresh_from_db()
    assert story.body == "As first published."
    assert list(story.revisions.values_list("number", "body")) == [
        (1, "As first published."),
        (2, "A mistaken rewrite."),
        (3, "As first published."),
    ]
    assert [str(m) for m in response.context["messages"]] == [
        f"Restored version 1 of “{story}” as version 3. The versions in between "
        "stay in the history."
    ]


def test_restoring_a_version_of_another_story_is_refused_and_writes_nothing(
    client, editor
):
    story, other = make_story(headline="Mine"), make_story(headline="Theirs")
    edited(story, body="Mine.")
    edited(other, body="Theirs.")

    page = client.post(restore_url(story, other.revisions.get()))

    assert page.status_code == 400
    assert "belongs to another story" in page.context["message"]
    story.refresh_from_db()
    assert story.body == "Mine." and Revision.objects.count() == 2


def test_a_moderator_reads_the_history_but_cannot_restore(client):
    story = make_story()
    edited(story, body="One.")
    edited(story, body="Two.")
    client.force_login(make_moderator())

    history = client.get(history_url(story))
    confirm = client.get(restore_url(story, story.revisions.get(number=1)))
    restore = client.post(restore_url(story, story.revisions.get(number=1)))

    assert history.status_code == 200
    assert "Restore this version" not in history.content.decode()
    assert (confirm.status_code, restore.status_code) == (403, 403)
    assert story.revisions.count() == 2
