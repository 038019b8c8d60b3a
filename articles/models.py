import hashlib
from datetime import datetime
from typing import Any, Self

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorField,
)
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import (
    Case,
    Exists,
    F,
    Min,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    When,
)
from django.db.models.functions import Left, Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import slugify

from articles.rendering import MATCH_END, MATCH_START, plain_headline


def slug_for(text: str, *, fallback: str, max_length: int) -> str:
    """A slug from the Latin letters and digits of `text`. Text without any (Chinese,
    emoji) gets a stable one from its hash, so the same name always gives the same
    slug and a slug is never empty."""
    digest = hashlib.sha1(text.encode()).hexdigest()[:10]
    return (slugify(text) or f"{fallback}-{digest}")[:max_length]


# Only the start of a very long body is indexed for search: PostgreSQL refuses a
# search vector over 1 MB, and no save may fail on it (100,000 characters give at
# most 400 kB of lexemes).
SEARCH_BODY_CHARS = 100_000


def validate_body_length(body: str) -> None:
    """A story body is at most NEWSROOM_MAX_BODY_CHARS characters (200,000: about
    30,000 words, longer than any story; pages, feeds and searches stay fast)."""
    limit = settings.MAX_BODY_CHARS
    if len(body) > limit:
        raise ValidationError(
            f"The story is {len(body):,} characters long; the limit is {limit:,}. "
            "Shorten it, or split it into parts.",
            code="body_too_long",
        )


class AuthorQuerySet(models.QuerySet):
    def bylined(self) -> Self:
        """Authors with at least one story readers can see (sitemap)."""
        return self.filter(
            Exists(Story.objects.published().filter(bylines__author=OuterRef("pk")))
        )


