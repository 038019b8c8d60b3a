"""The newsroom's verbs on stories: every write to a story, its byline, topics,
clarifications and address goes through one of these, whoever calls (the admin, the
importer, commands). Each runs in one transaction and moves the page cache's site
stamp after commit."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone

from articles.importing import ParsedNote, ParsedStory
from articles.models import (
    Author,
    Byline,
    Clarification,
    Revision,
    SlugHistory,
    Story,
    StoryEvent,
    Topic,
    slug_for,
    validate_body_length,
)
from articles.tasks import make_renditions
from newsroom.pagecache import bump_site_on_commit
from newsroom.storage import STORE_ERRORS, describe
from newsroom.tasks import enqueue_on_commit

IMPORTER = "import"  # StoryEvent.by_name for changes made by import_story


class PublishError(Exception):
    """The story can't go live (or be scheduled) as asked; the message says why."""


class ClarificationError(Exception):
    """The clarification can't be added or changed; the message says why."""


class RevisionError(Exception):
    """The version can't be restored or compared as asked; the message says why."""


@dataclass(frozen=True)
class Credit:
    """One name on the byline, in byline order."""

    author: Author
    role: str = Byline.Role.WRITER


def _record(
    story: Story, action: str, *, by: AbstractBaseUser | None, detail: str = ""
) -> None:
    StoryEvent.objects.create(
        story=story,
        action=action,
        by=by,
        by_name=by.get_username() if by is not None else IMPORTER,
        detail=detail[:300],
    )


def _moment(at: datetime) -> str:
    return formats.date_format(timezone.localtime(at), "DATETIME_FORMAT")


# --- Saving -------------------------------------------------------------------------


@transaction.atomic
def save_story(
    story: Story,
    *,
    by: AbstractBaseUser | None,
    credits: Sequence[Credit] | None = None,
    topics: Iterable[Topic] | None = None,
    note: str = "",
    restored_from: Revision | None = None,
) -> Story:
    """Create or update a story: its own fields, and the byline and topics when
    given (None leaves them as they are). A changed slug keeps the old address
    answering with a redirect. A revision is recorded when the words, byline,
    topics, lead image or address changed (`note` goes with it)."""
    old_slug, old_image = (
        Story.objects.filter(pk=story.pk).values_list("slug", "lead_image").first()
        if story.pk
        else (None, "")
    ) or (None, "")
    if (story.lead_image.name or "") != old_image:
        story.lead_image_widths = []  # the old image's renditions are not this one's
    story.save()  # an upload gets its final name here; a slug is made if empty
    if story.slug != old_slug:
        story.check_address()  # after the save: a made slug is checked too
    if story.lead_image and story.lead_image.name != old_image:
        enqueue_on_commit(make_renditions, story.pk, story.lead_image.name)
    if old_slug is not None and old_slug != story.slug:
        _keep_old_address(story, old_slug, by=by)
    if credits is not None:
        _replace_byline(story, credits)
    if topics is not None:
        story.topics.set(topics)
    _record_revision(story, by=by, note=note, restored_from=restored_from)
    bump_site_on_commit()
    return story


# What a revision keeps: the story's own fields (the rest is byline and topics).
REVISED_FIELDS = (
    "headline",
    "slug",
    "dek",
    "body",
    "lead_image",
    "lead_image_alt",
    "lead_image_caption",
    "lead_image_credit",
)


def _snapshot(story: Story) -> dict:
    """The story as a revision records it (the saved rows, read afresh)."""
    fields = {name: getattr(story, name) for name in REVISED_FIELDS}
    fields["lead_image"] = story.lead_image.name or ""
    bylines = Byline.objects.filter(story=story).select_related("author")
    fields["byline"] = [
        {"author": b.author_id, "name": b.author.name, "role": b.role}
        for b in bylines.order_by("position", "pk")
    ]
    fields["topics"] = [
        {"topic": topic.pk, "name": topic.name}
        for topic in Topic.objects.filter(stories=story).order_by("name", "pk")
    ]
    return fields


