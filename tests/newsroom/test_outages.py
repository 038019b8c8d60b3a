"""The database or the cache down or slow: a quick 503 or a slower page, never a 500
or a hang (newsroom/outages.py, newsroom/cache.py). Real failures: ports where
nothing answers, a lock that really blocks, a cache folder that really can't be
written."""

import socket
import threading
import time

import psycopg
import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client

from comments.models import Comment
from newsroom import outages, pagecache
from tests.factories import filled_form, form_url, make_published_story

READER = "Ada Reader"


@pytest.fixture
def reader(settings):
    """A client that gets the site's error pages instead of the exception, and may
    post as soon as a form is served."""
    settings.COMMENTS_MIN_SECONDS_TO_SUBMIT = 0
    return Client(raise_request_exception=False)


@pytest.fixture
def database_at(free_port):
    """Point Django's connection at another port for the test, then back."""
    original = connection.settings_dict["PORT"]

    def point(port: int) -> None:
        connection.close()
        connection.settings_dict["PORT"] = port

    yield point
    connection.close()
    connection.settings_dict["PORT"] = original


@pytest.fixture
def silent_server(free_port):
    """A TCP port that accepts connections and never answers, like a frozen
    PostgreSQL whose kernel still completes the handshake."""
    accepted = []
    listener = socket.socket()
    listener.bind(("127.0.0.1", free_port))
    listener.listen(16)

    def accept() -> None:
        while True:
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield free_port, accepted
    listener.close()
    for sock in accepted:
        sock.close()


def assert_unavailable_page(response) -> str:
    html = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    assert '<html lang="en">' in html and "<h1>" in html
    return html


@pytest.mark.django_db(transaction=True)
def test_pages_that_need_the_database_answer_503_when_it_is_down(
    reader, database_at, free_port
):
    story = make_published_story(headline="Harbour reopens")
    database_at(free_port)

    for url in [story.get_absolute_url(), "/", "/search/?q=harbour", form_url(story)]:
        html = assert_unavailable_page(reader.get(url))
        assert "Temporarily unavailable" in html, url


@pytest.mark.django_db(transaction=True)
def test_a_comment_posted_during_an_outage_gives_the_reader_their_text_back(
    reader, database_at, free_port
):
    story = make_published_story()
    data = filled_form(reader, story, name=READER, body="My <b>careful</b> point.")
    database_at(free_port)

    response = reader.post(form_url(story), data)

    html = assert_unavailable_page(response)
    assert "Your comment was not sent" in html
    assert READER in html
    assert "My &lt;b&gt;careful&lt;/b&gt; point." in html


@pytest.mark.django_db(transaction=True)
def test_after_a_failure_the_database_is_left_alone_for_a_moment(
    reader, database_at, silent_server, settings
):
    port, accepted = silent_server
    database_at(port)

    started = time.monotonic()
    first = reader.get("/")
    first_took = time.monotonic() - started
    started = time.monotonic()
    second = reader.get("/")
    second_took = time.monotonic() - started

    assert first.status_code == second.status_code == 503
    # The first request waited for the connect timeout; the second did not even try.
    assert settings.DB_CONNECT_TIMEOUT_SECONDS - 0.5 < first_took < 5
    assert second_took < 0.5
    assert len(accepted) == 1


@pytest.mark.django_db(transaction=True)
def test_the_database_is_tried_again_after_its_rest_and_serves(reader, database_at):
    make_published_story(headline="Back again")
    connection.close()  # the next request must connect
    outages.database_failed("a test says so")

    assert reader.get("/").status_code == 503
    outages._resting_until = time.monotonic()  # the rest is over

    response = reader.get("/")
    assert response.status_code == 200
    assert "Back again" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_reader_request_stuck_on_the_database_is_stopped_at_its_deadline(
    reader, settings
):
    settings.DB_READER_TIMEOUT_SECONDS = 0.5
    story = make_published_story()
    params = connection.get_connection_params()
    with psycopg.connect(**params) as blocker:
        blocker.execute("BEGIN")
        blocker.execute("LOCK TABLE articles_story IN ACCESS EXCLUSIVE MODE")

        started = time.monotonic()
        response = reader.get(story.get_absolute_url())
        took = time.monotonic() - started

        blocker.execute("ROLLBACK")

    assert response.status_code == 503
    assert took < settings.DB_READER_TIMEOUT_SECONDS + 1
    # The cancelled query did not leave the database resting: the next reader is
    # served at once.
    assert reader.get(story.get_absolute_url()).status_code == 200


# --- The cache down -----------------------------------------------------------------


@pytest.mark.django_db
def test_without_the_cache_pages_render_from_the_database(
    reader, page_cache, dead_redis
):
    story = make_published_story(headline="Slower but correct")

    first = reader.get(story.get_absolute_url())
    second = reader.get(story.get_absolute_url())

    for response in (first, second):
        assert response.status_code == 200
        assert "Slower but correct" in response.content.decode()
        assert "X-Page-Cache" not in response
    assert first.content == second.content


@pytest.mark.django_db
def test_without_the_cache_comments_still_go_through_captcha_and_moderation(
    reader, dead_redis
):
    story = make_published_story()
    wrong = filled_form(reader, story, captcha_1="nope")
    right = filled_form(reader, story, body="Posted while Redis was down.")

    refused = reader.post(form_url(story), wrong)
    accepted = reader.post(form_url(story), right)

    assert refused.status_code == 400
    assert "Please enter the text displayed in the image." in refused.content.decode()
    assert accepted.status_code == 302
    comment = Comment.objects.get()
    assert comment.body == "Posted while Redis was down."
    assert comment.status == Comment.Status.PENDING


def test_a_failed_cache_is_not_asked_again_for_a_moment(dead_redis):
    cache = caches["default"]

    with pytest.raises(pagecache.CacheUnavailable):
        cache.get("x")
    started = time.monotonic()
    with pytest.raises(pagecache.CacheUnavailable, match="a moment ago"):
        cache.get("x")

    assert time.monotonic() - started < 0.05


@pytest.mark.django_db
def test_when_the_cache_is_back_the_site_stamp_moves(settings, tmp_path, page_cache):
    blocked = tmp_path / "cache"
    settings.CACHES = {
        alias: {
            "BACKEND": "newsroom.cache.LockingFileBasedCache",
            "LOCATION": str(blocked / alias),
        }
        for alias in ("default", "pages")
    }
    before = pagecache.current_stamps([pagecache.SITE])[pagecache.SITE]
    # A file where the cache's folder should be: every write fails for real.
    import shutil

    shutil.rmtree(blocked)
    blocked.write_text("not a folder")
    with pytest.raises(pagecache.CacheUnavailable):
        pagecache.bump_site()
    blocked.unlink()
    from newsroom import cache

    cache._resting_until[str(blocked / "default")] = 0.0  # the rest is over

    after = pagecache.current_stamps([pagecache.SITE])[pagecache.SITE]

    assert after.token != before.token
