"""Erase commenters' raw IP addresses after the retention period (run daily from
cron). The keyed hash stays, so throttles and bans keep working."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from comments.models import Comment


class Command(BaseCommand):
    help = "Erase raw IP addresses of comments older than the retention period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=settings.COMMENTS_IP_RETENTION_DAYS,
            help="Keep IPs this many days (default: COMMENTS_IP_RETENTION_DAYS).",
        )

    def handle(self, *args: Any, days: int, **options: Any) -> None:
        cutoff = timezone.now() - timedelta(days=days)
        erased = Comment.objects.filter(
            ip_address__isnull=False, submitted_at__lt=cutoff
        ).update(ip_address=None)
        self.stdout.write(f"Erased the IP address of {erased} comment(s).")
