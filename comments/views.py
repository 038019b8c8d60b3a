import logging

from captcha.models import CaptchaStore
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from articles.models import Story
from comments.captcha.store import receipt
from comments.forms import CommentForm
from comments.models import COMMENTS_PER_PAGE, Comment, accepts_comments
from comments.services import CommentsClosed, submit_comment
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
    stories = Story.objects.published().only(
        "slug", "headline", "status", "published_at", "created_at", "comment_policy"
    )
    return get_object_or_404(stories, pk=story_id)


def _my_comment_ids(request: HttpRequest) -> list[int]:
    """The ids this browser's signed cookie names (its last 20 pending comments).

    A signed cookie rather than the session: a post writes no session row, and
    readers who commented still share the cached story page. Only our signature
    makes an id "mine", so nobody can read someone else's pending comment."""
    value = request.get_signed_cookie(MINE_COOKIE, default="", salt=MINE_SALT)
    return [int(part) for part in value.split(".") if part.isdecimal()][-MINE_KEPT:]


def _thanks(request: HttpRequest, story: Story, mine: int | None) -> HttpResponse:
    """The answer to every accepted-looking post: pending, rejected by a rule or
    dropped as a bot get the same redirect, message and cookie names; only a pending
    comment's id joins the reader's list (docs/comments.md says what that reveals)."""
    messages.success(request, THANKS)
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
        Comment.objects.awaiting_moderation()
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
    }
    template = "comments/_form.html" if fragment else "comments/comment_form.html"
    response = render(request, template, context, status=status)
    if retry:
        response["Retry-After"] = str(settings.COMMENTS_THROTTLE_WINDOW_SECONDS)
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def comment_form(request: HttpRequest, story_id: int) -> HttpResponse:
    """The comment form (never cached: it carries a CAPTCHA key and a CSRF token),
    and where it posts to. The story page only links here."""
    if request.method == "GET":
        story = _story_or_404(story_id)
        if not accepts_comments(story):
            return _form_page(request, story, None, status=403, closed=True)
        return _form_page(request, story, CommentForm(story=story))
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
    if comment is None and form.has_error("captcha", "invalid"):
        # The key is gone: perhaps spent by this very post, sent again after an
        # answer that never arrived (or twice at once). It was stored: same answer.
        comment = _stored_earlier(story, form, solved)
    if comment is not None:
        pending = comment.status == Comment.Status.PENDING
        return _thanks(request, story, comment.pk if pending else None)
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
        )


def _kept_form(request: HttpRequest, story: Story) -> CommentForm:
    """A fresh, unbound form holding what the reader typed (no errors shown)."""
    kept = {field: request.POST.get(field, "") for field in ("name", "email", "body")}
    return CommentForm(story=story, initial=kept)


def _kept_form_page(request: HttpRequest, story: Story, message: str) -> HttpResponse:
    """429 with `message`, the reader's text and a fresh challenge."""
    form = _kept_form(request, story)
    form.notices.append(message)
    return _form_page(request, story, form, status=429)


@require_GET
def comment_list(request: HttpRequest, story_id: int) -> HttpResponse:
    """Every approved comment on a story, 50 a page (the story page shows the first
    50). Same bytes for every reader."""
    story = _story_or_404(story_id)
    comments = (
        Comment.objects.approved()
        .filter(story=story)
        .values("pk", "name", "body", "submitted_at")
    )
    page = Paginator(comments, COMMENTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"story": story, "page": page, "open": accepts_comments(story)}
    return render(request, "comments/comment_list.html", context)


@never_cache
@require_GET
def my_pending_comments(request: HttpRequest, story_id: int) -> HttpResponse:
    """The reader's own comments awaiting moderation, as a fragment comments.js puts
    into the (cacheable, shared) story page."""
    story = _story_or_404(story_id)
    context = {"pending": _mine(request, story)}
    return render(request, "comments/_pending.html", context)
