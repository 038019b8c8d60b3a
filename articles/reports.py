"""The corrections report: how often the newsroom corrects and clarifies, per month,
topic and author, and how long a correction takes to come (the Trust Project's
"corrections practice" evidence). A fixed number of queries, whatever the data.

Months are the newsroom's (NEWSROOM_TIME_ZONE), whoever reads the report, so every
editor gets the same figures.
"""

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    F,
    Min,
    Q,
    QuerySet,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone

from articles.models import Author, Clarification, Story, Topic

MONTHS = 12
CORRECTION = Clarification.Kind.CORRECTION
CLARIFICATION = Clarification.Kind.CLARIFICATION
# The chart's drawing area, in SVG units (the SVG scales to its box).
CHART_WIDTH, CHART_HEIGHT, CHART_BASE = 720, 240, 200


class Median(Aggregate):
    """PostgreSQL's percentile_cont(0.5): the median of an interval."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


@dataclass(frozen=True)
class Month:
    first_day: date
    corrections: int
    clarifications: int


@dataclass(frozen=True)
class Bar:
    """One bar of the chart, in SVG units, and what it stands for."""

    x: float
    y: float
    height: float
    kind: str
    label: str


@dataclass(frozen=True)
class Tally:
    name: str
    corrections: int
    clarifications: int


@dataclass(frozen=True)
class Report:
    since: date
    months: list[Month]
    bars: list[Bar]
    axis: list[tuple[float, str]]  # (x, month label) under each pair of bars
    scale: list[tuple[float, int]]  # (y, count) gridlines
    by_topic: list[Tally]
    by_author: list[Tally]
    median_to_first_correction: timedelta | None
    stories_corrected: int

    @property
    def median_words(self) -> str:
        """The median as an editor would say it: "2 days and 4 hours"."""
        return duration_words(self.median_to_first_correction or timedelta())


def duration_words(duration: timedelta) -> str:
    minutes = int(duration.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [
        f"{count} {unit}{'' if count == 1 else 's'}"
        for count, unit in ((days, "day"), (hours, "hour"), (minutes, "minute"))
        if count
    ][:2]
    if not parts:
        return "less than a minute"
    return " and ".join(parts)


def _month_starts(today: date) -> list[date]:
    year, month = today.year, today.month
    starts = []
    for _ in range(MONTHS):
        starts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def _published_since(since: datetime, now: datetime) -> QuerySet:
    return Clarification.objects.published(at=now).filter(published_at__gte=since)


def _tallies(queryset: QuerySet, path: str, window: Q) -> list[Tally]:
    """Notes per topic or author over the window, most first."""

    def count(kind: str) -> Count:
        return Count(
            f"{path}__pk",
            filter=window & Q(**{f"{path}__kind": kind}),
            distinct=True,
        )

    rows = (
        queryset.annotate(corrections=count(CORRECTION))
        .annotate(clarifications=count(CLARIFICATION))
        .filter(Q(corrections__gt=0) | Q(clarifications__gt=0))
        .order_by(-(F("corrections") + F("clarifications")), "name")
        .values_list("name", "corrections", "clarifications")
    )
    return [Tally(*row) for row in rows]


def corrections_report(*, now: datetime | None = None) -> Report:
    now = now or timezone.now()
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    starts = _month_starts(timezone.localdate(now, zone))
    since = datetime.combine(starts[0], datetime.min.time(), tzinfo=zone)
    counts = {
        (row["month"].date(), row["kind"]): row["n"]
        for row in _published_since(since, now)
        .annotate(month=TruncMonth("published_at", tzinfo=zone))
        .values("month", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    }
    months = [
        Month(
            start,
            counts.get((start, CORRECTION), 0),
            counts.get((start, CLARIFICATION), 0),
        )
        for start in starts
    ]

    def window(path: str) -> Q:
        return Q(
            **{
                f"{path}__published_at__gte": since,
                f"{path}__published_at__lte": now,
            }
        )

    by_topic = _tallies(
        Topic.objects.all(),
        "stories__clarifications",
        window("stories__clarifications"),
    )
    by_author = _tallies(
        Author.objects.all(),
        "bylines__story__clarifications",
        window("bylines__story__clarifications"),
    )
    first = Min(
        "clarifications__published_at",
        filter=Q(
            clarifications__kind=CORRECTION, clarifications__published_at__lte=now
        ),
    )
    corrected = (
        Story.objects.filter(published_at__isnull=False)
        .annotate(first_correction=first)
        .filter(first_correction__gte=since)
    )
    figures = corrected.aggregate(
        median=Median(F("first_correction") - F("published_at")),
        stories=Count("pk"),
    )
    bars, axis, scale = _chart(months)
    return Report(
        since=starts[0],
        months=months,
        bars=bars,
        axis=axis,
        scale=scale,
        by_topic=by_topic,
        by_author=by_author,
        median_to_first_correction=figures["median"],
        stories_corrected=figures["stories"],
    )


def _chart(
    months: list[Month],
) -> tuple[list[Bar], list[tuple[float, str]], list[tuple[float, int]]]:
    """Grouped bars (corrections, clarifications) per month, scaled to the
    busiest month, with three gridlines."""
    top = max([m.corrections for m in months] + [m.clarifications for m in months])
    top = max(top, 3)
    step = CHART_WIDTH / len(months)
    bar = step * 0.35
    bars, axis = [], []
    for index, month in enumerate(months):
        left = index * step + step * 0.15
        label = f"{month.first_day:%b %Y}"
        for offset, kind, count in (
            (0, "correction", month.corrections),
            (bar, "clarification", month.clarifications),
        ):
            height = CHART_BASE * 0.9 * count / top
            noun = kind if count == 1 else f"{kind}s"
            bars.append(
                Bar(
                    round(left + offset, 1),
                    round(CHART_BASE - height, 1),
                    round(height, 1),
                    kind,
                    f"{label}: {count} {noun}",
                )
            )
        axis.append((round(left + bar, 1), f"{month.first_day:%b}"))
    scale = [
        (round(CHART_BASE - CHART_BASE * 0.9 * value / top, 1), value)
        for value in sorted({round(top * part / 3) for part in (1, 2, 3)})
    ]
    return bars, axis, scale
