from datetime import datetime, timedelta
from typing import Self

from django.conf import settings
from django.contrib.postgres.indexes import HashIndex
from django.db import models
from django.db.models import Q
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
    def approved(self) -> Self:
        """The only comments readers ever see, oldest first."""
        return self.filter(status=self.model.Status.APPROVED).order_by(
            "submitted_at", "pk"
        )

    def posted_with(self, receipt: str) -> Self:
        """The comment a solved CAPTCHA let in, if any (a retry of a stored post)."""
        return self.filter(post_receipt=receipt) if receipt else self.none()

    def awaiting_moderation(self) -> Self:
        """Pending comments, oldest first: the moderators' queue."""
        return self.filter(status=self.model.Status.PENDING).order_by(
            "submitted_at", "pk"
        )


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SPAM = "spam", "Spam"

    class Rule(models.TextChoices):
        BANNED_WORD = "banned-word", "Banned word"
        SUSPECT_WORD = "suspect-word", "Suspect word"
        LINKS = "links", "Too many links"
        RESERVED_NAME = "reserved-name", "Name of staff or the site"
        REPEAT = "repeat", "Same text on another story"

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="comments")
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
                condition=Q(status__in=["pending", "approved", "rejected", "spam"]),
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
        ]

    def __str__(self) -> str:
        return f"{self.name} on {self.story}"

    def get_absolute_url(self) -> str:
        return f"{self.story.get_absolute_url()}#comment-{self.pk}"


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
