"""Who may use the moderation desk: Moderators and superusers decide, ban, lift
bans, undo and dismiss reports; Editors don't see the desk at all (docs/comments.md
says why); other staff and anonymous visitors neither."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from comments.models import Ban, Comment, ModerationEvent, Report
from comments.services import ban_commenter
from tests.factories import (
    make_comment,
    make_editor,
    make_moderator,
    make_report,
    make_user,
)

pytestmark = pytest.mark.django_db

Status = Comment.Status


def actions():
    """Each desk action with the data a moderator's card would post."""
    comment = make_comment(status=Status.HIDDEN, email="troll@example.org")
    make_report(comment)
    ban, _ = ban_commenter("other@example.org", by=make_moderator(), reason="x")
    return (
        comment,
        ban,
        {
            "decide": {"comment": comment.pk, "decision": "approve", "seen": "hidden"},
            "undo": {"event": 1},
            "ban": {"comment": comment.pk, "reason": "Abuse", "reject_waiting": "on"},
            "lift-ban": {"ban": ban.pk},
        },
    )


def nothing_changed(comment, ban) -> bool:
    comment.refresh_from_db()
    ban.refresh_from_db()
    return (
        comment.status == Status.HIDDEN
        and Report.objects.open().count() == 1
        and Ban.objects.count() == 1
        and ban.lifted_at is None
        and not ModerationEvent.objects.exists()
    )


def test_anonymous_visitors_are_sent_to_sign_in_and_change_nothing(client):
    comment, ban, posts = actions()

    desk = client.get(reverse("desk:queue"))
    answers = [
        client.post(reverse(f"desk:{name}"), data) for name, data in posts.items()
    ]

    for response in (desk, *answers):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    assert nothing_changed(comment, ban)


@pytest.mark.parametrize("maker", [make_editor, make_user], ids=["editor", "staff"])
def test_editors_and_other_staff_neither_see_the_desk_nor_act(client, maker):
    comment, ban, posts = actions()
    client.force_login(maker())

    desk = client.get(reverse("desk:queue"))
    answers = [
        client.post(reverse(f"desk:{name}"), data) for name, data in posts.items()
    ]

    assert desk.status_code == 403
    assert [response.status_code for response in answers] == [403] * 4
    assert nothing_changed(comment, ban)


@pytest.mark.parametrize(
    "maker",
    [make_moderator, lambda: make_user(is_superuser=True)],
    ids=["moderator", "superuser"],
)
def test_moderators_and_superusers_decide_ban_and_lift(client, maker):
    comment, ban, posts = actions()
    client.force_login(maker())

    desk = client.get(reverse("desk:queue"))
    answers = {
        name: client.post(reverse(f"desk:{name}"), data)
        for name, data in posts.items()
        if name != "undo"
    }

    assert desk.status_code == 200
    assert {response.status_code for response in answers.values()} == {302}
    comment.refresh_from_db()
    ban.refresh_from_db()
    assert comment.status == Status.APPROVED  # kept; a ban leaves approved ones
    assert not Report.objects.open().exists()
    assert ban.lifted_at is not None
    assert Ban.objects.active().get().email == "troll@example.org"


@pytest.mark.parametrize(
    ("maker", "shown"), [(make_editor, False), (make_moderator, True)]
)
def test_only_moderators_read_reports_and_decide_on_a_comments_page(
    client, maker, shown
):
    comment = make_comment()
    make_report(comment, text="Reporter's words")
    client.force_login(maker())

    html = client.get(
        reverse("admin:comments_comment_change", args=[comment.pk])
    ).content.decode()

    assert ("Reporter&#x27;s words" in html) is shown
    assert ("Decide on this comment" in html) is shown


def test_the_groups_carry_the_report_and_ban_permissions():
    def codenames(group: str) -> set[str]:
        return set(
            Group.objects.get(name=group)
            .permissions.filter(content_type__app_label="comments")
            .values_list("codename", flat=True)
        )

    assert {"moderate_comment", "view_report", "view_ban"} <= codenames("Moderators")
    assert not {"view_report", "view_ban", "moderate_comment"} & codenames("Editors")
