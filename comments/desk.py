"""The moderation desk: an admin page (/admin/comments/moderate/) where moderators
work through queues of comment cards and decide with buttons or keys, take back
their last decision, and ban commenters. Every write goes through comments.services.

Only users with comments.moderate_comment (Moderators, superusers) open it; Editors
don't (docs/comments.md says why). Without JavaScript every decision is a POST that
comes back to the same queue position with a message; static/js/desk.js adds keys,
focus moves and a live region, and asks for JSON instead of the redirect.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib import admin, messages
from django.contrib.postgres.aggregates import ArrayAgg
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Min, Q
from django.db.models.functions import Lower
from django.forms import Form
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from articles.models import Story
from comments.forms import (
    BanForm,
    DecisionForm,
    DeskFilterForm,
    LiftBanForm,
    UndoForm,
)
from comments.models import Ban, Comment, Report, waits_in
from comments.services import (
    UNDO_SECONDS,
    BanRefused,
    StaleDecision,
    UndoRefused,
    ban_commenter,
    ban_end_words,
    commenter_hash,
    decide_comment,
    lift_bans,
    undo_decision,
)

CARDS_PER_PAGE = 50
STORIES_LISTED = 100  # stories with the most comments waiting, in the story filter
LAST_DECISION = "desk_last_decision"  # session key: what Undo takes back
DONE = {
    Comment.Status.APPROVED: "Approved",
    Comment.Status.REJECTED: "Rejected",
    Comment.Status.SPAM: "Marked as spam",
}
Queue, Status = Comment.Queue, Comment.Status


# --- What waits (admin header, admin index, tabs) -----------------------------------


@dataclass(frozen=True)
class Summary:
    new: int
    held: int
    reported: int
    oldest: datetime | None  # the longest-waiting comment in New or Held

    @property
    def waiting(self) -> int:
        return self.new + self.held + self.reported


def summary() -> Summary:
    """What waits for a decision, in two queries whatever the numbers: the waiting
    comments by queue, and the reported ones."""
    new, held = waits_in(Queue.NEW), waits_in(Queue.HELD)
    waiting = Comment.objects.waiting().aggregate(
        new=Count("pk", filter=new),
        held=Count("pk", filter=held),
        oldest=Min("submitted_at"),
    )
    return Summary(reported=Comment.objects.reported().count(), **waiting)


def queue_counts(waiting: Summary) -> dict[str, int]:
    """Every tab's count: the waiting ones, and one grouped count of the others."""
    decided = dict(
        Comment.objects.filter(
            status__in=[Status.APPROVED, Status.REJECTED, Status.SPAM]
        )
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {
        Queue.NEW: waiting.new,
        Queue.HELD: waiting.held,
        Queue.REPORTED: waiting.reported,
        Queue.APPROVED: decided.get(Status.APPROVED, 0),
        Queue.REJECTED: decided.get(Status.REJECTED, 0),
        Queue.SPAM: decided.get(Status.SPAM, 0),
    }


# --- Cards --------------------------------------------------------------------------


@dataclass
class Card:
    """One comment on the desk, with what a moderator needs to decide on it."""

    comment: Comment
    reports: list[tuple[str, int]] = field(default_factory=list)  # (reason, count)
    report_texts: list[str] = field(default_factory=list)
    history: dict[str, int] = field(default_factory=dict)
    ban: Ban | None = None
    waiting: int = 0  # the commenter's comments waiting for a decision
    after: int | str = ""  # the card shown next once this one is decided

    @property
    def report_count(self) -> int:
        return sum(count for _, count in self.reports)

    @property
    def decisions(self) -> list[tuple[str, str, str]]:
        """(value, label, key) of the buttons: every decision that changes
        something. Approving a reported comment keeps it."""
        status = self.comment.status
        reported = bool(self.reports)
        choices = []
        if status != Status.APPROVED or reported:
            choices.append(("approve", "Keep" if reported else "Approve", "a"))
        if status != Status.REJECTED:
            choices.append(("reject", "Reject", "r"))
        if status != Status.SPAM:
            choices.append(("spam", "Spam", "s"))
        return choices


def cards_for(comments: list[Comment]) -> list[Card]:
    """Cards for these comments, with their open reports, their commenters'
    histories and bans: three queries whatever the number of cards, reports and
    commenters."""
    cards = [Card(comment) for comment in comments]
    if not cards:
        return cards
    by_id = {card.comment.pk: card for card in cards}
    reports = (
        Report.objects.open()
        .filter(comment_id__in=by_id)
        .values("comment_id", "reason")
        .annotate(n=Count("pk"), texts=ArrayAgg("text", filter=~Q(text="")))
        .order_by("comment_id", "-n", "reason")
    )
    labels = dict(Report.Reason.choices)
    for row in reports:
        card = by_id[row["comment_id"]]
        card.reports.append((labels.get(row["reason"], row["reason"]), row["n"]))
        card.report_texts.extend(row["texts"] or [])
    emails = {card.comment.email.strip().lower() for card in cards}
    histories = (
        Comment.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=emails)
        .values("email_lower")
        .annotate(
            approved=Count("pk", filter=Q(status=Status.APPROVED)),
            rejected=Count("pk", filter=Q(status=Status.REJECTED)),
            spam=Count("pk", filter=Q(status=Status.SPAM)),
            waiting=Count("pk", filter=Q(status__in=Comment.UNDECIDED_STATUSES)),
        )
        .order_by()
    )
    by_email = {row.pop("email_lower"): row for row in histories}
    hashes = {email: commenter_hash(email) for email in emails}
    bans = Ban.objects.active().filter(email_hash__in=hashes.values())
    by_hash = {made.email_hash: made for made in bans}
    for card in cards:
        email = card.comment.email.strip().lower()
        card.history = by_email.get(email, {})
        card.waiting = card.history.get("waiting", 0)
        card.ban = by_hash.get(hashes[email])
    return cards


