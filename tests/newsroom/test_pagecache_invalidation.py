"""The next request sees every write (newsroom/pagecache.py): publishing, editing,
clarifying, moderating, a scheduled story's time, another process's write."""

import os
import subprocess
import sys

import pytest
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
    make_story,
    post_story_form,
)

pytestmark = pytest.mark.django_db


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
