"""Fill an empty, migrated bench database with a newsroom's worth of rows, by COPY.

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=… python -m bench.corpus \
        --stories 10000 --comments 500000

Deterministic (seeded). The "hot" story every GET of the bench reads is the newest:
3 authors, 2 topics, 2 clarifications, 180 comments of which 149 approved (a busy
story of a mid-size newsroom).
"""

import argparse
import json
import random
import time
from datetime import UTC, datetime, timedelta

import django

django.setup()

from django.db import connection  # noqa: E402

from articles.models import (  # noqa: E402
    Author,
    Byline,
    Clarification,
    Story,
    Topic,
)
from comments.models import Comment  # noqa: E402

HOT_SLUG = "city-council-approves-budget"
HOT_COMMENTS, HOT_APPROVED = 180, 149
WORDS_TEXT = (
    "council budget city vote mayor school board district street water park "
    "transit bus rail fare housing rent tenant landlord zoning permit plan "
    "hearing resident neighbor business owner market store restaurant job "
    "worker union contract wage tax levy bond fund grant state federal county "
    "police fire safety crime court judge jury trial lawyer report audit "
    "record data figure percent million year month week day morning evening "
    "season weather storm flood river bridge road traffic crash repair crew "
    "project cost delay schedule design study survey public comment meeting "
    "official spokesperson statement interview said told asked announced "
    "approved rejected proposed delayed expanded reduced increased decreased "
    "new old local regional annual former current early late long short "
    "large small major minor public private open closed final first second "
    "the a an of to in for on with at by from about after before during "
    "and but or because while although since when where which who that"
)
WORDS = WORDS_TEXT.split()


def sentence(rng: random.Random, n: int) -> str:
    words = rng.choices(WORDS, k=n)
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random, words: int) -> str:
    out, left = [], words
    while left > 0:
        n = min(left, rng.randint(8, 24))
        out.append(sentence(rng, n))
        left -= n
    return " ".join(out)


def story_body(rng: random.Random, words: int = 1000) -> str:
    parts, left = [], words
    while left > 0:
        n = min(left, rng.randint(60, 110))
        if parts and rng.random() < 0.15:
            parts.append("## " + sentence(rng, 4).rstrip("."))
        parts.append(paragraph(rng, n))
        left -= n
    return "\n\n".join(parts)


def columns(model) -> list:
    return [
        f
        for f in model._meta.concrete_fields
        if f.__class__.__name__ != "GeneratedField"
    ]


def copy_rows(model, rows: list[dict]) -> None:
    """COPY dicts keyed by attname; missing fields take the field's default."""
    fields = columns(model)
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    defaults = {f.attname: f.get_default() for f in fields}
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            values = defaults | row
            copy.write_row([values[f.attname] for f in fields])
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "
            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))",
            [model._meta.db_table],
        )


