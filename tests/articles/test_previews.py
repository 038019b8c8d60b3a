"""Signed, expiring share links (articles/previews.py)."""

import time
from datetime import timedelta

import pytest

from articles.previews import (
    ShareLinkExpired,
    ShareLinkInvalid,
    share_token,
    story_for_share_token,
)
from tests.factories import make_story

pytestmark = pytest.mark.django_db


def test_a_token_names_its_story_drafts_included():
    draft = make_story()

    assert story_for_share_token(share_token(draft)) == draft


def test_an_expired_token_raises_expired(monkeypatch):
    token = share_token(make_story())
    later = time.time() + 3600
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)

    with pytest.raises(ShareLinkExpired):
        story_for_share_token(token, max_age=timedelta(minutes=30))


def test_the_default_max_age_is_the_setting(settings, monkeypatch):
    token = share_token(make_story())
    settings.SHARE_LINK_MAX_AGE_DAYS = 1
    two_days_later = time.time() + 2 * 86400
    monkeypatch.setattr("django.core.signing.time.time", lambda: two_days_later)

    with pytest.raises(ShareLinkExpired):
        story_for_share_token(token)


def test_a_tampered_token_or_a_deleted_story_is_invalid():
    story = make_story()
    token = share_token(story)
    story_pk = story.pk
    story.delete()

    with pytest.raises(ShareLinkInvalid):
        story_for_share_token(token)
    with pytest.raises(ShareLinkInvalid):
        story_for_share_token(f"{story_pk + 1}{token[len(str(story_pk)) :]}")
