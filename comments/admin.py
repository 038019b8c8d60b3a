from collections.abc import Iterator
from typing import Any

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.timesince import timesince

from comments.desk import cards_for
from comments.models import Ban, Comment, ModerationEvent, ModerationWord, Report
from comments.services import (
    SYSTEM,
    approve_comments,
    lift_bans,
    mark_comments_as_spam,
    reject_comments,
)

# The index page leads to the moderation desk (templates/comments/admin_index.html).
admin.site.index_template = "comments/admin_index.html"


def _moderators_land_on_the_desk(user: Any) -> str | None:
    """After signing in, whoever moderates but doesn't edit stories (the
    Moderators group) starts on the desk; everyone else on the admin index."""
    moderates = user.has_perm("comments.moderate_comment")
    if moderates and not user.has_perm("articles.change_story"):
        return reverse("desk:queue")
    return None


admin.site.register_landing(_moderators_land_on_the_desk)


class StatusFilter(admin.SimpleListFilter):
    """Status, opening on "Pending": the queue is what moderators come for."""

    title = "status"
    parameter_name = "status"
    ALL = "all"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin
    ) -> list[tuple[str, str]]:
        return [*Comment.Status.choices, (self.ALL, "All")]

    def value(self) -> str:
        return super().value() or Comment.Status.PENDING

    def choices(self, changelist: ChangeList) -> Iterator[dict[str, Any]]:
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string(
                    {self.parameter_name: lookup}
                ),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == self.ALL:
            return queryset
        return queryset.filter(status=self.value())


class ReadOnlyInline(admin.TabularInline):
    """Rows of the comment's record (its audit trail, its reports): readable, never
    added, edited or deleted in the admin; the services write them."""

    extra = 0
    can_delete = False

    def get_readonly_fields(
        self, request: HttpRequest, obj: Model | None = None
    ) -> list[str]:
        return self.fields

    def has_add_permission(
        self, request: HttpRequest, obj: Model | None = None
    ) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: Model | None = None
    ) -> bool:
        return False


class ModerationEventInline(ReadOnlyInline):
    model = ModerationEvent
    fields = ["created_at", "actor_name", "from_status", "to_status", "rule", "reason"]


