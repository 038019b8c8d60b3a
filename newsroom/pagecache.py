"""The page cache: pages every anonymous reader shares, kept until a stamp moves.

A public page is a function of its URL, the code and some rows. Rather than find and
delete every cached page a write affects, each page is stored with the *stamps* it
was rendered under, and served again only while they are unchanged:

- the **site** stamp, which any change to published content moves;
- a **story** stamp (`story:<id>`), which moves when that story's comments change.

Parts of pages shared by many of them (the topics bar, a comment thread) are kept
as `fragment`s under the stamps they depend on; a page that shows a fragment is
stored under the fragment's stamps too.

Apps tell the page cache what changed through `bump_site_on_commit()` and
`bump_story_on_commit(story_id)`; they never touch its keys. Stamps live in the
shared `default` cache (Redis, or files under DATA_DIR), so the next request on any
worker sees a write. A missing stamp (evicted, flushed) is recreated with a new
value: a lost stamp can cost a re-render, never a stale page. Time changes pages
too: the app that schedules content registers `register_schedule(next_change)`, and
the site stamp records when the next scheduled item goes live.

How a request is served:

    FrontDoor (WSGI, wsgi.py) ─┐  anonymous GET/HEAD whose page is stored with the
    PageCacheMiddleware ───────┴─ stamps still current: 200 or 304, no Django view,
                                  no database
    otherwise the view renders; `public_page` marks the response shareable and the
    middleware stores it, with every header the site sends, for the next reader.

When the shared cache is down or slow (newsroom/cache.py raises CacheUnavailable
quickly), pages are rendered from the database and not stored: slower, never wrong.
A stamp that could not be moved during an outage is made up for when the cache
answers again (the site stamp moves then).

Nothing here imports an app.
"""

import contextlib
import hashlib
import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache as once
from functools import cached_property, wraps
from http import HTTPStatus
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.handlers.wsgi import get_path_info, get_script_name
from django.db import DatabaseError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.http.cookie import parse_cookie
from django.utils.cache import add_never_cache_headers, get_conditional_response
from django.utils.http import http_date, parse_http_date
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import get_language

from newsroom import replicas
from newsroom.cache import CacheUnavailable, on_recovery

log = logging.getLogger(__name__)

PREFIX = "newsroom:pages:"
SITE = "site"
# Stamps outlive any page by far; a stamp that expires anyway just starts afresh.
STAMP_SECONDS = 30 * 24 * 60 * 60
# Query parameters some cached page depends on (pagination), as the views declare
# them (public_page(view, parameters=…)). Any other parameter never makes a new
# cache entry: `?utm_source=…` links share the page, and a flood of `/?x=1`,
# `/?x=2`… can't fill the cache; a page that ignores `page` (a story) is served from
# its one entry whatever `?page=` says.
_parameters: set[str] = set()
# Headers never stored with a page: they are per response or recomputed on a hit.
UNSTORED_HEADERS = {"set-cookie", "date", "etag", "last-modified", "x-page-cache"}
# Stored headers a 304 repeats (RFC 9110 15.4.5).
REVALIDATION_HEADERS = {"cache-control", "vary", "expires", "content-location"}
# Set by FrontDoor on the requests it could not answer: the middleware need not look.
MISSED = "newsroom.pagecache.missed"
# Each process also keeps its most recently served pages in memory (bounded by
# count and by bytes), so a hit reads only the stamps from the shared cache.
LOCAL_PAGES = 200
LOCAL_BYTES = 32 * 1024 * 1024


def story_scope(story_id: int) -> str:
    return f"story:{story_id}"


# --- Stamps -------------------------------------------------------------------------


@dataclass(frozen=True)
class Stamp:
    token: str  # "<nanoseconds in hex>.<random>": unique, and dated
    changes_at: float | None = None  # site only: when a scheduled item goes live

    @property
    def moved_at(self) -> float:
        return int(self.token.split(".", 1)[0], 16) / 1e9


_schedules: list[Callable[[], datetime | None]] = []


def register_schedule(next_change: Callable[[], datetime | None]) -> None:
    """An app that schedules content tells when its next scheduled item goes live
    (None: nothing scheduled). Called when the site stamp moves."""
    if next_change not in _schedules:
        _schedules.append(next_change)


