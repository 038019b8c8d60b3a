"""Limits: any number in an address gives a page or a 404, a story body has a
maximum length the admin and the importer enforce in words, and the search index
is built within PostgreSQL's limits whatever the body."""

import random
import string
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from articles.models import SEARCH_BODY_CHARS, Story
from tests.factories import (
    form_data,
    make_author,
    make_editor,
    make_published_story,
    make_topic,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader():
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(
    "page",
    ["999999999999999999", "99999999999999999999999", "-1", "0", "1e9", "%00", "x"],
)
def test_any_page_number_of_an_archive_is_a_page_or_a_404(reader, page):
    topic, author = make_topic(slug="ports"), make_author(slug="ann")
    make_published_story(topics=[topic], authors=[author])

    for url in ("/topics/ports/", "/authors/ann/", "/", "/search/?q=x&"):
        response = reader.get(f"{url}{'&' if '?' in url else '?'}page={page}")
        assert response.status_code == 404, (url, page)


@pytest.mark.parametrize("number", ["99999999999999999999999", "0"])
def test_any_id_in_an_address_is_a_404(reader, number):
    for url in (
        f"/comments/{number}/",
        f"/comments/{number}/write/",
        f"/comments/{number}/yours/",
        f"/articles/9999999999/{number}/1/no-such-story/",
    ):
        assert reader.get(url).status_code == 404, url


def test_a_huge_id_in_the_admin_says_the_story_does_not_exist(reader):
    reader.force_login(make_editor())

    response = reader.get("/admin/articles/story/99999999999999999999999/change/")

    assert response.status_code == 302
    assert response["Location"] == "/admin/"


# --- The body's length --------------------------------------------------------------


def words(count: int, *, seed: int = 1) -> str:
    """`count` distinct made-up words: the worst case for a search vector."""
    rng = random.Random(seed)
    return " ".join(
        "".join(rng.choices(string.ascii_lowercase, k=9)) for _ in range(count)
    )


def post_new_story(client, body: str):
    client.force_login(make_editor())
    url = reverse("admin:articles_story_add")
    data = form_data(client.get(url)) | {
        "headline": "A very long story",
        "slug": "a-very-long-story",
        "body": body,
        "bylines-0-author": str(make_author().pk),
        "bylines-0-role": "writer",
        "bylines-0-position": "0",
        "_save": "Save",
    }
    return client.post(url, data)


def test_the_admin_refuses_a_body_over_the_limit_and_keeps_the_text(client, settings):
    settings.MAX_BODY_CHARS = 1000
    body = "Kept text." * 110  # 1,100 characters

    response = post_new_story(client, body)

    assert response.status_code == 200
    html = response.content.decode()
    assert "The story is 1,100 characters long; the limit is 1,000." in html
    assert body in html  # the editor's text is still on the form
    assert not Story.objects.exists()


def test_a_body_at_the_limit_saves_and_is_searchable_by_its_start(client, settings):
    body = "Opening harbourmaster remarks. " + words(19_000)  # ~190,000 characters
    assert len(body) <= settings.MAX_BODY_CHARS

    response = post_new_story(client, body)

    assert response.status_code == 302
    story = Story.objects.get()
    Story.objects.filter(pk=story.pk).update(
        status="published", published_at=story.created_at
    )
    assert list(Story.objects.published().search("harbourmaster")) == [story]
    beyond = body[SEARCH_BODY_CHARS + 100 :].split()[1]
    assert not Story.objects.published().search(beyond).exists()


# --- The importer -------------------------------------------------------------------


def import_failing(*paths) -> str:
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_story", *map(str, paths), stdout=StringIO(), stderr=err)
    return err.getvalue()


def test_the_importer_refuses_a_body_over_the_limit_and_writes_nothing(
    tmp_path, settings
):
    settings.MAX_BODY_CHARS = 500
    path = tmp_path / "long.txt"
    path.write_text("Long story\n\nBy Ann Lee\n\n" + "Text." * 120 + "\n")

    message = import_failing(path)

    assert "The story is 600 characters long; the limit is 500." in message
    assert "Nothing was imported." in message
    assert not Story.objects.exists()


def test_the_importer_refuses_a_huge_file_before_reading_it(tmp_path, settings):
    settings.MAX_IMPORT_BYTES = 10 * 1024
    path = tmp_path / "huge.txt"
    with path.open("wb") as file:  # sparse: 50 MB on paper, nothing to read
        file.truncate(50 * 1024 * 1024)

    message = import_failing(path)

    assert "the file is 51,200 kB; story files up to 10 kB are imported" in message
    assert not Story.objects.exists()
