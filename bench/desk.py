"""The moderation desk's first page with a big queue, against the comment list.

    python -m bench.desk                 # 10,000 pending comments (about a minute)
    python -m bench.desk --pending 50000 --json

It creates its own database, `newsroom_bench_desk`, on DATABASE_URL's server (or on
an embedded server of its own, as `make bench` does), marks it as its own, fills it
with bench/corpus.py (1,000 stories, 50,000 comments) topped up to --pending
comments waiting for a moderator (a tenth of them held by a rule) and some reader
reports, then drops it. In this one process it signs a moderator in and times, in
alternating rounds, the desk's first page (/admin/comments/moderate/, 50 cards) and
the comment list's first page (/admin/comments/comment/, which opens on Pending,
100 rows): milliseconds per request, the queries each makes, and the ratio.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path

NAME = "newsroom_bench_desk"
MARK = "newsroom bench/desk.py: created and dropped by bench/desk.py"
PAGES = {
    "desk": "/admin/comments/moderate/",
    "list": "/admin/comments/comment/",
}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def database_server() -> tuple[str, bool]:
    """DATABASE_URL's server, or an embedded one (started now: True)."""
    if given := os.environ.get("DATABASE_URL"):
        return given, False
    from newsroom import devdb

    return devdb.start("bench")


def with_database(server: str, name: str) -> str:
    parts = urllib.parse.urlsplit(server)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def admin_connection(server: str):
    import psycopg

    return psycopg.connect(with_database(server, "postgres"), autocommit=True)


def create_database(server: str) -> None:
    with admin_connection(server) as connection:
        row = connection.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
            "WHERE datname = %s",
            (NAME,),
        ).fetchone()
        if row is not None:
            if row[0] != MARK:
                sys.exit(f"Database {NAME} exists and is not this bench's: left alone.")
            connection.execute(f'DROP DATABASE "{NAME}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{NAME}"')
        connection.execute(f"COMMENT ON DATABASE \"{NAME}\" IS '{MARK}'")


def drop_database(server: str) -> None:
    from django.db import connections

    connections.close_all()
    with admin_connection(server) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')


def configure(database_url: str, data_dir: Path) -> None:
    """The site's own settings, DEBUG off, on the bench database; then Django."""
    for key in [k for k in os.environ if k.startswith(("DJANGO_", "NEWSROOM_"))]:
        del os.environ[key]
    os.environ.pop("REDIS_URL", None)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "newsroom.settings",
            "DATABASE_URL": database_url,
            "DJANGO_SECRET_KEY": "bench-only-secret-key-" + "d" * 40,
            "DJANGO_ALLOWED_HOSTS": "testserver",
            "NEWSROOM_HTTPS": "false",
            "NEWSROOM_DATA_DIR": str(data_dir),
            "NEWSROOM_LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()


def fill(pending: int) -> dict:
    """The corpus, then exactly `pending` comments waiting for a moderator (one in
    ten held by a rule, spread over the stories and 5,000 commenters) and 300
    reports on approved comments."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # as deployed
    from bench import corpus
    from comments.models import Comment, Report

    report = corpus.generate(
        stories=1000, comments=50_000, authors=100, topics=50, notes=200
    )
    waiting = Comment.objects.filter(status="pending").count()
    now = datetime.now(UTC)
    first = (Comment.objects.order_by("-pk").values_list("pk", flat=True).first()) + 1
    rows = []
    for n in range(max(0, pending - waiting)):
        held = n % 10 == 0
        rows.append(
            {
                "id": first + n,
                "story_id": 1 + n % 1000,
                "name": f"Reader {n % 5000}",
                "email": f"reader{n % 5000}@example.org",
                "body": f"A comment waiting for a moderator, number {n}. " * 3,
                "status": "pending",
                "rule": "links" if held else "",
                "hold_reason": "3 links (more than 2)" if held else "",
                "submitted_at": now - timedelta(minutes=n % 600),
            }
        )
    corpus.copy_rows(Comment, rows)
    approved = list(
        Comment.objects.filter(status="approved").values_list("pk", flat=True)[:100]
    )
    corpus.copy_rows(
        Report,
        [
            {
                "id": n + 1,
                "comment_id": approved[n % len(approved)],
                "reason": "abuse",
                "reporter_hash": f"client-{n}",
                "created_at": now,
            }
            for n in range(300)
        ],
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    report["pending"] = Comment.objects.filter(status="pending").count()
    return report


def measure(rounds: int, requests: int) -> dict:
    from django.contrib.auth.models import Group, User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    moderator = User.objects.create_user("bench-moderator", is_staff=True)
    moderator.groups.add(Group.objects.get(name="Moderators"))
    client = Client()
    client.force_login(moderator)
    queries = {}
    for name, path in PAGES.items():
        for _ in range(3):  # warm caches: templates, the session, PostgreSQL's
            assert client.get(path).status_code == 200, path
        with CaptureQueriesContext(connection) as captured:
            client.get(path)
        queries[name] = len(captured)
    timings = {name: [] for name in PAGES}
    for number in range(rounds):
        order = list(PAGES.items())
        for name, path in order if number % 2 == 0 else reversed(order):
            started = time.perf_counter()
            for _ in range(requests):
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)
            timings[name].append((time.perf_counter() - started) * 1000 / requests)
    result = {
        name: {
            "ms_per_request": round(statistics.median(values), 1),
            "min": round(min(values), 1),
            "max": round(max(values), 1),
            "queries": queries[name],
        }
        for name, values in timings.items()
    }
    ratios = [d / c for d, c in zip(timings["desk"], timings["list"], strict=True)]
    result["ratio_desk_to_list"] = round(statistics.median(ratios), 2)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pending", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=20, help="per round")
    parser.add_argument("--json", action="store_true", help="print JSON only")
    args = parser.parse_args(argv)
    server, started = database_server()
    created = False
    try:
        create_database(server)
        created = True
        with tempfile.TemporaryDirectory(prefix="bench-desk-") as data_dir:
            configure(with_database(server, NAME), Path(data_dir))
            log(f"filling {NAME} ({args.pending:,} pending comments)")
            corpus = fill(args.pending)
            log(f"timing {args.rounds} rounds of {args.requests} requests per page")
            result = measure(args.rounds, args.requests)
    finally:
        if created:
            drop_database(server)
        if started:
            from newsroom import devdb

            devdb.stop("bench")
    result["pending"] = corpus["pending"]
    if args.json:
        print(json.dumps(result))
        return 0
    desk, listing = result["desk"], result["list"]
    print(f"With {result['pending']:,} comments pending:")
    for label, row in (
        ("desk, first page (50 cards)", desk),
        ("comment list, first page (100 rows)", listing),
    ):
        print(
            f"  {label:38} {row['ms_per_request']:7.1f} ms/request "
            f"({row['min']}..{row['max']}), {row['queries']} queries"
        )
    print(f"  desk / comment list: {result['ratio_desk_to_list']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
