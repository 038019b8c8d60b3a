"""The public "What changed" page: a story's dated notes and the differences between
the versions readers saw, never a draft; JSON-LD that agrees with it; its cost."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Story
from articles.services import (
    change_story_slug,
    publish_story,
    save_story,
    unpublish_story,
)
from tests.factories import (
    json_ld_blocks,
    make_clarification,
    make_published_story,
    make_story,
)

pytestmark = pytest.mark.django_db

# The story, its bylines, topics and notes, the page of versions, the topics bar.
CHANGES_PAGE_QUERIES = 6


def edited(story: Story, **fields) -> Story:
    for name, value in fields.items():
        setattr(story, name, value)
    return save_story(story, by=None)


def published_then_edited(body: str = "The vote was 4-5.", *edits: str) -> Story:
    story = make_story(headline="Council vote")
    edited(story, body=body)
    publish_story(story, by=None)
    for text in edits or ("The vote was 5-4.",):
        edited(story, body=text)
    return story


def test_an_edit_after_publication_is_shown_word_by_word(client):
    story = published_then_edited()

    page = client.get(story.get_changes_url())
    html = page.content.decode()

    assert page.status_code == 200
    assert '<h2 id="versions-title">Changes to the text</h2>' in html
    assert '<del><span class="visually-hidden">[removed: </span>4-5' in html
    assert '<ins><span class="visually-hidden">[added: </span>5-4' in html
    assert "As first published" in html
    assert [version.body for version, _ in page.context["versions"]] == [
        "The vote was 5-4.",
        "The vote was 4-5.",
    ]


def test_drafts_and_versions_saved_while_unpublished_never_appear(client):
    story = make_story(headline="Pulled and fixed")
    edited(story, body="A secret first draft.")
    edited(story, body="As published.")
    publish_story(story, by=None)
    unpublish_story(story, by=None)
    edited(story, body="Work in progress nobody saw.")
    edited(story, body="As republished.")
    publish_story(story, by=None)

    html = client.get(story.get_changes_url()).content.decode()

    assert "secret first draft" not in html
    assert "nobody saw" not in html
    assert "republished" in html


def test_clarifications_are_listed_dated_and_make_the_page_exist(client):
    story = make_published_story(headline="Harbor plan")
    make_clarification(story, kind="correction", text="The vote was 5-4.")

    page = client.get(story.get_changes_url())
    html = page.content.decode()

    assert page.status_code == 200
    assert "Correction, " in html and "The vote was 5-4." in html
    assert "Changes to the text" not in html  # one version: nothing to compare


def test_a_story_that_never_changed_has_no_page(client):
    story = make_published_story()
    edited(story, body="Only ever this.")

    assert client.get(story.get_changes_url()).status_code == 404


def test_a_draft_has_no_page(client):
    story = make_story()
    edited(story, body="One.")
    edited(story, body="Two.")

    assert client.get(story.get_changes_url()).status_code == 404


def test_the_site_can_hide_text_changes_and_a_story_can_show_them(client, settings):
    settings.SHOW_TEXT_CHANGES = False
    hidden = published_then_edited()
    shown = published_then_edited()
    shown.text_changes = Story.TextChanges.SHOW
    shown.save(update_fields=["text_changes"])

    assert client.get(hidden.get_changes_url()).status_code == 404
    assert client.get(shown.get_changes_url()).status_code == 200
    assert "(UPDATED)" not in client.get(hidden.get_absolute_url()).content.decode()


def test_the_story_page_links_its_updated_flag_to_what_changed(client):
    story = published_then_edited()

    html = client.get(story.get_absolute_url()).content.decode()

    assert (
        f'<a class="updated-flag" href="{story.get_changes_url()}" '
        'aria-label="Updated: what changed">(UPDATED)</a>'
    ) in html


def test_json_ld_date_modified_and_corrections_agree_with_the_page(client):
    story = published_then_edited()
    note = make_clarification(
        story,
        kind="correction",
        text="An earlier version misstated the vote.",
        published_at=timezone.now() - timedelta(days=1),
    )
    newest = story.revisions.order_by("-number").first()

    page = client.get(story.get_changes_url())
    (article,) = json_ld_blocks(client.get(story.get_absolute_url()))

    assert article["dateModified"] == timezone.localtime(newest.public_from).isoformat()
    assert [c["text"] for c in article["correction"]] == [
        "Correction: An earlier version misstated the vote."
    ]
    assert list(page.context["story"].published_clarifications) == [note]
    assert page.context["story"].modified_at == newest.public_from


def test_an_old_address_answers_301_to_the_current_page(client):
    story = published_then_edited()
    old = story.get_changes_url()
    change_story_slug(story, new_slug="renamed", by=None)

    response = client.get(old)

    assert response.status_code == 301
    assert response["Location"] == story.get_changes_url()


@pytest.mark.parametrize("edits", [2, 8])
def test_the_page_costs_the_same_however_many_versions_it_shows(
    client, django_assert_num_queries, edits
):
    story = published_then_edited(
        "Version 0.", *[f"Version {n}." for n in range(1, edits + 1)]
    )

    with django_assert_num_queries(CHANGES_PAGE_QUERIES):
        page = client.get(story.get_changes_url())

    assert len(page.context["versions"]) == edits + 1


def test_long_histories_page_from_newest_to_oldest(client):
    story = published_then_edited(
        "Version 0.", *[f"Version {n}." for n in range(1, 12)]
    )

    first = client.get(story.get_changes_url())
    second = client.get(story.get_changes_url() + "?page=2")

    assert [v.body for v, _ in first.context["versions"]][0] == "Version 11."
    assert [v.body for v, _ in second.context["versions"]] == [
        "Version 1.",
        "Version 0.",
    ]
    assert second.context["versions"][0][1] is not None  # compared with version 0
    assert second.context["versions"][1][1] is None  # as first published
    assert client.get(story.get_changes_url() + "?page=3").status_code == 404


def test_the_page_is_shared_by_readers_and_changes_with_the_story(
    client, page_cache, django_capture_on_commit_callbacks
):
    story = published_then_edited()

    first = client.get(story.get_changes_url())
    with django_capture_on_commit_callbacks(execute=True):
        edited(story, body="The vote was 6-3.")
    second = client.get(story.get_changes_url())

    assert first["Cache-Control"].startswith("public")
    assert "6-3" in second.content.decode()
