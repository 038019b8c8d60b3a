"""Reader pages are shared and cached, and change on the very next request after a
write (newsroom/pagecache.py). Behaviour only: no timings."""

import os
import subprocess
import sys

import pytest
from django.core.cache import cache, caches
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.http import parse_http_date

from articles.models import Story
from articles.services import clarify_story, publish_story, schedule_story
from comments.services import approve_comments, reject_comments
from newsroom import pagecache
from tests.factories import (
    make_approved_comment,
    make_author,
    make_comment,
    make_editor,
    make_moderator,
    make_published_story,
    make_story,
    make_topic,
    post_story_form,
)

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture
def story():
    return make_published_story(
        headline="Ferry fares rise",
        authors=[make_author(name="Ann Lee")],
        topics=[make_topic(name="Transport")],
    )


def reader_urls(story: Story) -> list[str]:
    topic, author = story.topics.get(), story.authors.get()
    return [
        story.get_absolute_url(),
        reverse("articles:home"),
        topic.get_absolute_url(),
        author.get_absolute_url(),
        reverse("articles:clarification-list"),
        reverse("articles:latest-feed-rss"),
        reverse("articles:latest-feed-atom"),
        reverse("articles:topic-feed-rss", args=[topic.slug]),
        reverse("articles:author-feed-atom", args=[author.slug]),
        reverse("articles:clarification-feed-rss"),
        reverse("articles:sitemap"),
        reverse("articles:news-sitemap"),
    ]


@pytest.mark.parametrize("cached", [False, True], ids=["cache-off", "cache-on"])
def test_two_anonymous_readers_get_the_same_bytes_and_no_cookie(
    client, settings, story, cached
):
    settings.PAGE_CACHE_SECONDS = 600 if cached else 0
    cache.clear()
    make_approved_comment(story, body="Fares were already high.")
    other = type(client)()

    for url in reader_urls(story):
        first, second = client.get(url), other.get(url)

        assert first.status_code == second.status_code == 200, url
        assert first.content == second.content, url
        assert not first.cookies and not second.cookies, url
        assert "Set-Cookie" not in first.headers, url
        assert b"csrfmiddlewaretoken" not in first.content, url


def test_reader_pages_never_write_to_the_database(client, page_cache, story):
    make_approved_comment(story)
    urls = [
        *reader_urls(story),
        reverse("articles:search") + "?q=ferry",
        reverse("articles:corrections-policy"),
        reverse("articles:robots-txt"),
        reverse("comments:comment-list", args=[story.pk]),
    ]

    with CaptureQueriesContext(connection) as queries:
        for url in urls * 2:  # a miss, then a hit
            assert client.get(url).status_code == 200, url

    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]
    assert writes == []


def test_a_cached_story_page_costs_no_query(
    client, page_cache, story, django_assert_num_queries
):
    first = client.get(story.get_absolute_url())

    with django_assert_num_queries(0):
        second = client.get(story.get_absolute_url())

    assert first["X-Page-Cache"] == "miss" and second["X-Page-Cache"] == "hit"
    assert second.content == first.content


def test_tracking_parameters_share_the_cached_page_and_pagination_does_not(
    client, page_cache, story, django_assert_num_queries
):
    for n in range(25):
        make_published_story(headline=f"Filler {n}")
    client.get("/")

    with django_assert_num_queries(0):
        shared = client.get("/?utm_source=newsletter&x=1")
    second_page = client.get("/?page=2")

    assert shared["X-Page-Cache"] == "hit"
    assert second_page["X-Page-Cache"] == "miss"
    assert second_page.content != shared.content


def test_junk_page_numbers_are_not_stored(client, page_cache, story):
    for attempt in range(3):
        response = client.get(f"/?page=9999{attempt}")
        assert response.status_code == 404
        assert "X-Page-Cache" not in response

    assert client.get("/")["X-Page-Cache"] == "miss"


def test_anonymous_pages_tell_shared_caches_how_long_to_keep_them(
    client, page_cache, story
):
    response = client.get(story.get_absolute_url())

    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"public", "max-age=0", "s-maxage=1"} <= directives
    assert "stale-while-revalidate=30" in directives
    assert response["ETag"] and response["Last-Modified"]