class Author(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    job_title = models.CharField(max_length=120, blank=True)
    bio = models.TextField(blank=True, help_text="Two or three sentences, plain text.")
    photo = models.ImageField(upload_to="authors/", blank=True)

    objects = AuthorQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.slug:
            self.slug = slug_for(self.name, fallback="author", max_length=140)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("articles:author-detail", kwargs={"slug": self.slug})


class TopicQuerySet(models.QuerySet):
    def in_use(self) -> Self:
        """Topics with at least one story readers can see (navigation, sitemap)."""
        return self.filter(
            Exists(Story.objects.published().filter(topics=OuterRef("pk")))
        )


class Topic(models.Model):
    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    objects = TopicQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="topic_name_unique_ignoring_case",
                violation_error_message="A topic with this name already exists.",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.slug:
            self.slug = slug_for(self.name, fallback="topic", max_length=100)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("articles:topic-detail", kwargs={"slug": self.slug})


class StoryQuerySet(models.QuerySet):
    def published(self, *, at: datetime | None = None) -> Self:
        """Stories readers may see: marked published, and not embargoed at `at`."""
        return self.filter(
            status=self.model.Status.PUBLISHED,
            published_at__lte=at or timezone.now(),
        )

    def scheduled(self, *, at: datetime | None = None) -> Self:
        """Stories set to go live after `at`: marked published, embargoed until
        their publication time."""
        return self.filter(
            status=self.model.Status.PUBLISHED,
            published_at__gt=at or timezone.now(),
        )

    def for_listing(self) -> Self:
        """What a list of stories prints: bylines in order with their authors,
        topics and the updated time, in three queries however many stories. Not
        the body nor the search vector: no list prints them, and they are most of
        the row."""
        return (
            self.defer("body", "search_vector")
            .prefetch_related(_bylines_with_authors(), "topics")
            .with_last_clarified_at()
            .with_last_edited_at()
        )

    def for_detail(self) -> Self:
        """A story page: the story, its bylines with their authors, its topics and
        its published clarifications (oldest first), in four queries."""
        return (
            self.defer("search_vector")
            .with_last_edited_at()
            .prefetch_related(
                _bylines_with_authors(),
                "topics",
                Prefetch(
                    "clarifications",
                    queryset=Clarification.objects.published(),
                    to_attr="published_clarifications",
                ),
            )
        )

    def for_editing(self) -> Self:
        """The editors' story list: bylines with their authors and topics, without
        the body (the change form loads it)."""
        return self.defer("body", "search_vector").prefetch_related(
            _bylines_with_authors(), "topics"
        )

    def with_last_clarified_at(self) -> Self:
        """Annotate `last_clarified_at`: when the newest published clarification
        appeared (None without one). "(UPDATED)" and dateModified derive from it."""
        newest = (
            Clarification.objects.published()
            .filter(story=OuterRef("pk"))
            .order_by("-published_at")
            .values("published_at")[:1]
        )
        return self.annotate(last_clarified_at=Subquery(newest))

    def with_last_edited_at(self, *, at: datetime | None = None) -> Self:
        """Annotate `last_edited_at`: when readers first saw the newest version of
        the text after the one first published (None if the text never changed
        while readers could see it, or if the story hides its text changes).
        "(UPDATED)", dateModified and the "What changed" page derive from it."""
        public = Revision.objects.public(at=at)
        first = (
            public.filter(story=OuterRef(OuterRef("pk")))
            .order_by("public_from")
            .values("public_from")[:1]
        )
        newest = (
            public.filter(story=OuterRef("pk"), public_from__gt=Subquery(first))
            .order_by("-public_from")
            .values("public_from")[:1]
        )
        shown = Q(text_changes=Story.TextChanges.SHOW)
        if settings.SHOW_TEXT_CHANGES:
            shown |= Q(text_changes=Story.TextChanges.SITE)
        return self.annotate(
            last_edited_at=Case(When(shown, then=Subquery(newest)), default=None)
        )

    def search(self, terms: str) -> Self:
        """Stories matching `terms` (web-search syntax), best match first.

        Uses the generated `search_vector` column and its GIN index; annotates `rank`
        and `excerpt`, a body fragment whose matches sit between MATCH_START and
        MATCH_END (escape it before display: rendering.highlighted_excerpt).
        """
        query = SearchQuery(terms, search_type="websearch", config="english")
        return (
            self.filter(search_vector=query)
            .annotate(
                rank=SearchRank(F("search_vector"), query),
                excerpt=SearchHeadline(
                    Left("body", SEARCH_BODY_CHARS),
                    query,
                    config="english",
                    start_sel=MATCH_START,
                    stop_sel=MATCH_END,
                    max_words=40,
                    min_words=20,
                ),
            )
            .order_by("-rank", "-published_at", "-pk")
        )


def _bylines_with_authors() -> Prefetch:
    return Prefetch("bylines", queryset=Byline.objects.select_related("author"))


def next_scheduled_change() -> datetime | None:
    """When the next scheduled story or clarification goes live (None: nothing is
    scheduled). The page cache asks when the site stamp moves (apps.py)."""
    moments = [
        Story.objects.scheduled().aggregate(at=Min("published_at"))["at"],
        Clarification.objects.scheduled().aggregate(at=Min("published_at"))["at"],
    ]
    return min((moment for moment in moments if moment), default=None)


class Story(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    class CommentPolicy(models.TextChoices):
        LIMITED = "limited", "Open for the usual period after publication"
        OPEN = "open", "Open, with no time limit"
        CLOSED = "closed", "Closed"

    class TextChanges(models.TextChoices):
        SITE = "site", "As the site does (NEWSROOM_SHOW_TEXT_CHANGES)"
        SHOW = "show", "Show readers each published version's changes"
        HIDE = "hide", "Hide them (clarifications are always shown)"

    class CommentModeration(models.TextChoices):
        PRE = "pre", "Pre-moderation: a moderator approves each comment first"
        POST = "post", "Post-moderation: comments appear at once, then are reviewed"

    headline = models.CharField(
        max_length=200,
        help_text='Never type "(UPDATED)": it is added when a clarification exists.',
    )
    slug = models.SlugField(
        max_length=200,
        unique=True,
        help_text="The story's address. Changing it keeps old links working.",
    )
    dek = models.CharField(
        "summary",
        max_length=300,
        blank=True,
        help_text="One sentence under the headline; also used by feeds and search.",
    )
    body = models.TextField(
        help_text="Markdown: blank lines between paragraphs, ## for subheads, "
        "> for quotes, [text](https://…) for links.",
        validators=[validate_body_length],
    )
    lead_image = models.ImageField(
        upload_to="stories/%Y/%m/",
        blank=True,
        width_field="lead_image_width",
        height_field="lead_image_height",
    )
    lead_image_width = models.PositiveIntegerField(
        null=True, blank=True, editable=False
    )
    lead_image_height = models.PositiveIntegerField(
        null=True, blank=True, editable=False
    )
    lead_image_widths = ArrayField(
        models.PositiveIntegerField(),
        default=list,
        blank=True,
        editable=False,
        help_text="Widths of the lead image's renditions made so far (a background "
        "task makes them after an upload; pages offer only these).",
    )
    lead_image_alt = models.CharField(
        "lead image description",
        max_length=250,
        blank=True,
        help_text="What the image shows, for readers who cannot see it. Required "
        "with an image.",
    )
    lead_image_caption = models.CharField(max_length=300, blank=True)
    lead_image_credit = models.CharField(max_length=120, blank=True)
    status = models.CharField(max_length=16, choices=Status, default=Status.DRAFT)
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Readers see the story from this moment; a future time embargoes it.",
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    comment_policy = models.CharField(
        "comments",
        max_length=10,
        choices=CommentPolicy,
        default=CommentPolicy.LIMITED,
        help_text="Close or reopen comments. The usual period is set for the whole "
        "site (NEWSROOM_COMMENTS_CLOSE_AFTER_DAYS).",
    )
    text_changes = models.CharField(
        "text changes on “What changed”",
        max_length=4,
        choices=TextChanges,
        default=TextChanges.SITE,
        help_text="Whether readers see how the text of each published version "
        "differs from the one before. Drafts never appear.",
    )
    comment_moderation = models.CharField(
        max_length=4,
        choices=CommentModeration,
        default=CommentModeration.PRE,
        help_text="Pre-moderate sensitive stories (courts, crime). Post-moderated "
        "comments still wait for a moderator's review, and rules still hold them.",
    )
    authors = models.ManyToManyField(Author, through="Byline", related_name="stories")
    topics = models.ManyToManyField(Topic, related_name="stories", blank=True)
    search_vector = models.GeneratedField(
        expression=SearchVector("headline", weight="A", config="english")
        + SearchVector("dek", weight="B", config="english")
        + SearchVector(Left("body", SEARCH_BODY_CHARS), weight="C", config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = StoryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "stories"
        ordering = ["-published_at", "-pk"]
        permissions = [
            ("publish_story", "Can publish and unpublish stories"),
            ("view_corrections_report", "Can see the corrections report"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="published_story_has_time",
                violation_error_message="A published story needs a publication time.",
            ),
            models.CheckConstraint(
                condition=Q(lead_image="") | ~Q(lead_image_alt=""),
                name="lead_image_has_description",
                violation_error_message="Describe the lead image for readers who "
                "cannot see it.",
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "-published_at"], name="story_published_idx"
            ),
            GinIndex(fields=["search_vector"], name="story_search_idx"),
        ]

    def __str__(self) -> str:
        return self.headline

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.slug:
            self.slug = slug_for(self.headline, fallback="story", max_length=200)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        day = timezone.localdate(self.published_at or self.created_at)
        return reverse(
            "articles:story-detail",
            kwargs={
                "year": day.year,
                "month": day.month,
                "day": day.day,
                "slug": self.slug,
            },
        )

    def clean(self) -> None:
        # A story keeps the address it has, even one that is another story's old
        # address (sites from before the rule below may have such stories).
        if not (self.pk and Story.objects.filter(pk=self.pk, slug=self.slug).exists()):
            self.check_address()

    def check_address(self) -> None:
        """Another story's old address stays that story's: readers' old links to it
        must not start leading here."""
        previous = (
            SlugHistory.objects.filter(slug=self.slug)
            .exclude(story_id=self.pk)
            .select_related("story")
            .first()
        )
        if previous is not None:
            raise ValidationError(
                {
                    "slug": f"“{self.slug}” is the old address of the story "
                    f"“{previous.story}”, and old links to it still lead there. "
                    "Choose another address."
                }
            )

    def get_changes_url(self) -> str:
        """The story's "What changed" page, beside its dated address."""
        return self.get_absolute_url() + "changes/"

    @property
    def is_live(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def is_scheduled(self) -> bool:
        """Set to go live later: published, with a publication time to come."""
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at > timezone.now()
        )

    @property
    def plain_headline(self) -> str:
        """The headline for <title>, feeds and JSON-LD: never "(UPDATED)"."""
        return plain_headline(self.headline)

    @cached_property
    def published_clarifications(self) -> list["Clarification"]:
        """Published notes, oldest first (for_detail() prefetches them)."""
        return list(self.clarifications.published())

    @cached_property
    def last_clarified_at(self) -> datetime | None:
        """When the newest published clarification appeared (None without one).
        for_listing() annotates it; otherwise it is read from the notes."""
        notes = self.published_clarifications
        return notes[-1].published_at if notes else None

    @property
    def shows_text_changes(self) -> bool:
        """Readers see how each published version's text differs from the one
        before (the site's setting, unless the story overrides it)."""
        if self.text_changes == self.TextChanges.SITE:
            return settings.SHOW_TEXT_CHANGES
        return self.text_changes == self.TextChanges.SHOW

    @cached_property
    def last_edited_at(self) -> datetime | None:
        """When readers first saw the newest text edit made after publication (None
        without one, or when the story hides its text changes). for_listing() and
        for_detail() annotate it; otherwise it is queried."""
        if not self.shows_text_changes or self.pk is None:
            return None
        times = list(
            self.revisions.public()
            .order_by("-public_from")
            .values_list("public_from", flat=True)[:2]
        )
        return times[0] if len(times) == 2 else None

    @property
    def is_updated(self) -> bool:
        """Shown as "(UPDATED)", linking to "What changed": a published
        clarification, or a text edit readers can see."""
        return self.last_clarified_at is not None or self.last_edited_at is not None

    @property
    def modified_at(self) -> datetime | None:
        """dateModified: the newest entry on "What changed" (a published
        clarification or a text edit), else publication (never before publication,
        even for a note dated earlier, e.g. by an import)."""
        moments = (self.last_clarified_at, self.last_edited_at, self.published_at)
        return max((moment for moment in moments if moment), default=None)

    @property
    def writers(self) -> list["Author"]:
        """The "By A, B and C" line: writers in byline order (everyone, if no one
        is credited as a writer, so a story never goes without a byline)."""
        bylines = self.bylines.all()
        writers = [b.author for b in bylines if b.role == Byline.Role.WRITER]
        return writers or [b.author for b in bylines]

    @property
    def other_credits(self) -> list["Byline"]:
        """Bylines printed after the writers, with their role (photographer…)."""
        writers = set(self.writers)
        return [b for b in self.bylines.all() if b.author not in writers]


class Byline(models.Model):
    class Role(models.TextChoices):
        WRITER = "writer", "Writer"
        CONTRIBUTOR = "contributor", "Contributing reporter"
        PHOTOGRAPHER = "photographer", "Photographer"

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="bylines")
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="bylines")
    role = models.CharField(max_length=20, choices=Role, default=Role.WRITER)
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Order in the byline, lowest first."
    )

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["story", "author"],
                name="author_once_per_story",
                violation_error_message="This author is already on the byline.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.author} ({self.get_role_display()})"


