"""Retention: raw IPs go after N days, the keyed hash stays."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.factories import make_comment

pytestmark = pytest.mark.django_db


def test_raw_ips_older_than_the_retention_period_are_erased(settings):
    settings.COMMENTS_IP_RETENTION_DAYS = 30
    old = make_comment(
        ip_address="203.0.113.1",
        ip_hash="h" * 64,
        submitted_at=timezone.now() - timedelta(days=31),
    )
    recent = make_comment(
        ip_address="203.0.113.2", submitted_at=timezone.now() - timedelta(days=29)
    )
    out = StringIO()

    call_command("purge_comment_ips", stdout=out)

    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.ip_address is None
    assert old.ip_hash == "h" * 64
    assert recent.ip_address == "203.0.113.2"
    assert "Erased the IP address of 1 comment(s)." in out.getvalue()


def test_the_retention_period_can_be_given_on_the_command_line():
    comment = make_comment(submitted_at=timezone.now() - timedelta(days=3))

    call_command("purge_comment_ips", "--days", "2", stdout=StringIO())

    comment.refresh_from_db()
    assert comment.ip_address is None
