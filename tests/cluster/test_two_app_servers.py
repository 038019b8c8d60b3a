"""Two app servers behind nginx share one truth: a comment posted on one and approved
on the other shows on the next request everywhere; a solved CAPTCHA is spent once
whichever servers it reaches; the comment and sign-in throttles count on both."""

import threading
import time
import uuid

import pytest

from comments.captcha.field import INVALID as CAPTCHA_REFUSED
from tests.clients import Browser, get
from tests.cluster.conftest import COMMENTS_PER_EMAIL, wait_out_micro_cache

pytestmark = pytest.mark.cluster


def test_a_comment_posted_through_a_and_approved_through_b_shows_on_the_next_request(
    cluster,
):
    a, b, nginx = cluster.a, cluster.b, cluster.nginx
    body = f"Posted through A, approved through B {uuid.uuid4().hex}"
    for base in (nginx.base, a.base, b.base):  # each cache holds the page now
        status, _, page = get(base + cluster.story_url)
        assert status == 200 and body.encode() not in page
    last_nginx_fill = time.monotonic()

    posted = cluster.post_comment(a.base, body)
    assert posted.status == 302, posted.text
    [(comment_id, status)] = cluster.comment(body)
    assert status == "pending"

    moderator = cluster.staff("moderator", b.base)
    approved = cluster.approve(moderator, b.base, comment_id)
    assert approved.status == 302, approved.text
    assert cluster.comment(body) == [(comment_id, "approved")]

    # nginx may keep its copy for the app's s-maxage (its micro-cache); past that,
    # the very next request must show the comment.
    wait_out_micro_cache(last_nginx_fill)
    for base in (nginx.base, a.base):
        status, headers, page = get(base + cluster.story_url)
        assert status == 200 and body.encode() in page, (base, headers.get("X-Cache"))


def test_one_solved_captcha_posted_to_a_and_b_at_once_is_accepted_once(cluster):
    a, b = cluster.a, cluster.b
    visitor = Browser()
    form, answer = cluster.solved_form(visitor, a.base)
    bodies = {
        server.base: f"One CAPTCHA, two servers ({server.name}) {uuid.uuid4().hex}"
        for server in (a, b)
    }
    answers = {}
    start = threading.Barrier(2)

    def post(base: str) -> None:
        twin = Browser()
        twin.cookies = dict(visitor.cookies)
        start.wait()
        answers[base] = twin.post_comment(
            base, cluster.story_id, form, answer, body=bodies[base]
        )

    threads = [threading.Thread(target=post, args=(s.base,)) for s in (a, b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    statuses = sorted(response.status for response in answers.values())
    assert statuses == [302, 400], {k: v.status for k, v in answers.items()}
    [winner] = [base for base, response in answers.items() if response.status == 302]
    [loser] = [base for base, response in answers.items() if response.status == 400]
    refused = answers[loser].text
    assert CAPTCHA_REFUSED in refused  # a form error the reader can act on
    assert bodies[loser] in refused  # with their text kept
    assert len(cluster.comment(bodies[winner])) == 1
    assert cluster.comment(bodies[loser]) == []


def test_the_comment_throttle_counts_posts_on_both_servers(cluster):
    """NEWSROOM_COMMENTS_THROTTLE_PER_EMAIL is 3 here: posts alternating between A
    and B are refused from the 4th, as they would be on one server (counted apart,
    each server would have seen 2)."""
    email = f"throttled-{uuid.uuid4().hex[:8]}@example.org"
    servers = [cluster.a, cluster.b] * COMMENTS_PER_EMAIL
    statuses = []
    for n, server in enumerate(servers[: COMMENTS_PER_EMAIL + 1]):
        body = f"Throttle test comment {n} {email}"
        response = cluster.post_comment(server.base, body, email=email)
        statuses.append((server.name, response.status))
    assert statuses == [
        ("app-a", 302),
        ("app-b", 302),
        ("app-a", 302),
        ("app-b", 429),
    ]
    stored = cluster.primary.query(
        "SELECT count(*) FROM comments_comment WHERE email = %s", email
    )
    assert stored == [(COMMENTS_PER_EMAIL,)]


def test_sign_in_throttling_counts_failures_on_both_servers(cluster):
    """5 failed sign-ins per account lock it (NEWSROOM_SIGNIN_FAILURES_PER_ACCOUNT),
    however they are split between the servers: 4 leave it open, the 5th locks it
    even for the right password on the other server."""
    username, password = f"desk-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    cluster.shell(
        "from django.contrib.auth.models import Group, User; "
        f"u = User.objects.create_user({username!r}, password={password!r}, "
        "is_staff=True); u.groups.add(Group.objects.get(name='Editors'))"
    )
    a, b = cluster.a, cluster.b
    for server in (a, b, a, b):
        failed = Browser().sign_in(server.base, username, "wrong password")
        assert failed.status == 200 and "Please enter the correct" in failed.text
    assert Browser().sign_in(a.base, username, password).status == 302  # 4: open

    failed = Browser().sign_in(b.base, username, "wrong password")  # the 5th
    assert failed.status == 200 and "Please enter the correct" in failed.text
    locked = Browser().sign_in(a.base, username, password)
    assert locked.status == 200
    assert "Too many failed sign-ins for this account" in locked.text
