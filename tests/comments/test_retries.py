"""A stored comment is acknowledged once and only once: the same post sent again
(an answer that never reached the reader, a double click, two tabs) gets the
"awaiting moderation" answer and creates nothing."""

import threading

import pytest
from django.db import connection
from django.test import Client

from comments.models import Comment
from tests.factories import THANKS, filled_form, make_published_story, post_comment

CAPTCHA_ERROR = "Please enter the text displayed in the image."


@pytest.mark.django_db
def test_the_same_post_sent_again_is_acknowledged_and_stored_once(client):
    story = make_published_story()
    data = filled_form(client, story, body="Sent twice by a flaky network.")

    first = post_comment(client, story, data)
    retry = post_comment(Client(), story, data)  # another connection, no cookies

    assert first.status_code == retry.status_code == 302
    assert retry["Location"] == first["Location"]
    comment = Comment.objects.get()
    assert comment.body == "Sent twice by a flaky network."
    follower = Client()
    follower.cookies = retry.cookies
    assert THANKS in follower.get(retry["Location"]).content.decode()
    assert str(comment.pk) in retry.cookies["comments_mine"].value


@pytest.mark.django_db
def test_a_spent_key_with_other_text_is_a_captcha_error_not_an_acknowledgement(client):
    story = make_published_story()
    data = filled_form(client, story, body="The original text.")
    post_comment(client, story, data)

    changed = post_comment(client, story, data | {"body": "Different text."})

    assert changed.status_code == 400
    assert CAPTCHA_ERROR in changed.content.decode()
    assert Comment.objects.count() == 1


@pytest.mark.django_db
def test_a_spent_key_with_a_wrong_answer_is_not_recognised(client):
    story = make_published_story()
    data = filled_form(client, story)
    post_comment(client, story, data)

    guessed = post_comment(client, story, data | {"captcha_1": "xxxxxx"})

    assert guessed.status_code == 400
    assert Comment.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_post_sent_at_once_from_eight_places_is_acknowledged_everywhere(
    settings,
):
    settings.COMMENTS_THROTTLE_PER_IP = settings.COMMENTS_THROTTLE_PER_EMAIL = 100
    story = make_published_story()
    data = filled_form(Client(), story, body="One comment, eight sends.")
    barrier = threading.Barrier(8)
    statuses = []

    def send() -> None:
        try:
            reader = Client()
            connection.ensure_connection()
            barrier.wait(timeout=10)
            statuses.append(post_comment(reader, story, data).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [302] * 8
    assert Comment.objects.filter(body="One comment, eight sends.").count() == 1
