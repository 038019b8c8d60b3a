"""The editors' admin: stories with ordered bylines and append-only clarifications."""

from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, Model, OuterRef, QuerySet
from django.forms import BaseFormSet, ModelForm
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from articles.forms import (
    AuthorAdminForm,
    ClarificationAdminForm,
    StoryAdminForm,
    TopicAdminForm,
)
from articles.models import Author, Byline, Clarification, Story, Topic
from articles.previews import share_token
from articles.services import (
    Credit,
    PublishError,
    clarify_story,
    delete_clarification,
    edit_clarification,
    publish_story,
    save_story,
    unpublish_story,
)


class _IdsOnly:
    """Re-rendering a refused form, the autocomplete widgets look up the values that
    were posted; one that is not an id (a tampered post) is dropped, not a 500."""

    def optgroups(self, name: str, value: list[str], attr: Any = None) -> list:
        ids = [v for v in value if str(v).isdecimal() and len(str(v)) < 19]
        return super().optgroups(name, ids, attr)


class IdsOnlyAutocompleteSelect(_IdsOnly, AutocompleteSelect):
    pass


class IdsOnlyAutocompleteSelectMultiple(_IdsOnly, AutocompleteSelectMultiple):
    pass


def _autocomplete(db_field: Any, model_admin: admin.options.BaseModelAdmin) -> Any:
    widget = (
        IdsOnlyAutocompleteSelectMultiple
        if db_field.many_to_many
        else IdsOnlyAutocompleteSelect
    )
    return widget(db_field, model_admin.admin_site)


# Publishing actions are offered on the list and on the story's own page.
BOTH = [ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM]


def _stories(count: int) -> str:
    return f"{count} {'story' if count == 1 else 'stories'}"


def _save_note(note: Clarification, *, by: AbstractBaseUser) -> None:
    """Save a clarification an editor wrote, new or a draft, through the services
    (the form's instance becomes the saved row, so the admin logs and links it)."""
    fields = {"text": note.text, "kind": note.kind, "by": by}
    if note.pk:
        edit_clarification(note, at=note.published_at, **fields)
        return
    saved = clarify_story(
        note.story, at=note.published_at, draft=note.published_at is None, **fields
    )
    note.__dict__.update(saved.__dict__)


def _credits(formset: BaseFormSet) -> list[Credit]:
    """The byline an editor set in the inline, in the order of its position
    numbers (ties keep the order of the rows)."""
    rows = [
        (form.cleaned_data["position"], index, form.cleaned_data)
        for index, form in enumerate(formset.forms)
        if form.cleaned_data
        and not form.cleaned_data.get("DELETE")
        and form.cleaned_data.get("author")
    ]
    return [Credit(row["author"], row["role"]) for _, _, row in sorted(rows)]


class HasClarificationFilter(admin.SimpleListFilter):
    title = "clarification"
    parameter_name = "clarified"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin
    ) -> list[tuple[str, str]]:
        return [("yes", "Has a published one"), ("no", "Has none")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        published = Clarification.objects.published().filter(story=OuterRef("pk"))
        if self.value() == "yes":
            return queryset.filter(Exists(published))
        if self.value() == "no":
            return queryset.filter(~Exists(published))
        return queryset


class BylineInline(admin.TabularInline):
    model = Byline
    extra = 1
    autocomplete_fields = ["author"]
    fields = ["author", "role", "position"]

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs.setdefault("widget", _autocomplete(db_field, self))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class PublishedClarificationInline(admin.TabularInline):
    """Published clarifications: shown, never edited or deleted (append-only)."""

    model = Clarification
    verbose_name = "published clarification"
    verbose_name_plural = "published clarifications (a later one corrects an earlier)"
    extra = 0
    fields = ["kind", "text", "published_at", "issued_by"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).published().select_related("issued_by")

    def has_add_permission(
        self, request: HttpRequest, obj: Model | None = None
    ) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: Model | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: Model | None = None
    ) -> bool:
        return False


