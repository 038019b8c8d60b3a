"""One app server stopped under load: nginx (deploy/nginx.conf) sends everything to
the other, no acknowledged comment is lost and no GET fails after the switch-over."""

import threading
import time
from dataclasses import dataclass

import pytest

from tests.clients import Load, summary

pytestmark = pytest.mark.cluster

GETS = ("story", "story-page", "home", "form")


@dataclass
class Logged:
    """One line of nginx's access log (tests/servers.py ACCESS_LOG_FORMAT)."""

    started: float  # wall clock
    method: str
    status: str
    tried: list[str]  # the app servers nginx tried, in order; [] for a cache hit


def access_log(lines: list[str]) -> list[Logged]:
    logged = []
    for line in lines:
        ended, seconds, method, _, status, rest = line.split(" ", 5)
        tried = rest.split("[", 1)[1].split("]", 1)[0]
        addresses = [part.strip() for part in tried.split(",")]
        logged.append(
            Logged(
                float(ended) - float(seconds),
                method,
                status,
                [address for address in addresses if address != "-"],
            )
        )
    return logged


def test_stopping_app_server_a_under_load_loses_no_comment_and_no_get(cluster):
    a, b, nginx = cluster.a, cluster.b, cluster.nginx
    load = Load(nginx.base, cluster.primary.url, cluster.story_url, cluster.story_id)
    # Readers of new addresses (`?r=…`) pass nginx's micro-cache, so each reaches an
    # app server; one reader asks for the story as everyone does.
    workers = [
        threading.Thread(target=load.reader, args=("story", cluster.story_url)),
        threading.Thread(
            target=load.reader,
            args=("story-page", cluster.story_url),
            kwargs={"vary": True},
        ),
        threading.Thread(target=load.reader, args=("home", "/"), kwargs={"vary": True}),
        threading.Thread(target=load.commenter),
        threading.Thread(target=load.commenter),
    ]
    log_start = len(nginx.log_lines())
    for worker in workers:
        worker.start()
    try:
        load.phase = "both servers"
        time.sleep(4)
        load.phase = "stopping A"
        a.stop()  # SIGTERM to its process group; it exits after its requests
        switched_at, switched_wall = time.monotonic(), time.time()
        load.phase = "A stopped"
        # Longer than nginx's fail_timeout (10 s), after which it tries A again: each
        # of those tries must go on to B (proxy_next_upstream), not fail.
        time.sleep(12)
    finally:
        load.stop.set()
        for worker in workers:
            worker.join(timeout=60)
        log_end = len(nginx.log_lines())
        a.start()  # the cluster whole again for the other tests
    report = summary(load.outcomes)

    after = [o for o in load.outcomes if o.at - o.seconds > switched_at]
    gets_after = [o for o in after if o.kind in GETS]
    assert gets_after and {o.status for o in gets_after} == {200}, report
    posts_after = [o for o in after if o.kind == "post"]
    assert posts_after and {o.status for o in posts_after} == {302}, report
    # Every comment acknowledged (302 to the thanks) is stored, before and after.
    stored = {
        body
        for (body,) in cluster.primary.query(
            "SELECT body FROM comments_comment WHERE body LIKE %s",
            f"%load run {load.run}",
        )
    }
    assert load.acknowledged and set(load.acknowledged) <= stored, report

    # nginx balanced across both before, and sent everything to B after.
    served = access_log(nginx.log_lines()[log_start:log_end])
    before = {r.tried[-1] for r in served if r.started < switched_wall and r.tried}
    assert before == {a.address, b.address}, before
    after_switch = [r for r in served if r.started > switched_wall and r.tried]
    assert after_switch, "no request reached an app server after the switch-over"
    assert {r.tried[-1] for r in after_switch} == {b.address}
    # nginx did try the stopped server, and went on to B each time.
    assert [a.address, b.address] in [r.tried for r in after_switch]
    assert {r.status for r in after_switch if r.method == "GET"} == {"200"}