def generate(
    *, stories: int, comments: int, authors: int, topics: int, notes: int
) -> dict:
    rng = random.Random(6)
    now = datetime.now(UTC)
    timings = {}
    started = time.perf_counter()

    copy_rows(
        Author,
        [
            {
                "id": i,
                "name": f"Reporter {i:03d}",
                "slug": f"reporter-{i:03d}",
                "job_title": "Staff writer",
                "bio": paragraph(rng, 30),
            }
            for i in range(1, authors + 1)
        ],
    )
    topic_names = [f"Topic {i:02d}" for i in range(1, topics + 1)]
    topic_names[0] = "City Hall"
    copy_rows(
        Topic,
        [
            {"id": i, "name": name, "slug": f"topic-{i:02d}", "description": ""}
            for i, name in enumerate(topic_names, 1)
        ],
    )
    timings["authors_topics"] = time.perf_counter() - started

    t = time.perf_counter()
    bodies = [story_body(rng) for _ in range(min(stories, 400))]
    story_rows, byline_rows, topic_rows = [], [], []
    span = timedelta(days=3 * 365)
    for i in range(1, stories + 1):
        hot = i == 1
        published_at = now - (
            timedelta(hours=1)
            if hot
            else timedelta(seconds=rng.random() * span.total_seconds())
        )
        status = Story.Status.DRAFT if not hot and rng.random() < 0.02 else "published"
        story_rows.append(
            {
                "id": i,
                "headline": "City council approves budget"
                if hot
                else sentence(rng, rng.randint(6, 11)).rstrip("."),
                "slug": HOT_SLUG if hot else f"story-{i:06d}",
                "dek": sentence(rng, 18),
                # 400 distinct bodies with a unique first line: ~1,000 words each.
                "body": f"{sentence(rng, 12)}\n\n{bodies[i % len(bodies)]}",
                "status": status,
                "published_at": published_at,
                "created_at": published_at - timedelta(hours=2),
                "updated_at": published_at,
            }
        )
        chosen = (
            [1, 2, 3] if hot else rng.sample(range(1, authors + 1), rng.randint(1, 3))
        )
        for position, author in enumerate(chosen):
            byline_rows.append(
                {
                    "story_id": i,
                    "author_id": author,
                    "role": Byline.Role.WRITER,
                    "position": position,
                }
            )
        chosen = [1, 2] if hot else rng.sample(range(1, topics + 1), rng.randint(1, 3))
        for topic in chosen:
            topic_rows.append({"story_id": i, "topic_id": topic})
    copy_rows(Story, story_rows)
    for n, row in enumerate(byline_rows, 1):
        row["id"] = n
    copy_rows(Byline, byline_rows)
    for n, row in enumerate(topic_rows, 1):
        row["id"] = n
    copy_rows(Story.topics.through, topic_rows)
    timings["stories"] = time.perf_counter() - t

    t = time.perf_counter()
    published = {r["id"]: r["published_at"] for r in story_rows}
    note_rows = []
    for n in range(1, notes + 1):
        story_id = 1 if n <= 2 else rng.randint(2, stories)
        note_rows.append(
            {
                "id": n,
                "story_id": story_id,
                "kind": rng.choice(Clarification.Kind.values),
                "text": paragraph(rng, 25),
                "published_at": published[story_id] + timedelta(minutes=10 * n % 50),
                "created_at": published[story_id],
            }
        )
    copy_rows(Clarification, note_rows)
    timings["clarifications"] = time.perf_counter() - t

    t = time.perf_counter()
    statuses = ["approved"] * 85 + ["pending"] * 8 + ["rejected"] * 5 + ["spam"] * 2
    phrases = [paragraph(rng, rng.randint(15, 60)) for _ in range(2000)]
    # Long-tailed: a few stories draw most comments.
    weights = [1 / (rank**0.9) for rank in range(1, stories + 1)]
    targets = rng.choices(range(2, stories + 1), weights=weights[1:], k=comments)
    comment_rows = []
    for n in range(1, comments + 1):
        if n <= HOT_COMMENTS:
            story_id = 1
            status = "approved" if n <= HOT_APPROVED else "pending"
        else:
            story_id = targets[n - 1]
            status = rng.choice(statuses)
        submitted = published[story_id] + timedelta(minutes=1 + n % 600)
        comment_rows.append(
            {
                "id": n,
                "story_id": story_id,
                "name": f"Reader {n % 5000}",
                "email": f"reader{n % 5000}@example.org",
                "body": phrases[n % len(phrases)],
                "status": status,
                "submitted_at": min(submitted, now),
                "moderated_at": None if status == "pending" else min(submitted, now),
            }
        )
    copy_rows(Comment, comment_rows)
    timings["comments"] = time.perf_counter() - t

    t = time.perf_counter()
    with connection.cursor() as cursor:
        # A live database is vacuumed by autovacuum: visibility map set, so
        # counts can use index-only scans, as they would in production.
        cursor.execute("VACUUM ANALYZE")
    timings["vacuum_analyze"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - started
    return {
        "stories": stories,
        "comments": comments,
        "authors": authors,
        "topics": topics,
        "clarifications": notes,
        "seconds": {k: round(v, 2) for k, v in timings.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stories", type=int, default=10_000)
    parser.add_argument("--comments", type=int, default=500_000)
    parser.add_argument("--authors", type=int, default=100)
    parser.add_argument("--topics", type=int, default=50)
    parser.add_argument("--clarifications", type=int, default=2_000)
    args = parser.parse_args()
    report = generate(
        stories=args.stories,
        comments=args.comments,
        authors=args.authors,
        topics=args.topics,
        notes=args.clarifications,
    )
    print(json.dumps(report))


if __name__ == "__main__":
    main()
