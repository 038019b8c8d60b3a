"""Shared builders for tests: rows, uploads, the data a reader or an editor posts
(read from the real form pages, never made up), and readers of what a page shows.
No fixture files."""

import itertools
import json
import re
from collections.abc import Iterable
from datetime import timedelta
from html.parser import HTMLParser
from io import BytesIO
from typing import Any

from captcha.models import CaptchaStore
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

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


def make_rich_story(**fields: Any) -> Story:
    """A published story with two authors, two topics and a clarification."""
    story = make_published_story(
        authors=[make_author(), make_author()],
        topics=[make_topic(), make_topic()],
        **fields,
    )
    make_clarification(story)
    return story


def make_story_with(*, authors=3, topics=2, notes=1, **fields: Any) -> Story:
    """A published story with that many new authors, topics and clarifications."""
    story = make_published_story(
        authors=[make_author() for _ in range(authors)],
        topics=[make_topic() for _ in range(topics)],
        **fields,
    )
    for n in range(notes):
        make_clarification(story, published_at=timezone.now() - timedelta(minutes=n))
    return story


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


def make_report(comment, **fields: Any):
    """A reader's open report of `comment`, from a client of its own."""
    from comments.models import Report

    n = next(_serial)
    defaults = {"reason": Report.Reason.ABUSE, "reporter_hash": f"client-{n}"}
    return Report.objects.create(comment=comment, **defaults | fields)


def image_file(fmt: str = "PNG", size=(8, 6), name: str | None = None):
    """An upload holding a real image."""
    buffer = BytesIO()
    Image.new("RGB", size, "teal").save(buffer, format=fmt)
    extension = {"JPEG": "jpg"}.get(fmt, fmt.lower())
    return SimpleUploadedFile(name or f"photo.{extension}", buffer.getvalue())


# --- What a page shows ------------------------------------------------------------


class PageOutline(HTMLParser):
    """Headings, scripts and inline-style attributes of a page, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.script_types: list[str | None] = []
        self.style_attributes = 0
        self.labels: set[str] = set()
        self.inputs: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "script":
            self.script_types.append(attributes.get("type"))
        if "style" in attributes:
            self.style_attributes += 1
        if tag == "label":
            self.labels.add(attributes.get("for"))
        if tag == "input":
            self.inputs.append(attributes.get("id"))


def outline(response) -> PageOutline:
    parser = PageOutline()
    parser.feed(response.content.decode())
    return parser


def json_ld_blocks(response) -> list[dict]:
    html = response.content.decode()
    blocks = re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL
    )
    return [json.loads(block) for block in blocks]


# --- What an editor posts -----------------------------------------------------------


class _FormFields(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def _add(self, name: str, value: str) -> None:
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in {"submit", "button", "file", "image", "reset"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self._add(name, attrs.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self._add(self._select, attrs.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self._add(self._textarea, "".join(self._text).removeprefix("\n"))
            self._textarea = None


def form_data(response) -> dict[str, str | list[str]]:
    """The fields of the page's forms with their current values (single values as
    strings, repeated ones as lists), ready to change and post back."""
    parser = _FormFields()
    parser.feed(response.content.decode())
    return {
        name: values[0] if len(values) == 1 else values
        for name, values in parser.data.items()
    }


def change_url(story: Story) -> str:
    return reverse("admin:articles_story_change", args=[story.pk])


def post_story_form(client, story: Story, **changes):
    """Post the story's admin form back as the page shows it, with `changes`."""
    data = form_data(client.get(change_url(story))) | {"_save": "Save"} | changes
    return client.post(change_url(story), data)


# --- What a reader posts ------------------------------------------------------------

THANKS = "Thanks — your comment is awaiting moderation."
KEY_RE = re.compile(r'name="captcha_0" value="([0-9a-f]{40})"')
TOKEN_RE = re.compile(r'name="started" value="([^"]+)"')


def form_url(story: Story) -> str:
    return reverse("comments:comment-form", args=[story.pk])


def captcha_key(html: str) -> str:
    match = KEY_RE.search(html)
    assert match, "no CAPTCHA key in the form"
    return match.group(1)


def solution(key: str) -> str:
    """The answer, read from the CAPTCHA table (never CAPTCHA_TEST_MODE)."""
    return CaptchaStore.objects.get(hashkey=key).response


def filled_form(client, story: Story, **fields) -> dict:
    """The comment form's data as a reader would send it, with the CAPTCHA solved
    honestly."""
    html = client.get(form_url(story)).content.decode()
    key = captcha_key(html)
    data = {
        "name": "Ada Reader",
        "email": "ada@example.org",
        "body": "A thoughtful comment.",
        "captcha_0": key,
        "captcha_1": solution(key),
        "started": TOKEN_RE.search(html).group(1),
        "website": "",
    }
    return data | fields


def post_comment(client, story: Story, data: dict, **extra):
    """Send the comment form's `data` where the form posts."""
    return client.post(form_url(story), data, **extra)


def clean_captcha(key: str, answer: str):
    """What the comment form's CAPTCHA field makes of a key and an answer (raises
    ValidationError when refused)."""
    from comments.captcha.field import AtomicCaptchaField

    return AtomicCaptchaField().clean([key, answer])
