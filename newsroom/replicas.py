"""Read replicas: readers' reads go to a PostgreSQL streaming replica that has
caught up; everything else goes to the primary ("default").

Which reads may use a replica (`ReplicaRouter`, `ReplicaMiddleware`):
- only the `articles` and `comments` tables (stories, notes, approved comments);
  sessions, users, CAPTCHA keys, tasks, sign-in throttles and the admin's own
  tables always read the primary;
- only in a GET or HEAD request without a session (readers, not staff) and without
  the `newsroom_primary` cookie, which every POST sets for
  NEWSROOM_REPLICA_PIN_SECONDS so a visitor who just wrote reads what they wrote;
- and only until the request writes anything: from then on it reads the primary.

**No stale page is cached.** Before a page-cache stamp moves (newsroom/pagecache.py),
the primary's WAL position is recorded in the shared cache (`record_write`); the
positions only ever grow, because they are taken and stored one writer at a time
under an advisory lock. A request reads that position after the stamps it renders
under, and uses a replica only if the replica has replayed at least that far;
otherwise it reads the primary. So a page stored under a new stamp always shows the
write that moved it. A replica "lags beyond the limit" as soon as it has not
replayed the last write readers can see: no time-based threshold to tune.

A replica that fails (refused connection, a deadline passed) rests for a few
seconds and its reads go to the primary meanwhile; the failure is logged.
"""

import contextvars
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connections, transaction
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

log = logging.getLogger(__name__)

REPLICATED_APPS = frozenset({"articles", "comments"})
PIN_COOKIE = "newsroom_primary"
WRITE_POSITION_KEY = "newsroom:replicas:write-lsn"
# An arbitrary constant naming the advisory lock the write positions are taken under.
WRITE_POSITION_LOCK = 0x6E657773  # "news"
# How often a replica that was behind is asked again where it has replayed to.
PROBE_INTERVAL = 0.1
RESTING_SECONDS = 5.0

SAFE_METHODS = frozenset({"GET", "HEAD"})


def replica_aliases() -> list[str]:
    return list(settings.READ_REPLICAS)


# --- The primary's write position ---------------------------------------------------

# The insert position: at or after every record already in the WAL, including a
# commit not yet flushed (synchronous_commit = off); the write position may not be.
_WRITE_POSITION_SQL = (
    "SELECT pg_advisory_xact_lock(%s), (pg_current_wal_insert_lsn() - '0/0')::bigint"
)


def record_write() -> None:
    """Called before a page-cache stamp moves, after the write that moves it has
    committed: the primary's WAL position now (at or after that commit) becomes the
    position readers wait for. One writer at a time, so the stored value only
    grows. If the primary can't say, the value is dropped: the next reader takes
    the primary's position then (`_write_position`)."""
    if not replica_aliases():
        return
    cache = caches["default"]
    try:
        with transaction.atomic(using="default"), connections["default"].cursor() as c:
            c.execute(_WRITE_POSITION_SQL, [WRITE_POSITION_LOCK])
            cache.set(WRITE_POSITION_KEY, c.fetchone()[1], None)
    except DatabaseError as error:
        log.warning("Write position not recorded (%s): readers use the primary", error)
        cache.delete(WRITE_POSITION_KEY)


def _write_position() -> int | None:
    """The position a replica must have replayed; None: unknown (read the primary)."""
    cache = caches["default"]
    try:
        position = cache.get(WRITE_POSITION_KEY)
        if position is None:  # first use, or the cache lost it: the primary's now
            with connections["default"].cursor() as c:
                c.execute("SELECT (pg_current_wal_insert_lsn() - '0/0')::bigint")
                cache.add(WRITE_POSITION_KEY, c.fetchone()[0], None)
            position = cache.get(WRITE_POSITION_KEY)
    except Exception as error:  # the cache or the primary unavailable
        log.info("Write position unknown (%s): reading the primary", error)
        return None
    return position


# --- Replicas' state (per process) --------------------------------------------------


