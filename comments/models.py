from datetime import date, datetime, timedelta
from typing import Self

from django.conf import settings
from django.contrib.postgres.indexes import HashIndex
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from articles.models import Story

# Approved comments shown on the story page, and on each page of the comment list.
COMMENTS_PER_PAGE = 50


def accepts_comments(story: Story, *, at: datetime | None = None) -> bool:
    """Readers may comment: the story is live and its comment policy allows it now
    (the usual policy closes comments COMMENTS_CLOSE_AFTER_DAYS after publication;
    editors may close them, or reopen them with no time limit)."""
    at = at or timezone.now()
    policy = story.comment_policy
    if policy == Story.CommentPolicy.CLOSED or not story.is_live:
        return False
    if policy == Story.CommentPolicy.OPEN:
        return True
    closes_at = story.published_at + timedelta(days=settings.COMMENTS_CLOSE_AFTER_DAYS)
    return at < closes_at


class CommentQuerySet(models.QuerySet):
    def public(self) -> Self:
        """The only comments readers ever see, oldest first: approved, or shown at
        once on a post-moderated story, and, for a reply, under a parent readers
        see too (a removed comment takes its replies with it)."""
        shown = self.model.PUBLIC_STATUSES
        return self.filter(
            Q(parent__isnull=True) | Q(parent__status__in=shown), status__in=shown
        ).order_by("submitted_at", "pk")

    def posted_with(self, receipt: str) -> Self:
        """The comment a solved CAPTCHA let in, if any (a retry of a stored post)."""
        return self.filter(post_receipt=receipt) if receipt else self.none()

    def awaiting_moderation(self) -> Self:
        """Pending comments, oldest first: nobody has decided on them yet."""
        return self.filter(status=self.model.Status.PENDING).order_by(
            "submitted_at", "pk"
        )

    def shown_to_their_author(self) -> Self:
        """What a commenter's own list shows as "awaiting moderation": pending
        comments, and those a ban rejected (a banned commenter is not told)."""
        return self.filter(
            Q(status=self.model.Status.PENDING)
            | Q(status=self.model.Status.REJECTED, rule=self.model.Rule.BANNED)
        ).order_by("submitted_at", "pk")

    def by_commenter(self, email: str) -> Self:
        """Every comment sent with this email address, whatever its case."""
        return self.alias(email_lower=Lower("email")).filter(
            email_lower=email.strip().lower()
        )

    def with_open_reports(self) -> Self:
        """Annotate `reported`: the comment has reports no moderator dealt with."""
        open_reports = Report.objects.open().filter(comment=OuterRef("pk"))
        return self.annotate(reported=Exists(open_reports))

    def reported(self) -> Self:
        """Comments readers can see (or that reports hid) with reports no moderator
        has dealt with yet: the Reported queue."""
        open_reports = Report.objects.open().filter(comment=OuterRef("pk"))
        return self.filter(
            Exists(open_reports), status__in=self.model.REPORTABLE_STATUSES
        )

    def waiting(self) -> Self:
        """Comments waiting in New or Held: undecided, and not reported (a comment
        with open reports waits in Reported only). Annotated with `reported`."""
        Status = self.model.Status
        return (
            self.filter(status__in=[Status.PENDING, Status.UNREVIEWED])
            .with_open_reports()
            .filter(reported=False)
        )

    def in_queue(self, queue: str) -> Self:
        """One queue of the moderation desk (Comment.Queue), in its order: the
        queues waiting for a decision oldest first, the others newest first."""
        Queue = self.model.Queue
        if queue == Queue.REPORTED:
            return self.reported().order_by("submitted_at", "pk")
        if queue in (Queue.NEW, Queue.HELD):
            return self.waiting().filter(waits_in(queue)).order_by("submitted_at", "pk")
        return self.filter(status=queue).order_by("-submitted_at", "-pk")


