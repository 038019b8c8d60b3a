"""The comment verbs: submit a comment or a reply; approve (which keeps a reported
comment), reject, mark as spam and undo; report; ban and lift a ban.

Views, the desk, admin actions and commands all call these; nothing else writes a
comment's status, its moderation events, its reports or a ban.
"""

import logging
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.timesince import timesince

from articles.models import Author, Story
from comments import rules
from comments.models import (
    Ban,
    Comment,
    ModerationEvent,
    ModerationWord,
    Report,
    accepts_comments,
)
from comments.tasks import notify_moderators
from newsroom.cache import CacheUnavailable
from newsroom.pagecache import (
    SITE,
    bump_on_commit,
    bump_story_on_commit,
    current_stamps,
)
from newsroom.tasks import enqueue_on_commit
from newsroom.throttle import keyed_hash

log = logging.getLogger(__name__)

SYSTEM = "system"
STAFF_WORDS = ("staff", "moderator", "admin", "administrator", "newsroom")
REPEAT_WINDOW = timedelta(hours=1)
# How long a moderator may take back their last decision on a comment.
UNDO_SECONDS = 120
PUBLIC = Comment.PUBLIC_STATUSES
REPLY_REFUSED = (
    "You can only reply to a comment shown on this story. It may be awaiting "
    "moderation, or have been removed."
)
NOT_REPORTABLE = (
    "This comment is not shown on the site (it may be awaiting moderation, or a "
    "moderator may have removed it), so there is nothing to report."
)


class CommentsClosed(Exception):
    """The story takes no comments (not live, closed by an editor, or too old)."""


class ReplyRefused(Exception):
    """The comment replied to is not one readers see on this story, or is a reply."""


class StaleDecision(Exception):
    """The comment changed since the moderator looked at it; nothing was done."""


class UndoRefused(Exception):
    """The decision can't be taken back (too late, or the comment changed since)."""


class ReportRefused(Exception):
    """Readers can't report this comment (they don't see it)."""


class BanRefused(Exception):
    """The ban can't be made as asked; the message says why."""


def commenter_hash(email: str) -> str:
    """The keyed hash bans match an email address on (case and spaces ignored)."""
    return keyed_hash("commenter", email)


# --- Submitting ---------------------------------------------------------------------


