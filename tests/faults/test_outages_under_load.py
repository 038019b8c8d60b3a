"""The database and Redis stopped, frozen and brought back under a bounded load of
readers and commenters, against the site as `make run` serves it: never a 500,
never a wait past the configured timeout plus one second, no acknowledged comment
lost, and service back without a restart (`make test-faults`)."""

import threading
import time

import pytest

from tests.clients import Load, get, summary
from tests.faults.helpers import READER_TIMEOUT, faults_database, faults_site
from tests.servers import Redis

pytestmark = pytest.mark.faults

KINDS = {"story", "home", "search", "form", "post"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    folder = tmp_path_factory.mktemp("faults")
    database, redis = faults_database(), Redis(folder / "redis")
    database.start()
    database.recreate_database()
    redis.start()
    site = faults_site(folder, database, redis)
    try:
        site.manage("migrate", "--noinput")
        site.manage("load_demo")
        site.manage("collectstatic", "--noinput", "--verbosity", "0")
        site.start()
        yield database, redis, site
    finally:
        site.stop()
        redis.stop()
        database.stop()


def test_outages_give_a_quick_503_or_a_slower_page_never_a_500_or_a_hang(stack):
    database, redis, site = stack
    story_id, slug = database.query("SELECT id, slug FROM articles_story")[0]
    story_url = f"/articles/2015/5/8/{slug}/"
    for _ in range(2):  # stored in the page cache, then served from it
        assert get(site.base + story_url)[0] == 200
    load = Load(site.base, database.url, story_url, story_id)
    workers = [
        threading.Thread(target=load.reader, args=("story", story_url)),
        threading.Thread(target=load.reader, args=("home", "/")),
        threading.Thread(target=load.reader, args=("search", "/search/?q=japan")),
        threading.Thread(target=load.commenter),
        threading.Thread(target=load.commenter),
    ]
    phases = [
        ("normal", None, 4),
        ("database stopped", database.stop, 5),
        ("database back", database.start, 6),
        ("database frozen", database.freeze, 6),
        ("database thawed", database.thaw, 6),
        ("redis killed", redis.kill, 5),
        ("redis back", redis.start, 6),
        ("redis frozen", redis.freeze, 5),
        ("redis thawed", redis.thaw, 6),
    ]
    ends = {}
    for worker in workers:
        worker.start()
    try:
        for name, act, seconds in phases:
            if act:
                load.phase = f"while {name}"  # neither before nor after the change
                act()
            load.phase = name
            time.sleep(seconds)
            ends[name] = time.monotonic()
    finally:
        load.stop.set()
        for worker in workers:
            worker.join(timeout=60)
    outcomes = [o for o in load.outcomes if o.phase != "warm-up"]
    report = summary(outcomes)

    def sent_late_in(phase: str, seconds: float) -> list:
        """What was sent in `phase` from `seconds` before its end until 1 s before
        it, whatever its answer and however long it took: a healthy answer takes far
        less than the second left before the next fault begins, and a slow failure
        counts as a failure."""
        return [
            o
            for o in outcomes
            if o.phase == phase
            and ends[phase] - seconds < o.at - o.seconds <= ends[phase] - 1
        ]

    # Before any fault, everything answers normally.
    normal = sent_late_in("normal", 4)
    assert {o.kind for o in normal} == KINDS, report
    assert {o.status for o in normal} <= {200, 302}, report
    # Never a 500, never a dropped connection, never a hang.
    assert [o for o in outcomes if o.status in (0, 500)] == [], report
    slowest = max(outcomes, key=lambda o: o.seconds)
    assert slowest.seconds <= READER_TIMEOUT + 1, (slowest, report)
    # Without the database, the stored story page is served as fast as ever.
    for phase in ("database stopped", "database frozen"):
        story = [o for o in outcomes if o.phase == phase and o.kind == "story"]
        assert story and {(o.status, o.cache) for o in story} == {(200, "hit")}, report
        assert {o.status for o in outcomes if o.phase == phase} <= {200, 503}, report
    # Without Redis, pages come from the database and comments still go in.
    for phase in ("redis killed", "redis frozen"):
        statuses = {(o.kind, o.status) for o in outcomes if o.phase == phase}
        assert ("story", 200) in statuses and ("post", 302) in statuses, report
        assert not {s for _, s in statuses} - {200, 302}, report
    # Back without a restart: every kind of request sent late in each recovery is
    # answered normally.
    for phase in ("database back", "database thawed", "redis back", "redis thawed"):
        late = sent_late_in(phase, 2)
        assert {o.kind for o in late} == KINDS, (phase, report)
        assert {o.status for o in late} <= {200, 302}, (phase, report)
    # Every comment the site acknowledged is stored.
    stored = {body for (body,) in database.query("SELECT body FROM comments_comment")}
    assert load.acknowledged and set(load.acknowledged) <= stored, report
