"""Sizes and formats of what readers post: limits to the character, blank and
malformed input as form errors, never a server error."""

import pytest
from captcha.models import CaptchaStore

from comments.models import Comment
from tests.factories import (
    captcha_key,
    filled_form,
    form_url,
    make_published_story,
    post_comment,
)

pytestmark = pytest.mark.django_db


def test_exactly_3000_characters_are_accepted_and_3001_are_not(client):
    story = make_published_story()

    accepted = post_comment(client, story, filled_form(client, story, body="x" * 3000))
    refused = post_comment(client, story, filled_form(client, story, body="y" * 3001))

    assert accepted.status_code == 302
    assert refused.status_code == 400
    assert "at most 3000 characters" in refused.content.decode()
    assert Comment.objects.get().body == "x" * 3000


def test_3000_four_byte_emoji_are_stored_unchanged(client):
    story = make_published_story()
    body = "😀" * 3000

    post_comment(client, story, filled_form(client, story, body=body))

    assert Comment.objects.get().body == body


def test_a_100kb_comment_is_refused_keeping_the_text_with_a_new_challenge(client):
    story = make_published_story()
    body = "z" * 102_400
    data = filled_form(client, story, body=body)

    response = post_comment(client, story, data)

    html = response.content.decode()
    assert response.status_code == 400
    assert body in html
    assert captcha_key(html) != data["captcha_0"]
    assert not CaptchaStore.objects.filter(hashkey=data["captcha_0"]).exists()
    assert not Comment.objects.exists()


def test_a_3mb_post_is_a_400_not_a_server_error(client):
    story = make_published_story()

    response = post_comment(
        client, story, filled_form(client, story, body="a" * 3_000_000)
    )

    assert response.status_code == 400
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    "body",
    ["", "    ", "\u200b" * 10, "\u00a0\u00a0\u00a0", "\u3000\u3000", "\u2060\n"],
)
def test_blank_or_invisible_comments_are_refused(client, body):
    story = make_published_story()

    response = post_comment(client, story, filled_form(client, story, body=body))

    assert response.status_code == 400
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"body": "nul\x00byte"},
        {"name": "nul\x00name"},
        {"name": "Bob\r\nBcc: x@evil.example"},
        {"name": "n" * 51},
        {"name": "\u200b\u200b"},
        {"email": "not-an-email"},
        {"email": "a@example.org\r\nBcc: x@evil.example"},
        {"body": "Z" + "\u0301" * 10_000},
    ],
)
def test_malformed_fields_are_form_errors_not_server_errors(client, fields):
    story = make_published_story()

    response = post_comment(client, story, filled_form(client, story, **fields))

    assert response.status_code == 400
    assert not Comment.objects.exists()


def test_invalid_utf8_in_a_post_is_not_a_server_error(client):
    story = make_published_story()

    response = client.post(
        form_url(story),
        b"name=%ff%fe&body=%ed%a0%80",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 400
    assert not Comment.objects.exists()


def test_bidi_controls_are_stripped_from_names(client):
    story = make_published_story()

    post_comment(client, story, filled_form(client, story, name="\u202egnp.exe"))

    assert Comment.objects.get().name == "gnp.exe"
