"""Posting through the real form: CAPTCHA, bot traps, limits, throttles, targets,
what readers see and what they never see."""

import threading
import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from captcha.models import CaptchaStore
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.core import signing
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from articles.models import Story
from comments.forms import TOKEN_SALT
from comments.models import Comment, ModerationEvent
from comments.throttle import client_ip
from tests.factories import (
    captcha_key,
    filled_form,
    form_url,
    make_approved_comment,
    make_comment,
    make_published_story,
    make_story,
    solution,
)

pytestmark = pytest.mark.django_db
THANKS = "Thanks — your comment is awaiting moderation."


def post(client, story, data, **extra):
    return client.post(form_url(story), data, **extra)


# --- The happy path --------------------------------------------------------------


def test_a_reader_posts_a_comment_that_waits_for_moderation(client):
    story = make_published_story()
    data = filled_form(client, story, captcha_1="")
    data["captcha_1"] = f"  {solution(data['captcha_0']).upper()} "

    response = post(client, story, data)

    assert response.status_code == 302
    assert response["Location"] == f"{story.get_absolute_url()}#comments"
    comment = Comment.objects.get()
    assert (comment.story, comment.name, comment.email, comment.body) == (
        story,
        "Ada Reader",
        "ada@example.org",
        "A thoughtful comment.",
    )
    assert comment.status == Comment.Status.PENDING
    assert comment.ip_address == "127.0.0.1"
    assert len(comment.ip_hash) == 64
    assert not CaptchaStore.objects.filter(hashkey=data["captcha_0"]).exists()
    page = client.get(response["Location"]).content.decode()
    assert THANKS in page
    assert "Comments (0)" in page  # pending comments are not public


# A post's statements (transaction control aside): the story, the CAPTCHA's
# DELETE … RETURNING, the word lists, the byline names, the repeat check, the
# comment and its audit row. No session: the reader's pending ids ride in a signed
# cookie.
POST_STATEMENTS = 7


def test_a_comment_post_runs_a_fixed_number_of_statements(client):
    story = make_published_story()
    data = filled_form(client, story)

    with CaptureQueriesContext(connection) as captured:
        response = post(client, story, data)

    assert response.status_code == 302
    statements = [
        q["sql"]
        for q in captured
        if not q["sql"].startswith(("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"))
    ]
    assert len(statements) == POST_STATEMENTS, statements


@pytest.mark.django_db(transaction=True)
def test_a_comment_post_commits_once_and_writes_no_session():
    reader = Client()
    story = make_published_story()
    data = filled_form(reader, story)

    with CaptureQueriesContext(connection) as captured:
        response = post(reader, story, data)

    assert response.status_code == 302
    control = [q["sql"] for q in captured if q["sql"] in ("BEGIN", "COMMIT")]
    assert control == ["BEGIN", "COMMIT"]
    assert not Session.objects.exists()
    assert django_settings.SESSION_COOKIE_NAME not in response.cookies


