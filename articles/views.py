"""The public reader site. Readers see only Story.objects.published()."""

import re
from typing import Any

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.cache import never_cache
from django.views.generic import ListView, TemplateView

from articles import desk, images, jsonld
from articles.models import Author, Clarification, Revision, Story, Topic
from articles.previews import ShareLinkExpired, ShareLinkInvalid, story_for_share_token

PAGE_SIZE = 20
MAX_ARCHIVE_PAGE = 1_000_000  # 20 million stories in one topic
SEARCH_MAX_LENGTH = 200
# NUL and other control characters cannot be searched for (PostgreSQL rejects NUL).
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]+")


class HomeView(ListView):
    template_name = "articles/home.html"
    context_object_name = "stories"
    paginate_by = PAGE_SIZE

    def get_queryset(self) -> QuerySet[Story]:
        return Story.objects.published().for_listing()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["organization"] = jsonld.site_organization(self.request)
        return context


class ArchivePage(Page):
    more_follow = False  # set by ArchivePaginator.page()
    next_rows: list = []  # the row read past the page, if any

    def has_next(self) -> bool:
        return self.more_follow


class ArchivePaginator(Paginator):
    """Pages a topic's or author's archive without counting it.

    A count runs over every matching story, so it grows with the archive; reading
    one row past the page tells whether a next page exists, at the same cost at
    ten or ten thousand stories. Readers get "Previous/Next page", no "of N".
    """

    shows_total = False

    def validate_number(self, number: Any) -> int:
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger("That page number is not a whole number.") from None
        if number < 1:
            raise EmptyPage("That page number is less than 1.")
        if number > MAX_ARCHIVE_PAGE:
            # Far past any archive, and an OFFSET PostgreSQL could not hold.
            raise EmptyPage("That page contains no results.")
        return number

    def page(self, number: Any) -> ArchivePage:
        number = self.validate_number(number)
        start = (number - 1) * self.per_page
        rows = list(self.object_list[start : start + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage("That page contains no results.")
        page = ArchivePage(rows[: self.per_page], number, self)
        page.more_follow = len(rows) > self.per_page
        page.next_rows = rows[self.per_page :]
        return page


class TopicView(ListView):
    template_name = "articles/topic_detail.html"
    context_object_name = "stories"
    paginate_by = PAGE_SIZE
    paginator_class = ArchivePaginator

    def get_queryset(self) -> QuerySet[Story]:
        self.topic = get_object_or_404(Topic, slug=self.kwargs["slug"])
        return Story.objects.published().filter(topics=self.topic).for_listing()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(topic=self.topic, **kwargs)


class AuthorView(ListView):
    template_name = "articles/author_detail.html"
    context_object_name = "stories"
    paginate_by = PAGE_SIZE
    paginator_class = ArchivePaginator

    def get_queryset(self) -> QuerySet[Story]:
        self.author = get_object_or_404(Author, slug=self.kwargs["slug"])
        return (
            Story.objects.published().filter(bylines__author=self.author).for_listing()
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(author=self.author, **kwargs)


class ClarificationListView(ListView):
    template_name = "articles/clarification_list.html"
    context_object_name = "notes"
    paginate_by = 30

    def get_queryset(self) -> QuerySet[Clarification]:
        return Clarification.objects.public()


class SearchView(ListView):
    template_name = "articles/search.html"
    context_object_name = "stories"
    paginate_by = PAGE_SIZE

    def get_queryset(self) -> QuerySet[Story]:
        raw = _CONTROL_CHARACTERS.sub(" ", self.request.GET.get("q", "")).strip()
        self.shortened = len(raw) > SEARCH_MAX_LENGTH
        self.terms = raw[:SEARCH_MAX_LENGTH]
        if self.shortened and not raw[SEARCH_MAX_LENGTH].isspace():
            # Drop the word the cut went through rather than search for half of it.
            self.terms = self.terms.rpartition(" ")[0] or self.terms
        self.terms = self.terms.strip()
        if not self.terms:
            return Story.objects.none()
        return Story.objects.published().search(self.terms).for_listing()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            terms=self.terms,
            shortened=self.shortened,
            max_length=SEARCH_MAX_LENGTH,
            **kwargs,
        )


class CorrectionsPolicyView(TemplateView):
    template_name = "articles/corrections_policy.html"


def story_detail(
    request: HttpRequest, year: int, month: int, day: int, slug: str
) -> HttpResponse:
    """A story at its dated address; any other address of it answers 301."""
    story = Story.objects.published().for_detail().filter(slug=slug).first()
    if story is None:
        # An old slug: the story's current address, wherever it now lives.
        story = get_object_or_404(Story.objects.published(), old_slugs__slug=slug)
        return redirect(story, permanent=True)
    if request.path != story.get_absolute_url():
        # Wrong or zero-padded date: one canonical address per story.
        return redirect(story, permanent=True)
    return _story_page(request, story, preview=False)


# Versions of a story's text shown per "What changed" page.
CHANGES_PAGE_SIZE = 10


def story_changes(
    request: HttpRequest, year: int, month: int, day: int, slug: str
) -> HttpResponse:
    """ "What changed": a published story's dated clarifications and, unless the
    newsroom hides them, how each version readers saw differs from the one before.
    Only for a story with something to show; drafts never appear."""
    story = Story.objects.published().for_detail().filter(slug=slug).first()
    if story is None:
        story = get_object_or_404(Story.objects.published(), old_slugs__slug=slug)
        return redirect(story.get_changes_url(), permanent=True)
    if request.path != story.get_changes_url():
        return redirect(story.get_changes_url(), permanent=True)
    if not story.is_updated:
        raise Http404("Nothing has changed in this story since it was published.")
    versions, page = [], None
    if story.last_edited_at is not None:  # text changes shown, and some to show
        paginator = ArchivePaginator(
            Revision.objects.public()
            .filter(story=story)
            .order_by("-public_from", "-pk"),
            CHANGES_PAGE_SIZE,
        )
        try:
            page = paginator.page(request.GET.get("page", 1))
        except (EmptyPage, PageNotAnInteger) as error:
            raise Http404(str(error)) from None
        # The row after the page is the version before the page's last one.
        rows = [*page.object_list, *page.next_rows]
        versions = [
            (version, desk.changes_between(older, version) if older else None)
            for version, older in zip(rows, [*rows[1:], None], strict=False)
        ][: len(page.object_list)]
    context = {
        "story": story,
        "versions": versions,
        "page_obj": page,
        "canonical_url": request.build_absolute_uri(story.get_changes_url()),
    }
    return render(request, "articles/story_changes.html", context)


@never_cache
@login_required(login_url=reverse_lazy("admin:login"))
@permission_required("articles.change_story", raise_exception=True)
def story_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Editors read any story, draft or scheduled, as readers will see it."""
    story = get_object_or_404(Story.objects.for_detail(), pk=pk)
    return _story_page(request, story, preview=True)


@never_cache
def story_share(request: HttpRequest, token: str) -> HttpResponse:
    """A reviewer without an account reads a story through a signed, expiring link."""
    try:
        story = story_for_share_token(token)
    except ShareLinkExpired as error:
        return _share_link_error(request, error, status=410)
    except ShareLinkInvalid as error:
        return _share_link_error(request, error, status=404)
    return _story_page(request, story, preview=True)


def _share_link_error(
    request: HttpRequest, error: Exception, *, status: int
) -> HttpResponse:
    response = render(
        request,
        "articles/share_link_error.html",
        {"message": str(error)},
        status=status,
    )
    response["X-Robots-Tag"] = "noindex"
    return response


def _story_page(request: HttpRequest, story: Story, *, preview: bool) -> HttpResponse:
    lead_sizes = images.renditions(
        story.lead_image, width=story.lead_image_width, made=story.lead_image_widths
    )
    context = {
        "story": story,
        "preview": preview,
        "canonical_url": request.build_absolute_uri(story.get_absolute_url()),
        "lead_sizes": lead_sizes,
        "lead_srcset": images.srcset(lead_sizes),
        "article_data": None if preview else jsonld.news_article(story, request),
    }
    response = render(request, "articles/story_detail.html", context)
    if preview:
        response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def robots_txt(request: HttpRequest) -> HttpResponse:
    context = {
        "sitemap_url": request.build_absolute_uri(reverse("articles:sitemap")),
        "news_sitemap_url": request.build_absolute_uri(
            reverse("articles:news-sitemap")
        ),
    }
    return render(request, "articles/robots.txt", context, content_type="text/plain")
