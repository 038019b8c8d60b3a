"""The moderation desk's page: queues as tabs with counts, filters, pages of 50,
cards with what a moderator needs, a constant number of queries, and the count of
what waits in every admin page's header."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment
from comments.services import ban_commenter
from tests.factories import (
    make_approved_comment,
    make_comment,
    make_editor,
    make_moderator,
    make_published_story,
    make_report,
    make_story,
    make_user,
)

pytestmark = pytest.mark.django_db

DESK = reverse("desk:queue")
Status = Comment.Status


@pytest.fixture
def moderator_client(client):
    client.force_login(make_moderator())
    return client


def desk(client, **query) -> str:
    response = client.get(DESK, query)
    assert response.status_code == 200
    return response.content.decode()


def cards(html: str) -> list[str]:
    """The card ids on the page, in order."""
    return re.findall(r'<li class="desk-card[^"]*" id="card-(\d+)"', html)


def ago(**delta):
    return timezone.now() - timedelta(**delta)


def test_every_queue_holds_its_comments_in_its_order(moderator_client):
    story = make_published_story()
    new_old = make_comment(story, submitted_at=ago(hours=3))
    new_shown = make_comment(story, status=Status.UNREVIEWED, submitted_at=ago(hours=2))
    held = make_comment(story, rule=Comment.Rule.LINKS, hold_reason="3 links")
    reported = make_approved_comment(story)
    make_report(reported)
    hidden = make_comment(story, status=Status.HIDDEN, submitted_at=ago(hours=9))
    make_report(hidden)
    approved_old = make_approved_comment(story, submitted_at=ago(days=2))
    approved_new = make_approved_comment(story, submitted_at=ago(days=1))
    rejected = make_comment(story, status=Status.REJECTED)
    spam = make_comment(story, status=Status.SPAM)

    queues = {
        queue: cards(desk(moderator_client, queue=queue))
        for queue in ("new", "held", "reported", "approved", "rejected", "spam")
    }

    assert queues == {
        "new": [str(new_old.pk), str(new_shown.pk)],
        "held": [str(held.pk)],
        "reported": [str(hidden.pk), str(reported.pk)],
        # Approved holds every approved comment, reported ones included.
        "approved": [str(c.pk) for c in (reported, approved_new, approved_old)],
        "rejected": [str(rejected.pk)],
        "spam": [str(spam.pk)],
    }
    assert cards(desk(moderator_client)) == queues["new"]  # the desk opens on New


def test_the_tabs_carry_their_counts_and_mark_the_current_queue(moderator_client):
    for _ in range(3):
        make_comment()
    make_comment(rule=Comment.Rule.REPEAT, hold_reason="Same text")
    make_report(make_approved_comment())

    html = desk(moderator_client, queue="held")

    assert '>New <span class="desk-count">3</span>' in html
    assert 'aria-current="page">Held <span class="desk-count">1</span>' in html
    assert '>Reported <span class="desk-count">1</span>' in html
    assert '>Approved <span class="desk-count">1</span>' in html


def test_the_queue_filters_by_story_and_searches_text_name_and_email(moderator_client):
    one, two = make_published_story(headline="Harbor"), make_published_story()
    by_text = make_comment(one, body="The dredging budget")
    by_name = make_comment(one, name="Dredging Fan")
    by_email = make_comment(one, email="dredging@example.org")
    elsewhere = make_comment(two, body="The dredging elsewhere")
    make_comment(one, body="Unrelated")

    found = cards(desk(moderator_client, q="DREDGING", story=one.pk))
    on_two = cards(desk(moderator_client, story=two.pk))

    assert found == [str(c.pk) for c in (by_text, by_name, by_email)]
    assert on_two == [str(elsewhere.pk)]
    assert "Harbor (4 waiting)" in desk(moderator_client)


@pytest.mark.parametrize("story", ["abc", "-3", "99999999999999999999999"])
def test_a_bad_story_filter_is_explained_and_ignored(moderator_client, story):
    pending = make_comment()

    html = desk(moderator_client, story=story)

    assert '<ul class="errorlist">' in html
    assert cards(html) == [str(pending.pk)]


def test_a_queue_comes_in_pages_of_fifty(moderator_client):
    story = make_published_story()
    for n in range(52):
        make_comment(story, submitted_at=ago(minutes=100 - n))

    first = desk(moderator_client)
    second = desk(moderator_client, page=2, queue="new")

    assert len(cards(first)) == 50
    assert len(cards(second)) == 2
    assert "Page 1 of 2" in first
    assert 'href="?queue=new&amp;page=1"' in second


def test_a_card_shows_everything_needed_to_decide(moderator_client):
    story = make_published_story(headline="Council votes")
    repeat = "troll@example.org"
    make_approved_comment(email=repeat)
    make_comment(email=repeat, status=Status.REJECTED)
    make_comment(email=repeat, status=Status.SPAM)
    ban_commenter(repeat, by=make_moderator(), reason="Abuse")
    comment = make_approved_comment(
        story,
        name="<b>Rin</b>",
        email="Troll@example.org",
        body="First <script>x</script>\n\nSecond paragraph.",
        submitted_at=ago(hours=5),
    )
    make_report(comment, reason="spam", text="Selling pills")
    make_report(comment, reason="spam")
    make_report(comment, reason="abuse")

    html = desk(moderator_client, queue="reported")

    assert "&lt;b&gt;Rin&lt;/b&gt;" in html
    assert f'<a href="{story.get_absolute_url()}">Council votes</a>' in html
    assert "Troll@example.org" in html
    assert (
        "<p>First &lt;script&gt;x&lt;/script&gt;</p>\n\n<p>Second paragraph.</p>"
        in (html)
    )
    assert "5\xa0hours ago" in html
    assert "3: Spam (2), Abuse or harassment (1)" in html
    assert "“Selling pills”" in html
    assert "2 approved, 1 rejected, 1 spam" in html
    assert "banned</strong>" in html
    assert ">Keep</button>" in html and ">Approve</button>" not in html


def test_a_held_card_says_which_rule_held_it_and_offers_all_three_decisions(
    moderator_client,
):
    make_comment(rule=Comment.Rule.SUSPECT_WORD, hold_reason="Suspect word “x”")

    html = desk(moderator_client, queue="held")

    assert "Suspect word “x”" in html
    for label in ("Approve", "Reject", "Spam"):
        assert f">{label}</button>" in html
    assert "Ban commenter" in html


def test_one_comment_opens_on_its_own_whatever_its_queue(moderator_client):
    spam = make_comment(status=Status.SPAM, body="Spam text")
    make_comment(body="Pending text")

    html = desk(moderator_client, comment=spam.pk)

    assert cards(html) == [str(spam.pk)]
    assert "aria-current" not in html.split("desk-tabs", 1)[1].split("</nav>", 1)[0]


def queries(client, **query) -> int:
    with CaptureQueriesContext(connection) as captured:
        desk(client, **query)
    return len(captured)


@pytest.mark.parametrize("queue", ["new", "reported", "approved"])
def test_the_desk_costs_the_same_for_few_or_many_cards_reports_and_commenters(
    moderator_client, queue
):
    def fill(count: int, prefix: str) -> None:
        story = make_published_story()
        for n in range(count):
            email = f"{prefix}{n}@example.org"
            status = Status.PENDING if queue == "new" else Status.APPROVED
            comment = make_comment(story, status=status, email=email)
            make_comment(status=Status.REJECTED, email=email)
            if queue == "reported":
                for _ in range(3):
                    make_report(comment)
            ban_commenter(email, by=make_moderator(), reason="x")

    fill(2, "few")
    desk(moderator_client, queue=queue)  # warm up the session and permissions
    few = queries(moderator_client, queue=queue)
    fill(40, "many")
    many = queries(moderator_client, queue=queue)

    assert many == few


def test_every_admin_page_shows_moderators_what_waits(moderator_client):
    make_comment()
    make_comment(rule=Comment.Rule.LINKS)
    make_report(make_approved_comment())

    for url in (reverse("admin:index"), reverse("admin:articles_story_changelist")):
        html = moderator_client.get(url).content.decode()
        assert "Moderation desk: <strong>3</strong> awaiting a decision" in html


@pytest.mark.parametrize("maker", [make_editor, make_user])
def test_staff_who_do_not_moderate_see_no_count(client, maker):
    make_comment()
    client.force_login(maker())

    html = client.get(reverse("admin:index")).content.decode()

    assert "awaiting a decision" not in html


def test_moderators_land_on_the_desk_after_signing_in(client):
    make_moderator(username="kim", password="pw")

    response = client.post(
        reverse("admin:login"),
        {"username": "kim", "password": "pw", "next": reverse("admin:index")},
    )

    assert response.status_code == 302
    assert response["Location"] == DESK


@pytest.mark.parametrize("who", ["editor", "superuser", "asked for a page"])
def test_others_land_where_they_always_did(client, who):
    user = {
        "editor": lambda: make_editor(username="ed", password="pw"),
        "superuser": lambda: make_user(username="ed", password="pw", is_superuser=True),
        "asked for a page": lambda: make_moderator(username="ed", password="pw"),
    }[who]()
    target = "/admin/comments/ban/" if who == "asked for a page" else "/admin/"

    response = client.post(
        reverse("admin:login"),
        {"username": user.username, "password": "pw", "next": target},
    )

    assert response["Location"] == target


def test_the_comment_list_links_to_the_desk(moderator_client):
    html = moderator_client.get(reverse("admin:comments_comment_changelist"))

    assert f'<a href="{DESK}">Moderation desk</a>' in html.content.decode()


def test_a_draft_storys_comment_shows_its_headline_without_a_link(moderator_client):
    make_comment(make_story(headline="Never published"))

    html = desk(moderator_client)

    assert "“Never published” (not published)" in html


def test_the_desk_says_how_long_the_oldest_waiting_comment_has_waited(
    moderator_client,
):
    make_comment(submitted_at=ago(hours=5))
    make_comment(rule=Comment.Rule.LINKS, submitted_at=ago(hours=2))

    html = desk(moderator_client, queue="approved")

    assert "The oldest comment in New and Held has waited 5\xa0hours." in html
