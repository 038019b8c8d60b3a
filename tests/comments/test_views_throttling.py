"""Throttles on posting: too many comments from one address or one email get a
429 keeping the text; who the client is, behind trusted proxies or not."""

import pytest

from comments.models import Comment
from newsroom.throttle import client_ip
from tests.factories import filled_form, make_published_story, post_comment

pytestmark = pytest.mark.django_db


def test_too_many_comments_from_one_address_get_429_keeping_the_text(client, settings):
    settings.COMMENTS_THROTTLE_PER_IP = 2
    story = make_published_story()
    codes = []
    for n in range(3):
        data = filled_form(client, story, email=f"r{n}@example.org", body=f"Text {n}")
        # A client rotating X-Forwarded-For is ignored: no proxy is trusted.
        response = post_comment(
            client, story, data, headers={"x-forwarded-for": f"10.0.0.{n}"}
        )
        codes.append(response.status_code)

    assert codes == [302, 302, 429]
    html = response.content.decode()
    assert "You have sent several comments in a short time" in html
    assert "Text 2" in html
    assert response["Retry-After"] == "600"
    assert Comment.objects.count() == 2


def test_too_many_comments_with_one_email_from_many_addresses_get_429(client, settings):
    settings.COMMENTS_THROTTLE_PER_EMAIL = 2
    settings.TRUSTED_PROXY_HOPS = 1
    story = make_published_story()
    codes = [
        post_comment(
            client,
            story,
            filled_form(client, story, email="Same@Example.org"),
            headers={"x-forwarded-for": f"10.0.0.{n}"},
        ).status_code
        for n in range(3)
    ]

    assert codes == [302, 302, 429]


def test_behind_trusted_proxies_the_client_is_read_from_the_right(rf, settings):
    settings.TRUSTED_PROXY_HOPS = 1
    request = rf.get(
        "/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9"
    )
    spoofed_only = rf.get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="")

    assert client_ip(request) == "203.0.113.9"
    assert client_ip(spoofed_only) == "10.1.1.1"


def test_without_trusted_proxies_forwarded_headers_are_ignored(rf):
    request = rf.get("/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="1.2.3.4")

    assert client_ip(request) == "198.51.100.7"
