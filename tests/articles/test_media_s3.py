"""Lead images on an S3-compatible object store (newsroom/storage.py), against a real
S3 server started by the tests (moto's server mode, tests/conftest.py): uploads
through the admin land in the bucket, renditions are made there, pages link public
addresses that never expire, and a store that is down or wrong never costs a
reader a page nor an editor their story."""

import re
import urllib.request
from io import BytesIO

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from PIL import Image

from articles.models import Story
from articles.services import save_story
from articles.tasks import make_renditions
from tests.conftest import S3_KEYS, use_media_store
from tests.factories import (
    change_url,
    form_data,
    image_file,
    make_author,
    make_published_story,
    make_story,
)

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:articles_story_add")
SIGNED = ("X-Amz-", "Signature=", "AWSAccessKeyId", "Expires=")


def png(width: int, height: int) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (width, height), "teal").save(buffer, format="PNG")
    return buffer.getvalue()


def width_of(data: bytes) -> int:
    with Image.open(BytesIO(data)) as picture:
        return picture.width


def add_story_with_image(client, upload, **fields):
    """Post the admin's "Add story" form as an editor fills it in."""
    data = form_data(client.get(ADD_URL)) | {
        "headline": "Harbour dredged",
        "slug": "harbour-dredged",
        "body": "Text.",
        "bylines-TOTAL_FORMS": "1",
        "bylines-0-author": str(make_author().pk),
        "bylines-0-role": "writer",
        "bylines-0-position": "0",
        "lead_image": upload,
        "lead_image_alt": "The harbour at dawn",
    }
    return client.post(ADD_URL, data | fields)


def test_an_image_uploaded_in_the_admin_lands_in_the_bucket_with_its_renditions(
    client, editor, s3_media, settings, django_capture_on_commit_callbacks
):
    original = png(1000, 500)
    upload = image_file(size=(1000, 500), name="harbour.png")

    with django_capture_on_commit_callbacks(execute=True):  # the renditions task
        response = add_story_with_image(client, upload)

    story = Story.objects.get()
    name = story.lead_image.name
    stem = name.removesuffix(".png")
    assert response.status_code == 302
    assert re.fullmatch(r"stories/\d{4}/\d{2}/harbour\.png", name)
    assert s3_media.names() == [
        f"renditions/{stem}-480w.png",
        f"renditions/{stem}-800w.png",
        name,
    ]
    assert s3_media.read(name) == original
    assert width_of(s3_media.read(f"renditions/{stem}-480w.png")) == 480
    assert width_of(s3_media.read(f"renditions/{stem}-800w.png")) == 800
    assert (story.lead_image_width, story.lead_image_widths) == (1000, [480, 800])
    assert not any(settings.MEDIA_ROOT.rglob("*"))  # nothing on the local disk


def test_a_second_upload_with_the_same_name_never_replaces_the_first(
    client, editor, s3_media
):
    first = make_story(lead_image_alt="A quay")
    first.lead_image = image_file(name="quay.png")
    save_story(first, by=None)

    add_story_with_image(client, image_file(size=(20, 10), name="quay.png"))

    second = Story.objects.exclude(pk=first.pk).get()
    assert second.lead_image.name != first.lead_image.name
    assert sorted([first.lead_image.name, second.lead_image.name]) == (s3_media.names())
    assert width_of(s3_media.read(first.lead_image.name)) == 8


def story_with_stored_image(capture, *, run_task: bool) -> Story:
    """A live story whose lead image the story service stored, as the admin's
    does; its renditions task run (or not yet)."""
    story = make_published_story(lead_image_alt="A harbour")
    story.lead_image = image_file(size=(1000, 500), name="harbour.png")
    with capture(execute=run_task):
        save_story(story, by=None)
    story.refresh_from_db()
    return story


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as answer:
        return answer.read()


def test_the_story_page_links_the_bucket_public_addresses_never_signed_ones(
    client, s3_media, django_capture_on_commit_callbacks
):
    story = story_with_stored_image(django_capture_on_commit_callbacks, run_task=True)
    original = f"{s3_media.public_url}/{story.lead_image.name}"

    html = client.get(story.get_absolute_url()).content.decode()
    srcset = re.search(r'srcset="([^"]+)"', html)[1]
    candidates = [part.rsplit(" ", 1) for part in srcset.split(", ")]

    assert f'src="{original}"' in html
    assert f'<meta property="og:image" content="{original}">' in html
    assert [width for _, width in candidates] == ["480w", "800w", "1000w"]
    for url, width in candidates:
        assert url.startswith(f"{s3_media.public_url}/")
        assert width_of(fetch(url)) == int(width[:-1])  # anyone can load it
    assert not [marker for marker in SIGNED if marker in html]


