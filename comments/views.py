import logging

from captcha.models import CaptchaStore
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from articles.models import Story
from comments.captcha.store import receipt
from comments.forms import CommentForm, ReportForm, replying_to
from comments.models import Comment, accepts_comments
from comments.services import (
    NOT_REPORTABLE,
    REPLY_REFUSED,
    CommentsClosed,
    ReplyRefused,
    ReportRefused,
    report_comment,
    submit_comment,
)
from comments.threads import thread_page
from comments.throttle import (
    count_wrong_answer,
    new_code_over_limit,
    over_budget,
    too_many_wrong_answers,
)
from newsroom.outages import UNAVAILABLE, unavailable
from newsroom.throttle import client_ip

log = logging.getLogger(__name__)

THANKS = "Thanks — your comment is awaiting moderation."
PUBLISHED = "Thanks — your comment is published."
REPORTED = "Thanks — your report was sent to the moderators."
ALREADY_REPORTED = (
    "You have already reported this comment. Thanks: the moderators have it."
)
TOO_MANY_REPORTS = (
    "You have sent many reports in a short time. Please wait a few minutes, then "
    "send this one again."
)
THROTTLED = (
    "You have sent several comments in a short time. Please wait a few minutes, "
    "then send this one again: your text is kept below."
)
TOO_MANY_CODES = (
    "You have asked for many new CAPTCHA codes in a short time. Please wait a few "
    "minutes, then press “Get a new CAPTCHA code”: your text is kept below."
)
TOO_MANY_WRONG = (
    "Too many wrong answers to the CAPTCHA in a short time. Please wait a few "
    "minutes, then send your comment again: your text is kept below."
)
MINE_COOKIE = "comments_mine"  # signed ids of this browser's pending comments
MINE_SALT = "comments.mine"
MINE_KEPT = 20
PENDING_COOKIE = "comments_pending"  # "1" only: tells comments.js to ask for them


def _story_or_404(story_id: int) -> Story:
    """Only stories readers can see take comments; drafts and embargoed ones 404.

    The comment pages never print the story's text: its body and search vector
    (tens of kB on a long story) stay in the database."""
    stories = Story.objects.published().defer("body", "search_vector")
    return get_object_or_404(stories, pk=story_id)


def _my_comment_ids(request: HttpRequest) -> list[int]:
    """The ids this browser's signed cookie names (its last 20 pending comments).

    A signed cookie rather than the session: a post writes no session row, and
    readers who commented still share the cached story page. Only our signature
    makes an id "mine", so nobody can read someone else's pending comment."""
    value = request.get_signed_cookie(MINE_COOKIE, default="", salt=MINE_SALT)
    return [int(part) for part in value.split(".") if part.isdecimal()][-MINE_KEPT:]


def _thanks(
    request: HttpRequest, story: Story, mine: int | None, *, shown: bool = False
) -> HttpResponse:
    """The answer to every accepted-looking post: pending, rejected by a rule or a
    ban, or dropped as a bot get the same redirect, message and cookie names; only
    a pending (or silently banned) comment's id joins the reader's list
    (docs/comments.md says what that reveals). A comment shown at once (a
    post-moderated story, a trusted commenter) says so."""
    messages.success(request, PUBLISHED if shown else THANKS)
    response = redirect(f"{story.get_absolute_url()}#comments")
    ids = _my_comment_ids(request)
    if mine is not None:
        ids = [*ids, mine][-MINE_KEPT:]
    # Like the session and CSRF cookies: Secure whenever the site runs on HTTPS.
    secure = settings.SESSION_COOKIE_SECURE or request.is_secure()
    response.set_signed_cookie(
        MINE_COOKIE,
        ".".join(map(str, ids)),
        salt=MINE_SALT,
        httponly=True,
        samesite="Lax",
        secure=secure,
    )
    response.set_cookie(PENDING_COOKIE, "1", samesite="Lax", secure=secure)
    return response


def _mine(request: HttpRequest, story: Story) -> list[Comment]:
    """This browser's own comments on the story that still await moderation."""
    ids = _my_comment_ids(request)
    if not ids:
        return []
    return list(
        Comment.objects.shown_to_their_author()
        .filter(story=story, pk__in=ids)
        .only("pk", "name", "body", "submitted_at")
    )


