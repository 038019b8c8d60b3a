"""What read replicas cost the app: a stamp move, and a reader's story page rendered
afresh (no page cache), with replica routing on, as ratios against the same work
with it off.

    DATABASE_URL=postgres://… .venv/bin/python -m bench.replicas

The "replica" is a second connection to the same database (the test settings'
replica1), so the figures are the routing's own cost (recording the primary's WAL
position under its lock; reading it back and asking the replica where it has
replayed to), not replication lag. Creates one story, committed so the second
connection sees it, and deletes it at the end. docs/deploy.md quotes the figures.
"""

import os
import statistics
import time
from datetime import timedelta

import django

ROUNDS, REPEAT = 5, 200


def per_call(action) -> float:
    started = time.perf_counter()
    for _ in range(REPEAT):
        action()
    return (time.perf_counter() - started) / REPEAT


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings_test")
    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    from articles.models import Story
    from newsroom import pagecache, replicas

    story = Story.objects.create(
        headline="Bench replicas",
        slug="bench-replicas",
        body="Words. " * 500,
        status=Story.Status.PUBLISHED,
        published_at=timezone.now() - timedelta(hours=1),
    )
    client, url = Client(), story.get_absolute_url()
    assert client.get(url).status_code == 200

    def bump() -> None:
        pagecache.bump_site()

    def miss() -> None:
        client.get(url)

    ratios: dict[str, list[float]] = {"stamp move": [], "story page rendered": []}
    try:
        for _ in range(ROUNDS):  # interleaved, so drift hits both sides alike
            for name, action in (("stamp move", bump), ("story page rendered", miss)):
                settings.READ_REPLICAS = []
                off = per_call(action)
                settings.READ_REPLICAS = ["replica1"]
                on = per_call(action)
                ratios[name].append(on / off)
        for name, values in ratios.items():
            print(
                f"{name}: replicas on / off = {statistics.median(values):.2f} "
                f"({min(values):.2f}..{max(values):.2f}), {ROUNDS} rounds of {REPEAT}"
            )
    finally:
        settings.READ_REPLICAS = []
        Story.objects.filter(pk=story.pk).delete()
        replicas._replicas.clear()


if __name__ == "__main__":
    main()
