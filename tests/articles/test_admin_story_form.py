"""The editors' story page, driven through the test client as an editor would:
slugs, bylines, previews and share links, lead images, deletion."""

import pytest
from django.urls import reverse

from articles.models import SlugHistory, Story
from tests.factories import (
    change_url,
    form_data,
    image_file,
    make_author,
    make_clarification,
    make_published_story,
    make_story,
    post_story_form,
)

pytestmark = pytest.mark.django_db


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


def test_another_storys_old_address_is_refused_and_nothing_is_saved(client, editor):
    moved = make_published_story(slug="bridge-closes", headline="Bridge closes")
    post_story_form(client, moved, slug="bridge-closes-for-repairs")
    other = make_published_story(slug="ferry-returns", body="Ferry text.")

    response = post_story_form(
        client, other, slug="bridge-closes", body="Edited ferry text."
    )
    other.refresh_from_db()
    moved.refresh_from_db()

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["slug"] == [
        "“bridge-closes” is the old address of the story “Bridge closes”, and old "
        "links to it still lead there. Choose another address."
    ]
    assert (other.slug, other.body) == ("ferry-returns", "Ferry text.")
    assert SlugHistory.objects.get(slug="bridge-closes").story == moved
    old_link = client.get(moved.get_absolute_url().replace("-for-repairs", ""))
    assert old_link["Location"].endswith(moved.get_absolute_url())


def test_a_story_that_already_has_another_storys_old_address_can_still_be_edited(
    client, editor
):
    """Sites from before the rule may have one; editing it must not be refused."""
    moved = make_published_story(slug="bridge-repairs")
    SlugHistory.objects.create(slug="bridge", story=moved)
    holder = make_published_story(slug="bridge", body="Old text.")

    response = post_story_form(client, holder, body="A typo fixed.")
    holder.refresh_from_db()

    assert response.status_code == 302
    assert (holder.slug, holder.body) == ("bridge", "A typo fixed.")


def test_a_story_may_take_back_its_own_old_address(client, editor):
    story = make_published_story(slug="first-name")
    bystander = make_published_story(slug="bystander")
    post_story_form(client, bystander, slug="bystander-renamed")
    post_story_form(client, story, slug="second-name")

    response = post_story_form(client, story, slug="first-name")
    story.refresh_from_db()

    assert response.status_code == 302
    assert story.slug == "first-name"
    assert dict(SlugHistory.objects.values_list("slug", "story")) == {
        "second-name": story.pk,
        "bystander": bystander.pk,
    }


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
    story = make_published_story(headline="On the record")
    make_clarification(story)

    page = client.get(change_url(story))
    response = client.post(
        reverse("admin:articles_story_delete", args=[story.pk]),
        {"post": "yes"},
        follow=True,
    )

    assert not page.context["has_delete_permission"]  # no Delete button
    assert "stays on the record and can't be deleted" in page.content.decode()
    assert response.redirect_chain == [(change_url(story), 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "“On the record” has a published correction or clarification, so it stays "
        "on the record and can't be deleted. To take it off the site, unpublish it."
    ]
    assert Story.objects.filter(pk=story.pk).exists()