def _form_page(
    request: HttpRequest,
    story: Story,
    form: CommentForm | None,
    *,
    status: int = 200,
    closed: bool = False,
) -> HttpResponse:
    """Render the form page (or fragment). Every form shown mints a CAPTCHA code,
    so each counts against the client's "new code" budget; past it the form comes
    without a code, with the reader's text, as a 429."""
    retry = status == 429
    if form is not None and new_code_over_limit(request):
        form.withhold_captcha()
        form.notices.append(TOO_MANY_CODES)
        status, retry = 429, True
    fragment = request.GET.get("fragment") == "1"
    context = {
        "story": story,
        "form": form,
        "closed": closed,
        "pending": _mine(request, story),
        "fragment": fragment,
        "parent": _parent(story, form),
    }
    template = "comments/_form.html" if fragment else "comments/comment_form.html"
    response = render(request, template, context, status=status)
    if retry:
        response["Retry-After"] = str(settings.COMMENTS_THROTTLE_WINDOW_SECONDS)
    return response


def _parent(story: Story, form: CommentForm | None) -> Comment | None:
    """The comment the form replies to, if it is a reply form."""
    if form is None:
        return None
    number = form["reply_to"].value()
    return replying_to(story, number) if number not in (None, "") else None


def _unavailable(request: HttpRequest, story: Story | None, message: str):
    """404 page saying in words why a comment can't be replied to or reported."""
    context = {"story": story, "message": message}
    return render(request, "comments/comment_unavailable.html", context, status=404)


@never_cache
@require_http_methods(["GET", "POST"])
def comment_form(request: HttpRequest, story_id: int) -> HttpResponse:
    """The comment form, or the reply form with ?reply_to=<comment id> (never
    cached: it carries a CAPTCHA key and a CSRF token), and where it posts to. The
    story page only links here."""
    if request.method == "GET":
        story = _story_or_404(story_id)
        if not accepts_comments(story):
            return _form_page(request, story, None, status=403, closed=True)
        initial = {}
        if "reply_to" in request.GET:
            parent = replying_to(story, request.GET["reply_to"])
            if parent is None:
                return _unavailable(request, story, REPLY_REFUSED)
            initial["reply_to"] = parent.pk
        return _form_page(request, story, CommentForm(story=story, initial=initial))
    try:
        return _post(request, story_id)
    except UNAVAILABLE:
        # Nothing was stored (one transaction): the reader gets their text back.
        context = {
            "form_url": reverse("comments:comment-form", args=[story_id]),
            "name": request.POST.get("name", ""),
            "body": request.POST.get("body", ""),
        }
        return unavailable(request, "comments/post_unavailable.html", context)


def _post(request: HttpRequest, story_id: int) -> HttpResponse:
    story = _story_or_404(story_id)
    if not accepts_comments(story):
        return _form_page(request, story, None, status=403, closed=True)
    if "captcha_refresh" in request.POST:
        # "Change the CAPTCHA code" without JavaScript: a fresh challenge, the text
        # kept, no error shown. The old key is spent.
        CaptchaStore.objects.filter(hashkey=request.POST.get("captcha_0", "")).delete()
        return _form_page(request, story, _kept_form(request, story))

    form = CommentForm(request.POST, story=story)
    if form.looks_automated():
        log.info("Comment on story %s dropped by a bot check", story.pk)
        return _thanks(request, story, None)
    if too_many_wrong_answers(request):
        # Past the limit the answer is not even checked, so guessing stops here.
        return _kept_form_page(request, story, TOO_MANY_WRONG)
    solved = receipt(
        request.POST.get("captcha_0", ""), request.POST.get("captcha_1", "")
    )
    try:
        comment = _spend_key_and_submit(request, story, form, solved)
    except CommentsClosed:
        return _form_page(request, story, None, status=403, closed=True)
    except ReplyRefused as error:
        # The comment replied to was removed meanwhile; nothing was stored.
        form = _kept_form(request, story)
        form.notices.append(str(error))
        return _form_page(request, story, form, status=400)
    if comment is None and form.has_error("captcha", "invalid"):
        # The key is gone: perhaps spent by this very post, sent again after an
        # answer that never arrived (or twice at once). It was stored: same answer.
        comment = _stored_earlier(story, form, solved)
    if comment is not None:
        mine = comment.pk if comment.looks_pending_to_its_author else None
        shown = comment.status in Comment.PUBLIC_STATUSES
        return _thanks(request, story, mine, shown=shown)
    form.renew_token()
    if form.has_error(NON_FIELD_ERRORS, "throttled"):
        return _form_page(request, story, form, status=429)
    if form.has_error("captcha", "invalid") and count_wrong_answer(request):
        return _kept_form_page(request, story, TOO_MANY_WRONG)
    return _form_page(request, story, form, status=400)


