"""schema.org data for search engines: NewsArticle per story, the site's Organization.

Absolute URLs come from the request (django.contrib.sites is not installed).
Embed the result with the `json_ld` template filter, which escapes <, > and &.
"""

from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone

from articles.models import Story

LOGO_PATH = "img/logo.svg"


def _iso(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


def organization(request: HttpRequest) -> dict[str, Any]:
    policy = request.build_absolute_uri(reverse("articles:corrections-policy"))
    return {
        "@type": "NewsMediaOrganization",
        "name": settings.SITE_NAME,
        "url": request.build_absolute_uri(reverse("articles:home")),
        "logo": {
            "@type": "ImageObject",
            "url": request.build_absolute_uri(static(LOGO_PATH)),
        },
        "publishingPrinciples": policy,
        "correctionsPolicy": policy,
    }


def site_organization(request: HttpRequest) -> dict[str, Any]:
    """The home page's Organization block."""
    return {"@context": "https://schema.org"} | organization(request)


def news_article(story: Story, request: HttpRequest) -> dict[str, Any]:
    """NewsArticle for a story loaded with for_detail()."""
    url = request.build_absolute_uri(story.get_absolute_url())
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": story.plain_headline,
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "datePublished": _iso(story.published_at),
        "dateModified": _iso(story.modified_at),
        "author": [
            {
                "@type": "Person",
                "name": author.name,
                "url": request.build_absolute_uri(author.get_absolute_url()),
            }
            for author in story.writers
        ],
        "publisher": organization(request),
        "isAccessibleForFree": True,
    }
    if story.other_credits:
        data["contributor"] = [
            {
                "@type": "Person",
                "name": byline.author.name,
                "url": request.build_absolute_uri(byline.author.get_absolute_url()),
            }
            for byline in story.other_credits
        ]
    if story.dek:
        data["description"] = story.dek
    if story.lead_image:
        data["image"] = [request.build_absolute_uri(story.lead_image.url)]
    topics = [topic.name for topic in story.topics.all()]
    if topics:
        data["articleSection"] = topics[0]
        data["keywords"] = topics
    if story.published_clarifications:
        data["correction"] = [
            {
                "@type": "CorrectionComment",
                "text": f"{note.get_kind_display()}: {note.text}",
                "datePublished": _iso(note.published_at),
            }
            for note in story.published_clarifications
        ]
    return data