def submit_comment(
    story: Story,
    *,
    name: str,
    email: str,
    body: str,
    ip_address: str | None,
    receipt: str = "",
    parent: Comment | None = None,
) -> Comment:
    """Store a reader's comment, or reply to a comment readers see (one level deep).

    Rules run in order and the first that fires decides: banned commenter or banned
    word → rejected (the commenter is not told); suspect word, more than two links,
    a staff or byline name, the same text on another story → held (pending, with
    the rule recorded). Otherwise a trusted commenter's comment is approved; on a
    post-moderated story it is shown at once and waits for review; else it waits
    (pending). Moderators are emailed after commit when a comment is held; the
    story's page changes after commit when the comment is shown.
    """
    if not accepts_comments(story):
        raise CommentsClosed("Comments are closed on this story.")
    if parent is not None:
        check_reply_target(story, parent)
    status, rule, reason = _automatic_decision(story, name=name, email=email, body=body)
    # No savepoint inside the view's transaction (which spent the CAPTCHA key): a
    # failure here rolls the whole post back, key included.
    with transaction.atomic(savepoint=False):
        comment = Comment.objects.create(
            story=story,
            parent=parent,
            name=name,
            email=email,
            body=body,
            status=status,
            rule=rule,
            hold_reason=reason if rule else "",
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
        if status in PUBLIC:
            bump_story_on_commit(story.pk)
    return comment


def check_reply_target(story: Story, parent: Comment) -> None:
    """A reply goes under a comment readers see on the same story, and never under
    a reply (threads are one level deep)."""
    if (
        parent.story_id != story.pk
        or parent.parent_id is not None
        or parent.status not in PUBLIC
    ):
        raise ReplyRefused(REPLY_REFUSED)


def _automatic_decision(
    story: Story, *, name: str, email: str, body: str
) -> tuple[str, str, str]:
    """(status, rule, reason): the first rule that fires, else how the story and
    the commenter's standing let the comment in."""
    listed = _listed()
    if commenter_hash(email) in listed.banned_commenters:
        return Comment.Status.REJECTED, Comment.Rule.BANNED, "Banned commenter"
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
    if approved := _trusted(email):
        return Comment.Status.APPROVED, "", f"Trusted commenter ({approved} approved)"
    if story.comment_moderation == Story.CommentModeration.POST:
        return Comment.Status.UNREVIEWED, "", "Post-moderated story: shown at once"
    return Comment.Status.PENDING, "", ""


def _trusted(email: str) -> int:
    """How many approved comments make this commenter trusted: at least
    COMMENTS_TRUSTED_AFTER and none rejected, spam or hidden (0: not trusted, or
    trust is off)."""
    needed = settings.COMMENTS_TRUSTED_AFTER
    if needed <= 0:
        return 0
    Status = Comment.Status
    history = Comment.objects.by_commenter(email).aggregate(
        approved=Count("pk", filter=Q(status=Status.APPROVED)),
        bad=Count(
            "pk", filter=Q(status__in=[Status.REJECTED, Status.SPAM, Status.HIDDEN])
        ),
    )
    if history["bad"] or history["approved"] < needed:
        return 0
    return history["approved"]


# --- Deciding -----------------------------------------------------------------------


def approve_comments(
    comments: QuerySet[Comment], *, by: AbstractBaseUser, reason: str = ""
) -> int:
    """Show the comments to readers, and dismiss their open reports (a reported
    comment approved is "kept"). Returns how many were decided on."""
    return len(_moderate(comments, to=Comment.Status.APPROVED, by=by, reason=reason))


def reject_comments(
    comments: QuerySet[Comment], *, by: AbstractBaseUser, reason: str = ""
) -> int:
    """Hide the comments from readers (kept for the record)."""
    return len(_moderate(comments, to=Comment.Status.REJECTED, by=by, reason=reason))


def mark_comments_as_spam(
    comments: QuerySet[Comment], *, by: AbstractBaseUser, reason: str = ""
) -> int:
    """Hide the comments and file them as spam."""
    return len(_moderate(comments, to=Comment.Status.SPAM, by=by, reason=reason))


DECISIONS = {
    "approve": Comment.Status.APPROVED,
    "reject": Comment.Status.REJECTED,
    "spam": Comment.Status.SPAM,
}


def decide_comment(
    comment_id: int, decision: str, *, by: AbstractBaseUser, seen: str, reason: str = ""
) -> ModerationEvent:
    """One moderator's decision ("approve", "reject" or "spam") on one comment, as
    they saw it (status `seen`). If it changed since (another moderator decided, a
    report hid it, an undo), nothing is done and StaleDecision says what happened."""
    events = _moderate(
        Comment.objects.filter(pk=comment_id),
        to=DECISIONS[decision],
        by=by,
        reason=reason,
        only_from=seen,
    )
    if not events:
        raise StaleDecision(_what_happened(comment_id))
    return events[0]


def _what_happened(comment_id: int) -> str:
    latest = (
        ModerationEvent.objects.filter(comment_id=comment_id)
        .order_by("-created_at", "-pk")
        .first()
    )
    if latest is None:
        return "This comment no longer exists."
    ago = timesince(latest.created_at, timezone.now())
    status = Comment.Status(latest.to_status).label
    return (
        f"Nothing was changed: this comment was changed since you looked at it. It "
        f"is now “{status}” ({latest.actor_name}, {ago} ago)."
    )


@transaction.atomic
def _moderate(
    comments: QuerySet[Comment],
    *,
    to: str,
    by: AbstractBaseUser,
    reason: str,
    only_from: str | None = None,
) -> list[ModerationEvent]:
    """Set-based: one locking SELECT, one UPDATE of the comments, one of their
    reports when approving, and one INSERT of audit rows, however many comments.
    Comments already in status `to` are left alone (no event), except approved
    comments with open reports, which approving keeps (reports dismissed).
    `only_from`: change only comments still in that status."""
    if not by.has_perm("comments.moderate_comment"):
        raise PermissionDenied("Only moderators can change a comment's status.")
    approving = to == Comment.Status.APPROVED
    now = timezone.now()
    rows = Comment.objects.filter(pk__in=comments.values("pk")).with_open_reports()
    if only_from is not None:
        rows = rows.filter(status=only_from)
    if approving:  # which also keeps reported comments that readers see already
        rows = rows.filter(~Q(status=to) | Q(reported=True))
    else:
        rows = rows.exclude(status=to)
    changing = list(
        rows.select_for_update()
        .values_list("pk", "status", "story_id", "reported")
        .order_by("pk")
    )
    if not changing:
        return []
    Comment.objects.filter(pk__in=[pk for pk, *_ in changing]).update(
        status=to, moderated_by=by, moderated_at=now
    )
    dismissed = {pk for pk, *_, reported in changing if reported and approving}
    if dismissed:
        Report.objects.open().filter(comment_id__in=dismissed).update(
            dismissed_at=now, dismissed_by=by
        )
    events = ModerationEvent.objects.bulk_create(
        ModerationEvent(
            comment_id=pk,
            actor=by,
            actor_name=by.get_username(),
            from_status=old,
            to_status=to,
            reason=reason or ("Kept: reports dismissed" if pk in dismissed else ""),
            created_at=now,
        )
        for pk, old, *_ in changing
    )
    # Their pages change on the next request on any worker, once this commits.
    shown = to in PUBLIC
    for story_id in {
        story for _, old, story, _ in changing if (old in PUBLIC) != shown
    }:
        bump_story_on_commit(story_id)
    return events


# --- What the rules match against -----------------------------------------------------

# The moderators' lists' own stamp (the site stamp covers byline names): an edit of
# the word lists or a ban moves it (services, apps.py), and the next post on any
# worker reads the new lists.
WORDS_SCOPE = "comment-words"


@dataclass(frozen=True)
class Listed:
    banned: re.Pattern | None
    suspect: re.Pattern | None
    staff: re.Pattern | None
    reserved: tuple[str, ...]  # the site's name and every byline name
    banned_commenters: frozenset[str]  # keyed email hashes of the bans in force


def _listed() -> Listed:
    """The word lists, reserved names and bans, read once per state of the lists,
    of the site and per day (bans end on a date): every post would otherwise read
    them all (three queries, and a regex built from each list)."""
    try:
        stamps = current_stamps([SITE, WORDS_SCOPE])
    except CacheUnavailable:
        return _read_listed()
    tokens = tuple(stamp.token for stamp in stamps.values())
    return _listed_at((*tokens, timezone.localdate().isoformat()))


@lru_cache(maxsize=2)
def _listed_at(tokens: tuple[str, ...]) -> Listed:
    # `tokens` only keys the memo: any edit moves one of them, and so does the day.
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
        banned_commenters=frozenset(
            Ban.objects.active().values_list("email_hash", flat=True)
        ),
    )