class ClarificationQuerySet(models.QuerySet):
    def published(self, *, at: datetime | None = None) -> Self:
        """Clarifications readers see: published at or before `at`, oldest first."""
        return self.filter(published_at__lte=at or timezone.now()).order_by(
            "published_at", "pk"
        )

    def scheduled(self, *, at: datetime | None = None) -> Self:
        """Dated to appear after `at`."""
        return self.filter(published_at__gt=at or timezone.now())

    def unpublished(self, *, at: datetime | None = None) -> Self:
        """Drafts (no date yet) and notes scheduled for later: still editable."""
        return self.filter(
            Q(published_at__isnull=True) | Q(published_at__gt=at or timezone.now())
        )

    def public(self, *, at: datetime | None = None) -> Self:
        """Published clarifications on stories readers can see, newest first: the
        site-wide archive and its feed (a draft story's notes stay hidden)."""
        return (
            self.published(at=at)
            .filter(story__in=Story.objects.published(at=at))
            .select_related("story")
            .order_by("-published_at", "-pk")
        )


class Clarification(models.Model):
    class Kind(models.TextChoices):
        CLARIFICATION = "clarification", "Clarification"
        CORRECTION = "correction", "Correction"

    story = models.ForeignKey(
        Story, on_delete=models.CASCADE, related_name="clarifications"
    )
    kind = models.CharField(max_length=16, choices=Kind, default=Kind.CLARIFICATION)
    text = models.TextField(
        help_text="What was wrong or unclear, and what is right. Once published it "
        "cannot be edited: add a later clarification instead."
    )
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Shown with this date. Empty keeps it as an unpublished draft.",
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ClarificationQuerySet.as_manager()

    class Meta:
        ordering = ["published_at", "pk"]
        indexes = [
            models.Index(fields=["-published_at"], name="clarification_recent_idx")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.story}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None and self.published_at <= timezone.now()


