"""The shared page cache for anonymous readers, and the version stamps that expire it.

A public page is a function of its URL, the code and a few rows. Rather than find
and delete every cached page a change affects, each page is stored with the
*stamps* it was rendered under: the site's (any story, byline, topic, author or
clarification changed) and, on a story page, the story's own (its comments were
approved or rejected). A write moves a stamp after commit, and the next request on
any worker sees a different stamp and renders afresh. ETag and Last-Modified come
from the same stamps, so a conditional GET is answered from the cache alone.

Stamps live in the shared cache (Redis, or files under DATA_DIR), never in process
memory. Writes move stamps after commit: the article services, admin edits (through
the admin's change log) and comment moderation. A stamp that is missing (evicted,
cache flushed) is recreated with a new value, so a lost stamp can only ever cause
a re-render, never a stale page.
Time also changes pages: a scheduled story or note going live is recorded in the
site stamp as the moment it must move (docs/performance.md).
"""

import hashlib
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache as once
from functools import wraps
from pathlib import Path

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.cache import caches
from django.db import transaction
from django.db.models import Min
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, get_conditional_response
from django.utils.http import http_date, parse_http_date

from articles.models import Author, Byline, Clarification, SlugHistory, Story, Topic

PREFIX = "newsroom:pages:"
SITE = "site"
# Stamps outlive any page by far; a stamp that expires anyway just starts afresh.
STAMP_SECONDS = 30 * 24 * 60 * 60
# Headers of the view's response worth keeping with the body (middleware adds the
# security headers to every response, cached or not).
KEPT_HEADERS = ("Content-Type", "Content-Language", "X-Robots-Tag", "Link")
# Pages each process also keeps in memory (about 40 KB each), see _LocalPages.
LOCAL_PAGES = 200


@dataclass(frozen=True)
class Stamp:
    token: str  # "<nanoseconds in hex>.<random>": unique, and dated
    changes_at: float | None = None  # site only: when a scheduled item goes live

    @property
    def moved_at(self) -> float:
        return int(self.token.split(".", 1)[0], 16) / 1e9


def _cache():
    return caches["default"]


def _pages():
    return caches["pages"]


# Query parameters a cached page may depend on (pagination). The views ignore any
# other parameter, so it must not make a new cache entry either: `?utm_source=…`
# links share the page, and a flood of `/?x=1`, `/?x=2`… can't fill the cache. Only
# 200s are stored, so junk page numbers (404) add nothing.
PAGE_PARAMETERS = ("page", "p")


def _cache_url(request: HttpRequest) -> str:
    """The URL a page is cached under: host, path and the parameters it uses."""
    kept = [
        f"{name}={value}"
        for name in PAGE_PARAMETERS
        if (value := request.GET.get(name, ""))
    ]
    path = request.build_absolute_uri(request.path)
    return f"{path}?{'&'.join(kept)}" if kept else path


def _stamp_key(scope: str) -> str:
    return f"{PREFIX}stamp:{scope}"


def _story_scope(slug: str) -> str:
    return f"story:{slug}"


def _new_stamp(*, changes_at: float | None = None) -> Stamp:
    return Stamp(f"{time.time_ns():x}.{secrets.token_hex(4)}", changes_at)


def _next_scheduled_change() -> float | None:
    """When the next scheduled story or clarification goes live (epoch seconds)."""
    now = timezone.now()
    moments = [
        Story.objects.filter(
            status=Story.Status.PUBLISHED, published_at__gt=now
        ).aggregate(at=Min("published_at"))["at"],
        Clarification.objects.filter(published_at__gt=now).aggregate(
            at=Min("published_at")
        )["at"],
    ]
    moments = [moment.timestamp() for moment in moments if moment]
    return min(moments, default=None)


def bump_site() -> Stamp:
    """Every public page changes on the next request (any worker)."""
    stamp = _new_stamp(changes_at=_next_scheduled_change())
    _cache().set(_stamp_key(SITE), stamp, STAMP_SECONDS)
    return stamp


def bump_story(story_id: int) -> None:
    """This story's page changes on the next request (its comments changed).

    Call after commit (comments.services does, on approval and rejection).
    """
    slug = Story.objects.filter(pk=story_id).values_list("slug", flat=True).first()
    if slug is not None:
        _cache().set(_stamp_key(_story_scope(slug)), _new_stamp(), STAMP_SECONDS)


def bump_site_on_commit() -> None:
    """Move the site stamp once the current transaction commits (at once outside
    one). The article services call this; so do the receivers below."""
    transaction.on_commit(bump_site, robust=True)