@transaction.atomic
def undo_decision(event_id: int, *, by: AbstractBaseUser) -> ModerationEvent:
    """Take back the moderator's own decision, within UNDO_SECONDS and only if
    nothing happened to the comment since: its status goes back, the reports a
    "keep" dismissed are open again, and the undo is audited like any decision."""
    if not by.has_perm("comments.moderate_comment"):
        raise PermissionDenied("Only moderators can change a comment's status.")
    event = ModerationEvent.objects.filter(pk=event_id, actor=by).first()
    if event is None:
        raise UndoRefused("There is no decision of yours to undo.")
    if timezone.now() - event.created_at > timedelta(seconds=UNDO_SECONDS):
        raise UndoRefused(
            f"Too late to undo: a decision can be taken back for "
            f"{UNDO_SECONDS // 60} minutes. Decide again on the comment instead."
        )
    comment = Comment.objects.select_for_update().filter(pk=event.comment_id).first()
    latest = (
        ModerationEvent.objects.filter(comment_id=event.comment_id)
        .order_by("-created_at", "-pk")
        .first()
    )
    if comment is None or latest != event or comment.status != event.to_status:
        raise UndoRefused(
            "Nothing was undone: the comment changed since your decision."
        )
    now = timezone.now()
    Comment.objects.filter(pk=comment.pk).update(
        status=event.from_status, moderated_by=by, moderated_at=now
    )
    Report.objects.filter(comment=comment, dismissed_at=event.created_at).update(
        dismissed_at=None, dismissed_by=None
    )
    undo = ModerationEvent.objects.create(
        comment=comment,
        actor=by,
        actor_name=by.get_username(),
        from_status=event.to_status,
        to_status=event.from_status,
        reason="Undo of the decision made "
        f"{timezone.localtime(event.created_at):%H:%M:%S}",
        created_at=now,
    )
    if (event.from_status in PUBLIC) != (event.to_status in PUBLIC):
        bump_story_on_commit(comment.story_id)
    return undo


# --- Reports ------------------------------------------------------------------------


