"""The newsroom's verbs on stories. Views, admin actions and commands all call these."""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from articles.models import Clarification, SlugHistory, Story


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
    return story


@transaction.atomic
def unpublish_story(story: Story, *, by: AbstractBaseUser | None) -> Story:
    """Take a story back to draft; its publication time is kept for its URL."""
    story.status = Story.Status.DRAFT
    story.save(update_fields=["status", "updated_at"])
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
    return story
