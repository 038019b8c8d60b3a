"""How templates outside this app (the story page) get comments without importing
the comments app: {% load comments %}{% comment_thread story %}."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import template
from django.db.models import Count, Min, Window
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from articles.models import Story
from comments.models import COMMENTS_PER_PAGE, Comment, accepts_comments
from newsroom import pagecache

register = template.Library()


@dataclass(frozen=True)
class Thread:
    comments: list[dict[str, Any]]
    count: int
    is_open: bool

    @property
    def more(self) -> int:
        return self.count - len(self.comments)


@dataclass(frozen=True)
class Queue:
    count: int
    oldest: datetime | None


def approved_thread(story: Story) -> Thread:
    """The first 50 approved comments and the total, in one query (a window count).

    Only the public columns are fetched: the email never reaches the template.
    """
    rows = list(
        Comment.objects.approved()
        .filter(story=story)
        .annotate(total=Window(Count("pk")))
        .values("pk", "name", "body", "submitted_at", "total")[:COMMENTS_PER_PAGE]
    )
    return Thread(
        comments=rows,
        count=rows[0]["total"] if rows else 0,
        is_open=accepts_comments(story),
    )


@register.simple_tag(takes_context=True)
def comment_thread(context: template.Context, story: Story) -> SafeString:
    """The story's comment section, rendered once per state of the story's
    comments (its stamp) and of the site (its comment policy, its title). The
    page that shows it is stored under both stamps."""

    def render() -> str:
        thread = approved_thread(story)
        return render_to_string(
            "comments/_thread.html", {"story": story, "thread": thread}
        )

    scopes = [pagecache.SITE, pagecache.story_scope(story.pk)]
    return pagecache.fragment(
        context.get("request"), f"thread:{story.pk}", scopes, render
    )


@register.simple_tag
def moderation_queue() -> Queue:
    """How many comments await a moderator, and since when (admin index)."""
    summary = Comment.objects.awaiting_moderation().aggregate(
        count=Count("pk"), oldest=Min("submitted_at")
    )
    return Queue(**summary)