def _stored_earlier(story: Story, form: CommentForm, solved: str) -> Comment | None:
    body = form.cleaned_data.get("body")
    return Comment.objects.posted_with(solved).filter(story=story, body=body).first()


def _spend_key_and_submit(
    request: HttpRequest, story: Story, form: CommentForm, solved: str
) -> Comment | None:
    """Validate (which spends the CAPTCHA key, right answer or wrong), count the
    post against its throttles, and store it; None when the form says why not.

    One transaction, so one commit per post: the key is spent together with the
    comment it allowed. A solved key yields at most one comment (concurrent replays
    wait on the row, then find it gone); if storing fails, the key is live again.
    A wrong answer or a throttled post commits the spent key alone."""
    with transaction.atomic():
        if not form.is_valid():
            return None
        data = form.cleaned_data
        ip = client_ip(request)
        # Both counters count every accepted post, so neither dodges the other.
        ip_over = over_budget("ip", ip, limit=settings.COMMENTS_THROTTLE_PER_IP)
        email_over = over_budget(
            "email", data["email"], limit=settings.COMMENTS_THROTTLE_PER_EMAIL
        )
        if ip_over or email_over:
            form.add_error(None, ValidationError(THROTTLED, code="throttled"))
            return None
        return submit_comment(
            story,
            name=data["name"],
            email=data["email"],
            body=data["body"],
            ip_address=ip,
            receipt=solved,
            parent=data["reply_to"],
        )


def _kept_form(request: HttpRequest, story: Story) -> CommentForm:
    """A fresh, unbound form holding what the reader typed (no errors shown)."""
    fields = ("name", "email", "body", "reply_to")
    kept = {field: request.POST.get(field, "") for field in fields}
    return CommentForm(story=story, initial=kept)


def _kept_form_page(request: HttpRequest, story: Story, message: str) -> HttpResponse:
    """429 with `message`, the reader's text and a fresh challenge."""
    form = _kept_form(request, story)
    form.notices.append(message)
    return _form_page(request, story, form, status=429)


@require_GET
def comment_list(request: HttpRequest, story_id: int) -> HttpResponse:
    """Every comment readers see on a story, 50 threads a page (the story page shows
    the first 50), replies under their comment. Same bytes for every reader."""
    story = _story_or_404(story_id)
    number = request.GET.get("page") or "1"
    thread = thread_page(story, int(number)) if number.isdecimal() else None
    if thread is None:
        raise Http404("No such page of comments.")
    return render(
        request, "comments/comment_list.html", {"story": story, "thread": thread}
    )


@never_cache
@require_GET
def my_pending_comments(request: HttpRequest, story_id: int) -> HttpResponse:
    """The reader's own comments awaiting moderation, as a fragment comments.js puts
    into the (cacheable, shared) story page."""
    story = _story_or_404(story_id)
    context = {"pending": _mine(request, story)}
    return render(request, "comments/_pending.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def report_form(request: HttpRequest, comment_id: int) -> HttpResponse:
    """Report a comment readers see: a short form (never cached: it carries a CSRF
    token), throttled per client. Each client counts once per comment; enough
    clients hide the comment until a moderator decides (services.report_comment)."""
    comment = (
        Comment.objects.public()
        .select_related("story")
        .filter(pk=comment_id, story__in=Story.objects.published())
        .first()
    )
    if comment is None:
        return _unavailable(request, None, NOT_REPORTABLE)
    form = ReportForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            ip = client_ip(request)
            limit = settings.COMMENTS_THROTTLE_REPORTS_PER_IP
            if over_budget("report", ip, limit=limit):
                form.add_error(None, TOO_MANY_REPORTS)
                status = 429
            else:
                try:
                    outcome = report_comment(
                        comment.pk,
                        reporter_ip=ip,
                        reason=form.cleaned_data["reason"],
                        text=form.cleaned_data["text"],
                    )
                except ReportRefused:
                    return _unavailable(request, comment.story, NOT_REPORTABLE)
                thanks = ALREADY_REPORTED if outcome == "already" else REPORTED
                messages.success(request, thanks)
                return redirect(f"{comment.story.get_absolute_url()}#comments")
    context = {"comment": comment, "story": comment.story, "form": form}
    response = render(request, "comments/report_form.html", context, status=status)
    if status == 429:
        response["Retry-After"] = str(settings.COMMENTS_THROTTLE_WINDOW_SECONDS)
    return response
