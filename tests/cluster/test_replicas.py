"""Reader reads go to a streaming replica (DATABASE_REPLICA_URLS), yet no reader ever
sees, and no cache ever stores, a page older than a write: a page rendered after a
stamp moved comes from a replica only once it has replayed the write that moved it
(newsroom/replicas.py), else from the primary."""

import time
import uuid

import pytest

from tests.clients import get
from tests.cluster.conftest import wait_out_micro_cache
from tests.servers import wait_until

pytestmark = pytest.mark.cluster

SEARCHES = 20


def story_reads(standby) -> int:
    """Scans of articles_story the standby has counted. A connection reports its
    counts at the end of a transaction at most once a second, or after 10 s idle
    (PostgreSQL 15), so they show up late."""
    [(scans,)] = standby.query(
        "SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) "
        "FROM pg_stat_user_tables WHERE relname = 'articles_story'"
    )
    return scans


def test_with_the_replica_behind_changes_show_at_once_and_no_stale_page_is_cached(
    cluster,
):
    a, b, nginx, standby = cluster.a, cluster.b, cluster.nginx, cluster.standby
    body = f"Approved while the replica lags {uuid.uuid4().hex}"
    assert cluster.post_comment(a.base, body).status == 302
    [(comment_id, _)] = cluster.comment(body)
    headline = f"Replica-proof headline {uuid.uuid4().hex[:12]}"
    standby.catch_up()
    for base in (nginx.base, a.base, b.base):  # the old page in every cache
        status, _, page = get(base + cluster.story_url)
        assert status == 200 and headline.encode() not in page
    last_nginx_fill = time.monotonic()

    standby.pause_replay()
    try:
        editor = cluster.staff("editor", b.base)
        saved = cluster.edit_story(editor, b.base, headline=headline)
        assert saved.status == 302, saved.text
        moderator = cluster.staff("moderator", b.base)
        approved = cluster.approve(moderator, b.base, comment_id)
        assert approved.status == 302, approved.text
        # The replica really is behind: it has neither write.
        assert standby.query(
            "SELECT headline FROM articles_story WHERE id = %s", cluster.story_id
        ) != [(headline,)]
        assert standby.query(
            "SELECT status FROM comments_comment WHERE id = %s", comment_id
        ) == [("pending",)]

        wait_out_micro_cache(last_nginx_fill)
        answers = []
        for base in (nginx.base, a.base) + (nginx.base, a.base, b.base) * 3:
            status, headers, page = get(base + cluster.story_url)
            # Which cache answered: nginx's (X-Cache) or the app's (x-page-cache).
            cache = headers.get("X-Cache") or headers.get("x-page-cache")
            answers.append((base, status, cache))
            assert status == 200, answers
            assert headline.encode() in page, answers  # the editor's change
            assert body.encode() in page, answers  # the moderator's approval
        # The repeated requests were answered from both caches: what they stored
        # after the writes is the new page.
        assert (nginx.base, 200, "HIT") in answers, answers
        assert (a.base, 200, "hit") in answers and (b.base, 200, "hit") in answers
    finally:
        standby.resume_replay()

    standby.catch_up()
    time.sleep(1.5)  # our own reads above reach the standby's statistics first
    before = story_reads(standby)

    def search() -> None:  # never cached: every search reads articles_story
        for server in (a, b):
            status, _, page = get(f"{server.base}/search/?q=replica+proof+headline")
            assert status == 200 and headline.encode() in page

    for _ in range(SEARCHES // 2):
        search()

    def counted() -> bool:
        search()  # a busy connection reports its statistics at most once a second
        return story_reads(standby) >= before + SEARCHES

    wait_until(counted, 20, "reader reads did not reach the replica after it caught up")
