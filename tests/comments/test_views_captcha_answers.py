"""The CAPTCHA through the comment form: a wrong, replayed, expired or forged
answer is refused keeping the text; one solved form makes one comment."""

import threading
from datetime import timedelta

import pytest
from captcha.models import CaptchaStore
from django.db import connection
from django.test import Client
from django.utils import timezone

from comments.models import Comment
from tests.factories import (
    captcha_key,
    filled_form,
    form_url,
    make_published_story,
    post_comment,
)

pytestmark = pytest.mark.django_db


def test_a_wrong_answer_keeps_the_text_and_shows_a_new_challenge(client):
    story = make_published_story()
    data = filled_form(client, story, captcha_1="zzzzzz", body="Keep my words.")

    response = post_comment(client, story, data)

    html = response.content.decode()
    assert response.status_code == 400
    assert "Please enter the text displayed in the image." in html
    assert "Keep my words." in html
    assert captcha_key(html) != data["captcha_0"]
    assert 'value="zzzzzz"' not in html  # the answer is not echoed
    assert 'aria-invalid="true"' in html
    assert not Comment.objects.exists()


def test_a_replayed_post_is_acknowledged_but_not_stored_again(client):
    story = make_published_story()
    data = filled_form(client, story)

    first = post_comment(client, story, data)
    second = post_comment(client, story, data)

    assert first.status_code == second.status_code == 302
    assert Comment.objects.count() == 1


def test_an_expired_challenge_is_refused(client):
    story = make_published_story()
    data = filled_form(client, story)
    CaptchaStore.objects.filter(hashkey=data["captcha_0"]).update(
        expiration=timezone.now() - timedelta(seconds=1)
    )

    response = post_comment(client, story, data)

    assert response.status_code == 400
    assert not Comment.objects.exists()


@pytest.mark.parametrize("key", [None, "", "0" * 40, "../../etc/passwd", "x" * 300])
def test_missing_or_forged_keys_are_refused_without_a_server_error(client, key):
    story = make_published_story()
    data = filled_form(client, story)
    if key is None:
        del data["captcha_0"]
    else:
        data["captcha_0"] = key

    response = post_comment(client, story, data)

    assert response.status_code == 400
    assert not Comment.objects.exists()


def test_change_the_code_without_javascript_keeps_the_text_and_shows_no_error(client):
    story = make_published_story()
    data = filled_form(client, story, body="Half-written thought", captcha_refresh="1")

    response = post_comment(client, story, data)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Half-written thought" in html
    assert 'value="ada@example.org"' in html
    assert captcha_key(html) != data["captcha_0"]
    assert not CaptchaStore.objects.filter(hashkey=data["captcha_0"]).exists()
    assert "errorlist" not in html
    assert not Comment.objects.exists()


def test_concurrent_posts_of_one_solved_form_create_one_comment(
    transactional_db, settings
):
    settings.COMMENTS_THROTTLE_PER_IP = settings.COMMENTS_THROTTLE_PER_EMAIL = 100
    # The 7 losers of each round count as wrong answers; this test is about the key.
    settings.COMMENTS_THROTTLE_WRONG_PER_IP = 100
    story = make_published_story()
    for _ in range(3):
        data = filled_form(Client(), story)
        barrier = threading.Barrier(8)
        before = Comment.objects.count()

        def send(data=data, barrier=barrier):
            try:
                reader = Client()
                connection.ensure_connection()
                barrier.wait(timeout=10)
                reader.post(form_url(story), data)
            finally:
                connection.close()

        threads = [threading.Thread(target=send) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert Comment.objects.count() == before + 1
