"""Signed, expiring share links: a reviewer without an account can read a draft.

The token is the story's pk signed with the SECRET_KEY and a timestamp; nothing is
stored, so a link cannot be revoked early except by rotating the key.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing

from articles.models import Story

_SALT = "articles.story-share"


class ShareLinkError(Exception):
    """The share link cannot show a story; the message is safe to show readers."""


class ShareLinkExpired(ShareLinkError):
    """The link was genuine but is older than its maximum age."""


class ShareLinkInvalid(ShareLinkError):
    """The link was altered, forged, or its story no longer exists."""


def default_max_age() -> timedelta:
    return timedelta(days=settings.SHARE_LINK_MAX_AGE_DAYS)


def share_token(story: Story) -> str:
    """A URL-safe token naming `story`; readers accept it for the maximum age."""
    return signing.TimestampSigner(salt=_SALT).sign(str(story.pk))


def story_for_share_token(token: str, *, max_age: timedelta | None = None) -> Story:
    """The story a share token names, drafts included. Raises ShareLinkError."""
    signer = signing.TimestampSigner(salt=_SALT)
    try:
        pk = signer.unsign(token, max_age=max_age or default_max_age())
    except signing.SignatureExpired:
        raise ShareLinkExpired("This preview link has expired.") from None
    except signing.BadSignature:
        raise ShareLinkInvalid("This preview link is not valid.") from None
    story = Story.objects.for_detail().filter(pk=int(pk)).first()
    if story is None:
        raise ShareLinkInvalid("This preview link is not valid.")
    return story