def waits_in(queue: str) -> Q:
    """Which waiting comments are in New (no rule held them: pending, or shown at
    once on a post-moderated story) and which in Held (a rule held them)."""
    held = Q(status=Comment.Status.PENDING) & ~Q(rule="")
    return ~held if queue == Comment.Queue.NEW else held


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        UNREVIEWED = "unreviewed", "Shown, awaiting review"
        APPROVED = "approved", "Approved"
        HIDDEN = "hidden", "Hidden after reports"
        REJECTED = "rejected", "Rejected"
        SPAM = "spam", "Spam"

    class Rule(models.TextChoices):
        BANNED = "banned", "Banned commenter"
        BANNED_WORD = "banned-word", "Banned word"
        SUSPECT_WORD = "suspect-word", "Suspect word"
        LINKS = "links", "Too many links"
        RESERVED_NAME = "reserved-name", "Name of staff or the site"
        REPEAT = "repeat", "Same text on another story"
        REPORTS = "reports", "Reported by readers"

    class Queue(models.TextChoices):
        """The moderation desk's tabs."""

        NEW = "new", "New"
        HELD = "held", "Held"
        REPORTED = "reported", "Reported"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SPAM = "spam", "Spam"

    # Readers see these (Comment.objects.public()); reports can hide them.
    PUBLIC_STATUSES = (Status.APPROVED, Status.UNREVIEWED)
    REPORTABLE_STATUSES = (Status.APPROVED, Status.UNREVIEWED, Status.HIDDEN)
    # A moderator still has to decide on these (the desk's count).
    UNDECIDED_STATUSES = (Status.PENDING, Status.UNREVIEWED, Status.HIDDEN)

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="replies",
        editable=False,
        help_text="The comment this one replies to (replies are one level deep).",
    )
    name = models.CharField(max_length=50)
    email = models.EmailField(
        help_text="Never shown to readers, nor in moderator emails."
    )
    body = models.TextField(help_text="Plain text, shown escaped.")
    status = models.CharField(
        max_length=16, choices=Status, default=Status.PENDING, editable=False
    )
    rule = models.CharField(
        "automatic rule",
        max_length=20,
        choices=Rule,
        blank=True,
        editable=False,
        help_text="The rule that held or rejected the comment, if any.",
    )
    hold_reason = models.CharField(max_length=200, blank=True, editable=False)
    submitted_at = models.DateTimeField(default=timezone.now, editable=False)
    ip_address = models.GenericIPAddressField(
        null=True,
        blank=True,
        editable=False,
        help_text="Erased after COMMENTS_IP_RETENTION_DAYS by purge_comment_ips.",
    )
    ip_hash = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="Keyed hash of the IP; kept after the IP is erased.",
    )
    post_receipt = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="Keyed hash of the solved CAPTCHA (key and answer) that let this "
        "comment in: the same post sent again is recognised, never stored twice.",
    )
    moderated_at = models.DateTimeField(null=True, blank=True, editable=False)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["submitted_at", "pk"]
        permissions = [
            ("moderate_comment", "Can approve, reject and mark comments as spam")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "pending",
                        "unreviewed",
                        "approved",
                        "hidden",
                        "rejected",
                        "spam",
                    ]
                ),
                name="comment_status_known",
            ),
            models.UniqueConstraint(
                fields=["post_receipt"],
                condition=~Q(post_receipt=""),
                name="comment_one_per_solved_captcha",
            ),
        ]
        indexes = [
            models.Index(
                fields=["story", "status", "submitted_at"], name="comment_thread_idx"
            ),
            models.Index(fields=["status", "submitted_at"], name="comment_queue_idx"),
            models.Index(
                fields=["submitted_at"],
                condition=Q(ip_address__isnull=False),
                name="comment_ip_retention_idx",
            ),
            # The "same text on another story within the hour" rule looks comments
            # up by body on every post. A hash index stores 4 bytes per row whatever
            # the length of the text (a B-tree refuses entries over ~2.7 kB).
            HashIndex(fields=["body"], name="comment_body_hash_idx"),
            # A commenter's history and their comments when they are banned.
            models.Index(Lower("email"), name="comment_email_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} on {self.story}"

    def get_absolute_url(self) -> str:
        """Where readers find the comment: the story page, or the page of the
        comment list that holds its thread (COMMENTS_PER_PAGE threads a page)."""
        root = self.parent or self
        earlier = (
            Comment.objects.public()
            .filter(story_id=self.story_id, parent=None)
            .filter(
                Q(submitted_at__lt=root.submitted_at)
                | Q(submitted_at=root.submitted_at, pk__lt=root.pk)
            )
            .count()
        )
        page = earlier // COMMENTS_PER_PAGE + 1
        if page == 1:
            return f"{self.story.get_absolute_url()}#comment-{self.pk}"
        listing = reverse("comments:comment-list", args=[self.story_id])
        return f"{listing}?page={page}#comment-{self.pk}"

    @property
    def looks_pending_to_its_author(self) -> bool:
        """As Comment.objects.shown_to_their_author(): pending, or rejected because
        its commenter is banned (who is not told)."""
        return self.status == self.Status.PENDING or (
            self.status == self.Status.REJECTED and self.rule == self.Rule.BANNED
        )

    @property
    def is_public(self) -> bool:
        """Readers see it: a public status, under a public parent if a reply."""
        return self.status in self.PUBLIC_STATUSES and (
            self.parent is None or self.parent.status in self.PUBLIC_STATUSES
        )


class ModerationEvent(models.Model):
    """One status change of one comment. Rows are only ever added (services) and
    never edited or deleted through the admin."""

    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="moderation_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(
        max_length=150,
        help_text='The moderator\'s username when it happened, or "system".',
    )
    rule = models.CharField(max_length=20, choices=Comment.Rule, blank=True)
    from_status = models.CharField(max_length=16, choices=Comment.Status, blank=True)
    to_status = models.CharField(max_length=16, choices=Comment.Status)
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["comment", "created_at"], name="event_idx")]

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} → {self.to_status} by {self.actor_name}"


