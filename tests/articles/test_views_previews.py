"""Previews and share links: editors see drafts uncached and unindexed; a share
link shows a draft to anyone until it expires."""

import pytest
from django.core.signing import TimestampSigner
from django.urls import reverse
from django.utils import timezone

from articles.previews import share_token
from tests.factories import make_editor, make_moderator, make_story

pytestmark = pytest.mark.django_db


def test_editors_preview_drafts_uncached_and_unindexed(client):
    draft = make_story(headline="Not yet")
    client.force_login(make_editor())

    response = client.get(reverse("articles:story-preview", args=[draft.pk]))
    html = response.content.decode()

    assert response.status_code == 200
    assert "<h1>Not yet</h1>" in html
    assert "no-store" in response["Cache-Control"]
    assert "noindex" in response["X-Robots-Tag"]
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert "application/ld+json" not in html


def test_preview_needs_an_account_with_change_story(client):
    draft = make_story()
    url = reverse("articles:story-preview", args=[draft.pk])

    anonymous = client.get(url)
    client.force_login(make_moderator())
    moderator = client.get(url)

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("admin:login"))
    assert moderator.status_code == 403


def test_a_share_link_shows_a_draft_to_anyone_until_it_expires(client, monkeypatch):
    draft = make_story(headline="For review")
    fresh = share_token(draft)
    eight_days_ago = timezone.now().timestamp() - 8 * 86400
    with monkeypatch.context() as patch:
        patch.setattr("django.core.signing.time.time", lambda: eight_days_ago)
        stale = share_token(draft)

    ok = client.get(reverse("articles:story-share", args=[fresh]))
    expired = client.get(reverse("articles:story-share", args=[stale]))

    assert ok.status_code == 200
    assert "<h1>For review</h1>" in ok.content.decode()
    assert "no-store" in ok["Cache-Control"]
    assert expired.status_code == 410
    assert "expired" in expired.content.decode()
    assert "no-store" in expired["Cache-Control"]


def test_a_forged_or_altered_share_link_is_not_found(client):
    draft = make_story()
    other = make_story()
    token = share_token(draft)
    forged = TimestampSigner(salt="something-else").sign(str(other.pk))
    altered = str(other.pk) + token[len(str(draft.pk)) :]

    for bad in (forged, altered, "nonsense"):
        response = client.get(reverse("articles:story-share", args=[bad]))
        assert response.status_code == 404
        assert "not valid" in response.content.decode()