def _record_revision(
    story: Story,
    *,
    by: AbstractBaseUser | None,
    note: str,
    restored_from: Revision | None,
) -> Revision | None:
    """A new revision if anything it keeps changed since the last one. Readers see
    it at once if the story is live, at the publication time if it is scheduled
    (an earlier version waiting for that moment never will)."""
    snapshot = _snapshot(story)
    # The story row is locked by its UPDATE above: concurrent saves number in turn.
    latest = story.revisions.order_by("-number").first()
    if latest is not None and all(
        getattr(latest, name) == value for name, value in snapshot.items()
    ):
        return None
    now = timezone.now()
    public_from = None
    if story.is_live:
        public_from = now
    elif story.is_scheduled:
        public_from = story.published_at
        story.revisions.filter(public_from__gt=now).update(public_from=None)
    return Revision.objects.create(
        story=story,
        number=latest.number + 1 if latest else 1,
        note=note.strip()[:300],
        restored_from=restored_from,
        created_at=now,
        by=by,
        by_name=by.get_username() if by is not None else IMPORTER,
        public_from=public_from,
        **snapshot,
    )


def _show_latest_revision_from(story: Story, moment: datetime) -> None:
    """The story's current version is what readers see from `moment` (it goes
    live then); an earlier version still waiting for its time never will be. A
    version readers already saw keeps the time they first did."""
    now = timezone.now()
    story.revisions.filter(public_from__gt=now).update(public_from=None)
    latest = story.revisions.order_by("-number").first()
    if latest is not None and latest.public_from is None:
        latest.public_from = moment
        latest.save(update_fields=["public_from"])


@transaction.atomic
def restore_revision(
    story: Story, revision: Revision, *, by: AbstractBaseUser | None
) -> tuple[Revision | None, list[str]]:
    """Make an earlier version the current one, as a new revision (the history is
    never rewritten). The address stays as it is, so links keep working. Returns
    the new revision (None if that version is the story as it is now) and what
    could not be brought back (a deleted author or topic, a lost image file)."""
    if revision.story_id != story.pk:
        raise RevisionError(
            f"Version {revision.number} belongs to another story, not “{story}”: "
            "nothing was restored."
        )
    story = Story.objects.select_for_update().get(pk=story.pk)
    left_out: list[str] = []
    try:
        validate_body_length(revision.body)
    except ValidationError as error:
        raise RevisionError(
            f"Version {revision.number} can't be restored: {error.messages[0]}"
        ) from None
    for name in ("headline", "dek", "body"):
        setattr(story, name, getattr(revision, name))
    for name in ("lead_image_alt", "lead_image_caption", "lead_image_credit"):
        setattr(story, name, getattr(revision, name))
    if revision.lead_image and not _image_kept(revision):
        left_out.append("the lead image (its file is gone)")
    else:
        story.lead_image = revision.lead_image or None
    authors = Author.objects.in_bulk([credit["author"] for credit in revision.byline])
    credits = []
    for credit in revision.byline:
        if credit["author"] in authors:
            credits.append(Credit(authors[credit["author"]], credit["role"]))
        else:
            left_out.append(f"{credit['name']} (no longer an author)")
    kept_topics = Topic.objects.in_bulk([topic["topic"] for topic in revision.topics])
    left_out += [
        f"the topic {topic['name']} (deleted since)"
        for topic in revision.topics
        if topic["topic"] not in kept_topics
    ]
    if story.lead_image and not story.lead_image_alt.strip():
        # The image came back without its description, or the description without it.
        raise RevisionError(
            f"Version {revision.number} has a lead image without a description: "
            "nothing was restored."
        )
    before = story.revisions.order_by("-number").values_list("number", flat=True)
    latest_number = before.first()
    save_story(
        story,
        by=by,
        credits=credits or None,
        topics=list(kept_topics.values()),
        note=f"Restored version {revision.number}",
        restored_from=revision,
    )
    new = story.revisions.order_by("-number").first()
    if new is None or new.number == latest_number:
        return None, left_out
    return new, left_out


