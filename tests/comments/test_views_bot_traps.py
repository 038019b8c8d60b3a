"""Bot traps: a filled honeypot or a form sent back too fast is dropped silently;
a tampered form token asks the reader to send again."""

import time

import pytest
from django.core import signing

from comments.forms import TOKEN_SALT
from comments.models import Comment
from tests.factories import THANKS, filled_form, make_published_story, post_comment

pytestmark = pytest.mark.django_db


def test_a_filled_honeypot_is_dropped_silently(client):
    story = make_published_story()
    human = post_comment(client, story, filled_form(client, story))
    Comment.objects.all().delete()

    bot = post_comment(
        client, story, filled_form(client, story, website="http://spam.example")
    )

    assert (bot.status_code, bot["Location"]) == (human.status_code, human["Location"])
    assert THANKS in client.get(bot["Location"]).content.decode()
    assert not Comment.objects.exists()


def test_a_form_sent_back_faster_than_a_person_could_is_dropped_silently(
    client, settings
):
    settings.COMMENTS_MIN_SECONDS_TO_SUBMIT = 60
    story = make_published_story()

    response = post_comment(client, story, filled_form(client, story))

    assert response.status_code == 302
    assert not Comment.objects.exists()


def test_a_form_old_enough_passes_the_time_check(client, settings):
    settings.COMMENTS_MIN_SECONDS_TO_SUBMIT = 60
    story = make_published_story()
    served_long_ago = signing.dumps(
        {"story": story.pk, "at": time.time() - 61}, salt=TOKEN_SALT
    )

    post_comment(client, story, filled_form(client, story, started=served_long_ago))

    assert Comment.objects.count() == 1


@pytest.mark.parametrize("token", ["", "garbage", "other-story"])
def test_a_tampered_or_foreign_form_token_asks_to_resend_keeping_the_text(
    client, token
):
    story = make_published_story()
    if token == "other-story":
        token = filled_form(client, make_published_story())["started"]

    response = post_comment(
        client, story, filled_form(client, story, started=token, body="Mine")
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "This form has expired" in html
    assert "Mine" in html
    assert not Comment.objects.exists()
