"""How long revisions of a 200,000-character body take to store and to compare.

    DATABASE_URL=postgres://… .venv/bin/python -m bench.revisions

Creates a throw-away story in the database DATABASE_URL names, inside a transaction
that is rolled back (nothing is left behind), saves it through the story service
(one revision each) and times the word-level comparison that History and "What
changed" show: a one-word fix, a rewritten tenth, and two bodies sharing nothing.
docs/editors.md has the figures.
"""

import os
import random
import statistics
import time

import django

BODY_CHARS = 200_000


def body(rng: random.Random) -> str:
    words = [f"word{n}" for n in range(5_000)]
    paragraphs = []
    while sum(len(p) + 2 for p in paragraphs) < BODY_CHARS:
        paragraphs.append(" ".join(rng.choice(words) for _ in range(60)))
    return "\n\n".join(paragraphs)[:BODY_CHARS]


def timed(action, repeat: int = 5) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings_test")
    django.setup()
    from django.db import transaction

    from articles.desk import changes_between
    from articles.models import Story
    from articles.services import save_story

    rng = random.Random(14)
    original = body(rng)
    one_word = original.replace("word17", "changed", 1)
    paragraphs = original.split("\n\n")
    tenth = len(paragraphs) // 10
    rewritten = "\n\n".join(
        [body(rng)[: len(p)] for p in paragraphs[:tenth]] + paragraphs[tenth:]
    )
    unrelated = body(rng)
    print(f"body: {len(original):,} characters, {len(original.split()):,} words")
    with transaction.atomic():
        story = Story(headline="Bench", slug="bench-revisions", body=original)
        save_story(story, by=None)
        texts = iter([one_word, original] * 10)

        def save() -> None:
            story.body = next(texts)
            save_story(story, by=None)

        print(f"save with a revision: {timed(save) * 1000:.0f} ms (median of 5)")
        first, *_ = story.revisions.order_by("number")
        for name, text in [
            ("one word changed", one_word),
            ("a tenth rewritten", rewritten),
            ("nothing shared", unrelated),
        ]:
            other = story.revisions.model(body=text, byline=[], topics=[])
            seconds = timed(lambda o=other: changes_between(first, o), repeat=3)
            print(f"compare, {name}: {seconds * 1000:.0f} ms (median of 3)")
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
