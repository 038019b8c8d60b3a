"""Read replicas (newsroom/replicas.py): which reads go to a replica, read-your-writes,
the recorded write position, and a replica that is behind or down.

Here the replica is the test database itself (a Django test MIRROR on its own
connection), so the tests commit (transactional) and count the queries each
connection ran. Real streaming lag is proven by the cluster suite (tests/cluster/).
"""

import pytest
from django.core.cache import caches
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.models import Story
from newsroom import pagecache, replicas
from tests.factories import make_approved_comment, make_published_story, make_user
from tests.newsroom.test_settings import IMPORT_SETTINGS, PRODUCTION_LIKE, run_python

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica1"])

REPLICA = "replica1"


@pytest.fixture(autouse=True)
def replica_on(settings):
    settings.READ_REPLICAS = [REPLICA]
    caches["default"].delete(replicas.WRITE_POSITION_KEY)
    replicas._replicas.clear()
    yield
    caches["default"].delete(replicas.WRITE_POSITION_KEY)
    replicas._replicas.clear()


def primary_position() -> int:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT (pg_current_wal_insert_lsn() - '0/0')::bigint")
        return cursor.fetchone()[0]


def queries_on_each(client, url, **extra):
    """(queries on the primary, on the replica) while answering GET url."""
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections[REPLICA]) as replica,
    ):
        response = client.get(url, **extra)
    assert response.status_code == 200, response.status_code
    return primary.captured_queries, replica.captured_queries


def tables(queries) -> set[str]:
    return {
        word.strip('"').split('"')[0]
        for query in queries
        for word in query["sql"].split()
        if word.startswith('"') and "_" in word
    }


def test_a_readers_story_page_reads_stories_and_comments_from_the_replica(client):
    story = make_published_story()
    make_approved_comment(story, body="Seen on the replica.")

    on_primary, on_replica = queries_on_each(client, story.get_absolute_url())

    assert {"articles_story", "comments_comment"} <= tables(on_replica)
    assert not {"articles_story", "comments_comment"} & tables(on_primary)


def test_captcha_keys_sessions_and_users_are_never_read_from_a_replica(client):
    story = make_published_story()

    _, on_replica = queries_on_each(client, story.get_absolute_url())

    assert not any(
        table.startswith(("captcha_", "django_session", "auth_"))
        for table in tables(on_replica)
    )


def test_staff_with_a_session_read_only_the_primary(client):
    story = make_published_story()
    # Superuser: the groups made by migrations are gone in transactional tests.
    client.force_login(make_user(is_superuser=True))

    _, on_site = queries_on_each(client, story.get_absolute_url())
    _, on_desk = queries_on_each(client, reverse("admin:comments_comment_changelist"))

    assert on_site == [] and on_desk == []


def test_a_post_pins_its_visitor_to_the_primary_for_a_while(client, settings):
    settings.REPLICA_PIN_SECONDS = 7
    story = make_published_story()

    posted = client.post(
        reverse("comments:comment-form", args=[story.pk]), {"name": ""}
    )

    pin = posted.cookies[replicas.PIN_COOKIE]
    assert pin["max-age"] == 7 and pin["httponly"]
    _, on_replica = queries_on_each(client, story.get_absolute_url())
    assert on_replica == []


def test_reads_after_a_write_in_the_same_request_use_the_primary(rf):
    story = make_published_story()
    seen = {}

    def view(request):
        seen["before"] = Story.objects.filter(pk=story.pk).db
        Story.objects.filter(pk=story.pk).update(dek="Changed by this request")
        seen["after"] = Story.objects.filter(pk=story.pk).db
        return None

    replicas.ReplicaMiddleware(view)(rf.get("/"))

    assert seen == {"before": REPLICA, "after": "default"}


def test_outside_a_request_everything_reads_the_primary():
    assert Story.objects.all().db == "default"


def test_a_stamp_move_records_the_primarys_position_which_only_grows():
    before = primary_position()

    pagecache.bump_site()
    first = caches["default"].get(replicas.WRITE_POSITION_KEY)
    make_published_story()  # more WAL
    pagecache.bump(pagecache.story_scope(1))
    second = caches["default"].get(replicas.WRITE_POSITION_KEY)

    assert before <= first <= second


def test_a_replica_behind_the_last_write_is_not_read_until_it_catches_up(client):
    story = make_published_story()
    # A write the replica has not replayed yet: the recorded position is ahead of
    # anything it can have (here the replica is the primary itself).
    ahead = primary_position() + 10**12
    caches["default"].set(replicas.WRITE_POSITION_KEY, ahead, None)

    on_primary, on_replica = queries_on_each(client, story.get_absolute_url())

    assert "articles_story" in tables(on_primary)
    assert on_replica == [] or "articles_story" not in tables(on_replica)

    caches["default"].set(replicas.WRITE_POSITION_KEY, primary_position(), None)
    replicas._replicas.clear()  # forget "behind a moment ago"
    _, on_replica = queries_on_each(client, story.get_absolute_url())
    assert "articles_story" in tables(on_replica)


def test_a_lost_write_position_is_taken_from_the_primary_again(client):
    story = make_published_story()
    caches["default"].delete(replicas.WRITE_POSITION_KEY)
    before = primary_position()

    _, on_replica = queries_on_each(client, story.get_absolute_url())

    assert caches["default"].get(replicas.WRITE_POSITION_KEY) >= before
    assert "articles_story" in tables(on_replica)


@pytest.fixture
def replica_down(free_port):
    replica = connections[REPLICA]
    saved = dict(replica.settings_dict)
    replica.close()
    replica.settings_dict["HOST"], replica.settings_dict["PORT"] = (
        "127.0.0.1",
        free_port,
    )
    yield
    replica.close()
    replica.settings_dict.clear()
    replica.settings_dict.update(saved)


def test_a_replica_that_is_down_sends_readers_to_the_primary(
    client, replica_down, caplog
):
    story = make_published_story()

    first = client.get(story.get_absolute_url())
    second = client.get(story.get_absolute_url())

    assert first.status_code == second.status_code == 200
    assert story.headline in first.content.decode()
    assert replicas.replica_resting(REPLICA)
    failures = [
        r for r in caplog.records if "Replica replica1 unavailable" in r.getMessage()
    ]
    assert len(failures) == 1  # logged once, then left alone while it rests


def test_healthz_reports_each_replica(client, replica_down):
    replicas._replicas.clear()

    body = client.get("/healthz").json()

    assert body["replica1"] == "unavailable"
    assert body["database"] == "ok"


def test_a_malformed_replica_url_is_refused_in_words():
    result = run_python(
        IMPORT_SETTINGS,
        **PRODUCTION_LIKE
        | {"DATABASE_REPLICA_URLS": "postgres://a@127.0.0.1/x, not-a-url"},
    )

    assert result.returncode != 0
    assert "DATABASE_REPLICA_URLS: replica 2 is not a database URL" in result.stderr


def test_replicas_are_never_migrated():
    router = replicas.ReplicaRouter()

    assert router.allow_migrate(REPLICA, "articles") is False
    assert router.allow_migrate("default", "articles") is True
