"""Render the demo pages into a folder, or compare two such folders byte for byte.

A refactor that must not change what readers see is checked with it:

    python -m bench.pages_snapshot save /tmp/before     # on the old commit
    python -m bench.pages_snapshot save /tmp/after      # on the new one
    python -m bench.pages_snapshot compare /tmp/before /tmp/after

`save` builds fixed content in a database of its own (`newsroom_pages_snapshot`,
created and dropped on DATABASE_URL's server, or on an embedded one): the seed story
with its clarification and comments, a second story without notes (two authors, a
photographer, two topics), a draft. Then it fetches every reader page with Django's
test client and writes each body to a file. Per-request values (CSRF tokens, the
CAPTCHA key, the comment form's signed time) are replaced by placeholders. Content
dated "now" is dated at the start of the current day, so two runs on the same day
compare equal.
"""

import os
import re
import sys
from datetime import datetime, time, timedelta
from pathlib import Path

from newsroom import devdb

DATABASE = "newsroom_pages_snapshot"
SEED = Path(__file__).resolve().parents[1] / "articles" / "demo"
MASKS = [
    (re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"'), b"csrf"),
    (re.compile(rb"/captcha/image/\w+(@2)?/"), b"/captcha/image/KEY/"),
    (re.compile(rb"/captcha/audio/\w+\.wav"), b"/captcha/audio/KEY.wav"),
    (re.compile(rb'name="captcha_0" value="\w+"'), b'name="captcha_0" value="KEY"'),
    (re.compile(rb'name="started" value="[^"]+"'), b'name="started" value="TOKEN"'),
    (re.compile(rb'id="id_started" value="[^"]+"'), b'id="id_started" value="TOKEN"'),
    (re.compile(rb"<lastBuildDate>[^<]+</lastBuildDate>"), b"<lastBuildDate/>"),
]


def _setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings_test")
    import django

    django.setup()


def _build_content(day_start: datetime) -> dict[str, str]:
    from django.utils import timezone

    from articles.importing import parse_story_file
    from articles.models import Author, Byline, Clarification, Story, Topic
    from articles.services import import_story
    from comments.models import Comment

    seed = next(SEED.glob("*.txt"))
    demo = import_story(
        parse_story_file(seed.read_bytes()),
        by=None,
        published_at=datetime(
            2015, 5, 8, 12, 0, tzinfo=timezone.get_current_timezone()
        ),
    ).story
    Story.objects.filter(pk=demo.pk).update(
        comment_policy=Story.CommentPolicy.OPEN,
        created_at=day_start - timedelta(days=400),
        updated_at=day_start - timedelta(days=3),
    )
    Clarification.objects.filter(story=demo).update(created_at=day_start)
    for n, text in enumerate(
        ["First!\n\nA second paragraph.", "Thanks for <b>this</b> & more.", "Bye"]
    ):
        Comment.objects.create(
            story=demo,
            name=f"Reader {n}",
            email=f"reader{n}@example.org",
            body=text,
            status=Comment.Status.APPROVED,
            submitted_at=day_start - timedelta(hours=3 - n),
        )
    Comment.objects.create(
        story=demo,
        name="Waiting",
        email="w@example.org",
        body="Not yet approved",
        submitted_at=day_start,
    )
    writer = Author.objects.create(
        name="Ana Ruiz", slug="ana-ruiz", job_title="Reporter"
    )
    photographer = Author.objects.create(name="Bo Li", slug="bo-li")
    city = Topic.objects.create(name="City Hall", slug="city-hall")
    schools = Topic.objects.create(name="Schools", slug="schools")
    fresh = Story.objects.create(
        headline="Council approves the school budget",
        slug="council-approves-the-school-budget",
        dek="A 4% rise, paid for by the reserve fund.",
        body="## What passed\n\nThe council voted *7 to 2*.\n\n> We had no choice.\n\n"
        "- one\n- two\n\nSee [the budget](https://example.org/budget).",
        status=Story.Status.PUBLISHED,
        published_at=day_start - timedelta(hours=12),
        created_at=day_start - timedelta(days=1),
    )
    Byline.objects.create(story=fresh, author=writer, position=0)
    Byline.objects.create(
        story=fresh, author=photographer, position=1, role=Byline.Role.PHOTOGRAPHER
    )
    fresh.topics.set([city, schools])
    Story.objects.filter(pk=fresh.pk).update(updated_at=day_start)
    Story.objects.create(
        headline="A draft nobody sees",
        slug="a-draft",
        body="Secret.",
        created_at=day_start,
    )
    demo.refresh_from_db()
    fresh.refresh_from_db()
    return {
        "home.html": "/",
        "home-page-2.html": "/?page=2",
        "story-with-notes.html": demo.get_absolute_url(),
        "story-without-notes.html": fresh.get_absolute_url(),
        "topic.html": "/topics/city-hall/",
        "topic-seed.html": "/topics/international/",
        "author.html": "/authors/ana-ruiz/",
        "search.html": "/search/?q=council+budget",
        "search-empty.html": "/search/?q=",
        "clarifications.html": "/clarifications/",
        "corrections-policy.html": "/corrections-policy/",
        "comments.html": f"/comments/{demo.pk}/",
        "comment-form.html": f"/comments/{demo.pk}/write/",
        "comment-form-fragment.html": f"/comments/{demo.pk}/write/?fragment=1",
        "latest.rss": "/feeds/latest.rss",
        "latest.atom": "/feeds/latest.atom",
        "topic.rss": "/topics/city-hall/feed.rss",
        "author.atom": "/authors/ana-ruiz/feed.atom",
        "clarifications.rss": "/clarifications/feed.rss",
        "clarifications.atom": "/clarifications/feed.atom",
        "sitemap.xml": "/sitemap.xml",
        "news-sitemap.xml": "/news-sitemap.xml",
        "robots.txt": "/robots.txt",
        "404.html": "/no-such-page/",
    }


def save(folder: Path) -> None:
    database_url, started = devdb.ensure_database_url("probe")
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    target = database_url.rsplit("/", 1)[0] + "/" + DATABASE
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        admin.execute(f"CREATE DATABASE {DATABASE}")
    try:
        _setup(target)
        from django.core.management import call_command
        from django.test import Client
        from django.utils import timezone

        call_command("migrate", verbosity=0)
        day_start = timezone.make_aware(datetime.combine(timezone.localdate(), time(0)))
        pages = _build_content(day_start)
        folder.mkdir(parents=True, exist_ok=True)
        client = Client()
        for name, url in pages.items():
            page = _fetch(client, url)
            (folder / name).write_bytes(page)
            print(f"{page[:3].decode()} {url} -> {folder / name}")
        # The same pages through the page cache (and its fragments): a miss, then
        # a hit, must give the same bytes as the page rendered without it.
        from django.conf import settings

        settings.PAGE_CACHE_SECONDS = 600
        for name, url in pages.items():
            for attempt in ("miss", "hit"):
                if _fetch(client, url) != (folder / name).read_bytes():
                    print(f"DIFFERS with the page cache on ({attempt}): {url}")
        from django.db import connections

        connections.close_all()
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        if started:
            devdb.stop("probe")


def _fetch(client, url: str) -> bytes:
    response = client.get(url)
    body = response.content
    for pattern, placeholder in MASKS:
        body = pattern.sub(placeholder, body)
    return f"{response.status_code} {response['Content-Type']}\n".encode() + body


def compare(before: Path, after: Path) -> int:
    names = sorted(
        {p.name for p in before.iterdir()} | {p.name for p in after.iterdir()}
    )
    differ = 0
    for name in names:
        old, new = before / name, after / name
        if not old.exists() or not new.exists():
            print(f"only in {'after' if new.exists() else 'before'}: {name}")
            differ += 1
        elif old.read_bytes() != new.read_bytes():
            print(f"differs: {name}")
            differ += 1
        else:
            print(f"same:    {name}")
    print(f"{len(names) - differ} of {len(names)} pages byte-identical")
    return 1 if differ else 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "save":
        save(Path(sys.argv[2]))
    elif len(sys.argv) == 4 and sys.argv[1] == "compare":
        sys.exit(compare(Path(sys.argv[2]), Path(sys.argv[3])))
    else:
        sys.exit(__doc__)
