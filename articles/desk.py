"""The editors' desk pages that Django's admin has no page for: a story's history
(revisions and publication events), the differences between two versions,
restoring one, the body's live preview, and the corrections report. StoryAdmin
(admin.py) routes to them after its permission checks; each reads its input, calls
one QuerySet or service and renders."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin import ModelAdmin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from articles import diffs, rendering, reports
from articles.models import Clarification, Revision, Story, validate_body_length
from articles.services import RevisionError, restore_revision

# --- Rules the story admin asks about ----------------------------------------------


def is_on_the_record(story: Story) -> bool:
    """A story with a published clarification or correction is never deleted."""
    return Clarification.objects.published().filter(story=story).exists()


def on_the_record(story: Story) -> str:
    return (
        f"“{story}” has a published correction or clarification, so it stays on "
        "the record and can't be deleted. To take it off the site, unpublish it."
    )


# --- The body's editor ------------------------------------------------------------


class MarkdownEditor(forms.Textarea):
    """The body's textarea with a formatting toolbar and a live preview beside it,
    rendered by the server exactly as readers get it. Without JavaScript the
    toolbar and preview stay hidden and the plain textarea works as before."""

    template_name = "articles/widgets/markdown_editor.html"

    class Media:
        js = [
            forms.Script("vendor/markdown-toolbar-element/index.js", type="module"),
            forms.Script("js/editor.js", type="module"),
        ]

    def __init__(self, *, preview_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.preview_url = preview_url

    def get_context(self, name: str, value: Any, attrs: dict | None) -> dict:
        context = super().get_context(name, value, attrs)
        context["widget"]["preview_url"] = self.preview_url
        return context


@never_cache
@require_POST
def preview_body(request: HttpRequest) -> HttpResponse:
    """The body typed so far as reader HTML (sanitised), for the editor's preview.
    Staff only, CSRF-checked (admin_view), never cached."""
    text = request.POST.get("body", "")
    try:
        validate_body_length(text)
    except forms.ValidationError as error:
        return HttpResponse(error.messages[0], status=400, content_type="text/plain")
    return HttpResponse(rendering.render_body(text))


# --- History, differences, restoring ---------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One line of a story's history: a version saved, or a publication event."""

    at: datetime
    revision: Revision | None = None
    event: Any = None


def history(request: HttpRequest, admin: ModelAdmin, story: Story) -> HttpResponse:
    revisions = list(
        story.revisions.defer("body")
        .select_related("restored_from")
        .order_by("-number")
    )
    for newer, older in zip(revisions, revisions[1:], strict=False):
        newer.previous_id = older.pk
    events = list(story.events.order_by("-at", "-pk"))
    entries = sorted(
        [Entry(r.created_at, revision=r) for r in revisions]
        + [Entry(e.at, event=e) for e in events],
        key=lambda entry: entry.at,
        reverse=True,
    )
    context = _context(request, admin, story, f"History: {story}") | {
        "entries": entries,
        "revisions": revisions,
        "latest": revisions[0] if revisions else None,
        "can_restore": admin.has_change_permission(request, story),
        "compare_url": reverse("admin:articles_story_compare", args=[story.pk]),
    }
    return TemplateResponse(request, "admin/articles/story/history.html", context)


def _context(request: HttpRequest, admin: ModelAdmin, story: Story, title: str):
    return {
        **admin.admin_site.each_context(request),
        "opts": admin.opts,
        "original": story,
        "title": title,
        "subtitle": None,
        "time_zone": timezone.get_current_timezone_name(),
        "history_url": reverse("admin:articles_story_history", args=[story.pk]),
        "change_url": reverse("admin:articles_story_change", args=[story.pk]),
    }


class RevisionChoice(forms.Form):
    """Two versions to compare, by id, as the history's form sends them."""

    old = forms.IntegerField(min_value=1, max_value=2**62)
    new = forms.IntegerField(min_value=1, max_value=2**62)