def test_a_custom_domain_is_the_base_of_every_image_address(
    client, s3_media, s3_server, settings, django_capture_on_commit_callbacks
):
    story = story_with_stored_image(django_capture_on_commit_callbacks, run_task=True)
    use_media_store(
        settings,
        bucket=s3_media.name,
        endpoint_url=s3_server,
        custom_domain="https://media.example.org/news",
        **S3_KEYS,
    )
    name = story.lead_image.name

    html = client.get(story.get_absolute_url()).content.decode()

    assert f'src="https://media.example.org/news/{name}"' in html
    stem = name.removesuffix(".png")
    assert f"https://media.example.org/news/renditions/{stem}-480w.png 480w" in html
    assert s3_server not in html
    assert not [marker for marker in SIGNED if marker in html]


def test_until_its_renditions_exist_the_page_offers_the_original_from_the_bucket(
    client, s3_media, django_capture_on_commit_callbacks
):
    story = story_with_stored_image(django_capture_on_commit_callbacks, run_task=False)

    html = client.get(story.get_absolute_url()).content.decode()

    original = f"{s3_media.public_url}/{story.lead_image.name}"
    assert f'srcset="{original} 1000w"' in html
    assert s3_media.names() == [story.lead_image.name]


def test_renditions_wait_for_a_store_that_is_down_and_are_made_once_it_is_back(
    settings, s3_media, s3_server, free_port, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    story = story_with_stored_image(django_capture_on_commit_callbacks, run_task=False)
    name = story.lead_image.name
    down = {"bucket": s3_media.name, "endpoint_url": f"http://127.0.0.1:{free_port}"}
    use_media_store(settings, **down, **S3_KEYS)

    made_while_down = make_renditions.call(story.pk, name)
    retry = DBTaskResult.objects.get(task_path__endswith="make_renditions")
    use_media_store(settings, bucket=s3_media.name, endpoint_url=s3_server, **S3_KEYS)
    made_after = make_renditions.call(*retry.args_kwargs["args"], attempt=2)

    assert made_while_down == []
    assert retry.args_kwargs == {"args": [story.pk, name], "kwargs": {"attempt": 2}}
    assert made_after == [480, 800]
    assert len(s3_media.names()) == 3
    assert Story.objects.get(pk=story.pk).lead_image_widths == [480, 800]


def test_reader_pages_never_ask_the_store_so_they_work_while_it_is_down(
    client, dead_media_store
):
    author = make_author(photo="authors/ada.png")
    story = make_published_story(
        authors=[author],
        lead_image="stories/2026/01/harbour.png",
        lead_image_width=1000,
        lead_image_height=500,
        lead_image_widths=[480, 800],
        lead_image_alt="The harbour at dawn",
    )

    page = client.get(story.get_absolute_url())
    author_page = client.get(author.get_absolute_url())
    home = client.get("/")

    assert page.status_code == author_page.status_code == home.status_code == 200
    html = page.content.decode()
    assert f'src="{dead_media_store}/stories/2026/01/harbour.png"' in html
    assert f"{dead_media_store}/renditions/stories/2026/01/harbour-800w.png" in html
    assert f'src="{dead_media_store}/authors/ada.png"' in author_page.content.decode()


def test_an_upload_while_the_store_is_down_is_refused_in_words_and_nothing_saved(
    client, editor, dead_media_store
):
    story = make_story(headline="Before")
    data = form_data(client.get(change_url(story))) | {
        "_save": "Save",
        "headline": "After",
        "lead_image": image_file(name="harbour.png"),
        "lead_image_alt": "The harbour at dawn",
    }

    changed = client.post(change_url(story), data)
    added = add_story_with_image(client, image_file(name="quay.png"), slug="quay")

    for response in (changed, added):
        assert response.status_code == 200
        assert (
            "The image could not be stored: the media store did not answer. Nothing "
            "was saved: try again in a few minutes"
        ) in response.content.decode()
    story.refresh_from_db()
    assert (story.headline, story.lead_image.name) == ("Before", "")
    assert story.revisions.count() == 0
    assert list(Story.objects.all()) == [story]


def test_an_upload_to_a_bucket_that_does_not_exist_is_refused_in_words(
    client, editor, settings, s3_server
):
    use_media_store(
        settings, bucket="no-such-bucket", endpoint_url=s3_server, **S3_KEYS
    )

    response = add_story_with_image(client, image_file(name="harbour.png"))

    assert response.status_code == 200
    assert (
        "The image could not be stored: the bucket “no-such-bucket” does not exist "
        "on the media store. Nothing was saved"
    ) in response.content.decode()
    assert not Story.objects.exists()


def test_restoring_a_version_while_the_store_is_down_is_refused_in_words(
    client, editor, dead_media_store
):
    story = make_story(
        lead_image="stories/2026/01/quay.png",  # stored while the store was up
        lead_image_width=800,
        lead_image_height=600,
        lead_image_alt="A quay",
    )
    save_story(story, by=None)
    story.lead_image, story.lead_image_alt = None, ""
    save_story(story, by=None)
    first = story.revisions.get(number=1)
    url = reverse("admin:articles_story_restore", args=[story.pk, first.pk])

    page = client.post(url)

    assert page.status_code == 400
    assert page.context["message"] == (
        "Version 1 can't be restored now: its lead image could not be looked up "
        "(the media store did not answer). Nothing was restored: try again in a few "
        "minutes."
    )
    assert story.revisions.count() == 2