def _admin_changed_content(sender: type, instance: LogEntry, **kwargs: object) -> None:
    # The admin saves model forms and inlines directly (a headline edit calls no
    # service), and records every change, addition and deletion it makes here.
    if instance.content_type_id is None:
        return
    content_type = ContentType.objects.get_for_id(instance.content_type_id)
    if content_type.app_label == "articles":
        bump_site_on_commit()


def _content_deleted(sender: type, **kwargs: object) -> None:
    # Several rows deleted at once are logged with bulk_create, which sends no
    # post_save; the rows' own post_delete still fires.
    bump_site_on_commit()


def _content_saved_outside_a_transaction(sender: type, **kwargs: object) -> None:
    # A save in autocommit mode (a shell, a script, a test writing rows for a
    # running server) is committed already when this runs. Inside a transaction
    # the services and the admin's change log schedule the bump themselves.
    if not transaction.get_connection(kwargs.get("using")).in_atomic_block:
        bump_site()


def connect_signals() -> None:
    """Admin edits and deletions, and saves outside transactions, reach the page
    cache through signals; services call bump_site_on_commit themselves. Bulk
    QuerySet.update() sends no signal: callers bump explicitly (comments.services
    does, with bump_story)."""
    post_save.connect(_admin_changed_content, sender=LogEntry, dispatch_uid="pages")
    for model in (Story, Clarification, Topic, Author):
        post_delete.connect(
            _content_deleted, sender=model, dispatch_uid=f"pages-{model.__name__}"
        )
    for model in (Story, Byline, Clarification, Topic, Author, SlugHistory):
        post_save.connect(
            _content_saved_outside_a_transaction,
            sender=model,
            dispatch_uid=f"pages-saved-{model.__name__}",
        )
    m2m_changed.connect(
        _content_saved_outside_a_transaction,
        sender=Story.topics.through,
        dispatch_uid="pages-saved-topics",
    )


@once
def code_version() -> str:
    """A digest of the templates and the static-files manifest: a deploy that
    changes what pages look like also changes every ETag and page key."""
    digest = hashlib.blake2b(digest_size=8)
    roots = [Path(settings.BASE_DIR) / "templates"]
    roots += sorted(Path(settings.BASE_DIR).glob("*/templates"))
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                digest.update(path.read_bytes())
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.is_file():
        digest.update(manifest.read_bytes())
    return digest.hexdigest()


def is_personal(request: HttpRequest) -> bool:
    """A reader with a session (editors, moderators) or a message waiting (a
    commenter, on the page right after posting) gets a page made for them alone;
    everyone else, commenters included, shares one copy."""
    cookies = request.COOKIES
    # An empty value is a deleted cookie some clients still send.
    return bool(cookies.get(settings.SESSION_COOKIE_NAME) or cookies.get("messages"))


def _shareable(request: HttpRequest, response: HttpResponse) -> bool:
    """Nothing in the response belongs to this visitor."""
    session = getattr(request, "session", None)
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not (session is not None and session.accessed)
        and "private" not in response.get("Cache-Control", "")
    )


def _shared_headers(response: HttpResponse) -> None:
    # Browsers revalidate (max-age=0: a 304 costs no query); shared caches keep the
    # page briefly and may serve it stale while they fetch a fresh one.
    response["Cache-Control"] = (
        f"public, max-age=0, s-maxage={settings.SHARED_CACHE_SECONDS}, "
        f"stale-while-revalidate={settings.STALE_WHILE_REVALIDATE_SECONDS}"
    )


def _current_stamps(scopes: list[str]) -> list[Stamp]:
    """The scopes' stamps, in one cache round trip."""
    keys = [_stamp_key(scope) for scope in scopes]
    found = _cache().get_many(keys)
    stamps = []
    for scope, key in zip(scopes, keys, strict=True):
        stamp = found.get(key)
        changes_at = stamp.changes_at if stamp is not None else None
        if changes_at is not None and time.time() >= changes_at:
            stamp = bump_site()  # a scheduled story or note just went live
        if stamp is None:
            # First use, or evicted: a brand-new value (add: racing workers agree).
            fresh = _new_stamp(
                changes_at=_next_scheduled_change() if scope == SITE else None
            )
            _cache().add(key, fresh, STAMP_SECONDS)
            stamp = _cache().get(key) or fresh
        stamps.append(stamp)
    return stamps


