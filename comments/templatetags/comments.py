"""How templates outside this app (the story page) get comments without importing
the comments app: {% load comments %}{% approved_comments story as thread %}."""

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from django import template
from django.db.models import Count, Min, Window
from django.utils.dateformat import DateFormat
from django.utils.html import format_html, linebreaks
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import get_current_timezone, template_localtime
from django.utils.translation import get_language

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


# comments/_comment.html for a published comment (pending is shown elsewhere),
# byte for byte: tests/comments/test_templatetags.py compares the two.
_ITEM = """<li class="comment" id="comment-{}">
  <p class="comment-meta"><bdi class="comment-name">{}</bdi>
    <time datetime="{}">{}</time></p>
  <div class="comment-body">{}</div>
</li>
"""


@register.simple_tag
def comment_items(comments: list[dict]) -> SafeString:
    """The <li> of each approved comment, as `{% include "comments/_comment.html" %}`
    renders it, without an include per comment: on a story page's cache miss the 50
    includes cost more than the rest of the thread."""
    zone, language = str(get_current_timezone()), get_language()
    return mark_safe(  # each item built by format_html
        "".join(
            _comment_item(
                c["pk"], c["name"], c["body"], c["submitted_at"], zone, language
            )
            for c in comments
        )
    )


@lru_cache(maxsize=4096)
def _comment_item(
    pk: int, name: str, body: str, submitted_at: datetime, zone: str, language: str
) -> SafeString:
    # A pure function of the row, the time zone and the language (all in the key),
    # so each process memoises the items it rendered last, like Markdown bodies
    # (articles/rendering.py): a re-rendered story page reuses its older comments.
    # What the |date filter does (these formats name no l10n setting).
    moment = DateFormat(template_localtime(submitted_at))
    return format_html(
        _ITEM,
        pk,
        name,
        moment.format("Y-m-d\\TH:i:sO"),
        moment.format("N j, Y, P"),
        mark_safe(linebreaks(body, autoescape=True)),
    )


@register.simple_tag
def moderation_queue() -> Queue:
    """How many comments await a moderator, and since when (admin index)."""
    summary = Comment.objects.filter(status=Comment.Status.PENDING).aggregate(
        count=Count("pk"), oldest=Min("submitted_at")
    )
    return Queue(**summary)
