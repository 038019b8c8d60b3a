"""Topics and authors in the admin, and every articles admin page rendering."""

import pytest
from django.urls import reverse

from tests.factories import make_rich_story, make_topic

pytestmark = pytest.mark.django_db


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


def test_an_author_slug_is_prepopulated_from_the_name(client, editor):
    page = client.get(reverse("admin:articles_author_add")).content.decode()

    assert "data-prepopulated-fields" in page
    assert "&quot;#id_slug&quot;" in page
    assert "&quot;#id_name&quot;" in page


@pytest.mark.parametrize("model", ["story", "clarification", "author", "topic"])
@pytest.mark.parametrize("page", ["changelist", "add"])
def test_every_articles_admin_page_renders(client, editor, model, page):
    make_rich_story()

    response = client.get(reverse(f"admin:articles_{model}_{page}"))

    assert response.status_code == 200