def compare(request: HttpRequest, admin: ModelAdmin, story: Story) -> HttpResponse:
    form = RevisionChoice(request.GET)
    if not form.is_valid():
        return _refused(
            request, admin, story, "Pick two versions of this story to compare."
        )
    found = Revision.objects.select_related("story").in_bulk(
        [form.cleaned_data["old"], form.cleaned_data["new"]]
    )
    old, new = found.get(form.cleaned_data["old"]), found.get(form.cleaned_data["new"])
    for revision in (old, new):
        if revision is None:
            return _refused(
                request, admin, story, "That version does not exist (any more)."
            )
        if revision.story_id != story.pk:
            return _refused(
                request,
                admin,
                story,
                f"Version {revision.number} belongs to another story "
                f"(“{revision.story}”), not to “{story}”: versions can only be "
                "compared within one story.",
            )
    if old.number > new.number:
        old, new = new, old
    context = _context(
        request,
        admin,
        story,
        f"Version {old.number} and version {new.number}: {story}",
    ) | {"old": old, "new": new, "changes": changes_between(old, new)}
    return TemplateResponse(request, "admin/articles/story/compare.html", context)


@dataclass(frozen=True)
class FieldChange:
    label: str
    pieces: list[diffs.Piece] | None = None
    paragraphs: list[diffs.Paragraph] | None = None


# (label, attribute) of what the editors' comparison shows, in form order.
COMPARED = [
    ("Headline", "headline"),
    ("Address (slug)", "slug"),
    ("Summary", "dek"),
    ("Body", "body"),
    ("Byline", "author_names"),
    ("Topics", "topic_names"),
    ("Lead image", "lead_image"),
    ("Lead image description", "lead_image_alt"),
    ("Lead image caption", "lead_image_caption"),
    ("Lead image credit", "lead_image_credit"),
]


def changes_between(
    old: Revision, new: Revision, *, fields: list[tuple[str, str]] = COMPARED
) -> list[FieldChange]:
    """What differs between two versions, field by field (the body by paragraph);
    unchanged fields are left out."""
    found = []
    for label, attribute in fields:
        before, after = getattr(old, attribute), getattr(new, attribute)
        if attribute == "body":
            paragraphs = diffs.paragraph_diff(before, after)
            if diffs.changed(paragraphs):
                found.append(FieldChange(label, paragraphs=paragraphs))
            continue
        pieces = diffs.word_diff(before, after)
        if diffs.changed(pieces):
            found.append(FieldChange(label, pieces=pieces))
    return found


def _refused(
    request: HttpRequest, admin: ModelAdmin, story: Story, message: str
) -> HttpResponse:
    context = _context(request, admin, story, f"History: {story}") | {
        "message": message
    }
    return TemplateResponse(
        request, "admin/articles/story/refused.html", context, status=400
    )


def restore(
    request: HttpRequest, admin: ModelAdmin, story: Story, revision_id: int
) -> HttpResponse:
    """GET: what restoring the version would change, and a button. POST: restore."""
    revision = Revision.objects.select_related("story").filter(pk=revision_id).first()
    if revision is None:
        return _refused(request, admin, story, "That version does not exist.")
    if request.method == "POST":
        try:
            new, left_out = restore_revision(story, revision, by=request.user)
        except RevisionError as error:
            return _refused(request, admin, story, str(error))
        if new is None:
            messages.info(
                request,
                f"Version {revision.number} is the story as it is now: nothing "
                "changed.",
            )
        else:
            messages.success(
                request,
                f"Restored version {revision.number} of “{story}” as version "
                f"{new.number}. The versions in between stay in the history.",
            )
        if left_out:
            messages.warning(request, "Not brought back: " + "; ".join(left_out) + ".")
        return redirect("admin:articles_story_history", story.pk)
    if revision.story_id != story.pk:
        return _refused(
            request,
            admin,
            story,
            f"Version {revision.number} belongs to another story "
            f"(“{revision.story}”), not to “{story}”: nothing can be restored "
            "from it here.",
        )
    current = story.revisions.order_by("-number").first()
    context = _context(
        request, admin, story, f"Restore version {revision.number}: {story}"
    ) | {
        "revision": revision,
        "current": current,
        "changes": changes_between(current, revision) if current else [],
    }
    return TemplateResponse(request, "admin/articles/story/restore.html", context)


# --- The corrections report -------------------------------------------------------


def report(request: HttpRequest, admin: ModelAdmin) -> HttpResponse:
    report = reports.corrections_report()
    context = {
        **admin.admin_site.each_context(request),
        "opts": admin.opts,
        "title": "Corrections and clarifications",
        "newsroom_zone": settings.TIME_ZONE,
        "report": report,
        "tallies": [
            ("Per topic", "Topic", report.by_topic),
            ("Per author", "Author", report.by_author),
        ],
    }
    return TemplateResponse(request, "admin/articles/story/report.html", context)
