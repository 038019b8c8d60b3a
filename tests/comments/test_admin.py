"""The moderators' admin: the queue, bulk actions, audit, and who may do what."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment, ModerationEvent
from tests.factories import (
    filled_form,
    form_url,
    make_comment,
    make_editor,
    make_moderator,
    make_published_story,
    make_user,
)

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:comments_comment_changelist")


def act(client, action, comments, **query):
    url = CHANGELIST + (
        "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    )
    return client.post(
        url,
        {"action": action, "_selected_action": [c.pk for c in comments], "index": 0},
    )


def test_the_queue_opens_on_pending_comments_oldest_first(client):
    client.force_login(make_moderator())
    story = make_published_story(headline="Council votes")
    now = timezone.now()
    make_comment(story, body="Newer pending", submitted_at=now)
    make_comment(story, body="Older pending", submitted_at=now - timedelta(hours=3))
    make_comment(story, body="Already approved", status=Comment.Status.APPROVED)

    html = client.get(CHANGELIST).content.decode()

    assert "Already approved" not in html
    assert html.index("Older pending") < html.index("Newer pending")
    assert "Council votes" in html
    assert "3\xa0hours" in html  # the age column
    everything = client.get(CHANGELIST + "?status=all").content.decode()
    assert "Already approved" in everything


def test_the_queue_shows_why_a_comment_was_held_and_can_be_searched(client):
    client.force_login(make_moderator())
    make_comment(
        body="Buy pills", rule=Comment.Rule.LINKS, hold_reason="3 links (more than 2)"
    )
    make_comment(body="Unrelated words")

    html = client.get(CHANGELIST + "?q=pills").content.decode()

    assert "3 links (more than 2)" in html
    assert "Unrelated words" not in html


def test_the_queue_filters_by_story(client):
    client.force_login(make_moderator())
    one, two = make_published_story(), make_published_story()
    make_comment(one, body="On story one")
    make_comment(two, body="On story two")

    html = client.get(CHANGELIST + f"?story__id__exact={one.pk}").content.decode()

    assert "On story one" in html
    assert "On story two" not in html


def test_a_moderator_approves_a_reader_comment_and_it_appears_with_the_count(client):
    story = make_published_story()
    reader = client.__class__()
    reader.post(form_url(story), filled_form(reader, story, body="Well reported."))
    client.force_login(make_moderator())

    response = act(client, "approve_selected", Comment.objects.all())

    assert response.status_code == 302
    page = reader.get(story.get_absolute_url()).content.decode()
    assert "Comments (1)" in page
    assert "Well reported." in page


def test_rejecting_an_approved_comment_hides_it_on_the_next_request(client):
    story = make_published_story()
    comment = make_comment(
        story, body="Visible for now", status=Comment.Status.APPROVED
    )
    client.force_login(make_moderator())

    act(client, "reject_selected", [comment], status="approved")

    page = client.get(story.get_absolute_url()).content.decode()
    assert "Visible for now" not in page
    assert "Comments (0)" in page


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("approve_selected", "approved"),
        ("reject_selected", "rejected"),
        ("mark_selected_as_spam", "spam"),
    ],
)
def test_bulk_actions_take_constant_queries_and_audit_each_comment(
    client, action, status
):
    client.force_login(make_moderator())
    story = make_published_story()
    few = [make_comment(story) for _ in range(2)]
    many = [make_comment(story) for _ in range(30)]
    act(client, action, [])  # warm up sessions, permissions

    with CaptureQueriesContext(connection) as for_few:
        act(client, action, few)
    with CaptureQueriesContext(connection) as for_many:
        act(client, action, many)

    assert len(for_many) == len(for_few)
    assert Comment.objects.filter(status=status).count() == 32
    assert ModerationEvent.objects.filter(to_status=status).count() == 32


def test_editors_can_read_comments_but_not_change_their_status(client):
    comment = make_comment(body="Readable by editors")
    client.force_login(make_editor())

    listing = client.get(CHANGELIST)
    change = client.get(reverse("admin:comments_comment_change", args=[comment.pk]))
    attempt = act(client, "approve_selected", [comment])

    assert listing.status_code == change.status_code == 200
    assert "Readable by editors" in listing.content.decode()
    assert "approve_selected" not in listing.content.decode()
    assert 'name="_save"' not in change.content.decode()
    assert attempt.status_code == 200  # no action is offered to editors: the list again
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING


def private_comment():
    comment = make_comment(
        body="Readable text",
        email="secret.reader@example.org",
        ip_address="203.0.113.77",
    )
    Comment.objects.filter(pk=comment.pk).update(ip_hash="f" * 64)
    return comment


def change_page(client, comment) -> str:
    url = reverse("admin:comments_comment_change", args=[comment.pk])
    return client.get(url).content.decode()


def test_editors_read_comments_without_the_commenters_email_or_ip(client):
    comment = private_comment()
    client.force_login(make_editor())

    change = change_page(client, comment)
    listing = client.get(CHANGELIST + "?status=all").content.decode()

    assert "Readable text" in change
    assert comment.name in change
    for page in (change, listing):
        assert "secret.reader" not in page
        assert "203.0.113.77" not in page
        assert "f" * 64 not in page


def test_editors_cannot_search_or_filter_comments_by_email_or_ip(client):
    private_comment()
    client.force_login(make_editor())

    search = client.get(CHANGELIST, {"status": "all", "q": "secret.reader"})
    probes = [
        client.get(CHANGELIST, {"status": "all", lookup: value}).status_code
        for lookup, value in [
            ("email__startswith", "secret"),
            ("email", "secret.reader@example.org"),
            ("ip_address", "203.0.113.77"),
            ("ip_hash__startswith", "f"),
        ]
    ]

    assert "Readable text" not in search.content.decode()
    assert probes == [400] * 4


def test_moderators_see_and_search_the_commenters_email_and_ip(client):
    comment = private_comment()
    client.force_login(make_moderator())

    change = change_page(client, comment)
    search = client.get(CHANGELIST, {"status": "all", "q": "secret.reader"})

    assert "secret.reader@example.org" in change
    assert "203.0.113.77" in change
    assert "f" * 64 in change
    assert "Readable text" in search.content.decode()


def test_superusers_see_the_commenters_email(client):
    comment = private_comment()
    client.force_login(make_user(is_superuser=True))

    assert "secret.reader@example.org" in change_page(client, comment)


def test_staff_outside_the_newsroom_groups_cannot_see_comments(client):
    client.force_login(make_user())

    assert client.get(CHANGELIST).status_code == 403


def test_superusers_can_moderate(client):
    comment = make_comment()
    client.force_login(make_user(is_superuser=True))

    act(client, "mark_selected_as_spam", [comment])

    comment.refresh_from_db()
    assert comment.status == Comment.Status.SPAM


def test_the_groups_carry_the_comment_permissions():
    moderators = set(
        Group.objects.get(name="Moderators")
        .permissions.filter(content_type__app_label="comments")
        .values_list("codename", flat=True)
    )
    editors = set(
        Group.objects.get(name="Editors")
        .permissions.filter(content_type__app_label="comments")
        .values_list("codename", flat=True)
    )

    assert {"view_comment", "change_comment", "moderate_comment"} <= moderators
    assert editors == {"view_comment", "view_moderationevent"}


def test_nobody_adds_or_deletes_comments_or_edits_the_audit_in_the_admin(client):
    comment = make_comment()
    event = ModerationEvent.objects.create(
        comment=comment, actor_name="system", to_status="pending"
    )
    client.force_login(make_user(is_superuser=True))

    add = client.get(reverse("admin:comments_comment_add"))
    delete = client.post(
        reverse("admin:comments_comment_delete", args=[comment.pk]), {"post": "yes"}
    )
    edit_event = client.post(
        reverse("admin:comments_moderationevent_change", args=[event.pk]),
        {"actor_name": "forged", "to_status": "approved"},
    )
    delete_event = client.post(
        reverse("admin:comments_moderationevent_delete", args=[event.pk]),
        {"post": "yes"},
    )

    assert add.status_code == delete.status_code == delete_event.status_code == 403
    assert edit_event.status_code == 403
    assert Comment.objects.filter(pk=comment.pk).exists()
    event.refresh_from_db()
    assert event.actor_name == "system"


def test_markup_is_escaped_in_the_admin_list_and_change_form(client):
    text = "<script>alert(1)</script>"
    comment = make_comment(name="<b>x</b>", body=text)
    client.force_login(make_moderator())

    pages = [
        client.get(CHANGELIST).content.decode(),
        client.get(
            reverse("admin:comments_comment_change", args=[comment.pk])
        ).content.decode(),
    ]

    for html in pages:
        assert text not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<b>x</b>" not in html


def test_the_admin_index_leads_moderators_to_the_desk_with_the_queue_sizes(client):
    make_comment(submitted_at=timezone.now() - timedelta(hours=5))
    make_comment(rule=Comment.Rule.LINKS, hold_reason="3 links (more than 2)")
    make_comment(status=Comment.Status.APPROVED)
    client.force_login(make_moderator())

    html = client.get(reverse("admin:index")).content.decode()

    assert "<h2>Moderation desk</h2>" in html
    assert (
        '<a href="/admin/comments/moderate/">2 awaiting a decision</a>: 1 new, '
        "1 held, 0 reported; the oldest has waited 5\xa0hours"
    ) in html
    assert html.index("Moderation desk") < html.index("Reader comments")


def test_the_admin_index_shows_editors_the_pending_count_without_the_desk(client):
    make_comment(submitted_at=timezone.now() - timedelta(hours=5))
    make_comment()
    client.force_login(make_editor())

    html = client.get(reverse("admin:index")).content.decode()

    assert "Comments awaiting moderation" in html
    assert "2 pending</a>; the oldest has waited 5\xa0hours" in html
    assert "/admin/comments/moderate/" not in html


def test_the_admin_index_shows_no_queue_to_staff_who_cannot_read_comments(client):
    make_comment()
    client.force_login(make_user())

    html = client.get(reverse("admin:index")).content.decode()

    assert "Comments awaiting moderation" not in html


def test_the_comment_page_shows_its_audit_trail(client):
    comment = make_comment()
    moderator = make_moderator(username="kim")
    client.force_login(moderator)
    act(client, "approve_selected", [comment])

    html = client.get(
        reverse("admin:comments_comment_change", args=[comment.pk])
    ).content.decode()

    assert "kim" in html
    assert "Approved" in html