def test_a_reader_with_a_session_gets_a_private_uncached_page(
    client, page_cache, story
):
    client.force_login(make_editor())

    response = client.get(story.get_absolute_url())

    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]
    assert not response.has_header("ETag")


def test_the_comment_form_is_private(client, story):
    response = client.get(reverse("comments:comment-form", args=[story.pk]))

    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]


def test_editor_preview_is_private(client, story):
    client.force_login(make_editor())

    response = client.get(reverse("articles:story-preview", args=[story.pk]))

    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]


def test_a_conditional_get_is_answered_304_without_a_query(
    client, page_cache, story, django_assert_num_queries
):
    url = story.get_absolute_url()
    first = client.get(url)

    with django_assert_num_queries(0):
        by_etag = client.get(url, headers={"if-none-match": first["ETag"]})
    with django_assert_num_queries(0):
        by_date = client.get(url, headers={"if-modified-since": first["Last-Modified"]})

    assert by_etag.status_code == by_date.status_code == 304
    assert by_etag["ETag"] == first["ETag"]


# --- The next request sees every write -------------------------------------------


def validators(client, url) -> tuple[str, str]:
    response = client.get(url)
    return response["ETag"], response.content.decode()


def test_publishing_a_story_changes_the_home_page_at_once(
    client, page_cache, story, django_capture_on_commit_callbacks
):
    draft = make_story(headline="Bridge reopens", authors=[make_author()])
    before_etag, before = validators(client, "/")

    with django_capture_on_commit_callbacks(execute=True):
        publish_story(draft, by=make_editor())
    after_etag, after = validators(client, "/")

    assert "Bridge reopens" not in before and "Bridge reopens" in after
    assert after_etag != before_etag


def test_editing_a_story_in_the_admin_changes_its_page_and_listings_at_once(
    client, page_cache, story, django_capture_on_commit_callbacks
):
    url = story.get_absolute_url()
    before_etag, _ = validators(client, url)
    validators(client, "/")
    editor = type(client)()
    editor.force_login(make_editor())

    with django_capture_on_commit_callbacks(execute=True):
        response = post_story_form(editor, story, headline="Ferry fares rise again")
    assert response.status_code == 302

    after_etag, page = validators(client, url)
    assert "Ferry fares rise again" in page and after_etag != before_etag
    assert "Ferry fares rise again" in client.get("/").content.decode()


def test_a_clarification_changes_the_story_page_and_archive_at_once(
    client, page_cache, story, django_capture_on_commit_callbacks
):
    url = story.get_absolute_url()
    before_etag, _ = validators(client, url)
    validators(client, reverse("articles:clarification-list"))

    with django_capture_on_commit_callbacks(execute=True):
        clarify_story(story, text="The fare rises in May.", by=make_editor())

    after_etag, page = validators(client, url)
    assert "The fare rises in May." in page and "(UPDATED)" in page
    assert after_etag != before_etag
    archive = client.get(reverse("articles:clarification-list")).content.decode()
    assert "The fare rises in May." in archive


@pytest.mark.parametrize("verb", [approve_comments, reject_comments])
def test_moderating_a_comment_changes_the_story_page_at_once(
    client, page_cache, story, django_capture_on_commit_callbacks, verb
):
    shown = make_approved_comment(story, body="Shown until rejected.")
    held = make_comment(story, body="Held until approved.")
    url = story.get_absolute_url()
    before_etag, _ = validators(client, url)
    before_last_modified = client.get(url)["Last-Modified"]
    target = held if verb is approve_comments else shown

    with django_capture_on_commit_callbacks(execute=True):
        verb(type(target).objects.filter(pk=target.pk), by=make_moderator())

    after = client.get(url)
    page = after.content.decode()
    assert after["X-Page-Cache"] == "miss" and after["ETag"] != before_etag
    assert parse_http_date(after["Last-Modified"]) >= parse_http_date(
        before_last_modified
    )
    if verb is approve_comments:
        assert "Held until approved." in page
    else:
        assert "Shown until rejected." not in page


def test_a_scheduled_story_appears_when_its_time_comes(
    client, page_cache, story, django_capture_on_commit_callbacks, monkeypatch
):
    soon = timezone.now() + timezone.timedelta(minutes=5)
    draft = make_story(headline="Embargoed budget", authors=[make_author()])
    with django_capture_on_commit_callbacks(execute=True):
        schedule_story(draft, at=soon, by=make_editor())
    assert "Embargoed budget" not in client.get("/").content.decode()

    later = soon + timezone.timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    monkeypatch.setattr(pagecache.time, "time", later.timestamp)

    assert "Embargoed budget" in client.get("/").content.decode()


