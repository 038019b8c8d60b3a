"""Each staff member's time zone on the desk (newsroom/timezones.py), and never on a
reader page; and the address `make run` mails link to."""

import os
import zoneinfo
from datetime import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from newsroom.models import StaffTimeZone
from newsroom.run import prepare_environment
from tests.factories import make_editor, make_published_story

pytestmark = pytest.mark.django_db

TIME_ZONE = reverse("admin:time-zone")
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


def test_a_staff_member_chooses_a_zone_and_the_desk_shows_times_in_it(client):
    editor = make_editor()
    client.force_login(editor)
    story = make_published_story(published_at=datetime(2026, 3, 1, 12, tzinfo=TOKYO))

    response = client.post(TIME_ZONE, {"name": "Asia/Tokyo"}, follow=True)
    listing = client.get(reverse("admin:articles_story_changelist"))

    assert response.redirect_chain == [(TIME_ZONE, 302)]
    assert StaffTimeZone.objects.get(user=editor).name == "Asia/Tokyo"
    assert "Published March 1, 2026, noon JST" in listing.content.decode()
    assert story.pk  # the listing above showed it


def test_the_newsroom_zone_applies_until_one_is_chosen(client, settings):
    client.force_login(make_editor())

    page = client.get(TIME_ZONE)

    assert page.status_code == 200
    assert page.context["current"] == settings.TIME_ZONE


def test_an_unknown_zone_is_refused_in_words_and_nothing_is_saved(client):
    editor = make_editor()
    client.force_login(editor)

    page = client.post(TIME_ZONE, {"name": "Mars/Olympus_Mons"})

    assert page.status_code == 400
    assert page.context["form"].errors["name"] == [
        "“Mars/Olympus_Mons” is not a time zone we know. Pick one from the list "
        "(for example Europe/Paris or America/Chicago)."
    ]
    assert not StaffTimeZone.objects.exists()


def test_reader_pages_keep_the_newsrooms_zone_for_staff_with_their_own(client):
    editor = make_editor()
    StaffTimeZone.objects.create(user=editor, name="Asia/Tokyo")
    story = make_published_story(published_at=datetime(2026, 3, 1, 12, tzinfo=TOKYO))
    anonymous = client.get(story.get_absolute_url()).content.decode()
    client.force_login(editor)

    as_staff = client.get(story.get_absolute_url()).content.decode()

    assert "February 29" not in anonymous  # 2026 is no leap year: a sanity check
    assert "February 28, 2026, 10:00 p.m." in anonymous  # New York
    assert "February 28, 2026, 10:00 p.m." in as_staff
    assert timezone.get_current_timezone_name() == "America/New_York"


def test_a_zone_that_disappeared_from_the_database_falls_back(client, settings):
    editor = make_editor()
    StaffTimeZone.objects.create(user=editor, name="Atlantis/Capital")
    client.force_login(editor)

    assert client.get(TIME_ZONE).context["current"] == settings.TIME_ZONE


def test_make_run_mails_link_to_the_port_it_serves(monkeypatch):
    monkeypatch.delenv("NEWSROOM_SITE_URL", raising=False)
    monkeypatch.setattr(os, "environ", dict(os.environ))

    prepare_environment(dev=False, port="8123")

    assert os.environ["NEWSROOM_SITE_URL"] == "http://127.0.0.1:8123"


def test_make_run_keeps_a_site_url_that_is_set(monkeypatch):
    monkeypatch.setattr(os, "environ", dict(os.environ))
    os.environ["NEWSROOM_SITE_URL"] = "https://news.example.org"

    prepare_environment(dev=False, port="8123")

    assert os.environ["NEWSROOM_SITE_URL"] == "https://news.example.org"