class ReportInline(ReadOnlyInline):
    model = Report
    fields = ["created_at", "reason", "text", "dismissed_at"]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["excerpt", "headline", "name", "age", "status", "hold_reason"]
    list_filter = [StatusFilter, ("story", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["story"]
    list_per_page = 100
    ordering = ["submitted_at", "pk"]
    search_fields = ["body", "name", "story__headline"]
    fields = [
        "story",
        "name",
        "body",
        "status",
        "rule",
        "hold_reason",
        "submitted_at",
        "moderated_by",
        "moderated_at",
    ]
    readonly_fields = fields
    inlines = [ModerationEventInline, ReportInline]
    actions = ["approve_selected", "reject_selected", "mark_selected_as_spam"]

    # Personal data: only moderators (moderate_comment) see it, search it or filter
    # on it. Editors read comments without learning who wrote them from where.
    personal_fields = ["email", "ip_address", "ip_hash"]

    def get_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        if self.has_moderate_permission(request):
            return [*self.fields[:2], *self.personal_fields, *self.fields[2:]]
        return self.fields

    def get_readonly_fields(
        self, request: HttpRequest, obj: Model | None = None
    ) -> list[str]:
        return self.get_fields(request, obj)

    def get_search_fields(self, request: HttpRequest) -> list[str]:
        if self.has_moderate_permission(request):
            return [*self.search_fields, "email"]
        return self.search_fields

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        # The admin otherwise accepts any local field in the query string
        # (?email__startswith=a), which would let an editor probe addresses.
        field = lookup.split("__", 1)[0]
        if field in self.personal_fields and not self.has_moderate_permission(request):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_inlines(self, request: HttpRequest, obj: Model | None) -> list:
        # Reports are the moderators' business (Editors can't read them).
        if request.user.has_perm("comments.view_report"):
            return self.inlines
        return [ModerationEventInline]

    def view_on_site(self, comment: Comment) -> str:
        """Where readers see the comment; its card on the desk until they can."""
        if comment.is_public and comment.story.is_live:
            return comment.get_absolute_url()
        return f"{reverse('desk:queue')}?comment={comment.pk}"

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """The comment's page, with the desk's buttons for moderators."""
        comment = self.get_object(request, object_id)
        if comment is not None and self.has_moderate_permission(request):
            (card,) = cards_for([comment])
            extra_context = (extra_context or {}) | {
                "card": card,
                "here": request.get_full_path(),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="Comment")
    def excerpt(self, comment: Comment) -> str:
        return Truncator(comment.body).chars(80)

    @admin.display(description="Story", ordering="story__headline")
    def headline(self, comment: Comment) -> str:
        # Not the story field itself: the admin never wraps a foreign key's column,
        # and a long headline would push the last columns out of sight.
        return comment.story.headline

    @admin.display(description="Age", ordering="submitted_at")
    def age(self, comment: Comment) -> str:
        return timesince(comment.submitted_at, timezone.now())

    @admin.action(description="Approve selected comments", permissions=["moderate"])
    def approve_selected(
        self, request: HttpRequest, queryset: QuerySet[Comment]
    ) -> None:
        changed = approve_comments(queryset, by=request.user)
        self.message_user(request, f"Approved {changed} comment(s).")

    @admin.action(description="Reject selected comments", permissions=["moderate"])
    def reject_selected(
        self, request: HttpRequest, queryset: QuerySet[Comment]
    ) -> None:
        changed = reject_comments(queryset, by=request.user)
        self.message_user(request, f"Rejected {changed} comment(s).")

    @admin.action(
        description="Mark selected comments as spam", permissions=["moderate"]
    )
    def mark_selected_as_spam(
        self, request: HttpRequest, queryset: QuerySet[Comment]
    ) -> None:
        changed = mark_comments_as_spam(queryset, by=request.user)
        self.message_user(request, f"Marked {changed} comment(s) as spam.")

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("comments.moderate_comment")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # comments come from readers

    def has_delete_permission(
        self, request: HttpRequest, obj: Model | None = None
    ) -> bool:
        return False  # reject or mark as spam instead: the record stays


@admin.register(ModerationEvent)
class ModerationEventAdmin(admin.ModelAdmin):
    """The audit trail: readable, never editable."""

    list_display = ["created_at", "comment", "actor_name", "from_status", "to_status"]
    list_filter = ["to_status", "rule"]
    list_select_related = ["comment__story"]
    search_fields = ["actor_name", "reason"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: Model | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: Model | None = None
    ) -> bool:
        return False


@admin.register(ModerationWord)
class ModerationWordAdmin(admin.ModelAdmin):
    list_display = ["word", "action"]
    list_filter = ["action"]
    search_fields = ["word"]


@admin.register(Ban)
class BanAdmin(admin.ModelAdmin):
    """Bans are made on the desk (a card's "Ban commenter"); here moderators read
    them and lift them. Each row records who banned, when and why, and who lifted."""

    list_display = [
        "email",
        "reason",
        "ends_on",
        "created_by_name",
        "created_at",
        "state",
    ]
    list_filter = [("lifted_at", admin.EmptyFieldListFilter)]
    search_fields = ["email", "reason"]
    fields = [
        "email",
        "reason",
        "ends_on",
        "created_at",
        "created_by_name",
        "lifted_at",
        "lifted_by_name",
    ]
    readonly_fields = fields
    actions = ["lift_selected"]

    @admin.display(description="State")
    def state(self, ban: Ban) -> str:
        if ban.is_active:
            return "In force"
        if ban.lifted_at is None or ban.lifted_by_name == SYSTEM:
            return "Ended"
        return f"Lifted by {ban.lifted_by_name}"

    @admin.action(description="Lift selected bans", permissions=["moderate"])
    def lift_selected(self, request: HttpRequest, queryset: QuerySet[Ban]) -> None:
        lifted = lift_bans(queryset, by=request.user)
        self.message_user(request, f"Lifted {lifted} ban(s).")

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("comments.moderate_comment")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a ban starts from a comment, on the desk

    def has_change_permission(
        self, request: HttpRequest, obj: Model | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: Model | None = None
    ) -> bool:
        return False  # lift it instead: the record stays