# --- The page -----------------------------------------------------------------------


def _require_moderator(request: HttpRequest) -> None:
    if not request.user.has_perm("comments.moderate_comment"):
        raise PermissionDenied("Only moderators use the moderation desk.")


def queue(request: HttpRequest) -> TemplateResponse:
    """The desk: tabs with counts, filters, 50 cards a page, the last decision.
    ?comment=<id> shows that one comment's card, whatever its queue."""
    _require_moderator(request)
    filters = DeskFilterForm(request.GET)
    filters.is_valid()  # invalid fields are shown with their error and ignored
    chosen = filters.cleaned_data
    waiting = summary()
    comments = Comment.objects.select_related("story", "parent")
    single = chosen.get("comment")
    current = None if single else chosen.get("queue") or Queue.NEW
    story, text = chosen.get("story"), chosen.get("q")
    if single:
        comments = comments.filter(pk=single)
    else:
        comments = comments.in_queue(current)
        if story:
            comments = comments.filter(story_id=story)
        if text:
            comments = comments.filter(
                Q(body__icontains=text)
                | Q(name__icontains=text)
                | Q(email__icontains=text)
            )
    page = Paginator(comments, CARDS_PER_PAGE).get_page(request.GET.get("page"))
    cards = cards_for(list(page.object_list))
    for card, following in zip(cards, cards[1:], strict=False):
        card.after = following.comment.pk
    kept = request.GET.copy()
    kept.pop("page", None)
    context = admin.site.each_context(request) | {
        "title": "Moderation desk",
        "filters": filters,
        "current": current,
        "current_label": Queue(current).label if current else "",
        "tabs": _tabs(request, current, queue_counts(waiting)),
        "oldest": waiting.oldest,
        "desk_summary": waiting,  # the header's count, counted once
        "page": page,
        "page_query": f"{kept.urlencode()}&" if kept else "",
        "cards": cards,
        "single": single,
        "filtered": bool(story or text),
        "clear_url": f"{reverse('desk:queue')}?queue={current or Queue.NEW}",
        "stories": _stories_waiting(story),
        "chosen_story": story,
        "here": request.get_full_path(),
        "last": _last_decision(request),
        "undo_minutes": UNDO_SECONDS // 60,
        "tomorrow": timezone.localdate() + timedelta(days=1),
    }
    return TemplateResponse(request, "comments/desk.html", context)


def _tabs(
    request: HttpRequest, current: str | None, counts: dict[str, int]
) -> list[dict[str, Any]]:
    base = reverse("desk:queue")
    kept = request.GET.copy()
    for name in ("queue", "page", "comment"):
        kept.pop(name, None)
    tabs = []
    for value, label in Queue.choices:
        kept["queue"] = value
        tabs.append(
            {
                "label": label,
                "count": counts[value],
                "url": f"{base}?{kept.urlencode()}",
                "current": value == current,
            }
        )
    return tabs


def _stories_waiting(chosen: int | None) -> list[dict[str, Any]]:
    """The stories with the most comments waiting for a decision (the story
    filter), and the chosen story if it is not among them."""
    stories = list(
        Comment.objects.filter(status__in=Comment.UNDECIDED_STATUSES)
        .values("story_id", "story__headline")
        .annotate(n=Count("pk"))
        .order_by("-n", "story__headline")[:STORIES_LISTED]
    )
    if chosen and all(story["story_id"] != chosen for story in stories):
        headline = Story.objects.filter(pk=chosen).values_list("headline", flat=True)
        for found in headline:
            stories.insert(0, {"story_id": chosen, "story__headline": found, "n": 0})
    return stories


def _last_decision(request: HttpRequest) -> dict[str, Any] | None:
    last = request.session.get(LAST_DECISION)
    if not last or timezone.now().timestamp() - last["at"] > UNDO_SECONDS:
        return None
    return last


