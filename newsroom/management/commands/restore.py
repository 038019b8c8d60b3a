"""`manage.py restore FOLDER [--force]`: a backup back into an empty database and the
media folder (newsroom/backup.py). `make restore BACKUP=FOLDER` runs it."""

from pathlib import Path
from subprocess import CalledProcessError
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from newsroom.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore a backup folder into an empty database and the media folder."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path, help="A folder `backup` wrote.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace the tables of a database that is not empty.",
        )

    def handle(self, *args: Any, folder: Path, force: bool, **options: Any) -> None:
        connection.close()  # pg_restore works alone on the database
        try:
            restore(
                folder,
                database=connection.settings_dict,
                force=force,
                say=self.stdout.write,
            )
        except (BackupError, OSError, CalledProcessError) as error:
            raise CommandError(f"Restore failed: {error}") from None
