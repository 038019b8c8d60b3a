"""`manage.py import_story FILE [FILE ...]`: plain-text stories into the newsroom.

Each file is parsed (articles.importing), then written by `services.import_story` in
one transaction: a bad file writes nothing and the others still import.
"""

from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from articles.importing import StoryFormatError, parse_story_file
from articles.services import ClarificationError, PublishError, import_story


def parse_published_at(value: str | datetime) -> datetime:
    """An ISO 8601 date-time; without an offset it is newsroom local time."""
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise CommandError(
                f"--published-at: “{value}” is not an ISO date-time. Write it like "
                "2015-05-08T12:00 (newsroom time) or 2015-05-08T12:00-04:00."
            ) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class Command(BaseCommand):
    help = (
        "Import plain-text story files (headline, By line, paragraphs, "
        "Clarification:/Correction:, Topics:). Importing a file again updates its "
        "story. See docs/editors.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument(
            "--published-at",
            help="Publication time, ISO 8601 (e.g. 2015-05-08T12:00, newsroom time "
            "unless an offset is given). Default: now for a new story; an existing "
            "story keeps its time.",
        )
        parser.add_argument(
            "--draft",
            action="store_true",
            help="Import as a draft (readers don't see it) instead of publishing.",
        )

    def handle(self, *args: Any, files: list[str], **options: Any) -> None:
        published_at = (
            parse_published_at(options["published_at"])
            if options["published_at"]
            else None
        )
        failures = 0
        for number, name in enumerate(files, start=1):
            self.stdout.write(f"[{number}/{len(files)}] {name}")
            try:
                self.import_file(Path(name), published_at, draft=options["draft"])
            except (
                StoryFormatError,
                PublishError,
                ClarificationError,
                OSError,
            ) as error:
                failures += 1
                self.stderr.write(f"{name}: {describe(error)} Nothing was imported.")
        if failures:
            raise CommandError(
                f"{failures} of {len(files)} file(s) could not be imported "
                "(see the messages above)."
            )

    def import_file(
        self, path: Path, published_at: datetime | None, *, draft: bool
    ) -> None:
        if path.is_dir():
            raise IsADirectoryError(f"{path} is a folder, not a story file.")
        size, limit = path.stat().st_size, settings.MAX_IMPORT_BYTES
        if size > limit:
            # Refused before reading: a huge file never reaches memory.
            raise StoryFormatError(
                f"the file is {size / 1024:,.0f} kB; story files up to "
                f"{limit / 1024:,.0f} kB are imported (NEWSROOM_MAX_IMPORT_KB)."
            )
        parsed = parse_story_file(path.read_bytes())
        for repair in parsed.repairs:
            self.stdout.write(f"  {path}: {repair}")
        result = import_story(parsed, by=None, published_at=published_at, draft=draft)
        for note in result.notes:
            self.stdout.write(f"  {path}: {note}")
        story = result.story
        state = (
            "published " + f"{timezone.localtime(story.published_at):%Y-%m-%d %H:%M %Z}"
            if story.status == story.Status.PUBLISHED
            else "draft"
        )
        verb = (
            "created"
            if result.created
            else "updated"
            if result.changed
            else "unchanged"
        )
        self.stdout.write(f"  {verb}: “{story.headline}” ({state})")
        self.stdout.write(story.get_absolute_url())


def describe(error: Exception) -> str:
    if isinstance(error, FileNotFoundError):
        return "no such file."
    if isinstance(error, IsADirectoryError):
        return "is a folder, not a story file."
    if isinstance(error, PermissionError):
        return "can't be read (permission denied)."
    if isinstance(error, OSError):
        return f"can't be read ({error.strerror or error})."
    text = str(error)
    return text if text.endswith(".") else text + "."