class _LocalPages:
    """This process's copies of recently served pages, keyed by their ETag.

    An ETag names one rendering of one URL under given stamps, so a copy can never
    be stale: once a stamp moves, the ETag changes and the copy is just not asked
    for again. It saves reading and unpickling the page from the shared cache on
    every hit; the stamps are still read from the shared cache on every request.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.pages: OrderedDict[str, dict] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, etag: str) -> dict | None:
        with self.lock:
            entry = self.pages.get(etag)
            if entry is None:
                return None
            if entry["expires_at"] <= time.monotonic():
                del self.pages[etag]
                return None
            self.pages.move_to_end(etag)
            return entry

    def put(self, entry: dict) -> None:
        local = entry | {"expires_at": time.monotonic() + settings.PAGE_CACHE_SECONDS}
        with self.lock:
            self.pages[entry["etag"]] = local
            self.pages.move_to_end(entry["etag"])
            while len(self.pages) > self.size:
                self.pages.popitem(last=False)


_local_pages = _LocalPages(LOCAL_PAGES)


def _serve_shared(
    view: Callable[..., HttpResponse],
    request: HttpRequest,
    args: tuple,
    kwargs: dict,
    story_kwarg: str | None,
) -> HttpResponse:
    scopes = [SITE]
    if story_kwarg:
        scopes.append(_story_scope(kwargs[story_kwarg]))
    url = _cache_url(request)
    stamps = _current_stamps(scopes)
    validator = hashlib.blake2b(
        "|".join([code_version(), url, *(s.token for s in stamps)]).encode(),
        digest_size=12,
    ).hexdigest()
    etag = f'"{validator}"'
    last_modified = http_date(int(max(stamp.moved_at for stamp in stamps)))

    meta = request.META
    if "HTTP_IF_NONE_MATCH" in meta or "HTTP_IF_MODIFIED_SINCE" in meta:
        not_modified = get_conditional_response(
            request, etag=etag, last_modified=parse_http_date(last_modified)
        )
        if not_modified is not None:
            if not_modified.status_code == 304:
                not_modified["ETag"] = etag
                not_modified["Last-Modified"] = last_modified
                _shared_headers(not_modified)
            return not_modified

    page_key = (
        f"{PREFIX}page:{hashlib.blake2b(url.encode(), digest_size=16).hexdigest()}"
    )
    entry = _local_pages.get(etag)
    if entry is None:
        entry = _pages().get(page_key)
        if entry is not None and entry["etag"] == etag:
            _local_pages.put(entry)
        else:
            entry = None
    if entry is not None:
        response = HttpResponse(entry["content"], status=entry["status"])
        for name, value in entry["headers"].items():
            response[name] = value
        response["X-Page-Cache"] = "hit"
    else:
        response = view(request, *args, **kwargs)
        if not _shareable(request, response):
            if response.status_code == 200:
                add_never_cache_headers(response)  # it carries per-visitor bytes
            return response
        if hasattr(response, "render") and callable(response.render):
            response.render()  # TemplateResponse (the list views)
        entry = {
            "etag": etag,
            "status": response.status_code,
            "content": response.content,
            "headers": {h: response[h] for h in KEPT_HEADERS if response.has_header(h)},
        }
        _pages().set(page_key, entry, settings.PAGE_CACHE_SECONDS)
        _local_pages.put(entry)
        response["X-Page-Cache"] = "miss"
    response["ETag"] = etag
    response["Last-Modified"] = last_modified
    _shared_headers(response)
    return response


def public_page(
    view: Callable[..., HttpResponse] | None = None, *, story_kwarg: str | None = None
):
    """Serve a reader page from the shared page cache, with validators.

    Anonymous GET and HEAD requests share one copy per URL, valid while the site
    stamp (and with `story_kwarg`, the stamp of the story with that slug) stays
    the same. Personal requests (session or message cookie) are rendered for the
    reader and marked `private, no-store`. NEWSROOM_PAGE_CACHE_SECONDS=0 turns the
    cache and the validators off (the headers for shared caches stay).
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method not in ("GET", "HEAD") or is_personal(request):
                response = view(request, *args, **kwargs)
                add_never_cache_headers(response)
                return response
            if settings.PAGE_CACHE_SECONDS <= 0:
                response = view(request, *args, **kwargs)
                if _shareable(request, response):
                    _shared_headers(response)
                elif response.status_code == 200:
                    add_never_cache_headers(response)
                return response
            return _serve_shared(view, request, args, kwargs, story_kwarg)

        return wrapper

    return decorate(view) if view is not None else decorate