def _next_scheduled_change() -> float | None:
    try:
        moments = [moment() for moment in _schedules]
    except DatabaseError as error:
        # The database is down: nothing can go live on a page before it is back, and
        # the next stamp move after that asks again.
        log.warning("Next scheduled change unknown: %s", error)
        return None
    return min((m.timestamp() for m in moments if m), default=None)


def _stamps() -> BaseCache:
    return caches["default"]


def _pages() -> BaseCache:
    return caches["pages"]


def _stamp_key(scope: str) -> str:
    return f"{PREFIX}stamp:{scope}"


def _new_stamp(scope: str) -> Stamp:
    changes_at = _next_scheduled_change() if scope == SITE else None
    return Stamp(f"{time.time_ns():x}.{secrets.token_hex(4)}", changes_at)


def bump(scope: str) -> Stamp:
    """Pages rendered under `scope` change on the next request, on every worker."""
    stamp = _new_stamp(scope)
    replicas.record_write()  # first: see newsroom/replicas.py
    _stamps().set(_stamp_key(scope), stamp, STAMP_SECONDS)
    return stamp


def bump_site() -> Stamp:
    return bump(SITE)


def bump_story(story_id: int) -> Stamp:
    return bump(story_scope(story_id))


class _BumpOnce:
    """The stamp move a transaction asked for. Each write in it adds this same
    callback on commit (a savepoint that rolls back drops its own copies); the
    first copy to run moves the stamp, the others do nothing."""

    def __init__(self, scope: str, pending: dict[str, "_BumpOnce"]) -> None:
        self.scope, self.pending, self.done = scope, pending, False

    def __call__(self) -> None:
        if self.pending.get(self.scope) is self:
            del self.pending[self.scope]
        if not self.done:
            self.done = True
            try:
                bump(self.scope)
            except CacheUnavailable:
                # Pages stored before the outage must not outlive it: when the
                # cache answers again, the site stamp moves (see the end of this
                # module).
                log.warning("Stamp %s not moved: the cache is unavailable", self.scope)


def bump_on_commit(scope: str) -> None:
    """Move `scope`'s stamp once the current transaction commits (at once outside
    one), once however many writes in it ask."""
    pending = transaction.get_connection().__dict__.setdefault("pagecache_bumps", {})
    bump_once = pending.get(scope) or pending.setdefault(
        scope, _BumpOnce(scope, pending)
    )
    transaction.on_commit(bump_once, robust=True)


def bump_site_on_commit() -> None:
    """Every public page changes once the current transaction commits."""
    bump_on_commit(SITE)


def bump_story_on_commit(story_id: int) -> None:
    """The story's page changes once the current transaction commits."""
    bump_on_commit(story_scope(story_id))


@dataclass
class _Read:
    """One round trip for the stamps of every request that joined it. A read begun
    at once has nobody waiting on it, so only a joined one gets events."""

    keys: set[str]
    led: bool = False  # one of its requests is reading
    may_start: threading.Event | None = None
    done: threading.Event | None = None
    found: dict[str, Any] = field(default_factory=dict)
    error: BaseException | None = None

    @classmethod
    def joined(cls) -> "_Read":
        return cls(set(), may_start=threading.Event(), done=threading.Event())


