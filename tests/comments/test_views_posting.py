"""Posting a comment through the real form: the happy path, one transaction at a
fixed cost, a failure that writes nothing, the form page itself, CSRF."""

from contextlib import contextmanager

import pytest
from captcha.models import CaptchaStore
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from comments.models import Comment, ModerationEvent, ModerationWord
from tests.factories import (
    THANKS,
    filled_form,
    form_url,
    make_published_story,
    post_comment,
    solution,
)

pytestmark = pytest.mark.django_db


def test_a_reader_posts_a_comment_that_waits_for_moderation(client):
    story = make_published_story()
    data = filled_form(client, story, captcha_1="")
    data["captcha_1"] = f"  {solution(data['captcha_0']).upper()} "

    response = post_comment(client, story, data)

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
# DELETE … RETURNING, the repeat check, the comment and its audit row. The word
# lists, byline names and bans are read once per state of the site and of the lists
# (three more). No session: the reader's pending ids ride in a signed cookie.
POST_STATEMENTS = 5
LISTS_READ = 3


def statements_of(client, story, data) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = post_comment(client, story, data)
    assert response.status_code == 302
    return [
        q["sql"]
        for q in captured
        if not q["sql"].startswith(("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"))
    ]


def test_a_comment_post_runs_a_fixed_number_of_statements(
    client, page_cache, django_capture_on_commit_callbacks
):
    story = make_published_story()
    statements_of(client, story, filled_form(client, story))  # stamps made

    second = statements_of(client, story, filled_form(client, story, body="Two."))
    with django_capture_on_commit_callbacks(execute=True):
        ModerationWord.objects.create(word="lawsuit")  # moves the lists' stamp
    third = statements_of(client, story, filled_form(client, story, body="Three."))

    assert len(second) == POST_STATEMENTS, second
    assert len(third) == POST_STATEMENTS + LISTS_READ, third


@pytest.mark.django_db(transaction=True)
def test_a_comment_post_commits_once_and_writes_no_session():
    reader = Client()
    story = make_published_story()
    data = filled_form(reader, story)

    with CaptureQueriesContext(connection) as captured:
        response = post_comment(reader, story, data)

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
        failed = post_comment(reader, story, data)
    key_left = CaptchaStore.objects.filter(hashkey=data["captcha_0"]).exists()
    stored_before_retry = (Comment.objects.count(), ModerationEvent.objects.count())
    retried = post_comment(reader, story, data)
    replayed = post_comment(reader, story, data)

    assert failed.status_code == 500
    assert key_left
    assert stored_before_retry == (0, 0)
    assert retried.status_code == 302
    # Sent once more after it was stored: acknowledged again, not stored again.
    assert replayed.status_code == 302
    assert Comment.objects.count() == 1


def test_a_post_without_a_csrf_token_is_refused(client):
    story = make_published_story()
    data = filled_form(client, story)

    response = Client(enforce_csrf_checks=True).post(form_url(story), data)

    assert response.status_code == 403
    assert not Comment.objects.exists()


# --- The form page ------------------------------------------------------------------


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


def test_a_refused_post_opens_on_a_focused_summary_linking_to_each_field(client):
    story = make_published_story()
    data = filled_form(client, story, captcha_1="zzzzzz", body="   ")

    html = post_comment(client, story, data).content.decode()

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
