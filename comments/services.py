"""The comment verbs: submit, approve, reject, mark as spam.

Views, admin actions and commands all call these; nothing else writes a
comment's status or its moderation events.
"""

import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from articles.models import Author, Story
from comments import rules
from comments.models import Comment, ModerationEvent, ModerationWord, accepts_comments
from comments.tasks import notify_moderators
from newsroom.cache import CacheUnavailable
from newsroom.pagecache import SITE, bump_story_on_commit, current_stamps
from newsroom.tasks import enqueue_on_commit
from newsroom.throttle import keyed_hash

log = logging.getLogger(__name__)

SYSTEM = "system"
STAFF_WORDS = ("staff", "moderator", "admin", "administrator", "newsroom")
REPEAT_WINDOW = timedelta(hours=1)


class CommentsClosed(Exception):
    """The story takes no comments (not live, closed by an editor, or too old)."""


def submit_comment(
    story: Story,
    *,
    name: str,
    email: str,
    body: str,
    ip_address: str | None,
    receipt: str = "",
) -> Comment:
    """Store a reader's comment as pending, or held or rejected by a rule.

    Rules run in order and the first that fires decides: banned word → rejected;
    suspect word, more than two links, a staff or byline name, the same text on
    another story → held (pending, with the rule recorded). No rule approves.
    Moderators are emailed after commit when a comment is held.
    """
    if not accepts_comments(story):
        raise CommentsClosed("Comments are closed on this story.")
    status, rule, reason = _automatic_decision(story, name=name, body=body)
    # No savepoint inside the view's transaction (which spent the CAPTCHA key): a
    # failure here rolls the whole post back, key included.
    with transaction.atomic(savepoint=False):
        comment = Comment.objects.create(
            story=story,
            name=name,
            email=email,
            body=body,
            status=status,
            rule=rule,
            hold_reason=reason,
            ip_address=ip_address,
            ip_hash=keyed_hash("ip", ip_address) if ip_address else "",
            post_receipt=receipt,
        )
        ModerationEvent.objects.create(
            comment=comment,
            actor_name=SYSTEM,
            rule=rule,
            from_status="",
            to_status=status,
            reason=reason or "New comment",
        )
        if status == Comment.Status.PENDING and rule:
            enqueue_on_commit(notify_moderators, comment.pk)
    return comment


def _automatic_decision(story: Story, *, name: str, body: str) -> tuple[str, str, str]:
    listed = _listed()
    if hit := rules.find_word(listed.banned, body, name):
        return Comment.Status.REJECTED, Comment.Rule.BANNED_WORD, f"Banned word “{hit}”"
    if hit := rules.find_word(listed.suspect, body, name):
        return (
            Comment.Status.PENDING,
            Comment.Rule.SUSPECT_WORD,
            f"Suspect word “{hit}”",
        )
    links = rules.count_links(body, name)
    if links > rules.MAX_LINKS:
        reason = f"{links} links (more than {rules.MAX_LINKS})"
        return Comment.Status.PENDING, Comment.Rule.LINKS, reason
    if rules.same_name(name, listed.reserved) or rules.find_word(listed.staff, name):
        return (
            Comment.Status.PENDING,
            Comment.Rule.RESERVED_NAME,
            "Name looks like the site's or a staff member's",
        )
    repeated = (
        Comment.objects.filter(
            body=body, submitted_at__gte=timezone.now() - REPEAT_WINDOW
        )
        .exclude(story=story)
        .exists()
    )
    if repeated:
        reason = "Same text posted on another story within the hour"
        return Comment.Status.PENDING, Comment.Rule.REPEAT, reason
    return Comment.Status.PENDING, "", ""


def approve_comments(
    comments: QuerySet[Comment], *, by: AbstractBaseUser, reason: str = ""
) -> int:
    """Show the comments to readers. Returns how many changed status."""
    return _moderate(comments, to=Comment.Status.APPROVED, by=by, reason=reason)


def reject_comments(
    comments: QuerySet[Comment], *, by: AbstractBaseUser, reason: str = ""
) -> int:
    """Hide the comments from readers (kept for the record)."""
    return _moderate(comments, to=Comment.Status.REJECTED, by=by, reason=reason)


def mark_comments_as_spam(
    comments: QuerySet[Comment], *, by: AbstractBaseUser, reason: str = ""
) -> int:
    """Hide the comments and file them as spam."""
    return _moderate(comments, to=Comment.Status.SPAM, by=by, reason=reason)


@transaction.atomic
def _moderate(
    comments: QuerySet[Comment], *, to: str, by: AbstractBaseUser, reason: str
) -> int:
    """Set-based: one locking SELECT, one UPDATE and one INSERT of audit rows, however
    many comments; comments already in status `to` are left alone (no event)."""
    if not by.has_perm("comments.moderate_comment"):
        raise PermissionDenied("Only moderators can change a comment's status.")
    now = timezone.now()
    changing = list(
        Comment.objects.filter(pk__in=comments.values("pk"))
        .exclude(status=to)
        .select_for_update()
        .values_list("pk", "status", "story_id")
    )
    if not changing:
        return 0
    Comment.objects.filter(pk__in=[pk for pk, _, _ in changing]).update(
        status=to, moderated_by=by, moderated_at=now
    )
    ModerationEvent.objects.bulk_create(
        ModerationEvent(
            comment_id=pk,
            actor=by,
            actor_name=by.get_username(),
            from_status=old,
            to_status=to,
            reason=reason,
            created_at=now,
        )
        for pk, old, _ in changing
    )
    # Their pages change on the next request on any worker, once this commits.
    for story_id in {story_id for _, _, story_id in changing}:
        bump_story_on_commit(story_id)
    return len(changing)


# --- What the rules match against -----------------------------------------------------

# The word lists' own stamp (the site stamp covers byline names): moderators' edits
# move it (apps.py), and the next post on any worker reads the new lists.
WORDS_SCOPE = "comment-words"


@dataclass(frozen=True)
class Listed:
    banned: re.Pattern | None
    suspect: re.Pattern | None
    staff: re.Pattern | None
    reserved: tuple[str, ...]  # the site's name and every byline name


def _listed() -> Listed:
    """The word lists and reserved names, read once per state of the lists and of
    the site: every post would otherwise read them all (two queries, and a regex
    built from each list)."""
    try:
        stamps = current_stamps([SITE, WORDS_SCOPE])
    except CacheUnavailable:
        return _read_listed()
    return _listed_at(tuple(stamp.token for stamp in stamps.values()))


@lru_cache(maxsize=2)
def _listed_at(tokens: tuple[str, ...]) -> Listed:
    # `tokens` only keys the memo: any edit moves one of them.
    return _read_listed()


def _read_listed() -> Listed:
    words = list(ModerationWord.objects.values_list("word", "action"))
    return Listed(
        banned=rules.word_pattern(
            w for w, a in words if a == ModerationWord.Action.REJECT
        ),
        suspect=rules.word_pattern(
            w for w, a in words if a == ModerationWord.Action.HOLD
        ),
        staff=rules.word_pattern([*STAFF_WORDS, settings.SITE_NAME]),
        reserved=(settings.SITE_NAME, *Author.objects.values_list("name", flat=True)),
    )
