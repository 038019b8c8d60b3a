"""The editors' admin: stories with ordered bylines and append-only clarifications."""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import actions as admin_actions
from django.contrib.admin.widgets import (
    AdminFileWidget,
    AutocompleteSelect,
    AutocompleteSelectMultiple,
)
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Exists, Model, OuterRef, QuerySet
from django.forms import BaseFormSet, BaseInlineFormSet, Field, ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.text import Truncator

from articles import desk
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
    schedule_story,
    unpublish_story,
)
from newsroom.timezones import with_zone_help


class LabelledFileWidget(AdminFileWidget):
    """The admin's file input with its own <label>: Django wraps it in a fieldset
    whose legend does not label the input (axe: label)."""

    use_fieldset = False


# Image fields of the admin's forms: labelled file inputs.
LABELLED_FILES = {models.ImageField: {"widget": LabelledFileWidget}}


class _IdsOnly:
    """Re-rendering a refused form, the autocomplete widgets look up the values that
    were posted; one that is not an id (a tampered post) is dropped, not a 500."""

    def optgroups(self, name: str, value: list[str], attr: Any = None) -> list:
        ids = [v for v in value if str(v).isdecimal() and len(str(v)) < 19]
        return super().optgroups(name, ids, attr)


class IdsOnlyAutocompleteSelect(_IdsOnly, AutocompleteSelect):
    pass


class IdsOnlyAutocompleteSelectMultiple(_IdsOnly, AutocompleteSelectMultiple):
    def build_attrs(self, base_attrs: dict, extra_attrs: dict | None = None) -> dict:
        # Each chosen item has its own remove button; select2's "clear all" is a
        # <span> inside its list, which breaks the list's structure for screen
        # readers (axe: list).
        return super().build_attrs(base_attrs, extra_attrs) | {
            "data-allow-clear": "false"
        }


def _autocomplete(db_field: Any, model_admin: admin.options.BaseModelAdmin) -> Any:
    widget = (
        IdsOnlyAutocompleteSelectMultiple
        if db_field.many_to_many
        else IdsOnlyAutocompleteSelect
    )
    return widget(db_field, model_admin.admin_site)


def _stories(count: int) -> str:
    return f"{count} {'story' if count == 1 else 'stories'}"


def _moment(at: Any) -> str:
    local = timezone.localtime(at)
    return f"{formats.date_format(local, 'DATETIME_FORMAT')} {local.tzname()}"


# The buttons of the story form that save it, then publish, schedule or unpublish
# it: the edits typed are never thrown away (StoryAdmin.response_change).
PUBLICATION_BUTTONS = {
    "_publish": ("publish", "Save and publish now"),
    "_schedule": ("schedule", "Save and schedule"),
    "_unpublish": ("unpublish", "Save and unpublish"),
}


def _requested_verb(request: HttpRequest) -> str:
    if request.method != "POST":
        return ""
    for name, (verb, _) in PUBLICATION_BUTTONS.items():
        if name in request.POST:
            return verb
    return ""


def _zone_aware(field: Field | None, db_field: Any) -> Field | None:
    """A date-time field of an admin form says which time zone its times are in."""
    if field is not None and isinstance(db_field, models.DateTimeField):
        field.help_text = with_zone_help(field.help_text)
    return field


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


class LabelledRowsFormSet(BaseInlineFormSet):
    """A tabular inline's fields have no <label> (the column headings name them):
    each gets its heading as an accessible name."""

    def add_fields(self, form: Any, index: int | None) -> None:
        super().add_fields(form, index)
        for name, field in form.fields.items():
            # The admin wraps related fields (add/change links): name the widget
            # inside, which renders the input.
            widget = getattr(field.widget, "widget", field.widget)
            if not widget.is_hidden:
                widget.attrs = {**widget.attrs, "aria-label": str(field.label or name)}