class _SharedReads:
    """Stamp reads that overlap in time share one round trip.

    A request must read the stamps after it arrived, so that it sees every write
    that finished before. A read that begins while another is in flight waits for
    it to end, and then one round trip reads the stamps of all the requests that
    waited: under load one read answers several requests (a hit's cost is mostly
    that round trip), and no request is ever answered with a value read before it
    arrived."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight = False
        self.waiting: _Read | None = None

    def get_many(self, keys: list[str]) -> dict[str, Any]:
        with self.lock:
            if self.in_flight:  # join the read that begins when this one ends
                read = self.waiting = self.waiting or _Read.joined()
                read.keys.update(keys)
                lead = False
            else:
                self.in_flight = True
                read, lead = _Read(set(keys), led=True), True
        if not lead:
            read.may_start.wait()
            with self.lock:  # the first of its requests to wake up leads it
                lead, read.led = not read.led, True
        if lead:
            self._read(read)
        else:
            read.done.wait()
        if read.error is not None:
            raise read.error
        return {key: read.found[key] for key in keys if key in read.found}

    def _read(self, read: _Read) -> None:
        try:
            read.found = _stamps().get_many(list(read.keys))
        except BaseException as error:  # each request handles it (CacheUnavailable)
            read.error = error
        finally:
            if read.done is not None:
                read.done.set()
            with self.lock:
                waiting, self.waiting = self.waiting, None
                self.in_flight = waiting is not None
            if waiting is not None:
                waiting.may_start.set()  # one of its requests leads it


_shared_reads = _SharedReads()


def current_stamps(scopes: Iterable[str]) -> dict[str, Stamp]:
    """The scopes' stamps, read now (from Redis, in a round trip shared with the
    requests that read at the same moment)."""
    keys = {scope: _stamp_key(scope) for scope in scopes}
    cache = _stamps()
    if getattr(cache, "round_trips", True):
        found = _shared_reads.get_many(list(keys.values()))
    else:  # a stat() per key: cheaper than making requests wait for each other
        found = cache.get_many(list(keys.values()))
    replicas.stamps_read()
    stamps = {}
    for scope, key in keys.items():
        stamp = found.get(key)
        if stamp is not None and stamp.changes_at and time.time() >= stamp.changes_at:
            stamp = bump(scope)  # a scheduled story or note just went live
        elif stamp is None:
            # First use, or evicted: a brand-new value (add: racing workers agree).
            fresh = _new_stamp(scope)
            _stamps().add(key, fresh, STAMP_SECONDS)
            stamp = _stamps().get(key) or fresh
        stamps[scope] = stamp
    return stamps


# --- Marking pages (views) ----------------------------------------------------------


def is_enabled() -> bool:
    return settings.PAGE_CACHE_SECONDS > 0


def is_personal(cookies: dict[str, str]) -> bool:
    """A reader with a session (staff) or a message waiting (a commenter, on the
    page right after posting) gets a page made for them alone; everyone else,
    commenters included, shares one copy. An empty value is a deleted cookie."""
    return bool(cookies.get(settings.SESSION_COOKIE_NAME) or cookies.get("messages"))


def _record(request: HttpRequest, scopes: Iterable[str]) -> None:
    """Note the stamps the page being rendered depends on (None: the cache is
    unavailable, and the page won't be stored)."""
    recorded = request.__dict__.setdefault("page_stamps", {})
    missing = [scope for scope in scopes if scope not in (recorded or {})]
    if recorded is None or not missing:
        return
    try:
        recorded.update(current_stamps(missing))
    except CacheUnavailable:
        request.page_stamps = None


def fragment(
    request: HttpRequest | None,
    name: str,
    scopes: Iterable[str],
    render: Callable[[], str],
) -> SafeString:
    """A part of a page (the topics bar, a comment thread) rendered once per state
    of `scopes` and kept in the pages cache under their stamps, for every page and
    every reader that shows it. Within a page the stamps are those the page is
    stored under; anywhere else they are read now. `render` must return HTML that
    is safe to output as it is."""
    if not is_enabled():
        return mark_safe(render())
    scopes = list(scopes)
    try:
        if request is not None and getattr(request, "page_stamps", None) is not None:
            _record(request, scopes)
        stamps = getattr(request, "page_stamps", None) or current_stamps(scopes)
        parts = [code_version(), get_language() or "", get_current_timezone_name()]
        parts += [stamps[scope].token for scope in scopes]
        digest = hashlib.blake2b("|".join(parts).encode(), digest_size=16).hexdigest()
        key = f"{PREFIX}fragment:{name}:{digest}"
        html = _pages().get(key)
    except CacheUnavailable:
        return mark_safe(render())
    if html is None:
        html = render()
        with contextlib.suppress(CacheUnavailable):
            _pages().set(key, html, settings.PAGE_CACHE_SECONDS)
    return mark_safe(html)  # rendered by `render`, whose contract says it is safe


def _shared_headers(response: HttpResponseBase) -> None:
    # Browsers revalidate (max-age=0: a 304 costs no query); shared caches keep the
    # page briefly and may serve it stale while they fetch a fresh one.
    response["Cache-Control"] = (
        f"public, max-age=0, s-maxage={settings.SHARED_CACHE_SECONDS}, "
        f"stale-while-revalidate={settings.STALE_WHILE_REVALIDATE_SECONDS}"
    )


def public_page(
    view: Callable[..., HttpResponse], *, parameters: tuple[str, ...] = ()
) -> Callable[..., HttpResponse]:
    """A page every anonymous reader shares: stored in the page cache under the
    site stamp (and the stamps of the fragments it shows), served with ETag,
    Last-Modified and Cache-Control for shared caches. `parameters` are the query
    parameters the page depends on (`("page",)` for a paginated list); it is stored
    once per value of them, and once for all other query strings. Personal requests
    (session or message cookie) and other methods are rendered for the reader and
    marked `private, no-store`. NEWSROOM_PAGE_CACHE_SECONDS=0 turns the cache and the
    validators off."""
    _parameters.update(parameters)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        shared = request.method in ("GET", "HEAD") and not is_personal(request.COOKIES)
        if shared and is_enabled():
            _record(request, [SITE])  # before the view reads any row
        response = view(request, *args, **kwargs)
        if not shared:
            add_never_cache_headers(response)
        elif response.status_code == 200:
            # PageCacheMiddleware checks it is shareable, and stores it.
            response.page_parameters = parameters
            _shared_headers(response)
        return response

    return wrapper


# --- Stored pages -------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """One rendering of one URL, and the stamps it was rendered under."""

    url: str  # what it is stored under
    parameters: tuple[str, ...]  # the query parameters it depends on
    stamps: tuple[tuple[str, str], ...]  # (scope, token)
    status: int
    headers: tuple[tuple[str, str], ...]
    content: bytes

    @property
    def scopes(self) -> list[str]:
        return [scope for scope, _ in self.stamps]

    def is_current(self, stamps: dict[str, Stamp]) -> bool:
        return all(stamps[scope].token == token for scope, token in self.stamps)

    @cached_property
    def validators(self) -> tuple[str, str]:
        """ETag and Last-Modified: they name the code, the URL and the stamps, so
        they change with any of them and need no database to compute."""
        tokens = [token for _, token in self.stamps]
        digest = hashlib.blake2b(
            "|".join([code_version(), self.url, *tokens]).encode(), digest_size=12
        ).hexdigest()
        moved_at = max(int(token.split(".", 1)[0], 16) for token in tokens) // 10**9
        return f'"{digest}"', http_date(moved_at)


def cache_url(
    scheme: str, host: str, path: str, query: Mapping[str, str], names: Iterable[str]
) -> str:
    """The URL a page is cached under: scheme, host, path and the query parameters
    among `names` that the request has."""
    kept = [f"{name}={query[name]}" for name in sorted(names) if query.get(name)]
    url = f"{scheme}://{host}{path}"
    return f"{url}?{'&'.join(kept)}" if kept else url


def _page_key(url: str) -> str:
    return f"{PREFIX}page:{hashlib.blake2b(url.encode(), digest_size=16).hexdigest()}"


def find_for(
    scheme: str, host: str, path: str, query: Mapping[str, str]
) -> Page | None:
    """The stored page that answers this request: the entry for its pagination
    parameters, else the page's one entry if that page ignores them."""
    full = cache_url(scheme, host, path, query, _parameters)
    page = find(full)
    if page is None and _parameters.intersection(query):
        page = find(cache_url(scheme, host, path, query, ()))
        if page is not None and page.parameters:
            return None  # a paginated page: this page number is not stored
    return page


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


class _LocalPages:
    """This process's copies of recently served pages, by URL. A copy is served
    only after its stamps are checked against the shared cache, so it is never
    staler than the shared entry; it saves reading and unpickling that entry."""

    def __init__(self, count: int, size: int) -> None:
        self.count, self.size, self.used = count, size, 0
        self.pages: OrderedDict[str, tuple[Page, float]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, url: str) -> Page | None:
        with self.lock:
            found = self.pages.get(url)
            if found is None:
                return None
            page, expires_at = found
            if expires_at <= time.monotonic():
                self._drop(url)
                return None
            self.pages.move_to_end(url)
            return page

    def put(self, url: str, page: Page) -> None:
        expires_at = time.monotonic() + settings.PAGE_CACHE_SECONDS
        with self.lock:
            if url in self.pages:
                self._drop(url)
            self.pages[url] = (page, expires_at)
            self.used += len(page.content)
            while len(self.pages) > self.count or self.used > self.size:
                self._drop(next(iter(self.pages)))

    def discard(self, url: str) -> None:
        with self.lock:
            if url in self.pages:
                self._drop(url)

    def _drop(self, url: str) -> None:
        page, _ = self.pages.pop(url)
        self.used -= len(page.content)


_local_pages = _LocalPages(LOCAL_PAGES, LOCAL_BYTES)


def find(url: str) -> Page | None:
    """The stored page for `url` if its stamps are still current, else None (also
    when the shared cache is unavailable: the stamps can't be checked)."""
    try:
        page = _local_pages.get(url)
        shared = page is None
        if shared:
            page = _pages().get(_page_key(url))
        if page is None:
            return None
        current = page.is_current(current_stamps(page.scopes))
    except CacheUnavailable:
        return None
    if not current:
        _local_pages.discard(url)
        return None
    if shared:
        _local_pages.put(url, page)
    return page


def store(request: HttpRequest, response: HttpResponse) -> Page:
    parameters = response.page_parameters
    url = cache_url(
        request.scheme,
        _host(request.META, request.scheme),
        request.path,
        request.GET,
        parameters,
    )
    stamps = tuple((scope, stamp.token) for scope, stamp in request.page_stamps.items())
    headers = tuple(
        (name, value)
        for name, value in response.items()
        if name.lower() not in UNSTORED_HEADERS
    )
    page = Page(
        url, parameters, stamps, response.status_code, headers, response.content
    )
    try:
        _pages().set(_page_key(url), page, settings.PAGE_CACHE_SECONDS)
    except CacheUnavailable:
        return page  # served this once, stored for nobody
    _local_pages.put(url, page)
    return page


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


def _not_modified_response(page: Page, etag: str, last_modified: str) -> HttpResponse:
    response = HttpResponse(status=304)
    del response["Content-Type"]
    for name, value in page.headers:
        if name.lower() in REVALIDATION_HEADERS:
            response[name] = value
    response["ETag"], response["Last-Modified"] = etag, last_modified
    return response


def _not_modified(
    meta: dict[str, Any], method: str, etag: str, last_modified: str
) -> HttpResponseBase | None:
    if "HTTP_IF_NONE_MATCH" not in meta and "HTTP_IF_MODIFIED_SINCE" not in meta:
        return None
    if meta.get("HTTP_IF_NONE_MATCH") == etag:  # what browsers send: the short way
        return HttpResponse(status=304)
    conditional = SimpleNamespace(META=meta, method=method)
    return get_conditional_response(
        conditional, etag=etag, last_modified=parse_http_date(last_modified)
    )


# --- Serving: the middleware (every server) and the front door (WSGI) ---------------


class PageCacheMiddleware:
    """First in MIDDLEWARE: answers from the page cache before any other
    middleware runs, and stores marked responses after all of them have added
    their headers, so a hit carries exactly the headers of the first response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method not in ("GET", "HEAD") or is_personal(request.COOKIES):
            return self.get_response(request)
        if is_enabled() and not request.META.get(MISSED):
            host = _host(request.META, request.scheme)
            page = find_for(request.scheme, host, request.path, request.GET)
            if page is not None:
                return self._hit(request, page)
        response = self.get_response(request)
        if not hasattr(response, "page_parameters"):
            return response
        if not _shareable(request, response):
            add_never_cache_headers(response)  # it carries per-visitor bytes
            return response
        if not is_enabled() or getattr(request, "page_stamps", None) is None:
            return response  # no page cache, or the shared cache is unavailable
        page = store(request, response)
        etag, last_modified = page.validators
        not_modified = _not_modified(request.META, request.method, etag, last_modified)
        if not_modified is not None and not_modified.status_code == 304:
            return _not_modified_response(page, etag, last_modified)
        response["ETag"], response["Last-Modified"] = etag, last_modified
        response["X-Page-Cache"] = "miss"
        return response

    def _hit(self, request: HttpRequest, page: Page) -> HttpResponseBase:
        etag, last_modified = page.validators
        not_modified = _not_modified(request.META, request.method, etag, last_modified)
        if not_modified is not None:
            if not_modified.status_code == 304:
                return _not_modified_response(page, etag, last_modified)
            return not_modified  # 412 for a failed If-Match
        response = HttpResponse(page.content, status=page.status)
        for name, value in page.headers:
            response[name] = value
        response["ETag"], response["Last-Modified"] = etag, last_modified
        response["X-Page-Cache"] = "hit"
        return response


class FrontDoor:
    """WSGI wrapper that answers page-cache hits before Django builds a request.

    Same rules as PageCacheMiddleware (it calls the same `find`), minus Django's
    request object and middleware stack: an anonymous reader's hit costs one
    round trip to the shared cache for the stamps. Everything else, misses
    included, goes to Django, marked so the middleware does not look again."""

    def __init__(self, application: Callable) -> None:
        self.application = application

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Any:
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in ("GET", "HEAD") or not is_enabled():
            return self.application(environ, start_response)
        if is_personal(parse_cookie(environ.get("HTTP_COOKIE", ""))):
            return self.application(environ, start_response)
        scheme = _scheme(environ)
        query = _query(environ.get("QUERY_STRING", ""))
        page = find_for(scheme, _host(environ, scheme), _path(environ), query)
        if page is None:
            environ[MISSED] = True
            return self.application(environ, start_response)
        etag, last_modified = page.validators
        not_modified = _not_modified(environ, method, etag, last_modified)
        if not_modified is not None:
            if not_modified.status_code == 304:
                kept = [
                    (n, v) for n, v in page.headers if n.lower() in REVALIDATION_HEADERS
                ]
                start_response(
                    "304 Not Modified",
                    [*kept, ("ETag", etag), ("Last-Modified", last_modified)],
                )
                return [b""]
            return self.application(environ, start_response)
        headers = [
            *page.headers,
            ("ETag", etag),
            ("Last-Modified", last_modified),
            ("X-Page-Cache", "hit"),
        ]
        start_response(f"{page.status} {HTTPStatus(page.status).phrase}", headers)
        return [b"" if method == "HEAD" else page.content]


def _scheme(environ: dict[str, Any]) -> str:
    # As HttpRequest.scheme: the proxy's header only when the settings trust it.
    proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy:
        header, secure = proxy
        value = environ.get(header)
        if value is not None:
            return "https" if value.split(",", 1)[0].strip() == secure else "http"
    return environ.get("wsgi.url_scheme", "http")


def _host(meta: dict[str, Any], scheme: str) -> str:
    # As HttpRequest.get_host() before validation: the entry for an unknown host
    # never exists, since Django refuses to render one.
    if settings.USE_X_FORWARDED_HOST and "HTTP_X_FORWARDED_HOST" in meta:
        return meta["HTTP_X_FORWARDED_HOST"]
    if "HTTP_HOST" in meta:
        return meta["HTTP_HOST"]
    host, port = meta.get("SERVER_NAME", ""), str(meta.get("SERVER_PORT", ""))
    return host if port == ("443" if scheme == "https" else "80") else f"{host}:{port}"


def _path(environ: dict[str, Any]) -> str:
    # As WSGIRequest.path: SCRIPT_NAME + PATH_INFO, decoded as Django decodes them.
    path_info = get_path_info(environ) or "/"
    return "{}/{}".format(
        get_script_name(environ).rstrip("/"), path_info.replace("/", "", 1)
    )


def _query(query_string: str) -> dict[str, str]:
    if not query_string:
        return {}
    return QueryDict(query_string)


# A stamp that could not move while the cache was down (an approval, an edit) would
# leave pages stored before the outage current: the site stamp moves once it is back.
on_recovery(bump_site)