def test_another_process_moving_the_stamp_is_seen_on_the_next_request(
    client, settings, tmp_path, story, test_database_url
):
    """Two processes, one shared file cache: the other worker's bump counts."""
    settings.PAGE_CACHE_SECONDS = 600
    settings.CACHES = {
        alias: {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache" / alias),
        }
        for alias in ("default", "pages")
    }
    url = story.get_absolute_url()
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    # Changed without a commit (a test transaction): only a stamp can tell.
    Story.objects.filter(pk=story.pk).update(headline="Changed elsewhere")

    worker = (
        "import django; django.setup();"
        "from django.conf import settings;"
        f"settings.CACHES = {settings.CACHES!r};"
        "from newsroom import pagecache; pagecache.bump_site()"
    )
    environment = os.environ | {
        "DATABASE_URL": test_database_url,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings_test",
    }
    subprocess.run([sys.executable, "-c", worker], env=environment, check=True)

    response = client.get(url)
    assert response["X-Page-Cache"] == "miss"
    assert "Changed elsewhere" in response.content.decode()


# --- The front door: hits answered before Django builds a request -------------------


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


# --- Stamps -------------------------------------------------------------------------


def test_a_transaction_moves_the_site_stamp_once_however_many_writes(
    page_cache, django_capture_on_commit_callbacks, monkeypatch
):
    moved = []
    monkeypatch.setattr(pagecache, "bump", moved.append)

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        story = make_published_story(topics=[make_topic(), make_topic()])
        clarify_story(story, text="A note.", by=None)
        make_comment(story, status="approved")

    assert sorted(moved) == [pagecache.SITE, pagecache.story_scope(story.pk)]


def test_a_rolled_back_write_moves_no_stamp(
    page_cache, django_capture_on_commit_callbacks, monkeypatch
):
    moved = []
    monkeypatch.setattr(pagecache, "bump", moved.append)

    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            pagecache.bump_site_on_commit()
            transaction.set_rollback(True)
        with transaction.atomic():
            pagecache.bump_story_on_commit(7)

    assert moved == ["story:7"]


def test_a_lost_stamp_is_recreated_with_a_new_value(page_cache):
    before = pagecache.current_stamps([pagecache.SITE])[pagecache.SITE]
    caches["default"].clear()

    after = pagecache.current_stamps([pagecache.SITE])[pagecache.SITE]

    assert after.token != before.token


def test_the_site_stamp_records_when_the_next_scheduled_story_goes_live(page_cache):
    soon = timezone.now() + timezone.timedelta(minutes=10)
    make_published_story(published_at=soon)

    stamp = pagecache.bump_site()

    assert stamp.changes_at == soon.timestamp()


# --- Fragments and in-process copies --------------------------------------------


def test_a_page_showing_a_fragment_is_stored_under_the_fragment_stamps_too(
    client, page_cache, story
):
    url = story.get_absolute_url()
    client.get(url)

    page = pagecache.find(f"http://testserver{url}")

    assert page.scopes == [pagecache.SITE, pagecache.story_scope(story.pk)]


def test_fragments_are_rendered_every_time_with_the_page_cache_off(settings):
    settings.PAGE_CACHE_SECONDS = 0
    rendered = []

    for _ in range(2):
        pagecache.fragment(
            None, "x", [pagecache.SITE], lambda: rendered.append(1) or ""
        )

    assert len(rendered) == 2


def test_in_process_page_copies_are_bounded_by_count_and_by_bytes(settings):
    settings.PAGE_CACHE_SECONDS = 600
    copies = pagecache._LocalPages(count=3, size=1000)
    page = pagecache.Page(
        stamps=(("site", "1.a"),), status=200, headers=(), content=b""
    )

    for n in range(5):
        copies.put(f"/{n}", page)
    big = pagecache.Page(stamps=page.stamps, status=200, headers=(), content=b"x" * 600)
    copies.put("/big-1", big)
    copies.put("/big-2", big)

    assert list(copies.pages) == ["/big-2"]
    assert copies.used == 600
