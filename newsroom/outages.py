"""When the database is down or slow: a quick 503, never a 500 or a hang.

- Every request Django handles gets a deadline: NEWSROOM_DB_READER_TIMEOUT (5 s) for
  readers, NEWSROOM_DB_STAFF_TIMEOUT (60 s) for the admin. A request still waiting
  on the database at its deadline has its query cancelled and, if the server does
  not answer that either (a frozen server), its connection cut; the database error
  that follows becomes the 503 page. PostgreSQL's own statement_timeout (the staff
  timeout) stops runaway statements of commands too.
- After the database fails (it refused a connection, or a deadline was missed), new
  connections are not tried for a few seconds: requests that need it answer 503 at
  once, so threads don't pile up behind it and page-cache hits keep flowing. The
  next try after that finds it back: no restart needed.
- `server_error` (handler500) turns a database that can't be reached into the 503
  page, with Retry-After; any other error stays a 500.

Requests the page cache answers never reach any of this (newsroom/pagecache.py).
"""

import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from functools import cache
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.defaults import server_error as django_server_error
from psycopg import pq

from newsroom.replicas import replica_failed

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
# Seconds new connections are not tried after the database failed.
RESTING_SECONDS = 3.0
# How often the watchdog looks for requests past their deadline.
WATCH_INTERVAL = 0.1
# How long a cancel request may take before the connection is cut instead.
CANCEL_SECONDS = 0.3

# Errors that mean "the database can't be reached or didn't answer in time", as
# opposed to a bug (DataError, IntegrityError, ProgrammingError stay 500s).
UNAVAILABLE = (OperationalError, InterfaceError)


# --- The database's state -----------------------------------------------------------

_resting_until = 0.0


def database_failed(why: object) -> None:
    """Leave the database alone for RESTING_SECONDS."""
    global _resting_until
    if time.monotonic() >= _resting_until:
        log.error("Database unavailable: %s", why)
    _resting_until = time.monotonic() + RESTING_SECONDS


def database_resting() -> bool:
    return time.monotonic() < _resting_until


# --- Deadlines ----------------------------------------------------------------------


class _Watchdog:
    """One thread per process: cancels, then cuts, the database work of requests
    past their deadline."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.watched: dict[int, tuple[float, list[Any], bool]] = {}
        self.thread: threading.Thread | None = None

    def watch(self, seconds: float) -> int:
        token = threading.get_ident()
        # The request's own connection objects (Django keeps one per thread).
        wrappers = [connections[alias] for alias in connections]
        with self.lock:
            self.watched[token] = (time.monotonic() + seconds, wrappers, False)
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(
                    target=self._run, name="database-deadlines", daemon=True
                )
                self.thread.start()
        return token

    def release(self, token: int) -> None:
        with self.lock:
            self.watched.pop(token, None)

    def _run(self) -> None:
        while True:
            time.sleep(WATCH_INTERVAL)
            now = time.monotonic()
            with self.lock:
                overdue = [
                    (token, deadline, wrappers, cancelled)
                    for token, (deadline, wrappers, cancelled) in self.watched.items()
                    if now >= deadline
                ]
            for token, deadline, wrappers, cancelled in overdue:
                # A database that failed to answer a cancel a moment ago is cut at
                # once: asking it again would hold up the other late requests.
                if not cancelled and not database_resting():
                    self._cancel(wrappers)
                    with self.lock:
                        if token in self.watched:
                            self.watched[token] = (deadline, wrappers, True)
                elif database_resting() or now >= deadline + CANCEL_SECONDS:
                    late = self._busy(wrappers)
                    self._cut(wrappers)
                    with self.lock:
                        self.watched.pop(token, None)
                    _failed(late, "a request's deadline passed")

    @staticmethod
    def _busy(wrappers: list[Any]) -> list[str]:
        """The aliases whose connection is running a query: the late ones."""
        return [
            w.alias
            for w in wrappers
            if w.connection is not None
            and w.connection.pgconn.transaction_status == pq.TransactionStatus.ACTIVE
        ]

    @staticmethod
    def _raw(wrappers: list[Any]) -> list[Any]:
        return [w.connection for w in wrappers if w.connection is not None]

    def _cancel(self, wrappers: list[Any]) -> None:
        for raw in self._raw(wrappers):
            try:
                raw.cancel_safe(timeout=CANCEL_SECONDS)
            except Exception as error:  # a frozen or gone server: cut it next
                database_failed(f"cancelling a late query failed: {error}")

    def _cut(self, wrappers: list[Any]) -> None:
        for raw in self._raw(wrappers):
            try:
                # shutdown() reaches the socket the request thread waits on (close
                # would not); its read then fails and psycopg raises.
                with socket.socket(fileno=os.dup(raw.pgconn.socket)) as sock:
                    sock.shutdown(socket.SHUT_RDWR)
            except OSError as error:
                log.warning("Cutting a late connection failed: %s", error)


_watchdog = _Watchdog()


def _failed(aliases: list[str], why: str) -> None:
    """A late read replica rests on its own (its readers go to the primary); the
    primary, or a connection we can't tell, rests the whole database."""
    replicas = [alias for alias in aliases if alias != "default"]
    for alias in replicas:
        replica_failed(alias, why)
    if not replicas or "default" in aliases:
        database_failed(why)


@cache
def _admin_prefix() -> str:
    return reverse("admin:index")


def deadline_seconds(request: HttpRequest) -> float:
    if request.path.startswith(_admin_prefix()):
        return settings.DB_STAFF_TIMEOUT_SECONDS
    return settings.DB_READER_TIMEOUT_SECONDS


class DatabaseDeadlineMiddleware:
    """Gives each request Django handles its database deadline (see above)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _watchdog.watch(deadline_seconds(request))
        try:
            return self.get_response(request)
        finally:
            _watchdog.release(token)


# --- What readers see ---------------------------------------------------------------


def unavailable(
    request: HttpRequest,
    template: str = "503.html",
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """The short, accessible "temporarily unavailable" page (503, Retry-After). Its
    template must not need the database."""
    response = render(request, template, context or {}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database that can't be reached (or answered too late, or was
    left alone after failing) is a 503; anything else stays a 500."""
    if isinstance(sys.exc_info()[1], UNAVAILABLE):
        return unavailable(request)
    return django_server_error(request)
