"""Stamps, fragments and in-process copies (newsroom/pagecache.py): one stamp move
per transaction, none on rollback, and bounded local copies."""

import time

import pytest
from django.core.cache import caches
from django.db import connection, transaction
from django.utils import timezone

from articles.services import clarify_story
from newsroom import pagecache
from tests.factories import make_comment, make_published_story, make_topic

pytestmark = pytest.mark.django_db


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


# --- Fragments and in-process copies ------------------------------------------------


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
    small = {"url": "/", "parameters": (), "stamps": (("site", "1.a"),)}
    page = pagecache.Page(**small, status=200, headers=(), content=b"")

    for n in range(5):
        copies.put(f"/{n}", page)
    big = pagecache.Page(**small, status=200, headers=(), content=b"x" * 600)
    copies.put("/big-1", big)
    copies.put("/big-2", big)

    assert list(copies.pages) == ["/big-2"]
    assert copies.used == 600


def test_concurrent_reads_share_round_trips_and_never_miss_a_finished_bump(
    page_cache, monkeypatch
):
    """Readers on 8 threads while a writer keeps moving the stamp: every read
    returns the last stamp moved before it began, or a newer one."""
    import threading

    from django.core.cache import caches

    pagecache.bump_site()
    moved = [pagecache.current_stamps([pagecache.SITE])[pagecache.SITE].token]
    round_trips, stop, failures = [], threading.Event(), []
    real_get_many = type(caches["default"]).get_many

    def counting_get_many(cache, keys, *args, **kwargs):
        round_trips.append(1)
        time.sleep(0.002)  # a network round trip, as to Redis
        return real_get_many(cache, keys, *args, **kwargs)

    monkeypatch.setattr(type(caches["default"]), "get_many", counting_get_many)

    def writer() -> None:
        try:
            while not stop.is_set():
                moved.append(pagecache.bump_site().token)
        finally:
            connection.close()  # a bump asks the database for scheduled stories

    def reader() -> None:
        for _ in range(300):
            before = moved[-1]  # a move that has finished
            seen = pagecache.current_stamps([pagecache.SITE])[pagecache.SITE].token
            if seen < before:  # tokens start with their time in nanoseconds
                failures.append((before, seen))

    threads = [threading.Thread(target=reader) for _ in range(8)]
    writing = threading.Thread(target=writer)
    writing.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stop.set()
    writing.join()

    assert failures == []
    assert len(round_trips) < 8 * 300 / 2  # most reads shared a round trip


def test_file_cache_stamps_are_read_at_once_without_sharing_a_round_trip(
    page_cache, settings, tmp_path, monkeypatch
):
    """A stat() per stamp costs less than requests waiting for each other; only a
    cache across the network (Redis) shares its round trips."""
    settings.CACHES = {
        alias: {
            "BACKEND": "newsroom.cache.LockingFileBasedCache",
            "LOCATION": str(tmp_path / alias),
        }
        for alias in ("default", "pages")
    }
    moved = pagecache.bump_site()

    def shared(*args, **kwargs):
        raise AssertionError("a file-cache read waited to share a round trip")

    monkeypatch.setattr(pagecache._shared_reads, "get_many", shared)

    assert pagecache.current_stamps([pagecache.SITE])[pagecache.SITE] == moved