@dataclass
class _Replica:
    replayed: int = -1  # the WAL position it had replayed when last asked
    asked_at: float = float("-inf")
    resting_until: float = 0.0


_replicas: dict[str, _Replica] = {}
_replicas_lock = threading.Lock()


def _state(alias: str) -> _Replica:
    with _replicas_lock:
        return _replicas.setdefault(alias, _Replica())


def replica_failed(alias: str, why: object) -> None:
    """Leave the replica alone for RESTING_SECONDS; its reads go to the primary."""
    state = _state(alias)
    if time.monotonic() >= state.resting_until:
        log.error("Replica %s unavailable, reading the primary: %s", alias, why)
    state.resting_until = time.monotonic() + RESTING_SECONDS


def replica_resting(alias: str) -> bool:
    return time.monotonic() < _state(alias).resting_until


_REPLAYED_SQL = (
    "SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()"
    " ELSE pg_current_wal_insert_lsn() END - '0/0')::bigint"
)


def replayed(alias: str) -> int | None:
    """Where the replica has replayed to, asked now (None: it did not answer)."""
    state = _state(alias)
    try:
        with connections[alias].cursor() as c:
            c.execute(_REPLAYED_SQL)
            position = c.fetchone()[0]
    except DatabaseError as error:
        replica_failed(alias, error)
        return None
    state.asked_at = time.monotonic()
    # Replay only moves forward; a value read by a slower thread must not undo it.
    state.replayed = max(state.replayed, position if position is not None else -1)
    return state.replayed


def _caught_up(alias: str, position: int) -> bool:
    state = _state(alias)
    if replica_resting(alias):
        return False
    if state.replayed >= position:
        return True  # it had replayed this far already: it still has
    if time.monotonic() - state.asked_at < PROBE_INTERVAL:
        return False  # behind a moment ago: the primary, without asking again
    now = replayed(alias)
    return now is not None and now >= position


# --- One request ----------------------------------------------------------------------


@dataclass
class _Request:
    may_use_replica: bool
    wrote: bool = False
    stamps_moved_on: bool = True  # stamps were read since the position was
    position: int | None = None
    replica: str | None = None

    def replica_for_read(self) -> str | None:
        if not self.may_use_replica or self.wrote:
            return None
        if self.stamps_moved_on:
            self.stamps_moved_on = False
            position = _write_position()
            if position is None:
                self.may_use_replica = False
                return None
            if self.position is None or position > self.position:
                self.position, self.replica = position, None  # check again
        if self.replica is None:
            aliases = replica_aliases()
            random.shuffle(aliases)  # spread readers over the replicas
            self.replica = next(
                (a for a in aliases if _caught_up(a, self.position)), "default"
            )
        return None if self.replica == "default" else self.replica


_current: contextvars.ContextVar[_Request | None] = contextvars.ContextVar(
    "newsroom_replica_request", default=None
)


def stamps_read() -> None:
    """newsroom/pagecache.py read stamps: a page or fragment may be stored under
    them, so the write position is read again before the next replica read."""
    request = _current.get()
    if request is not None:
        request.stamps_moved_on = True


def _may_use_replica(request: HttpRequest) -> bool:
    return (
        bool(replica_aliases())
        and request.method in SAFE_METHODS
        and not request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        and not request.COOKIES.get(PIN_COOKIE)
    )


class ReplicaMiddleware:
    """Decides, per request, whether its reads may use a replica, and pins a
    visitor who just wrote (any POST) to the primary for a short time."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current.set(_Request(may_use_replica=_may_use_replica(request)))
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        if replica_aliases() and request.method not in SAFE_METHODS:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.REPLICA_PIN_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response


class ReplicaRouter:
    """DATABASE_ROUTERS: see the module's docstring."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        if model._meta.app_label not in REPLICATED_APPS:
            return "default"
        request = _current.get()
        replica = request.replica_for_read() if request is not None else None
        return replica or "default"

    def db_for_write(self, model: type[Model], **hints: Any) -> str | None:
        request = _current.get()
        if request is not None:
            request.wrote = True
        return "default"

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        return True  # one database, replicated

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == "default"