@transaction.atomic
def report_comment(
    comment_id: int, *, reporter_ip: str, reason: str, text: str = ""
) -> str:
    """A reader reports a comment they see: "recorded", "already" (this client
    reported it before; counted once) or "hidden" (this report made
    COMMENTS_REPORTS_TO_HIDE distinct clients: the comment is hidden at once,
    audited as the system, and waits in the Reported queue). Once a moderator has
    kept a comment, new reports bring it back to the queue but no longer hide it."""
    comment = (
        Comment.objects.public()
        .select_for_update(of=("self",))
        .filter(pk=comment_id)
        .first()
    )
    if comment is None:
        raise ReportRefused(NOT_REPORTABLE)
    reporter = keyed_hash("ip", reporter_ip)
    # The lock above queues reports of one comment: the counts can't race.
    counts = Report.objects.filter(comment=comment).aggregate(
        mine=Count("pk", filter=Q(reporter_hash=reporter)),
        open=Count("pk", filter=Q(dismissed_at__isnull=True)),
        kept=Count("pk", filter=Q(dismissed_at__isnull=False)),
    )
    if counts["mine"]:
        return "already"
    Report.objects.create(
        comment=comment, reason=reason, text=text, reporter_hash=reporter
    )
    reports = counts["open"] + 1
    if counts["kept"] or reports < settings.COMMENTS_REPORTS_TO_HIDE:
        return "recorded"
    why = f"Hidden after {reports} reader reports"
    Comment.objects.filter(pk=comment.pk).update(status=Comment.Status.HIDDEN)
    ModerationEvent.objects.create(
        comment=comment,
        actor_name=SYSTEM,
        rule=Comment.Rule.REPORTS,
        from_status=comment.status,
        to_status=Comment.Status.HIDDEN,
        reason=why,
    )
    bump_story_on_commit(comment.story_id)
    enqueue_on_commit(notify_moderators, comment.pk, why=why)
    return "hidden"


# --- Bans ---------------------------------------------------------------------------


@transaction.atomic
def ban_commenter(
    email: str,
    *,
    by: AbstractBaseUser,
    reason: str,
    ends_on: date | None = None,
    reject_waiting: bool = False,
) -> tuple[Ban, int]:
    """Ban a commenter by email until `ends_on` (None: until lifted): from now on
    their comments are rejected by the "banned commenter" rule without telling
    them. With `reject_waiting`, their comments still waiting for a decision are
    rejected in the same step. Returns the ban and how many were rejected."""
    if not by.has_perm("comments.moderate_comment"):
        raise PermissionDenied("Only moderators can ban commenters.")
    reason = " ".join(reason.split())
    if not reason:
        raise BanRefused("Say why you ban this commenter (moderators read it later).")
    if ends_on is not None and ends_on <= timezone.localdate():
        raise BanRefused("A ban must end after today. Leave the date empty for no end.")
    digest = commenter_hash(email)
    for ban in Ban.objects.select_for_update().filter(
        email_hash=digest, lifted_at__isnull=True
    ):
        if ban.is_active:
            raise BanRefused(f"{email} is already banned{ban_end_words(ban.ends_on)}.")
        # A ban that ended on its date: its record closes as the new one opens.
        ban.lifted_at, ban.lifted_by_name = timezone.now(), SYSTEM
        ban.save(update_fields=["lifted_at", "lifted_by_name"])
    try:
        with transaction.atomic():
            ban = Ban.objects.create(
                email=email,
                email_hash=digest,
                reason=reason[:200],
                ends_on=ends_on,
                created_by=by,
                created_by_name=by.get_username(),
            )
    except IntegrityError:  # another moderator banned them a moment ago
        raise BanRefused(f"{email} was banned a moment ago.") from None
    bump_on_commit(WORDS_SCOPE)  # the next post on any worker sees the ban
    rejected = 0
    if reject_waiting:
        waiting = Comment.objects.by_commenter(email).filter(
            status__in=Comment.UNDECIDED_STATUSES
        )
        rejected = reject_comments(waiting, by=by, reason=f"Banned: {reason}"[:200])
    return ban, rejected


def ban_end_words(ends_on: date | None) -> str:
    """' until March 3, 2027' for a ban with an end date, '' for one without."""
    return f" until {ends_on:%B} {ends_on.day}, {ends_on.year}" if ends_on else ""


def lift_bans(bans: QuerySet[Ban], *, by: AbstractBaseUser) -> int:
    """Lift bans (set-based): the commenters may comment again. The ban rows keep
    who lifted them and when. Returns how many were lifted."""
    if not by.has_perm("comments.moderate_comment"):
        raise PermissionDenied("Only moderators can lift bans.")
    lifted = bans.filter(lifted_at__isnull=True).update(
        lifted_at=timezone.now(), lifted_by=by, lifted_by_name=by.get_username()
    )
    bump_on_commit(WORDS_SCOPE)  # the next post on any worker sees it lifted
    return lifted
