"""Plain functions that build rows for tests: readable, no fixtures files."""

import itertools
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from articles.models import Author, Byline, Clarification, Story, Topic

_serial = itertools.count(1)


def make_author(**fields: Any) -> Author:
    n = next(_serial)
    return Author.objects.create(
        **{"name": f"Reporter {n}", "slug": f"reporter-{n}"} | fields
    )


def make_topic(**fields: Any) -> Topic:
    n = next(_serial)
    return Topic.objects.create(**{"name": f"Topic {n}", "slug": f"topic-{n}"} | fields)


def make_story(
    *,
    authors: Iterable[Author] = (),
    topics: Iterable[Topic] = (),
    **fields: Any,
) -> Story:
    """A draft story by one new author, unless told otherwise."""
    n = next(_serial)
    story = Story.objects.create(
        **{"headline": f"Headline {n}", "slug": f"story-{n}", "body": "Text."} | fields
    )
    for position, author in enumerate(authors or [make_author()]):
        Byline.objects.create(story=story, author=author, position=position)
    story.topics.set(topics)
    return story


def make_published_story(**fields: Any) -> Story:
    """A story readers can see, published an hour ago unless told otherwise."""
    defaults = {
        "status": Story.Status.PUBLISHED,
        "published_at": timezone.now() - timedelta(hours=1),
    }
    return make_story(**defaults | fields)


def make_clarification(story: Story, **fields: Any) -> Clarification:
    defaults = {
        "text": "An earlier version misstated a figure.",
        "published_at": timezone.now() - timedelta(minutes=5),
    }
    return Clarification.objects.create(story=story, **defaults | fields)


def make_user(*, groups: Iterable[str] = (), **fields: Any):
    """A staff user in the named groups ("Editors", "Moderators")."""
    n = next(_serial)
    user = get_user_model().objects.create_user(
        **{"username": f"user{n}", "password": "pw", "is_staff": True} | fields
    )
    user.groups.set(Group.objects.filter(name__in=groups))
    return user


def make_editor(**fields: Any):
    return make_user(groups=["Editors"], **fields)


def make_moderator(**fields: Any):
    return make_user(groups=["Moderators"], **fields)


def make_comment(story: Story | None = None, **fields: Any):
    """A pending comment on a live story, unless told otherwise."""
    from comments.models import Comment

    n = next(_serial)
    defaults = {
        "name": f"Reader {n}",
        "email": f"reader{n}@example.org",
        "body": f"Comment number {n}.",
        "ip_address": "192.0.2.10",
    }
    return Comment.objects.create(
        story=story or make_published_story(), **defaults | fields
    )


def make_approved_comment(story: Story | None = None, **fields: Any):
    from comments.models import Comment

    return make_comment(story, **{"status": Comment.Status.APPROVED} | fields)