class SlugHistory(models.Model):
    """A slug a story used to have, so its old address keeps answering (301)."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="old_slugs")
    slug = models.SlugField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name_plural = "slug history"

    def __str__(self) -> str:
        return self.slug


class StoryEvent(models.Model):
    """Something done to a story that readers notice (it went live, was taken down,
    was clarified, moved address), who did it and when. Written by the services
    only, never edited."""

    class Action(models.TextChoices):
        PUBLISHED = "published", "Published"
        SCHEDULED = "scheduled", "Scheduled"
        UNPUBLISHED = "unpublished", "Unpublished"
        CLARIFIED = "clarified", "Clarification or correction published"
        SLUG_CHANGED = "slug-changed", "Address changed"

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20, choices=Action)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    by_name = models.CharField(
        max_length=150,
        help_text='The username when it happened, or "import" for the importer.',
    )
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["story", "at"], name="story_event_idx")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.by_name}"


class RevisionQuerySet(models.QuerySet):
    def public(self, *, at: datetime | None = None) -> Self:
        """Versions readers saw: each became public when the story went live with
        it or, while live, when it was saved. Drafts, versions superseded before a
        scheduled publication and versions saved while unpublished never are."""
        return self.filter(public_from__lte=at or timezone.now())


class Revision(models.Model):
    """A story's words as one save left them: recorded by the story service on
    every save that changes them, never edited afterwards. Restoring one records a
    new revision. Only `public_from` is bookkeeping: the services set it when
    readers will see this version, and clear it while still to come if that
    changes (a later save before a scheduled time, unpublishing); once past it is
    never changed."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(help_text="1, 2, 3… for each story.")
    headline = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200)
    dek = models.CharField("summary", max_length=300, blank=True)
    body = models.TextField()
    byline = models.JSONField(
        default=list, help_text="[{author, name, role}] in byline order."
    )
    topics = models.JSONField(default=list, help_text="[{topic, name}] by name.")
    lead_image = models.CharField(max_length=255, blank=True)
    lead_image_alt = models.CharField(
        "lead image description", max_length=250, blank=True
    )
    lead_image_caption = models.CharField(max_length=300, blank=True)
    lead_image_credit = models.CharField(max_length=120, blank=True)
    note = models.CharField(
        max_length=300, blank=True, help_text="The editor's note about this save."
    )
    restored_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    by_name = models.CharField(
        max_length=150,
        help_text='The username when it happened, or "import" for the importer.',
    )
    public_from = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When readers first saw (or will see) this version; empty if never.",
    )

    objects = RevisionQuerySet.as_manager()

    class Meta:
        ordering = ["story", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["story", "number"], name="revision_number_once_per_story"
            )
        ]
        indexes = [
            models.Index(fields=["story", "public_from"], name="revision_public_idx")
        ]

    def __str__(self) -> str:
        return f"Version {self.number} of {self.headline}"

    @property
    def is_public(self) -> bool:
        return self.public_from is not None and self.public_from <= timezone.now()

    @property
    def author_names(self) -> str:
        return ", ".join(credit["name"] for credit in self.byline)

    @property
    def topic_names(self) -> str:
        return ", ".join(topic["name"] for topic in self.topics)
