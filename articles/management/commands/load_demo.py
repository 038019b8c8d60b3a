"""Demo content and accounts for `make run`; running it again changes nothing."""

import secrets
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from articles.importing import parse_story_file
from articles.models import Story
from articles.services import import_story

# username -> (group, is_superuser); each gets username@DEMO_EMAIL_DOMAIN, so
# `make run` prints the held-comment mail to moderators on the console.
DEMO_EMAIL_DOMAIN = "newsroom.invalid"  # reserved (RFC 2606): never delivered
DEMO_ACCOUNTS = {
    "editor": ("Editors", False),
    "moderator": ("Moderators", False),
    "admin": (None, True),
}
DEMO_STORY = (
    Path(__file__).resolve().parents[2] / "demo" / "us-japan-defense-cooperation.txt"
)
# The seed story ran on May 8, 2015 (newsroom time), which its dated URL keeps.
DEMO_STORY_PUBLISHED_AT = datetime(
    2015, 5, 8, 12, 0, tzinfo=ZoneInfo("America/New_York")
)


def accounts_file() -> Path:
    return settings.DATA_DIR / "demo-accounts.txt"


def read_passwords(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    pairs = (
        line.split(None, 1) for line in path.read_text().splitlines() if line.strip()
    )
    return {name: password.strip() for name, password in pairs if name in DEMO_ACCOUNTS}


class Command(BaseCommand):
    help = "Ensure demo accounts (editor, moderator, admin) and the demo story exist."

    def handle(self, *args: Any, **options: Any) -> None:
        self.ensure_accounts()
        self.ensure_demo_story()

    def ensure_demo_story(self) -> None:
        result = import_story(
            parse_story_file(DEMO_STORY.read_bytes()),
            by=None,
            published_at=DEMO_STORY_PUBLISHED_AT,
        )
        if result.created:
            # A 2015 story would be past the usual comment period; keep it open so
            # a newcomer can try the comment form. Editors may close it later.
            Story.objects.filter(pk=result.story.pk).update(
                comment_policy=Story.CommentPolicy.OPEN
            )
        state = "added" if result.created else "updated" if result.changed else "ready"
        self.stdout.write(f"Demo story {state}: {result.story.get_absolute_url()}")

    @transaction.atomic
    def ensure_accounts(self) -> None:
        path = accounts_file()
        passwords = read_passwords(path)
        rewrite = set(passwords) != set(DEMO_ACCOUNTS)
        User = get_user_model()
        for username, (group_name, is_superuser) in DEMO_ACCOUNTS.items():
            email = f"{username}@{DEMO_EMAIL_DOMAIN}"
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "is_staff": True,
                    "is_superuser": is_superuser,
                    "email": email,
                },
            )
            if not user.email:  # accounts made before the demo had addresses
                user.email = email
                user.save(update_fields=["email"])
            if username not in passwords:
                # The file records the passwords: a name missing there gets a new one.
                passwords[username] = secrets.token_urlsafe(12)
                created = True
            if created:
                user.set_password(passwords[username])
                user.save()
            if group_name:
                group, _ = Group.objects.get_or_create(name=group_name)
                user.groups.add(group)
        if rewrite:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(
                "".join(f"{name} {passwords[name]}\n" for name in DEMO_ACCOUNTS)
            )
            path.chmod(0o600)
        self.stdout.write(f"Demo accounts for /admin/ (stored in {path}):")
        for name in DEMO_ACCOUNTS:
            self.stdout.write(f"  {name:<10} {passwords[name]}")
