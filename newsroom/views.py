import logging

from django.core.cache import caches
from django.core.files.storage import storages
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from newsroom.replicas import replica_aliases
from newsroom.storage import ObjectStorage

logger = logging.getLogger(__name__)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Each dependency's state, as JSON. 503 only when the site cannot serve
    readers (the database is unavailable); without the cache pages are slower, not
    gone, and without the media store only uploads fail (docs/operations.md)."""
    checks = {"database": _database_answers(), "cache": _cache_answers()}
    # A replica that is down only sends its readers to the primary.
    checks |= {alias: _database_answers(alias) for alias in replica_aliases()}
    store = storages["default"]
    if isinstance(store, ObjectStorage):  # nothing to ask of a local folder
        checks["media"] = _media_store_answers(store)
    serving = checks["database"]
    body = {
        "status": "ok" if all(checks.values()) else "degraded" if serving else "down",
    } | {name: "ok" if fine else "unavailable" for name, fine in checks.items()}
    return JsonResponse(body, status=200 if serving else 503)


def _database_answers(alias: str = "default") -> bool:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        logger.error("health check: %s unavailable: %s", alias, error)
        return False
    return True


def _cache_answers() -> bool:
    cache = caches["default"]
    if hasattr(cache, "is_available"):  # newsroom/cache.py's backends
        return cache.is_available()
    return True


def _media_store_answers(store: ObjectStorage) -> bool:
    problem = store.probe()
    if problem is not None:
        logger.error("health check: media store unavailable: %s", problem)
    return problem is None


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A reader-friendly 403 for an expired or missing form token (CSRF)."""
    logger.warning("CSRF failure on %s: %s", request.path, reason)
    return render(request, "403_csrf.html", status=403)