class ClarificationInline(admin.StackedInline):
    """New clarifications, and drafts (no date, or a date still to come)."""

    model = Clarification
    verbose_name = "new or draft clarification"
    verbose_name_plural = "add a clarification (leave the date empty to keep a draft)"
    extra = 0
    form = ClarificationAdminForm
    fields = ["kind", "text", "published_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).unpublished()


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin):
    list_display = [
        "headline",
        "status",
        "published_at",
        "author_names",
        "topic_names",
        "site_link",
    ]
    list_filter = ["status", HasClarificationFilter, "topics", "authors"]
    date_hierarchy = "published_at"
    search_fields = ["headline", "dek", "slug", "bylines__author__name"]
    form = StoryAdminForm
    autocomplete_fields = ["topics"]
    prepopulated_fields = {"slug": ["headline"]}
    readonly_fields = ["status", "published_by", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["headline", "slug", "dek", "body"]}),
        (
            "Lead image",
            {
                "fields": [
                    "lead_image",
                    "lead_image_alt",
                    "lead_image_caption",
                    "lead_image_credit",
                ]
            },
        ),
        (
            "Publication",
            {
                "fields": [
                    "status",
                    "published_at",
                    "published_by",
                    "topics",
                    "comment_policy",
                    "comment_moderation",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
    ]
    inlines = [BylineInline, PublishedClarificationInline, ClarificationInline]
    actions = ["publish_now", "unpublish"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).for_editing()

    def formfield_for_manytomany(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs.setdefault("widget", _autocomplete(db_field, self))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_readonly_fields(
        self, request: HttpRequest, obj: Model | None = None
    ) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if not self.has_publish_permission(request):
            fields.append("published_at")
        return fields

    def save_model(
        self, request: HttpRequest, obj: Model, form: ModelForm, change: bool
    ) -> None:
        """Nothing yet: the story is saved with its byline and topics in one call
        to the story service, in save_related, once the inlines are known valid."""

    def save_related(
        self,
        request: HttpRequest,
        form: ModelForm,
        formsets: list[BaseFormSet],
        change: bool,
    ) -> None:
        story = form.instance
        credits = None
        for formset in formsets:
            # Works out what changed (for the change message) and writes nothing.
            formset.save(commit=False)
            if formset.model is Byline:
                credits = _credits(formset)
        save_story(
            story, by=request.user, credits=credits, topics=form.cleaned_data["topics"]
        )
        for formset in formsets:
            if formset.model is Clarification:
                changed = [note for note, _ in formset.changed_objects]
                for note in [*formset.new_objects, *changed]:
                    note.story = story
                    _save_note(note, by=request.user)
                for note in formset.deleted_objects:
                    delete_clarification(note, by=request.user)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        action = request.POST.get("action") if request.method == "POST" else None
        if action and action not in self.get_actions(request):
            raise PermissionDenied  # e.g. a moderator posting "publish_now"
        return super().changelist_view(request, extra_context)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        story = self.get_object(request, object_id)
        if story is not None and not story.is_live:
            preview = reverse("articles:story-preview", kwargs={"pk": story.pk})
            share = reverse(
                "articles:story-share", kwargs={"token": share_token(story)}
            )
            extra_context = {
                **(extra_context or {}),
                "preview_url": preview,
                "share_url": request.build_absolute_uri(share),
                "share_days": settings.SHARE_LINK_MAX_AGE_DAYS,
            }
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="authors")
    def author_names(self, story: Story) -> str:
        return ", ".join(byline.author.name for byline in story.bylines.all())

    @admin.display(description="topics")
    def topic_names(self, story: Story) -> str:
        return ", ".join(topic.name for topic in story.topics.all())

    @admin.display(description="link")
    def site_link(self, story: Story) -> str:
        if story.is_live:
            return format_html('<a href="{}">View</a>', story.get_absolute_url())
        preview = reverse("articles:story-preview", kwargs={"pk": story.pk})
        return format_html('<a href="{}">Preview</a>', preview)

    @admin.action(description="Publish now", permissions=["publish"], location=BOTH)
    def publish_now(self, request: HttpRequest, queryset: QuerySet) -> None:
        published = 0
        for story in queryset:
            if story.is_live:
                continue
            # A scheduled story goes live now too.
            try:
                publish_story(story, by=request.user)
            except PublishError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                published += 1
        if published:
            self.message_user(request, f"Published {_stories(published)}.")

    @admin.action(
        description="Unpublish (back to draft)", permissions=["publish"], location=BOTH
    )
    def unpublish(self, request: HttpRequest, queryset: QuerySet) -> None:
        stories = list(queryset.filter(status=Story.Status.PUBLISHED))
        for story in stories:
            unpublish_story(story, by=request.user)
        self.message_user(request, f"Unpublished {_stories(len(stories))}.")

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("articles.publish_story")


@admin.register(Clarification)
class ClarificationAdmin(admin.ModelAdmin):
    list_display = ["excerpt", "story", "kind", "published_at", "issued_by"]
    list_filter = ["kind", "published_at"]
    search_fields = ["text", "story__headline"]
    list_select_related = ["story", "issued_by"]
    autocomplete_fields = ["story"]
    form = ClarificationAdminForm
    fields = ["story", "kind", "text", "published_at", "issued_by"]
    readonly_fields = ["issued_by"]
    actions = None  # bulk delete would reach published ones; drafts go one by one

    def get_readonly_fields(
        self, request: HttpRequest, obj: Model | None = None
    ) -> list[str]:
        if obj is not None and obj.is_published:
            return self.fields
        return self.readonly_fields

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs.setdefault("widget", _autocomplete(db_field, self))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="clarification")
    def excerpt(self, clarification: Clarification) -> str:
        return Truncator(clarification.text).chars(80)

    def save_model(
        self, request: HttpRequest, obj: Model, form: ModelForm, change: bool
    ) -> None:
        _save_note(obj, by=request.user)

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        delete_clarification(obj, by=request.user)

    def has_change_permission(
        self, request: HttpRequest, obj: Model | None = None
    ) -> bool:
        if obj is not None and obj.is_published:
            return False  # append-only: add a later clarification instead
        return super().has_change_permission(request, obj)

    def has_delete_permission(
        self, request: HttpRequest, obj: Model | None = None
    ) -> bool:
        if obj is not None and obj.is_published:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "job_title", "slug"]
    search_fields = ["name", "slug", "job_title"]
    form = AuthorAdminForm
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    form = TopicAdminForm
    prepopulated_fields = {"slug": ["name"]}