class ModerationWord(models.Model):
    class Action(models.TextChoices):
        HOLD = "hold", "Hold for a moderator (suspect word)"
        REJECT = "reject", "Reject (banned word)"

    word = models.CharField(
        max_length=100,
        unique=True,
        help_text="Matched as a whole word or phrase, ignoring case, accents, "
        "look-alike letters and invisible characters.",
    )
    action = models.CharField(max_length=8, choices=Action, default=Action.HOLD)

    class Meta:
        ordering = ["word"]

    def __str__(self) -> str:
        return self.word


class ReportQuerySet(models.QuerySet):
    def open(self) -> Self:
        """Reports no moderator has dismissed."""
        return self.filter(dismissed_at__isnull=True)


class Report(models.Model):
    """A reader's report of a published comment: one per client and comment."""

    class Reason(models.TextChoices):
        SPAM = "spam", "Spam"
        ABUSE = "abuse", "Abuse or harassment"
        OFF_TOPIC = "off-topic", "Off-topic"
        PERSONAL = "personal", "Personal information"
        OTHER = "other", "Other"

    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="reports"
    )
    reason = models.CharField(max_length=12, choices=Reason)
    text = models.CharField(max_length=500, blank=True)
    reporter_hash = models.CharField(
        max_length=64, help_text="Keyed hash of the reporter's IP address."
    )
    created_at = models.DateTimeField(default=timezone.now)
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "reporter_hash"], name="report_one_per_client"
            ),
        ]
        indexes = [
            models.Index(
                fields=["comment"],
                condition=Q(dismissed_at__isnull=True),
                name="report_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} on comment {self.comment_id}"


class BanQuerySet(models.QuerySet):
    def active(self, *, on: date | None = None) -> Self:
        """Bans in force on `on` (default today): not lifted, and not ended."""
        on = on or timezone.localdate()
        return self.filter(
            Q(ends_on__isnull=True) | Q(ends_on__gt=on), lifted_at__isnull=True
        )


class Ban(models.Model):
    """A commenter banned by email: their new comments are rejected by a rule.
    The row is the record: who banned, when and why, and who lifted it."""

    email = models.EmailField(help_text="Shown to moderators only.")
    email_hash = models.CharField(
        max_length=64, help_text="Keyed hash of the email, which posts are matched on."
    )
    reason = models.CharField(max_length=200)
    ends_on = models.DateField(
        null=True,
        blank=True,
        help_text="The commenter may post again from this day; empty: until lifted.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by_name = models.CharField(max_length=150)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    lifted_by_name = models.CharField(max_length=150, blank=True)

    objects = BanQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # At most one ban in force or waiting to end per commenter.
            models.UniqueConstraint(
                fields=["email_hash"],
                condition=Q(lifted_at__isnull=True),
                name="ban_one_open_per_commenter",
            ),
        ]

    def __str__(self) -> str:
        return f"Ban of {self.email}"

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None and (
            self.ends_on is None or self.ends_on > timezone.localdate()
        )
