"""How templates outside this app (the story page) get comments without importing
the comments app: {% load comments %}{% approved_comments story as thread %}."""

from dataclasses import dataclass
from datetime import datetime

from django import template
from django.db.models import Count, Min, Window

from articles.models import Story
from comments.models import Comment, accepts_comments

register = template.Library()

PER_PAGE = 50


@dataclass(frozen=True)
class Thread:
    comments: list[dict]
    count: int
    is_open: bool

    @property
    def more(self) -> int:
        return self.count - len(self.comments)


@dataclass(frozen=True)
class Queue:
    count: int
    oldest: datetime | None


@register.simple_tag
def approved_comments(story: Story) -> Thread:
    """The first 50 approved comments and the total, in one query (a window count).

    Only the public columns are fetched: the email never reaches the template.
    """
    rows = list(
        Comment.objects.approved()
        .filter(story=story)
        .annotate(total=Window(Count("pk")))
        .values("pk", "name", "body", "submitted_at", "total")[:PER_PAGE]
    )
    return Thread(
        comments=rows,
        count=rows[0]["total"] if rows else 0,
        is_open=accepts_comments(story),
    )


@register.simple_tag
def moderation_queue() -> Queue:
    """How many comments await a moderator, and since when (admin index)."""
    summary = Comment.objects.filter(status=Comment.Status.PENDING).aggregate(
        count=Count("pk"), oldest=Min("submitted_at")
    )
    return Queue(**summary)
