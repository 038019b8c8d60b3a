"""In-process facts for the bench table (run by bench/run.py, one database each).

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=… python -m bench.probe queries
    … python -m bench.probe cost
    … python -m bench.probe urls
    … python -m bench.probe stories

`queries`: queries per request of every wrk row of the site (Django's test client, no
server), each in the cache state its row runs in. S_first: a cold server's first page
(every cache empty: it creates the site stamp, with the two queries that look for the
next scheduled story and note, and renders the topics bar). S_cold: any other story
on that server (its page and comment thread are new, the topics bar is not). S_miss
and H/T/F_miss: page-cache misses with the fragments and stamps warm. Hits: none.
`cost`: median service time of the reader pages with caching off, and EXPLAIN of
every SELECT they run plus the moderators' queue: the data-growth row compares
these between the 1× and the 10× corpus.
`urls`: the pages the rows request. `stories`: every published story's address.
"""

import json
import statistics
import sys
import time

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core import signing  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from articles.models import Author, Story, Topic  # noqa: E402
from bench.corpus import HOT_SLUG  # noqa: E402
from bench.counting import count  # noqa: E402
from comments.forms import TOKEN_SALT as SALT  # noqa: E402
from comments.models import Comment  # noqa: E402

CACHES = ("default", "pages")


def pages() -> dict[str, str]:
    story = Story.objects.get(slug=HOT_SLUG)
    topic = story.topics.order_by("pk").first()
    author = story.authors.order_by("pk").first()
    return {
        "story": story.get_absolute_url(),
        "home": "/",
        "topic": topic.get_absolute_url(),
        "author": author.get_absolute_url(),
        "feed": "/feeds/latest.rss",
    }


def queries() -> dict:
    """Queries per request of each wrk row of the site (and how many write)."""
    from captcha.models import CaptchaStore

    urls = pages()
    story = Story.objects.get(slug=HOT_SLUG)
    another = Story.objects.published().exclude(pk=story.pk).first()
    client = Client()
    for alias in CACHES:
        caches[alias].clear()
    out = {"S_first": count(client, "get", another.get_absolute_url())}
    out["S_cold"] = count(client, "get", urls["story"])
    # A page-cache miss: the same page under a host it was never stored for.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, ".miss.bench"]
    miss = {"HTTP_HOST": "probe.miss.bench"}
    out["S_miss"] = count(client, "get", urls["story"], **miss)
    out["S_hit"] = count(client, "get", urls["story"])
    etag = client.get(urls["story"])["ETag"]
    out["S_304"] = count(client, "get", urls["story"], headers={"if-none-match": etag})
    for row, page in (("H", "home"), ("T", "topic"), ("F", "feed")):
        client.get(urls[page])
        out[row] = count(client, "get", urls[page])
        out[row + "_miss"] = count(client, "get", urls[page], **miss)
    key = CaptchaStore.generate_key()
    fields = {"name": "Bench Reader", "email": "reader@example.org"}
    # The form's signed "served at" token, as if served a minute ago.
    signed = signing.dumps({"story": story.pk, "at": time.time() - 60}, salt=SALT)
    out["P"] = count(
        Client(),
        "post",
        f"/comments/{story.pk}/write/",
        data=fields
        | {
            "body": "An in-process probe comment.",
            "captcha_0": key,
            "captcha_1": CaptchaStore.objects.get(hashkey=key).response,
            "website": "",
            "started": signed,
        },
    )
    out["E"] = count(
        Client(),
        "post",
        f"/bench/insert/{story.pk}/",
        data=fields | {"body": "An in-process probe comment."},
    )
    for alias in CACHES:
        caches[alias].clear()
    return out


def urls() -> dict:
    """What the rows request, and the hot story's id (its comment form, P, E)."""
    return pages() | {"story_id": Story.objects.get(slug=HOT_SLUG).pk}


def stories() -> list[str]:
    """Every published story's address, in id order."""
    published = Story.objects.published().only("slug", "published_at").order_by("pk")
    return [story.get_absolute_url() for story in published]


def plan_nodes(sql: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    nodes = []

    def walk(node: dict) -> None:
        name = node["Node Type"]
        if "Index" in name or name == "Seq Scan":
            name += f" on {node.get('Relation Name', '?')}"
            if node.get("Index Name"):
                name += f" using {node['Index Name']}"
        nodes.append(name)
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return nodes


def cost(repeat: int = 40) -> dict:
    """Service time (caching off) and plans of the reader pages on this corpus."""
    settings.PAGE_CACHE_SECONDS = 0
    client = Client()
    out = {
        "corpus": {
            "stories": Story.objects.count(),
            "comments": Comment.objects.count(),
            "authors": Author.objects.count(),
            "topics": Topic.objects.count(),
        },
        "pages": {},
    }
    for name, url in pages().items():
        if name == "feed":
            continue
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        sqls = [q["sql"] for q in captured]  # before the next request resets them
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(url)
            samples.append((time.perf_counter() - started) * 1000)
        out["pages"][name] = {
            "ms": round(statistics.median(samples), 3),
            "queries": len(sqls),
            "plans": [plan_nodes(s) for s in sqls if s.lstrip().startswith("SELECT")],
        }
    # The moderators' queue: the admin changelist's first page, oldest first.
    queue = Comment.objects.awaiting_moderation().select_related("story")[:100]
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        list(queue.all())
        samples.append((time.perf_counter() - started) * 1000)
    sql, params = queue.query.sql_with_params()
    with connection.cursor() as cursor:
        moderation_sql = cursor.mogrify(sql, params)
    out["pages"]["moderation"] = {
        "ms": round(statistics.median(samples), 3),
        "queries": 1,
        "plans": [plan_nodes(moderation_sql)],
    }
    return out


def main() -> None:
    commands = {"urls": urls, "queries": queries, "cost": cost, "stories": stories}
    print(json.dumps(commands[sys.argv[1]]()))


if __name__ == "__main__":
    main()