def _image_kept(revision: Revision) -> bool:
    """Whether the version's lead image is still stored; refused in words when the
    storage cannot tell (the media store down)."""
    try:
        return Story.lead_image.field.storage.exists(revision.lead_image)
    except STORE_ERRORS as error:
        raise RevisionError(
            f"Version {revision.number} can't be restored now: its lead image could "
            f"not be looked up ({describe(error)}). Nothing was restored: try again "
            "in a few minutes."
        ) from error


@transaction.atomic
def change_story_slug(
    story: Story, *, new_slug: str, by: AbstractBaseUser | None
) -> Story:
    """Give a story a new address; the old one keeps answering with a redirect."""
    story.slug = new_slug
    return save_story(story, by=by)


def _keep_old_address(
    story: Story, old_slug: str, *, by: AbstractBaseUser | None
) -> None:
    story.old_slugs.filter(slug=story.slug).delete()  # the story takes it back
    # The address's latest owner is the one its links lead to.
    SlugHistory.objects.update_or_create(slug=old_slug, defaults={"story": story})
    _record(
        story,
        StoryEvent.Action.SLUG_CHANGED,
        by=by,
        detail=f"from “{old_slug}” to “{story.slug}”",
    )


def _replace_byline(story: Story, credits: Sequence[Credit]) -> None:
    """The byline becomes `credits`, numbered 0, 1, 2… in order; an author listed
    twice is kept once (first place)."""
    wanted: list[Credit] = []
    for credit in credits:
        if all(credit.author.pk != kept.author.pk for kept in wanted):
            wanted.append(credit)
    current = list(story.bylines.order_by("position", "pk"))
    if [(b.author_id, b.role) for b in current] == [
        (c.author.pk, c.role) for c in wanted
    ] and [b.position for b in current] == list(range(len(current))):
        return
    story.bylines.all().delete()
    Byline.objects.bulk_create(
        Byline(story=story, author=credit.author, role=credit.role, position=position)
        for position, credit in enumerate(wanted)
    )


# --- Publication --------------------------------------------------------------------


def _check_publishable(story: Story) -> None:
    if not story.bylines.exists():
        raise PublishError(f"“{story}” needs at least one author before publishing.")
    if not story.body.strip():
        raise PublishError(f"“{story}” has no body text yet.")


@transaction.atomic
def publish_story(
    story: Story, *, by: AbstractBaseUser | None, at: datetime | None = None
) -> Story:
    """Put a story live now, or at a past moment `at` (an imported story keeps the
    date it first ran). A live story is left as it is, so its dated URL never
    moves; a scheduled one goes live now. For a future time, use schedule_story."""
    now = timezone.now()
    if at is not None and at > now:
        raise PublishError(
            f"{_moment(at)} is still to come: schedule “{story}” instead."
        )
    if story.is_live and at is None:
        return story
    _check_publishable(story)
    was_scheduled_for = story.published_at if story.is_scheduled else None
    story.status = Story.Status.PUBLISHED
    story.published_at = at or now
    story.published_by = by
    story.save(update_fields=["status", "published_at", "published_by", "updated_at"])
    detail = (
        f"now, instead of {_moment(was_scheduled_for)}" if was_scheduled_for else ""
    )
    _record(story, StoryEvent.Action.PUBLISHED, by=by, detail=detail)
    _show_latest_revision_from(story, story.published_at)
    bump_site_on_commit()
    return story


