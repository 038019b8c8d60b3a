"""RSS and Atom feeds: latest stories, per topic, per author, and clarifications.

Entry ids are tag: URIs built from the pk and creation date, so a renamed story is
never announced twice; `updated` moves with each published clarification.
"""

import copy
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape
from django.utils.xmlutils import SimplerXMLGenerator

from articles.models import Author, Clarification, Story, Topic

FEED_LENGTH = 30
DUBLIN_CORE = "http://purl.org/dc/elements/1.1/"


class MultiAuthorRssFeed(Rss201rev2Feed):
    """RSS 2.0 with one <dc:creator> per author (<author> must be an email)."""

    def rss_attributes(self) -> dict[str, str]:
        return super().rss_attributes() | {"xmlns:dc": DUBLIN_CORE}

    def add_item_elements(
        self, handler: SimplerXMLGenerator, item: dict[str, Any]
    ) -> None:
        super().add_item_elements(handler, item)
        for name, _url in item.get("authors", ()):
            handler.addQuickElement("dc:creator", name)


class MultiAuthorAtomFeed(Atom1Feed):
    """Atom with one <author> (name and page) per author."""

    def add_item_elements(
        self, handler: SimplerXMLGenerator, item: dict[str, Any]
    ) -> None:
        super().add_item_elements(handler, item)
        for name, url in item.get("authors", ()):
            handler.startElement("author", {})
            handler.addQuickElement("name", name)
            handler.addQuickElement("uri", url)
            handler.endElement("author")


class NewsroomFeed(Feed):
    feed_type = MultiAuthorRssFeed
    language = settings.LANGUAGE_CODE

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # The URLconf holds one shared instance; ids and author links need this
        # request's host, so each request works on its own copy.
        feed = copy.copy(self)
        feed.request = request
        return Feed.__call__(feed, request, *args, **kwargs)

    def author_name(self) -> str:
        return settings.SITE_NAME

    def tag_uri(self, created_at: datetime, specific: str) -> str:
        """RFC 4151 tag: host, creation date and a pk; neither slug nor date in URL."""
        host = self.request.get_host().rsplit(":", 1)[0]
        return f"tag:{host},{timezone.localdate(created_at):%Y-%m-%d}:{specific}"


class LatestStoriesFeed(NewsroomFeed):
    description_template = "articles/feed_story_description.html"

    def title(self) -> str:
        return f"{settings.SITE_NAME}: latest stories"

    def link(self) -> str:
        return reverse("articles:home")

    def description(self) -> str:
        return f"The newest stories from {settings.SITE_NAME}."

    subtitle = description

    def stories(self, obj: Any) -> QuerySet[Story]:
        return Story.objects.published()

    def items(self, obj: Any) -> QuerySet[Story]:
        return self.stories(obj).for_detail()[:FEED_LENGTH]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {"story": kwargs["item"]}

    def item_title(self, story: Story) -> str:
        return story.plain_headline  # the "(UPDATED)" rule: never in feeds

    def item_guid(self, story: Story) -> str:
        return self.tag_uri(story.created_at, f"story:{story.pk}")

    item_guid_is_permalink = False

    def item_pubdate(self, story: Story) -> datetime | None:
        return story.published_at

    def item_updateddate(self, story: Story) -> datetime | None:
        return story.modified_at

    def item_categories(self, story: Story) -> list[str]:
        return [topic.name for topic in story.topics.all()]

    def item_extra_kwargs(self, story: Story) -> dict[str, Any]:
        return {
            "authors": [
                (
                    author.name,
                    self.request.build_absolute_uri(author.get_absolute_url()),
                )
                for author in story.writers
            ]
        }


class LatestStoriesAtomFeed(LatestStoriesFeed):
    feed_type = MultiAuthorAtomFeed


class TopicStoriesFeed(LatestStoriesFeed):
    def get_object(self, request: HttpRequest, slug: str) -> Topic:
        return get_object_or_404(Topic, slug=slug)

    def title(self, topic: Topic) -> str:
        return f"{settings.SITE_NAME}: {topic.name}"

    def link(self, topic: Topic) -> str:
        return topic.get_absolute_url()

    def description(self, topic: Topic) -> str:
        return topic.description or f"Stories about {topic.name}."

    subtitle = description

    def stories(self, topic: Topic) -> QuerySet[Story]:
        return Story.objects.published().filter(topics=topic)


class TopicStoriesAtomFeed(TopicStoriesFeed):
    feed_type = MultiAuthorAtomFeed


class AuthorStoriesFeed(LatestStoriesFeed):
    def get_object(self, request: HttpRequest, slug: str) -> Author:
        return get_object_or_404(Author, slug=slug)

    def title(self, author: Author) -> str:
        return f"{settings.SITE_NAME}: stories by {author.name}"

    def link(self, author: Author) -> str:
        return author.get_absolute_url()

    def description(self, author: Author) -> str:
        return f"Stories by {author.name}."

    subtitle = description

    def stories(self, author: Author) -> QuerySet[Story]:
        return Story.objects.published().filter(bylines__author=author)


class AuthorStoriesAtomFeed(AuthorStoriesFeed):
    feed_type = MultiAuthorAtomFeed


class ClarificationsFeed(NewsroomFeed):
    def title(self) -> str:
        return f"{settings.SITE_NAME}: corrections and clarifications"

    def link(self) -> str:
        return reverse("articles:clarification-list")

    def description(self) -> str:
        return "Every correction and clarification, newest first."

    subtitle = description

    def items(self) -> QuerySet[Clarification]:
        return Clarification.objects.public()[:FEED_LENGTH]

    def item_title(self, note: Clarification) -> str:
        return f"{note.get_kind_display()}: {note.story.plain_headline}"

    def item_description(self, note: Clarification) -> str:
        return escape(note.text)  # descriptions are HTML; the note is plain text

    def item_link(self, note: Clarification) -> str:
        return f"{note.story.get_absolute_url()}#note-{note.pk}"

    def item_guid(self, note: Clarification) -> str:
        return self.tag_uri(note.created_at, f"clarification:{note.pk}")

    item_guid_is_permalink = False

    def item_pubdate(self, note: Clarification) -> datetime | None:
        return note.published_at

    def item_updateddate(self, note: Clarification) -> datetime | None:
        return note.published_at


class ClarificationsAtomFeed(ClarificationsFeed):
    feed_type = MultiAuthorAtomFeed
