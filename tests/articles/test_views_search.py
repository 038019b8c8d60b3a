"""Search: ranked published stories with highlighted excerpts, calm answers to
empty or overlong queries, an accessible form."""

import pytest
from django.urls import reverse

from tests.factories import make_published_story, make_story, outline

pytestmark = pytest.mark.django_db


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
