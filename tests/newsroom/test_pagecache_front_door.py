"""The front door (newsroom/pagecache.py): stored pages answered before Django
builds a request, with the same headers, and never a personal or foreign one."""

import pytest

from comments.services import approve_comments
from newsroom import pagecache
from tests.factories import make_comment, make_moderator

pytestmark = pytest.mark.django_db


@pytest.fixture
def front_door(page_cache):
    """The WSGI application as granian and gunicorn run it (newsroom/wsgi.py),
    called with the test's database connection kept open, as the test client
    does."""
    from django.core import signals
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield pagecache.FrontDoor(WSGIHandler())
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def wsgi_get(app, path: str, method: str = "GET", **headers: str):
    from wsgiref.util import setup_testing_defaults

    path, _, query = path.partition("?")
    environ = {"PATH_INFO": path, "QUERY_STRING": query, "REQUEST_METHOD": method}
    environ["HTTP_HOST"] = "testserver"
    environ |= {f"HTTP_{name.upper()}": value for name, value in headers.items()}
    setup_testing_defaults(environ)
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"] = int(status.split()[0])
        answer["headers"] = dict(response_headers)

    body = b"".join(app(environ, start_response))
    return answer["status"], answer["headers"], body


def test_the_front_door_serves_a_stored_page_with_the_same_headers_and_no_query(
    front_door, story, django_assert_num_queries
):
    url = story.get_absolute_url()
    status, first_headers, first = wsgi_get(front_door, url)

    with django_assert_num_queries(0):
        hit_status, headers, body = wsgi_get(front_door, url)

    assert (status, hit_status) == (200, 200)
    assert first_headers["X-Page-Cache"] == "miss" and headers["X-Page-Cache"] == "hit"
    assert body == first
    same = {k: v for k, v in first_headers.items() if k != "X-Page-Cache"}
    assert {k: v for k, v in headers.items() if k != "X-Page-Cache"} == same
    assert "Content-Security-Policy" in headers and "X-Frame-Options" in headers


def test_the_front_door_answers_head_and_conditional_requests(front_door, story):
    url = story.get_absolute_url()
    _, first, _ = wsgi_get(front_door, url)

    head_status, head, head_body = wsgi_get(front_door, url, method="HEAD")
    status, headers, body = wsgi_get(front_door, url, if_none_match=first["ETag"])
    later = wsgi_get(front_door, url, if_modified_since=first["Last-Modified"])

    assert (head_status, head_body, head["X-Page-Cache"]) == (200, b"", "hit")
    assert (status, body) == (304, b"")
    assert headers["ETag"] == first["ETag"] and "public" in headers["Cache-Control"]
    assert later[0] == 304


def test_the_front_door_passes_personal_and_other_requests_to_django(front_door, story):
    url = story.get_absolute_url()
    wsgi_get(front_door, url)

    _, with_session, _ = wsgi_get(front_door, url, cookie="sessionid=abc")
    _, with_message, _ = wsgi_get(front_door, url, cookie="messages=xyz")
    _, empty_cookie, _ = wsgi_get(front_door, url, cookie="sessionid=")
    status, posted, _ = wsgi_get(front_door, url, method="POST")

    assert "X-Page-Cache" not in with_session
    assert "no-store" in with_session["Cache-Control"]
    assert "X-Page-Cache" not in with_message
    assert empty_cookie["X-Page-Cache"] == "hit"  # a deleted cookie is not personal
    assert status == 403 and "X-Page-Cache" not in posted  # no CSRF token


def test_the_front_door_never_serves_a_page_to_another_host(
    front_door, story, settings
):
    url = story.get_absolute_url()
    wsgi_get(front_door, url)

    status, headers, _ = wsgi_get(front_door, url, host="evil.example")

    assert status == 400 and "X-Page-Cache" not in headers


def test_the_front_door_sees_a_moved_stamp_on_the_next_request(
    front_door, story, django_capture_on_commit_callbacks
):
    url = story.get_absolute_url()
    wsgi_get(front_door, url)
    held = make_comment(story, body="Approved just now.")

    with django_capture_on_commit_callbacks(execute=True):
        approve_comments(type(held).objects.filter(pk=held.pk), by=make_moderator())
    _, headers, body = wsgi_get(front_door, url)

    assert headers["X-Page-Cache"] == "miss"
    assert b"Approved just now." in body