@transaction.atomic
def schedule_story(story: Story, *, at: datetime, by: AbstractBaseUser | None) -> Story:
    """Set a story to go live at the future moment `at`; until then readers don't
    see it, and the page cache changes by itself when the moment comes."""
    check_schedule(story, at=at)
    _check_publishable(story)
    story.status = Story.Status.PUBLISHED
    story.published_at = at
    story.published_by = by
    story.save(update_fields=["status", "published_at", "published_by", "updated_at"])
    _record(story, StoryEvent.Action.SCHEDULED, by=by, detail=f"for {_moment(at)}")
    _show_latest_revision_from(story, at)
    bump_site_on_commit()
    return story


def check_schedule(story: Story, *, at: datetime | None) -> None:
    """PublishError unless `story` may be scheduled for `at`: a time to come, for a
    story readers have not seen yet. Forms call it too, so editors see the
    message with their text kept."""
    if at is None:
        raise PublishError(
            "Set the publication time first: the story goes live at that time."
        )
    if at <= timezone.now():
        raise PublishError(
            f"{_moment(at)} has passed: pick a time to come, or publish now."
        )
    if story.is_live:
        raise PublishError(
            f"“{story}” is already live: readers have seen it. To hold it back, "
            "unpublish it first, then schedule it."
        )


@transaction.atomic
def unpublish_story(story: Story, *, by: AbstractBaseUser | None) -> Story:
    """Take a story (live or scheduled) back to draft; its publication time is kept
    for its URL."""
    if story.status != Story.Status.PUBLISHED:
        return story
    story.status = Story.Status.DRAFT
    story.save(update_fields=["status", "updated_at"])
    _record(story, StoryEvent.Action.UNPUBLISHED, by=by)
    # A version waiting for a scheduled time will not be seen then.
    story.revisions.filter(public_from__gt=timezone.now()).update(public_from=None)
    bump_site_on_commit()
    return story


# --- Clarifications -----------------------------------------------------------------


def check_clarification(
    story: Story, *, text: str, kind: str, at: datetime | None
) -> str:
    """The note's text, tidied; ClarificationError if it can't be saved as given.
    Forms call it too, so editors see the message with their text kept."""
    text = text.strip()
    if not text:
        raise ClarificationError("Write what the clarification says.")
    if kind not in Clarification.Kind.values:
        raise ClarificationError(f"Unknown kind of note: {kind!r}.")
    if at and story.published_at and at < story.published_at:
        raise ClarificationError(
            "A clarification can't be dated before the story was published "
            f"({_moment(story.published_at)})."
        )
    return text


def _note_saved(note: Clarification, *, by: AbstractBaseUser | None) -> None:
    story = note.story
    story.save(update_fields=["updated_at"])
    if note.published_at is not None:
        label = note.get_kind_display().lower()
        when = "" if note.is_published else f", to appear {_moment(note.published_at)}"
        _record(story, StoryEvent.Action.CLARIFIED, by=by, detail=f"{label}{when}")
    bump_site_on_commit()


@transaction.atomic
def clarify_story(
    story: Story,
    *,
    text: str,
    by: AbstractBaseUser | None,
    kind: str = Clarification.Kind.CLARIFICATION,
    at: datetime | None = None,
    draft: bool = False,
) -> Clarification:
    """Append a clarification or correction dated `at` (default now; a future time
    schedules it), or keep it as an undated draft. The story's updated time moves
    with it; once its date has come it can never be edited or deleted."""
    at = None if draft else at or timezone.now()
    text = check_clarification(story, text=text, kind=kind, at=at)
    note = Clarification.objects.create(
        story=story, kind=kind, text=text, published_at=at, issued_by=by
    )
    _note_saved(note, by=by)
    return note


