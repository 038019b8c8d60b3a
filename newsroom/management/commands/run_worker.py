"""`manage.py run_worker`: the background worker (newsroom/tasks.py). Makes sure each
periodic task has a run waiting, runs again the tasks a dead worker left, then runs
django-tasks-db's `db_worker` until stopped (SIGTERM or Ctrl-C end it cleanly)."""

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils.module_loading import autodiscover_modules

from newsroom.tasks import ensure_scheduled, requeue_lost


class Command(BaseCommand):
    help = "Run a background worker (schedules, retries, lost tasks included)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch",
            action="store_true",
            help="Run the tasks that are due, then exit (tests, one-off runs).",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Seconds between looks at the queue when it is empty (default 1).",
        )

    def handle(self, *args: Any, batch: bool, interval: float, **options: Any) -> None:
        autodiscover_modules("tasks")  # every app's periodic tasks, registered
        for name in ensure_scheduled():
            self.stdout.write(f"scheduled {name}")
        if lost := requeue_lost():
            self.stdout.write(f"ran again {lost} task(s) a stopped worker left")
        worker = ["db_worker", "--interval", str(interval), "--no-startup-delay"]
        call_command(*worker, *(["--batch"] if batch else []))