@contextmanager
def comment_inserts_failing():
    """A real database failure on storing a comment (a trigger), not a mock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION refuse_comment() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'disk full (test)'; END $$; "
            "CREATE TRIGGER refuse_comment BEFORE INSERT ON comments_comment "
            "FOR EACH ROW EXECUTE FUNCTION refuse_comment();"
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "DROP TRIGGER refuse_comment ON comments_comment; "
                "DROP FUNCTION refuse_comment();"
            )


@pytest.mark.django_db(transaction=True)
def test_a_post_that_fails_to_store_writes_nothing_and_its_key_works_once_later():
    reader = Client(raise_request_exception=False)
    story = make_published_story()
    data = filled_form(reader, story)

    with comment_inserts_failing():
        failed = post(reader, story, data)
    key_left = CaptchaStore.objects.filter(hashkey=data["captcha_0"]).exists()
    stored_before_retry = (Comment.objects.count(), ModerationEvent.objects.count())
    retried = post(reader, story, data)
    replayed = post(reader, story, data)

    assert failed.status_code == 500
    assert key_left
    assert stored_before_retry == (0, 0)
    assert retried.status_code == 302
    # Sent once more after it was stored: acknowledged again, not stored again.
    assert replayed.status_code == 302
    assert Comment.objects.count() == 1


def test_the_form_page_is_never_cached_and_the_story_page_has_no_per_visitor_bytes(
    client,
):
    story = make_published_story()

    form_page = client.get(form_url(story))
    story_page = client.get(story.get_absolute_url()).content.decode()

    assert "no-store" in form_page["Cache-Control"]
    assert "captcha_0" not in story_page
    assert "csrfmiddlewaretoken" not in story_page
    assert f'href="{form_url(story)}" data-comment-form-link' in story_page


def test_the_form_fragment_for_javascript_is_just_the_form(client):
    story = make_published_story()

    response = client.get(form_url(story) + "?fragment=1")

    html = response.content.decode()
    assert "<html" not in html
    assert 'name="captcha_0"' in html
    assert "csrfmiddlewaretoken" in html
    assert "no-store" in response["Cache-Control"]


def test_the_captcha_has_its_label_help_and_accessible_text(client):
    story = make_published_story()

    html = client.get(form_url(story)).content.decode()

    assert "<legend>Retype the CAPTCHA code from the image:</legend>" in html
    assert 'alt="CAPTCHA image: six letters to retype in the box below.' in html
    assert 'aria-describedby="id_captcha_help"' in html
    assert "Change the CAPTCHA code</button>" in html
    assert "@2/ 2x" in html


def test_a_post_without_a_csrf_token_is_refused(client):
    story = make_published_story()
    data = filled_form(client, story)

    response = Client(enforce_csrf_checks=True).post(form_url(story), data)

    assert response.status_code == 403
    assert not Comment.objects.exists()


# --- CAPTCHA through the form ----------------------------------------------------


def test_a_refused_post_opens_on_a_focused_summary_linking_to_each_field(client):
    story = make_published_story()
    data = filled_form(client, story, captcha_1="zzzzzz", body="   ")

    html = post(client, story, data).content.decode()

    summary = html[html.index('<div class="error-summary"') :]
    summary = summary[: summary.index("</div>")]
    assert 'role="alert"' in summary and "autofocus" in summary
    assert '<a href="#id_body">Comment: ' in summary
    assert (
        '<a href="#id_captcha_1">Retype the CAPTCHA code from the image: '
        "Please enter the text displayed in the image.</a>"
    ) in summary
    assert 'id="id_captcha_1"' in html  # the link's target exists


def test_the_form_loaded_under_the_story_has_its_own_heading(client):
    story = make_published_story()

    fragment = client.get(form_url(story) + "?fragment=1").content.decode()
    page = client.get(form_url(story)).content.decode()

    # Under "Comments (N)" (an h2) in the story page; the form page has its own h1.
    assert '<h3 class="comment-form-heading">Write a comment</h3>' in fragment
    assert "comment-form-heading" not in page


def test_a_fresh_form_has_no_error_summary(client):
    html = client.get(form_url(make_published_story())).content.decode()

    assert "error-summary" not in html


def test_a_wrong_answer_keeps_the_text_and_shows_a_new_challenge(client):
    story = make_published_story()
    data = filled_form(client, story, captcha_1="zzzzzz", body="Keep my words.")

    response = post(client, story, data)

    html = response.content.decode()
    assert response.status_code == 400
    assert "Please enter the text displayed in the image." in html
    assert "Keep my words." in html
    assert captcha_key(html) != data["captcha_0"]
    assert 'value="zzzzzz"' not in html  # the answer is not echoed
    assert 'aria-invalid="true"' in html
    assert not Comment.objects.exists()


def test_a_replayed_post_is_acknowledged_but_not_stored_again(client):
    story = make_published_story()
    data = filled_form(client, story)

    first = post(client, story, data)
    second = post(client, story, data)

    assert first.status_code == second.status_code == 302
    assert Comment.objects.count() == 1


def test_an_expired_challenge_is_refused(client):
    story = make_published_story()
    data = filled_form(client, story)
    CaptchaStore.objects.filter(hashkey=data["captcha_0"]).update(
        expiration=timezone.now() - timedelta(seconds=1)
    )

    response = post(client, story, data)

    assert response.status_code == 400
    assert not Comment.objects.exists()


@pytest.mark.parametrize("key", [None, "", "0" * 40, "../../etc/passwd", "x" * 300])
def test_missing_or_forged_keys_are_refused_without_a_server_error(client, key):
    story = make_published_story()
    data = filled_form(client, story)
    if key is None:
        del data["captcha_0"]
    else:
        data["captcha_0"] = key

    response = post(client, story, data)

    assert response.status_code == 400
    assert not Comment.objects.exists()


def test_change_the_code_without_javascript_keeps_the_text_and_shows_no_error(client):
    story = make_published_story()
    data = filled_form(client, story, body="Half-written thought", captcha_refresh="1")

    response = post(client, story, data)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Half-written thought" in html
    assert 'value="ada@example.org"' in html
    assert captcha_key(html) != data["captcha_0"]
    assert not CaptchaStore.objects.filter(hashkey=data["captcha_0"]).exists()
    assert "errorlist" not in html
    assert not Comment.objects.exists()


def test_concurrent_posts_of_one_solved_form_create_one_comment(
    transactional_db, settings
):
    settings.COMMENTS_THROTTLE_PER_IP = settings.COMMENTS_THROTTLE_PER_EMAIL = 100
    # The 7 losers of each round count as wrong answers; this test is about the key.
    settings.COMMENTS_THROTTLE_WRONG_PER_IP = 100
    story = make_published_story()
    for _ in range(3):
        data = filled_form(Client(), story)
        barrier = threading.Barrier(8)
        before = Comment.objects.count()

        def send(data=data, barrier=barrier):
            try:
                reader = Client()
                connection.ensure_connection()
                barrier.wait(timeout=10)
                reader.post(form_url(story), data)
            finally:
                connection.close()

        threads = [threading.Thread(target=send) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert Comment.objects.count() == before + 1


# --- Sizes and formats -----------------------------------------------------------


def test_exactly_3000_characters_are_accepted_and_3001_are_not(client):
    story = make_published_story()

    accepted = post(client, story, filled_form(client, story, body="x" * 3000))
    refused = post(client, story, filled_form(client, story, body="y" * 3001))

    assert accepted.status_code == 302
    assert refused.status_code == 400
    assert "at most 3000 characters" in refused.content.decode()
    assert Comment.objects.get().body == "x" * 3000


def test_3000_four_byte_emoji_are_stored_unchanged(client):
    story = make_published_story()
    body = "😀" * 3000

    post(client, story, filled_form(client, story, body=body))

    assert Comment.objects.get().body == body


def test_a_100kb_comment_is_refused_keeping_the_text_with_a_new_challenge(client):
    story = make_published_story()
    body = "z" * 102_400
    data = filled_form(client, story, body=body)

    response = post(client, story, data)

    html = response.content.decode()
    assert response.status_code == 400
    assert body in html
    assert captcha_key(html) != data["captcha_0"]
    assert not CaptchaStore.objects.filter(hashkey=data["captcha_0"]).exists()
    assert not Comment.objects.exists()


def test_a_3mb_post_is_a_400_not_a_server_error(client):
    story = make_published_story()

    response = post(client, story, filled_form(client, story, body="a" * 3_000_000))

    assert response.status_code == 400
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    "body",
    ["", "    ", "\u200b" * 10, "\u00a0\u00a0\u00a0", "\u3000\u3000", "\u2060\n"],
)
def test_blank_or_invisible_comments_are_refused(client, body):
    story = make_published_story()

    response = post(client, story, filled_form(client, story, body=body))

    assert response.status_code == 400
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"body": "nul\x00byte"},
        {"name": "nul\x00name"},
        {"name": "Bob\r\nBcc: x@evil.example"},
        {"name": "n" * 51},
        {"name": "\u200b\u200b"},
        {"email": "not-an-email"},
        {"email": "a@example.org\r\nBcc: x@evil.example"},
        {"body": "Z" + "\u0301" * 10_000},
    ],
)
def test_malformed_fields_are_form_errors_not_server_errors(client, fields):
    story = make_published_story()

    response = post(client, story, filled_form(client, story, **fields))

    assert response.status_code == 400
    assert not Comment.objects.exists()


def test_invalid_utf8_in_a_post_is_not_a_server_error(client):
    story = make_published_story()

    response = client.post(
        form_url(story),
        b"name=%ff%fe&body=%ed%a0%80",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 400
    assert not Comment.objects.exists()


def test_bidi_controls_are_stripped_from_names(client):
    story = make_published_story()

    post(client, story, filled_form(client, story, name="\u202egnp.exe"))

    assert Comment.objects.get().name == "gnp.exe"


# --- Bot traps -------------------------------------------------------------------


def test_a_filled_honeypot_is_dropped_silently(client):
    story = make_published_story()
    human = post(client, story, filled_form(client, story))
    Comment.objects.all().delete()

    bot = post(client, story, filled_form(client, story, website="http://spam.example"))

    assert (bot.status_code, bot["Location"]) == (human.status_code, human["Location"])
    assert THANKS in client.get(bot["Location"]).content.decode()
    assert not Comment.objects.exists()


def test_a_form_sent_back_faster_than_a_person_could_is_dropped_silently(
    client, settings
):
    settings.COMMENTS_MIN_SECONDS_TO_SUBMIT = 60
    story = make_published_story()

    response = post(client, story, filled_form(client, story))

    assert response.status_code == 302
    assert not Comment.objects.exists()


def test_a_form_old_enough_passes_the_time_check(client, settings):
    settings.COMMENTS_MIN_SECONDS_TO_SUBMIT = 60
    story = make_published_story()
    served_long_ago = signing.dumps(
        {"story": story.pk, "at": time.time() - 61}, salt=TOKEN_SALT
    )

    post(client, story, filled_form(client, story, started=served_long_ago))

    assert Comment.objects.count() == 1


@pytest.mark.parametrize("token", ["", "garbage", "other-story"])
def test_a_tampered_or_foreign_form_token_asks_to_resend_keeping_the_text(
    client, token
):
    story = make_published_story()
    if token == "other-story":
        token = filled_form(client, make_published_story())["started"]

    response = post(
        client, story, filled_form(client, story, started=token, body="Mine")
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "This form has expired" in html
    assert "Mine" in html
    assert not Comment.objects.exists()


# --- Throttling ------------------------------------------------------------------


def test_too_many_comments_from_one_address_get_429_keeping_the_text(client, settings):
    settings.COMMENTS_THROTTLE_PER_IP = 2
    story = make_published_story()
    codes = []
    for n in range(3):
        data = filled_form(client, story, email=f"r{n}@example.org", body=f"Text {n}")
        # A client rotating X-Forwarded-For is ignored: no proxy is trusted.
        response = post(client, story, data, headers={"x-forwarded-for": f"10.0.0.{n}"})
        codes.append(response.status_code)

    assert codes == [302, 302, 429]
    html = response.content.decode()
    assert "You have sent several comments in a short time" in html
    assert "Text 2" in html
    assert response["Retry-After"] == "600"
    assert Comment.objects.count() == 2


def test_too_many_comments_with_one_email_from_many_addresses_get_429(client, settings):
    settings.COMMENTS_THROTTLE_PER_EMAIL = 2
    settings.COMMENTS_TRUSTED_PROXY_HOPS = 1
    story = make_published_story()
    codes = [
        post(
            client,
            story,
            filled_form(client, story, email="Same@Example.org"),
            headers={"x-forwarded-for": f"10.0.0.{n}"},
        ).status_code
        for n in range(3)
    ]

    assert codes == [302, 302, 429]


def test_behind_trusted_proxies_the_client_is_read_from_the_right(rf, settings):
    settings.COMMENTS_TRUSTED_PROXY_HOPS = 1
    request = rf.get(
        "/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9"
    )
    spoofed_only = rf.get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="")

    assert client_ip(request) == "203.0.113.9"
    assert client_ip(spoofed_only) == "10.1.1.1"


def test_without_trusted_proxies_forwarded_headers_are_ignored(rf):
    request = rf.get("/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="1.2.3.4")

    assert client_ip(request) == "198.51.100.7"


# --- Targets ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "story_fields",
    [
        {"status": "draft"},
        {"status": "published", "published_at_offset": timedelta(hours=2)},
    ],
)
def test_drafts_and_embargoed_stories_take_no_comments(client, story_fields):
    offset = story_fields.pop("published_at_offset", None)
    if offset:
        story_fields["published_at"] = timezone.now() + offset
    story = make_story(**story_fields)
    live = make_published_story()
    data = filled_form(client, live)

    assert client.get(form_url(story)).status_code == 404
    assert post(client, story, data).status_code == 404
    assert not Comment.objects.exists()


def test_a_missing_story_is_404(client):
    assert (
        client.get(reverse("comments:comment-form", args=[999_999])).status_code == 404
    )


def test_an_editor_can_close_comments_on_a_story(client):
    story = make_published_story()
    data = filled_form(client, story)
    story.comment_policy = Story.CommentPolicy.CLOSED
    story.save()

    form = client.get(form_url(story))
    posted = post(client, story, data)
    page = client.get(story.get_absolute_url()).content.decode()

    assert form.status_code == posted.status_code == 403
    assert "Comments are closed on this story." in posted.content.decode()
    assert "Comments are closed on this story." in page
    assert "data-comment-form-link" not in page
    assert not Comment.objects.exists()


def test_comments_close_by_themselves_after_the_configured_days(client, settings):
    settings.COMMENTS_CLOSE_AFTER_DAYS = 30
    old = make_published_story(
        published_at=timezone.now() - timedelta(days=30, hours=1)
    )
    recent = make_published_story(published_at=timezone.now() - timedelta(days=29))

    assert client.get(form_url(old)).status_code == 403
    assert client.get(form_url(recent)).status_code == 200


# --- What readers see ------------------------------------------------------------


def test_the_story_page_shows_approved_comments_oldest_first_with_a_count(client):
    story = make_published_story()
    now = timezone.now()
    make_approved_comment(story, body="Second said", submitted_at=now)
    make_approved_comment(
        story, body="First said", submitted_at=now - timedelta(hours=1)
    )
    make_comment(story, body="Still pending")
    make_comment(story, body="Rejected one", status=Comment.Status.REJECTED)

    page = client.get(story.get_absolute_url()).content.decode()

    assert "Comments (2)" in page
    assert page.index("First said") < page.index("Second said")
    assert "Still pending" not in page
    assert "Rejected one" not in page


def test_past_50_comments_the_thread_links_to_the_next_page(client):
    story = make_published_story()
    start = timezone.now() - timedelta(days=1)
    for n in range(51):
        make_approved_comment(
            story, body=f"Comment #{n:02}", submitted_at=start + timedelta(minutes=n)
        )

    page = client.get(story.get_absolute_url()).content.decode()
    second = client.get(
        reverse("comments:comment-list", args=[story.pk]) + "?page=2"
    ).content.decode()

    assert "Comments (51)" in page
    assert "Comment #49" in page
    assert "Comment #50" not in page
    assert "Read 1 more comment" in page
    assert "Comment #50" in second
    assert "Comment #49" not in second


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '"><iframe src=//evil.example>',
        "<svg onload=alert(1)>",
    ],
)
def test_markup_in_comments_is_shown_escaped_on_every_public_page(client, text):
    story = make_published_story()
    make_approved_comment(story, name=text[:50], body=text)
    mine = filled_form(client, story, name="Pending " + text[:30], body=text)
    post(client, story, mine)

    pages = [
        client.get(story.get_absolute_url()).content.decode(),
        client.get(reverse("comments:comment-list", args=[story.pk])).content.decode(),
        client.get(
            reverse("comments:comment-pending", args=[story.pk])
        ).content.decode(),
        client.get(form_url(story)).content.decode(),
    ]

    for html in pages:
        assert text not in html
        assert "<script>alert" not in html
    assert escape(text) in pages[0]  # approved: on the story page
    assert escape(text) in pages[1]  # and on the comment list
    assert escape(text) in pages[2]  # pending: shown to its author


def test_template_syntax_in_a_comment_is_shown_literally(client, settings):
    story = make_published_story()
    make_approved_comment(story, body="{{ settings.SECRET_KEY }} {% debug %}")

    page = client.get(story.get_absolute_url()).content.decode()

    assert "{{ settings.SECRET_KEY }} {% debug %}" in page
    assert settings.SECRET_KEY not in page


def test_a_long_unbroken_token_is_accepted_and_wraps(client):
    story = make_published_story()
    make_approved_comment(story, body="w" * 3000)

    page = client.get(story.get_absolute_url()).content.decode()
    css = client.get("/static/css/comments.css")

    assert "w" * 3000 in page
    assert "overflow-wrap: anywhere" in b"".join(css.streaming_content).decode()


def test_emails_and_ips_never_reach_public_pages_or_feeds(client):
    story = make_published_story()
    make_approved_comment(
        story, email="secret.reader@example.org", ip_address="203.0.113.77"
    )
    mine = filled_form(client, story, email="pending.reader@example.org")
    post(client, story, mine)

    outputs = [
        client.get(story.get_absolute_url()),
        client.get(reverse("comments:comment-list", args=[story.pk])),
        client.get(reverse("comments:comment-pending", args=[story.pk])),
        client.get(reverse("articles:latest-feed-rss")),
        client.get(reverse("articles:latest-feed-atom")),
    ]

    for response in outputs:
        assert response.status_code == 200
        body = response.content.decode()
        for secret in ("secret.reader", "pending.reader", "203.0.113.77", "127.0.0.1"):
            assert secret not in body


# --- The reader's own pending comment --------------------------------------------


def test_readers_see_their_own_pending_comment_marked_for_their_session(client):
    story = make_published_story()
    response = post(client, story, filled_form(client, story, body="My own words"))

    mine = client.get(reverse("comments:comment-pending", args=[story.pk]))
    someone_else = Client().get(reverse("comments:comment-pending", args=[story.pk]))
    story_page = client.get(story.get_absolute_url()).content.decode()
    form_page = client.get(form_url(story)).content.decode()

    assert response.cookies["comments_pending"].value == "1"
    assert "My own words" in mine.content.decode()
    assert "Awaiting moderation" in mine.content.decode()
    assert "no-store" in mine["Cache-Control"]
    assert "My own words" not in someone_else.content.decode()
    assert "My own words" not in story_page  # the shared page stays the same for all
    assert "My own words" in form_page and "Awaiting moderation" in form_page


def test_the_pending_list_lasts_for_the_browser_session_and_is_not_readable_by_js(
    client,
):
    story = make_published_story()

    response = post(client, story, filled_form(client, story))

    mine = response.cookies["comments_mine"]
    assert mine["httponly"] and mine["samesite"] == "Lax"
    assert not mine["max-age"] and not mine["expires"]  # gone with the session


@pytest.mark.parametrize("forge", ["plain", "other-salt"])
def test_a_forged_pending_cookie_shows_nobody_elses_comment(client, forge):
    story = make_published_story()
    post(client, story, filled_form(client, story, body="Ada's own words"))
    theirs = Comment.objects.get().pk
    value = {
        "plain": str(theirs),
        "other-salt": signing.get_cookie_signer(salt="comments_mine").sign(str(theirs)),
    }[forge]
    intruder = Client()
    intruder.cookies["comments_mine"] = value

    pending = intruder.get(reverse("comments:comment-pending", args=[story.pk]))
    form_page = intruder.get(form_url(story))

    assert "Ada's own words" not in pending.content.decode()
    assert "Ada's own words" not in form_page.content.decode()


def test_pending_rejected_and_dropped_posts_answer_alike(client):
    from comments.models import ModerationWord

    ModerationWord.objects.create(word="scam", action=ModerationWord.Action.REJECT)
    story = make_published_story()

    answers = [
        post(Client(), story, filled_form(client, story)),
        post(Client(), story, filled_form(client, story, body="a scam")),
        post(Client(), story, filled_form(client, story, website="http://x.example")),
    ]

    assert [answer.status_code for answer in answers] == [302] * 3
    assert [answer["Location"] for answer in answers] == [answers[0]["Location"]] * 3
    # Same cookie names (only a pending comment's id joins the signed list).
    assert [sorted(answer.cookies) for answer in answers] == [
        ["comments_mine", "comments_pending", "messages"]
    ] * 3


def test_after_the_thanks_page_a_commenter_shares_the_cached_story_page(
    client, settings
):
    settings.PAGE_CACHE_SECONDS = 600
    caches["pages"].clear()
    story = make_published_story()
    anonymous = Client().get(story.get_absolute_url())
    response = post(client, story, filled_form(client, story))

    thanks = client.get(response["Location"])
    later = client.get(story.get_absolute_url())

    assert "private" in thanks["Cache-Control"] and THANKS in thanks.content.decode()
    assert "public" in later["Cache-Control"]
    assert later["ETag"] == anonymous["ETag"]
    assert later.content == anonymous.content


def test_once_approved_the_comment_leaves_the_pending_list_for_the_thread(client):
    story = make_published_story()
    post(client, story, filled_form(client, story, body="Soon public"))
    Comment.objects.update(status=Comment.Status.APPROVED)

    mine = client.get(reverse("comments:comment-pending", args=[story.pk])).content
    page = client.get(story.get_absolute_url()).content.decode()

    assert b"Soon public" not in mine
    assert "Soon public" in page and "Comments (1)" in page


def test_a_comment_rejected_by_a_banned_word_gets_the_same_answer(client):
    from comments.models import ModerationWord

    ModerationWord.objects.create(word="scam", action=ModerationWord.Action.REJECT)
    story = make_published_story()

    response = post(client, story, filled_form(client, story, body="total SCAM"))

    assert response.status_code == 302
    assert Comment.objects.get().status == Comment.Status.REJECTED
    mine = client.get(reverse("comments:comment-pending", args=[story.pk])).content
    assert b"total SCAM" not in mine
