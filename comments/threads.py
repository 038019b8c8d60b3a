"""What readers see of a story's comments: a page of threads (a comment and its
replies, one level deep) and the counts, in one query."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, F, IntegerField, Subquery
from django.db.models.functions import Coalesce

from articles.models import Story
from comments.models import COMMENTS_PER_PAGE, Comment, accepts_comments

# The last page number anyone could need (a million threads), and an OFFSET
# PostgreSQL can hold: past it, a 404.
MAX_PAGE = 20_000


@dataclass
class Entry:
    """One comment as readers see it; a thread's first comment holds its replies.
    Only public columns: never the email or the IP address."""

    pk: int
    name: str
    body: str
    submitted_at: datetime
    replies: list["Entry"] = field(default_factory=list)


@dataclass(frozen=True)
class Thread:
    comments: list[Entry]  # the threads of this page, in order
    count: int  # every comment readers see on the story, replies included
    threads: int  # threads on the story (COMMENTS_PER_PAGE per page)
    number: int  # this page
    is_open: bool

    @property
    def shown(self) -> int:
        return sum(1 + len(entry.replies) for entry in self.comments)

    @property
    def more(self) -> int:
        return self.count - self.shown

    @property
    def pages(self) -> int:
        return max(1, -(-self.threads // COMMENTS_PER_PAGE))

    @property
    def start_index(self) -> int:
        return (self.number - 1) * COMMENTS_PER_PAGE + 1


def _count(comments: Any) -> Subquery:
    counted = comments.order_by().values("story").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def thread_page(story: Story, number: int = 1) -> Thread | None:
    """Page `number` of the story's threads (oldest first, each with its replies in
    order) and the counts, in one query whatever the number of comments and
    replies. None for a page past the last."""
    if not 1 <= number <= MAX_PAGE:
        return None
    public = Comment.objects.public().filter(story_id=story.pk)
    start = (number - 1) * COMMENTS_PER_PAGE
    threads = public.filter(parent=None).values("pk")[start : start + COMMENTS_PER_PAGE]
    rows = list(
        (public.filter(pk__in=threads) | public.filter(parent__in=threads))
        .annotate(
            total=_count(public),
            roots=_count(public.filter(parent=None)),
            thread_at=Coalesce("parent__submitted_at", "submitted_at"),
            thread_id=Coalesce("parent_id", "pk"),
        )
        .order_by(
            "thread_at",
            "thread_id",
            F("parent_id").asc(nulls_first=True),
            "submitted_at",
            "pk",
        )
        .values("pk", "parent_id", "name", "body", "submitted_at", "total", "roots")
    )
    if not rows and number > 1:
        return None
    entries: dict[int, Entry] = {}
    for row in rows:
        entry = Entry(row["pk"], row["name"], row["body"], row["submitted_at"])
        if row["parent_id"] is None:
            entries[row["pk"]] = entry
        else:
            entries[row["parent_id"]].replies.append(entry)
    return Thread(
        comments=list(entries.values()),
        count=rows[0]["total"] if rows else 0,
        threads=rows[0]["roots"] if rows else 0,
        number=number,
        is_open=accepts_comments(story),
    )