# --- Decisions ----------------------------------------------------------------------


def _first_error(form: Form) -> str:
    """The first thing wrong with a posted form, in the moderator's words."""
    for errors in form.errors.values():
        return errors[0]
    return "Something in the form was not right; try again."


def _posted(request: HttpRequest, form_class: type[Form]) -> tuple[Form, str]:
    """A moderator's posted form, and where to go back to afterwards."""
    _require_moderator(request)
    form = form_class(request.POST)
    return form, _back(request, request.POST.get("next", ""))


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


def _back(request: HttpRequest, target: str, anchor: str = "") -> str:
    """Where a decision returns to: the page it came from (the desk or a comment's
    admin page), never another site."""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    if not (allowed and target.startswith(reverse("admin:index"))):
        target = reverse("desk:queue")
    return f"{target}#{anchor}" if anchor else target


def _answer(
    request: HttpRequest,
    message: str,
    *,
    ok: bool,
    back: str,
    undo: int | None = None,
    status: int | None = None,
) -> HttpResponse:
    """JSON for desk.js (200; 409 when the comment or ban changed meanwhile, 400
    for a form no card sends); otherwise the message, then back where the
    moderator was."""
    if _wants_json(request):
        body = {"ok": ok, "message": message, "undo": undo}
        return JsonResponse(body, status=status or (200 if ok else 409))
    (messages.success if ok else messages.error)(request, message)
    return redirect(back)


def _refused(
    request: HttpRequest, form: Form, back: str, prefix: str = ""
) -> HttpResponse:
    """A posted form that is not what a card sends: say what is wrong, change
    nothing."""
    message = prefix + _first_error(form)
    return _answer(request, message, ok=False, back=back, status=400)


@require_POST
def decide(request: HttpRequest) -> HttpResponse:
    """Approve (keep), reject or mark as spam one comment, as the moderator saw it."""
    form, back = _posted(request, DecisionForm)
    if not form.is_valid():
        return _refused(request, form, back)
    data = form.cleaned_data
    comment = data["comment"]
    back = _back(request, data["next"], data["after"])
    try:
        event = decide_comment(
            comment.pk,
            data["decision"],
            by=request.user,
            seen=data["seen"],
            reason=data["reason"],
        )
    except StaleDecision as error:
        return _answer(request, str(error), ok=False, back=back)
    kept = event.to_status == Status.APPROVED and event.reason.startswith("Kept")
    done = "Kept (reports dismissed)" if kept else DONE[event.to_status]
    message = f"{done}: the comment by {comment.name}."
    request.session[LAST_DECISION] = {
        "event": event.pk,
        "message": message,
        "at": event.created_at.timestamp(),
    }
    return _answer(request, message, ok=True, back=back, undo=event.pk)


@require_POST
def undo(request: HttpRequest) -> HttpResponse:
    """Take back the moderator's last decision (services.undo_decision)."""
    form, back = _posted(request, UndoForm)
    if not form.is_valid():
        return _refused(request, form, back)
    try:
        event = undo_decision(form.cleaned_data["event"], by=request.user)
    except UndoRefused as error:
        return _answer(request, str(error), ok=False, back=back)
    request.session.pop(LAST_DECISION, None)
    status = Status(event.to_status).label
    message = f"Undone: the comment is back to “{status}”."
    return _answer(request, message, ok=True, back=back)


@require_POST
def ban(request: HttpRequest) -> HttpResponse:
    """Ban the commenter of a card (by email), optionally rejecting what of theirs
    still waits for a decision."""
    form, back = _posted(request, BanForm)
    if not form.is_valid():
        return _refused(request, form, back, "Not banned: ")
    data = form.cleaned_data
    email = data["comment"].email
    try:
        made, rejected = ban_commenter(
            email,
            by=request.user,
            reason=data["reason"],
            ends_on=data["ends_on"],
            reject_waiting=data["reject_waiting"],
        )
    except BanRefused as error:
        return _answer(request, f"Not banned: {error}", ok=False, back=back)
    message = f"Banned {email}{ban_end_words(made.ends_on)}."
    if data["reject_waiting"]:
        message += f" Rejected {rejected} of their comment(s) waiting for a decision."
    return _answer(request, message, ok=True, back=back)


@require_POST
def lift_ban(request: HttpRequest) -> HttpResponse:
    """Lift a ban from a card (the ban list in the admin does it in bulk)."""
    form, back = _posted(request, LiftBanForm)
    if not form.is_valid():
        return _refused(request, form, back)
    made = form.cleaned_data["ban"]
    if not lift_bans(Ban.objects.filter(pk=made.pk), by=request.user):
        return _answer(request, "That ban was already lifted.", ok=False, back=back)
    return _answer(request, f"Lifted the ban of {made.email}.", ok=True, back=back)
