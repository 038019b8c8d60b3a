"""The newsroom's verbs on stories. Views, admin actions and commands all call these."""

from dataclasses import dataclass
from datetime import datetime, time

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from articles.caching import bump_site_on_commit
from articles.importing import ParsedNote, ParsedStory
from articles.models import (
    Author,
    Byline,
    Clarification,
    SlugHistory,
    Story,
    Topic,
    slug_for,
)


class PublishError(Exception):
    """The story can't go live yet; the message is shown to the editor."""


class ClarificationError(Exception):
    """The clarification can't be added or changed; the message says why."""


@transaction.atomic
def publish_story(
    story: Story, *, by: AbstractBaseUser | None, at: datetime | None = None
) -> Story:
    """Put a story live at `at` (default now). A future `at` embargoes it.

    A story that is already published keeps its original publication time unless
    `at` is given, so "Publish now" on a live story never changes its dated URL.
    """
    if not story.bylines.exists():
        raise PublishError(f"“{story}” needs at least one author before publishing.")
    if not story.body.strip():
        raise PublishError(f"“{story}” has no body text yet.")
    if at is None and story.status == Story.Status.PUBLISHED and story.published_at:
        return story
    story.status = Story.Status.PUBLISHED
    story.published_at = at or timezone.now()
    story.published_by = by
    story.save(update_fields=["status", "published_at", "published_by", "updated_at"])
    bump_site_on_commit()
    return story


@transaction.atomic
def unpublish_story(story: Story, *, by: AbstractBaseUser | None) -> Story:
    """Take a story back to draft; its publication time is kept for its URL."""
    story.status = Story.Status.DRAFT
    story.save(update_fields=["status", "updated_at"])
    bump_site_on_commit()
    return story


@transaction.atomic
def clarify_story(
    story: Story,
    *,
    text: str,
    by: AbstractBaseUser | None,
    kind: str = Clarification.Kind.CLARIFICATION,
    at: datetime | None = None,
) -> Clarification:
    """Append a dated clarification; the story's "updated" time moves with it."""
    text = text.strip()
    if not text:
        raise ClarificationError("Write what the clarification says.")
    if kind not in Clarification.Kind.values:
        raise ClarificationError(f"Unknown kind of note: {kind!r}.")
    clarification = Clarification.objects.create(
        story=story,
        kind=kind,
        text=text,
        published_at=at or timezone.now(),
        issued_by=by,
    )
    story.save(update_fields=["updated_at"])
    bump_site_on_commit()
    return clarification


@transaction.atomic
def change_story_slug(story: Story, *, new_slug: str) -> Story:
    """Give a story a new address; the old one keeps answering with a redirect."""
    old_slug = Story.objects.filter(pk=story.pk).values_list("slug", flat=True).get()
    if new_slug == old_slug:
        return story
    SlugHistory.objects.filter(slug=new_slug).delete()  # the story takes it back
    SlugHistory.objects.get_or_create(slug=old_slug, defaults={"story": story})
    story.slug = new_slug
    story.save(update_fields=["slug", "updated_at"])
    bump_site_on_commit()
    return story


@dataclass(frozen=True)
class ImportedStory:
    story: Story
    created: bool
    changed: bool
    notes: tuple[str, ...]  # what the import left alone, for the editor to check