class BylineInline(admin.TabularInline):
    model = Byline
    formset = LabelledRowsFormSet
    extra = 1
    autocomplete_fields = ["author"]
    fields = ["author", "role", "position"]

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs.setdefault("widget", _autocomplete(db_field, self))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class PublishedClarificationInline(admin.StackedInline):
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

    def formfield_for_dbfield(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> Any:
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        return _zone_aware(field, db_field)


class PublicationFilter(admin.SimpleListFilter):
    title = "publication"
    parameter_name = "publication"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin
    ) -> list[tuple[str, str]]:
        return [("draft", "Draft"), ("scheduled", "Scheduled"), ("live", "Published")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "draft":
            return queryset.filter(status=Story.Status.DRAFT)
        if self.value() == "scheduled":
            return queryset.scheduled()
        if self.value() == "live":
            return queryset.published()
        return queryset


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin):
    list_display = [
        "headline",
        "publication",
        "author_names",
        "topic_names",
        "site_link",
    ]
    list_filter = [PublicationFilter, HasClarificationFilter, "topics", "authors"]
    date_hierarchy = "published_at"
    search_fields = ["headline", "dek", "slug", "bylines__author__name"]
    form = StoryAdminForm
    formfield_overrides = LABELLED_FILES
    autocomplete_fields = ["topics"]
    prepopulated_fields = {"slug": ["headline"]}
    readonly_fields = [
        "publication",
        "published_by",
        "published_by_name",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        ("Story", {"fields": ["headline", "slug", "dek", "body", "revision_note"]}),
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
                    "publication",
                    "published_at",
                    "published_by",
                    "topics",
                    "comment_policy",
                    "text_changes",
                    "comment_moderation",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
    ]
    inlines = [BylineInline, PublishedClarificationInline, ClarificationInline]
    actions = ["publish_now", "unpublish", "delete_selected"]

    class Media:
        js = [forms.Script("js/autocomplete-names.js", defer=True)]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).for_editing()

    def get_urls(self) -> list[URLPattern]:
        def view(function: Any) -> Any:
            return self.admin_site.admin_view(function)

        return [
            path(
                "<path:object_id>/history/compare/",
                view(self.compare_view),
                name="articles_story_compare",
            ),
            path(
                "<path:object_id>/history/<int:number>/restore/",
                view(self.restore_view),
                name="articles_story_restore",
            ),
            path(
                "preview-body/",
                view(self.preview_body_view),
                name="articles_story_preview_body",
            ),
            path("report/", view(self.report_view), name="articles_story_report"),
            *super().get_urls(),
        ]

    def get_form(
        self,
        request: HttpRequest,
        obj: Model | None = None,
        change: bool = False,
        **kwargs: Any,
    ) -> type[ModelForm]:
        form = super().get_form(request, obj, change, **kwargs)
        form.publication_request = _requested_verb(request)  # a class of its own
        return form

    def formfield_for_dbfield(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.name == "body":
            kwargs["widget"] = desk.MarkdownEditor(
                preview_url=reverse("admin:articles_story_preview_body")
            )
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        return _zone_aware(field, db_field)

    def formfield_for_manytomany(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs.setdefault("widget", _autocomplete(db_field, self))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Model | None = None) -> list:
        """ "Published by" links to the user's page only for those who may open
        it; others read the name."""
        if request.user.has_perm("auth.view_user"):
            return self.fieldsets
        return [
            (name, {**options, "fields": _plain_publisher(options["fields"])})
            for name, options in self.fieldsets
        ]

    def get_readonly_fields(
        self, request: HttpRequest, obj: Model | None = None
    ) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if not self.has_publish_permission(request):
            fields.append("published_at")
        return fields

    def view_on_site(self, story: Story) -> str:
        """A live story's page; a draft's or scheduled story's preview."""
        if story.is_live:
            return story.get_absolute_url()
        return reverse("articles:story-preview", kwargs={"pk": story.pk})

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
        reschedule = None
        if story.pk and "published_at" in form.changed_data:
            saved = Story.objects.get(pk=story.pk)
            if saved.is_scheduled:
                # A scheduled story's new time is set by the scheduling verb (a
                # live story's may be moved to another past time, as a save).
                reschedule, story.published_at = story.published_at, saved.published_at
        credits = None
        for formset in formsets:
            # Works out what changed (for the change message) and writes nothing.
            formset.save(commit=False)
            if formset.model is Byline:
                credits = _credits(formset)
        save_story(
            story,
            by=request.user,
            credits=credits,
            topics=form.cleaned_data["topics"],
            note=form.cleaned_data.get("revision_note", ""),
        )
        for formset in formsets:
            if formset.model is Clarification:
                changed = [note for note, _ in formset.changed_objects]
                for note in [*formset.new_objects, *changed]:
                    note.story = story
                    _save_note(note, by=request.user)
                for note in formset.deleted_objects:
                    delete_clarification(note, by=request.user)
        if reschedule is not None and _requested_verb(request) != "publish":
            schedule_story(story, at=reschedule, by=request.user)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if _requested_verb(request) and not self.has_publish_permission(request):
            raise PermissionDenied
        story = self.get_object(request, object_id) if object_id else None
        context = {
            **(extra_context or {}),
            "publication_buttons": self._publication_buttons(request, story),
        }
        if story is not None and not story.is_live:
            share = reverse(
                "articles:story-share", kwargs={"token": share_token(story)}
            )
            context |= {
                "preview_url": self.view_on_site(story),
                "share_url": request.build_absolute_uri(share),
                "share_days": settings.SHARE_LINK_MAX_AGE_DAYS,
            }
        if story is not None and desk.is_on_the_record(story):
            context["kept_on_record"] = True
        return super().changeform_view(request, object_id, form_url, context)

    def _publication_buttons(
        self, request: HttpRequest, story: Story | None
    ) -> list[tuple[str, str]]:
        if not self.has_publish_permission(request):
            return []
        names = ["_publish", "_schedule"]
        if story is not None and story.is_live:
            names = ["_unpublish"]
        elif story is not None and story.is_scheduled:
            names = ["_publish", "_schedule", "_unpublish"]
        return [(name, PUBLICATION_BUTTONS[name][1]) for name in names]

    def response_add(
        self, request: HttpRequest, obj: Model, post_url_continue: str | None = None
    ) -> HttpResponse:
        if _requested_verb(request):
            return self._save_and(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request: HttpRequest, obj: Model) -> HttpResponse:
        if _requested_verb(request):
            return self._save_and(request, obj)
        return super().response_change(request, obj)

    def _save_and(self, request: HttpRequest, story: Story) -> HttpResponse:
        """The story is saved; now the verb its button asked for, and back to it."""
        verb = _requested_verb(request)
        was_scheduled_for = story.published_at if story.is_scheduled else None
        try:
            if verb == "publish":
                publish_story(story, by=request.user)
                message = f"Saved and published “{story}” now."
                if was_scheduled_for:
                    message = (
                        f"Saved and published “{story}” now, instead of at "
                        f"{_moment(was_scheduled_for)} as scheduled."
                    )
            elif verb == "schedule":
                if not story.is_scheduled or story.published_at != was_scheduled_for:
                    schedule_story(story, at=story.published_at, by=request.user)
                message = (
                    f"Saved. “{story}” is scheduled: readers see it from "
                    f"{_moment(story.published_at)}."
                )
            elif story.status == Story.Status.PUBLISHED:
                unpublish_story(story, by=request.user)
                message = f"Saved and unpublished “{story}”: it is a draft again."
            else:
                message = f"Saved. “{story}” is a draft already."
        except PublishError as error:
            self.message_user(request, f"Saved, but {error}", messages.ERROR)
        else:
            self.message_user(request, message, messages.SUCCESS)
        return HttpResponseRedirect(
            reverse("admin:articles_story_change", args=[story.pk])
        )

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        action = request.POST.get("action") if request.method == "POST" else None
        if action and action not in self.get_actions(request):
            raise PermissionDenied  # e.g. a moderator posting "publish_now"
        return super().changelist_view(request, extra_context)

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: Any = None
    ) -> HttpResponse:
        """Revisions and publication events, newest first (not Django's log)."""
        story = self.get_object(request, object_id)
        if story is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, story):
            raise PermissionDenied
        return desk.history(request, self, story)

    def compare_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        story = self.get_object(request, object_id)
        if story is None or not self.has_view_or_change_permission(request, story):
            raise PermissionDenied
        return desk.compare(request, self, story)

    def restore_view(
        self, request: HttpRequest, object_id: str, number: int
    ) -> HttpResponse:
        story = self.get_object(request, object_id)
        if story is None or not self.has_change_permission(request, story):
            raise PermissionDenied
        return desk.restore(request, self, story, number)

    def preview_body_view(self, request: HttpRequest) -> HttpResponse:
        if not (
            self.has_change_permission(request) or self.has_add_permission(request)
        ):
            raise PermissionDenied
        return desk.preview_body(request)

    def report_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("articles.view_corrections_report"):
            raise PermissionDenied
        return desk.report(request, self)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: Any = None
    ) -> HttpResponse:
        story = self.get_object(request, object_id)
        if story is not None and desk.is_on_the_record(story):
            self.message_user(request, desk.on_the_record(story), messages.ERROR)
            return HttpResponseRedirect(
                reverse("admin:articles_story_change", args=[story.pk])
            )
        return super().delete_view(request, object_id, extra_context)

    def has_delete_permission(
        self, request: HttpRequest, obj: Model | None = None
    ) -> bool:
        if obj is not None and desk.is_on_the_record(obj):
            return False  # its published corrections stay on the record
        return super().has_delete_permission(request, obj)

    @admin.display(description="publication", ordering="published_at")
    def publication(self, story: Story) -> str:
        if story.is_scheduled:
            return f"Scheduled for {_moment(story.published_at)}"
        if story.is_live:
            return f"Published {_moment(story.published_at)}"
        return "Draft"

    @admin.display(description="published by")
    def published_by_name(self, story: Story) -> str:
        return story.published_by.get_username() if story.published_by else "-"

    @admin.display(description="authors")
    def author_names(self, story: Story) -> str:
        return ", ".join(byline.author.name for byline in story.bylines.all())

    @admin.display(description="topics")
    def topic_names(self, story: Story) -> str:
        return ", ".join(topic.name for topic in story.topics.all())

    @admin.display(description="link")
    def site_link(self, story: Story) -> str:
        label = "View" if story.is_live else "Preview"
        return format_html('<a href="{}">{}</a>', self.view_on_site(story), label)

    @admin.action(description="Publish now", permissions=["publish"])
    def publish_now(self, request: HttpRequest, queryset: QuerySet) -> None:
        published = 0
        for story in queryset:
            if story.is_live:
                continue
            scheduled_for = story.published_at if story.is_scheduled else None
            try:
                publish_story(story, by=request.user)
            except PublishError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                published += 1
                if scheduled_for:
                    self.message_user(
                        request,
                        f"“{story}” was scheduled for {_moment(scheduled_for)}; "
                        "it is live now.",
                    )
        if published:
            self.message_user(request, f"Published {_stories(published)}.")

    @admin.action(description="Unpublish (back to draft)", permissions=["publish"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet) -> None:
        stories = list(queryset.filter(status=Story.Status.PUBLISHED))
        for story in stories:
            unpublish_story(story, by=request.user)
        self.message_user(request, f"Unpublished {_stories(len(stories))}.")

    @admin.action(description="Delete selected stories", permissions=["delete"])
    def delete_selected(
        self, request: HttpRequest, queryset: QuerySet
    ) -> HttpResponse | None:
        """Django's delete (with its confirmation page), unless a story in the
        selection has a published correction: those stay on the record."""
        kept = [story for story in queryset if desk.is_on_the_record(story)]
        for story in kept:
            self.message_user(request, desk.on_the_record(story), messages.ERROR)
        if kept:
            return None
        return admin_actions.delete_selected(self, request, queryset)

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("articles.publish_story")


def _plain_publisher(fields: list[str]) -> list[str]:
    return ["published_by_name" if name == "published_by" else name for name in fields]


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

    def formfield_for_dbfield(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> Any:
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        return _zone_aware(field, db_field)

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
    formfield_overrides = LABELLED_FILES
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    form = TopicAdminForm
    prepopulated_fields = {"slug": ["name"]}
