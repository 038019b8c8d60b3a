"""`manage.py backup [--to FOLDER]`: the database and the uploaded files in one
folder (newsroom/backup.py). `make backup` runs it, starting the embedded database
if needed."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from newsroom.backup import BackupError, backup, default_folder


class Command(BaseCommand):
    help = "Back up the database and the uploaded files into a new folder."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--to",
            type=Path,
            help="Folder to write (must be new or empty). Default: "
            ".data/backups/newsroom-<UTC time>.",
        )

    def handle(self, *args: Any, to: Path | None, **options: Any) -> None:
        try:
            backup(
                to or default_folder(),
                database=connection.settings_dict,
                say=self.stdout.write,
            )
        except (BackupError, OSError) as error:
            raise CommandError(f"Backup failed: {error}") from None