@transaction.atomic
def import_story(
    parsed: ParsedStory,
    *,
    by: AbstractBaseUser | None,
    published_at: datetime | None = None,
    draft: bool = False,
) -> ImportedStory:
    """Create or update the story a parsed file describes, keyed by its slug.

    The slug comes from the headline; a story that used it before a slug change is
    found too. Bylines and topics become the file's. Clarifications are matched by
    kind and text, so importing twice adds none twice; a published clarification
    missing from the file is kept (they are append-only). Without `published_at`
    an existing story keeps its publication time, so its URL doesn't move; a new
    one is published now. Publishing goes through `publish_story` and its rules.
    """
    slug = slug_for(parsed.headline, fallback="story", max_length=200)
    story = (
        Story.objects.filter(slug=slug).first()
        or Story.objects.filter(old_slugs__slug=slug).first()
    )
    created = story is None
    changed = created
    if created:
        story = Story.objects.create(
            headline=parsed.headline, slug=slug, body=parsed.body
        )
    elif (story.headline, story.body) != (parsed.headline, parsed.body):
        story.headline, story.body = parsed.headline, parsed.body
        story.save(update_fields=["headline", "body", "updated_at"])
        changed = True
    changed |= _replace_bylines(story, parsed.authors)
    changed |= _replace_topics(story, parsed.topics)
    if draft:
        if story.status == Story.Status.PUBLISHED:
            unpublish_story(story, by=by)
            changed = True
        if published_at and story.published_at != published_at:
            story.published_at = published_at
            story.save(update_fields=["published_at", "updated_at"])
            changed = True
    else:
        at = published_at or story.published_at or timezone.now()
        if story.status != Story.Status.PUBLISHED or story.published_at != at:
            publish_story(story, by=by, at=at)
            changed = True
    notes_changed, notes = _merge_clarifications(story, parsed.notes, by=by)
    if changed or notes_changed:
        bump_site_on_commit()
    return ImportedStory(
        story=story, created=created, changed=changed or notes_changed, notes=notes
    )


def _replace_bylines(story: Story, names: tuple[str, ...]) -> bool:
    authors: list[Author] = []
    for name in names:
        slug = slug_for(name, fallback="author", max_length=140)
        author, _ = Author.objects.get_or_create(slug=slug, defaults={"name": name})
        if author not in authors:  # "José Pérez" and "Jose Perez" share a slug
            authors.append(author)
    current = list(story.bylines.all())
    if [byline.author_id for byline in current] == [a.pk for a in authors]:
        return False
    roles = {byline.author_id: byline.role for byline in current}
    story.bylines.all().delete()
    Byline.objects.bulk_create(
        Byline(
            story=story,
            author=author,
            position=position,
            role=roles.get(author.pk, Byline.Role.WRITER),
        )
        for position, author in enumerate(authors)
    )
    return True


def _replace_topics(story: Story, names: tuple[str, ...]) -> bool:
    topics = []
    for name in names:
        topic = Topic.objects.filter(name__iexact=name).first()
        if topic is None:
            base = slug_for(name, fallback="topic", max_length=90)
            slug, n = base, 1
            while Topic.objects.filter(slug=slug).exists():
                n += 1
                slug = f"{base}-{n}"
            topic = Topic.objects.create(name=name, slug=slug)
        topics.append(topic)
    if {t.pk for t in story.topics.all()} == {t.pk for t in topics}:
        return False
    story.topics.set(topics)
    return True


def _clarification_time(note: ParsedNote, story: Story) -> datetime | None:
    """A dated note: that day in the newsroom's time zone, never before the story
    went live; an undated one: the story's publication time (None for a draft)."""
    if note.dated is None:
        return story.published_at
    start = datetime.combine(
        note.dated, time(0), tzinfo=timezone.get_current_timezone()
    )
    return max(start, story.published_at) if story.published_at else start


def _merge_clarifications(
    story: Story, notes: tuple[ParsedNote, ...], *, by: AbstractBaseUser | None
) -> tuple[bool, tuple[str, ...]]:
    existing = list(story.clarifications.all())
    changed = False
    for note in notes:
        at = _clarification_time(note, story)
        same = next(
            (c for c in existing if (c.kind, c.text.strip()) == (note.kind, note.text)),
            None,
        )
        if same is not None:
            existing.remove(same)
            if not same.is_published and same.published_at != at:
                same.published_at = at
                same.issued_by = by
                same.save(update_fields=["published_at", "issued_by"])
                story.save(update_fields=["updated_at"])
                changed = True
        elif at is not None:
            clarify_story(story, text=note.text, kind=note.kind, by=by, at=at)
            changed = True
        else:
            Clarification.objects.create(story=story, kind=note.kind, text=note.text)
            changed = True
    kept = []
    for leftover in existing:
        if leftover.is_published:
            kept.append(
                f"kept the published {leftover.get_kind_display().lower()} of "
                f"{timezone.localdate(leftover.published_at):%B %-d, %Y} that the "
                "file no longer has (published ones are never deleted)"
            )
        else:
            leftover.delete()
            changed = True
    return changed, tuple(kept)
