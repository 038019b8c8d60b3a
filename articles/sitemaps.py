"""/sitemap.xml (every public page, with lastmod) and the Google News sitemap."""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from articles.models import Author, Story, Topic

# Google News reads only stories published in the last two days, at most 1,000.
NEWS_WINDOW = timedelta(days=2)
NEWS_LIMIT = 1000


class StorySitemap(Sitemap):
    def items(self) -> QuerySet[Story]:
        return (
            Story.objects.published()
            .with_last_clarified_at()
            .with_last_edited_at()
            .only("slug", "published_at", "created_at", "updated_at", "text_changes")
        )

    def lastmod(self, story: Story) -> datetime:
        # Any edit counts for crawlers (updated_at), and so does a clarification
        # that was scheduled before it appeared (modified_at).
        return max(story.updated_at, story.modified_at)


class TopicSitemap(Sitemap):
    def items(self) -> QuerySet[Topic]:
        return Topic.objects.in_use().only("slug")


class AuthorSitemap(Sitemap):
    def items(self) -> QuerySet[Author]:
        return Author.objects.bylined().only("slug")


class PageSitemap(Sitemap):
    def items(self) -> list[str]:
        return [
            "articles:home",
            "articles:clarification-list",
            "articles:corrections-policy",
        ]

    def location(self, name: str) -> str:
        return reverse(name)


SITEMAPS = {
    "pages": PageSitemap,
    "stories": StorySitemap,
    "topics": TopicSitemap,
    "authors": AuthorSitemap,
}


def news_sitemap(request: HttpRequest) -> HttpResponse:
    """Google News sitemap: recent stories with publication name and language."""
    since = timezone.now() - NEWS_WINDOW
    stories = (
        Story.objects.published()
        .filter(published_at__gte=since)
        .only("headline", "slug", "published_at", "created_at")[:NEWS_LIMIT]
    )
    context = {
        "stories": stories,
        "publication_name": settings.SITE_NAME,
        # Google wants ISO 639 codes ("en"), except zh-cn and zh-tw.
        "language": news_language(settings.LANGUAGE_CODE),
    }
    response = render(
        request, "articles/news_sitemap.xml", context, content_type="application/xml"
    )
    response["X-Robots-Tag"] = "noindex, noodp, noarchive"
    return response


def news_language(language_code: str) -> str:
    code = language_code.lower()
    return code if code in {"zh-cn", "zh-tw"} else code.split("-")[0]