@transaction.atomic
def edit_clarification(
    note: Clarification,
    *,
    text: str,
    kind: str,
    at: datetime | None,
    by: AbstractBaseUser | None,
) -> Clarification:
    """Change a draft or scheduled note; giving a draft a date publishes it (or
    schedules it, for a date to come). Published notes are append-only."""
    if note.pk and Clarification.objects.published().filter(pk=note.pk).exists():
        raise ClarificationError(
            "This clarification is published and can't be changed: add a later one."
        )
    note.text = check_clarification(note.story, text=text, kind=kind, at=at)
    note.kind, note.published_at, note.issued_by = kind, at, by
    note.save()
    _note_saved(note, by=by)
    return note


@transaction.atomic
def delete_clarification(note: Clarification, *, by: AbstractBaseUser | None) -> None:
    """Delete a draft or scheduled note; published ones stay for the record."""
    if Clarification.objects.published().filter(pk=note.pk).exists():
        raise ClarificationError(
            "This clarification is published and can't be deleted: add a later one "
            "that corrects it."
        )
    story = note.story
    note.delete()
    story.save(update_fields=["updated_at"])
    bump_site_on_commit()


# --- Importing ----------------------------------------------------------------------


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
    found too. Byline and topics become the file's. Clarifications are matched by
    kind and text, so importing twice adds none twice; a published clarification
    missing from the file is kept (they are append-only). Without `published_at`
    an existing story keeps its publication time, so its URL doesn't move; a new
    one is published now; a future `published_at` schedules it.
    """
    slug = slug_for(parsed.headline, fallback="story", max_length=200)
    story = (
        Story.objects.filter(slug=slug).first()
        or Story.objects.filter(old_slugs__slug=slug).first()
    )
    created = story is None
    if created:
        story = Story(slug=slug)
    changed = created or (story.headline, story.body) != (parsed.headline, parsed.body)
    story.headline, story.body = parsed.headline, parsed.body
    # Roles the byline already gives (photographer…) stay with their author.
    roles = {} if created else {b.author_id: b.role for b in story.bylines.all()}
    credits = [
        Credit(author, roles.get(author.pk, Byline.Role.WRITER))
        for author in _authors(parsed.authors)
    ]
    topics = _topics(parsed.topics)
    if not created:
        changed |= [b.author_id for b in story.bylines.all()] != [
            c.author.pk for c in credits
        ]
        changed |= {t.pk for t in story.topics.all()} != {t.pk for t in topics}
    if changed:
        save_story(story, by=by, credits=credits, topics=topics)
    changed |= _import_publication(story, by=by, at=published_at, draft=draft)
    notes_changed, notes = _merge_clarifications(story, parsed.notes, by=by)
    return ImportedStory(
        story=story, created=created, changed=changed or notes_changed, notes=notes
    )


def _import_publication(
    story: Story, *, by: AbstractBaseUser | None, at: datetime | None, draft: bool
) -> bool:
    if draft:
        changed = story.status == Story.Status.PUBLISHED
        unpublish_story(story, by=by)
        if at and story.published_at != at:
            story.published_at = at
            save_story(story, by=by)
            changed = True
        return changed
    at = at or story.published_at or timezone.now()
    if story.status == Story.Status.PUBLISHED and story.published_at == at:
        return False
    if at > timezone.now():
        schedule_story(story, at=at, by=by)
    else:
        publish_story(story, by=by, at=at)
    return True


def _authors(names: Iterable[str]) -> list[Author]:
    authors: list[Author] = []
    for name in names:
        slug = slug_for(name, fallback="author", max_length=140)
        author, _ = Author.objects.get_or_create(slug=slug, defaults={"name": name})
        if author not in authors:  # "José Pérez" and "Jose Perez" share a slug
            authors.append(author)
    return authors


def _topics(names: Iterable[str]) -> list[Topic]:
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
    return topics


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
                edit_clarification(same, text=same.text, kind=same.kind, at=at, by=by)
                changed = True
        else:
            clarify_story(
                story, text=note.text, kind=note.kind, by=by, at=at, draft=at is None
            )
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
            delete_clarification(leftover, by=by)
            changed = True
    return changed, tuple(kept)
