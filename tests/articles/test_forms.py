"""Editor forms: uploaded images, lead-image descriptions, topic names."""

import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from articles.forms import (
    AuthorAdminForm,
    ImageUploadField,
    StoryAdminForm,
    TopicAdminForm,
)
from articles.models import Story
from tests.factories import image_file, make_topic


def png_claiming(width: int, height: int) -> SimpleUploadedFile:
    """A tiny PNG whose header claims `width` × `height` pixels: a decompression
    bomb as Pillow sees it, without us building one."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 16))
        + chunk(b"IEND", b"")
    )
    return SimpleUploadedFile("bomb.png", data)


def errors_for(upload) -> list[str]:
    with pytest.raises(ValidationError) as error:
        ImageUploadField().clean(upload)
    return error.value.messages


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF"])
def test_the_four_web_formats_are_accepted(fmt):
    upload = image_file(fmt)

    cleaned = ImageUploadField().clean(upload)

    assert cleaned.image.format == fmt
    assert cleaned.read(4)  # still readable from the start for saving


def test_a_text_file_named_like_an_image_is_refused():
    upload = SimpleUploadedFile("photo.png", b"just some text, not pixels")

    assert errors_for(upload) == [
        "“photo.png” is not an image we can read (or it is damaged). Upload a "
        "JPEG, PNG, WebP or GIF file."
    ]


def test_a_truncated_image_is_refused():
    whole = image_file("PNG", size=(64, 64)).read()
    upload = SimpleUploadedFile("cut.png", whole[: len(whole) // 2])

    assert "is not an image we can read" in errors_for(upload)[0]


def test_other_image_formats_are_refused_by_name():
    assert errors_for(image_file("BMP")) == [
        "“photo.bmp” is a BMP image. Upload a JPEG, PNG, WebP or GIF file."
    ]


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.MAX_IMAGE_BYTES = 1024 * 1024
    upload = SimpleUploadedFile("big.jpg", b"\xff" * (3 * 1024 * 1024 + 200_000))

    assert errors_for(upload) == [
        "“big.jpg” is 3.2 MB; the limit is 1 MB. Save a smaller version (e.g. "
        "2,000 pixels wide) and upload that."
    ]


def test_an_image_over_the_pixel_limit_is_refused(settings):
    settings.MAX_IMAGE_PIXELS = 1_000
    upload = image_file("PNG", size=(50, 40))

    assert errors_for(upload) == [
        "“photo.png” is 50 × 40 pixels; the limit is 0.001 megapixels (width × "
        "height). Resize it and upload it again."
    ]


def test_a_decompression_bomb_is_refused_without_being_unpacked(settings):
    settings.MAX_IMAGE_PIXELS = 40_000_000

    assert errors_for(png_claiming(8_000, 6_000)) == [
        "“bomb.png” is 8,000 × 6,000 pixels; the limit is 40 megapixels (width "
        "× height). Resize it and upload it again."
    ]


def test_pillows_own_bomb_guard_gives_the_same_kind_of_message(settings):
    # Past Pillow's hard limit Image.open itself refuses, before we see the size.
    settings.MAX_IMAGE_PIXELS = 200_000_000

    assert errors_for(png_claiming(100_000, 100_000)) == [
        "“bomb.png” has so many pixels that opening it could overload the site; "
        "the limit is 200 megapixels (width × height). Resize it and upload it "
        "again."
    ]


def story_data(**fields) -> dict:
    return {
        "headline": "A headline",
        "slug": "a-headline",
        "body": "Text.",
        "comment_policy": "limited",
        "text_changes": "site",
        "comment_moderation": "pre",
        "lead_image_alt": "",
    } | fields


@pytest.mark.django_db
def test_a_lead_image_needs_a_description():
    form = StoryAdminForm(story_data(), {"lead_image": image_file()})

    assert not form.is_valid()
    assert form.errors["lead_image_alt"] == [
        "Describe the lead image for readers who cannot see it (what it shows, in a "
        "sentence)."
    ]
    assert "__all__" not in form.errors


@pytest.mark.django_db
def test_a_described_lead_image_is_accepted():
    form = StoryAdminForm(
        story_data(lead_image_alt="Two ministers shake hands."),
        {"lead_image": image_file()},
    )

    assert form.is_valid(), form.errors


@pytest.mark.django_db
def test_a_story_form_refuses_a_non_image_lead_image():
    form = StoryAdminForm(
        story_data(lead_image_alt="x"),
        {"lead_image": SimpleUploadedFile("a.jpg", b"<html>")},
    )

    assert not form.is_valid()
    assert "is not an image we can read" in form.errors["lead_image"][0]


@pytest.mark.django_db
def test_a_published_story_cannot_lose_its_publication_time():
    story = Story.objects.create(
        headline="Live",
        slug="live",
        body="Text.",
        status=Story.Status.PUBLISHED,
        published_at="2024-01-01T00:00Z",
    )
    story.refresh_from_db()
    form = StoryAdminForm(story_data(slug="live"), instance=story)

    assert not form.is_valid()
    assert "Unpublish" in form.errors["published_at"][0]


@pytest.mark.django_db
def test_an_author_photo_is_validated_too():
    form = AuthorAdminForm(
        {"name": "Ann Lee", "slug": "ann-lee"},
        {"photo": SimpleUploadedFile("me.png", b"not a picture")},
    )

    assert not form.is_valid()
    assert "is not an image we can read" in form.errors["photo"][0]


@pytest.mark.django_db
def test_a_topic_name_is_unique_whatever_its_case():
    make_topic(name="International", slug="international")
    form = TopicAdminForm({"name": "INTERNATIONAL ", "slug": "intl"})

    assert not form.is_valid()
    assert form.errors == {"name": ["A topic with this name already exists."]}


@pytest.mark.django_db
def test_a_topic_keeps_its_own_name_when_edited():
    topic = make_topic(name="Science", slug="science")
    form = TopicAdminForm({"name": "Science", "slug": "sci"}, instance=topic)

    assert form.is_valid(), form.errors
