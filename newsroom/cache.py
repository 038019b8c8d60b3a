"""The shared caches, made to fail fast: when Redis (or the cache folder) is down or
slow, every call raises CacheUnavailable quickly and callers carry on without the
cache (the page cache renders from the database, throttles let the request through;
docs/operations.md). After a failure the cache is not asked again for a few seconds,
so a dead or frozen server costs one short timeout, not one per call."""

import contextlib
import fcntl
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache

log = logging.getLogger(__name__)
Result = TypeVar("Result")

# Seconds the cache is left alone after it failed; the next call after that tries it.
RESTING_SECONDS = 5.0


class CacheUnavailable(Exception):
    """The shared cache can't be reached now; the message says why."""


# When each cache (by its location) may be asked again. Django makes one cache object
# per thread; the whole process learns from one failure.
_resting_until: dict[str, float] = {}
_lock = threading.Lock()
_recovery_hooks: list[Callable[[], None]] = []


def on_recovery(hook: Callable[[], None]) -> None:
    """Call `hook` once when a cache answers again after failing (the page cache
    moves its site stamp then: a stamp it could not move during the outage must not
    leave a stale page behind)."""
    if hook not in _recovery_hooks:
        _recovery_hooks.append(hook)


class _FailFast:
    """Every cache call goes through `_call`: an error becomes CacheUnavailable, and
    for RESTING_SECONDS afterwards calls fail at once without touching the server."""

    @property
    def _location(self) -> str:
        return str(getattr(self, "_servers", None) or getattr(self, "_dir", ""))

    def _call(self, method: Callable[..., Result], *args: Any, **kwargs: Any) -> Result:
        resting_until = _resting_until.get(self._location)
        if resting_until is not None and time.monotonic() < resting_until:
            raise CacheUnavailable("the cache failed a moment ago")
        try:
            result = method(*args, **kwargs)
        except (CacheUnavailable, ValueError, TypeError):
            raise  # ValueError: incr() of a missing key, as Django documents
        except Exception as error:  # redis errors, OSError, unpickling a torn file
            with _lock:
                if time.monotonic() >= _resting_until.get(self._location, 0.0):
                    log.error("Cache %s unavailable: %s", self._location, error)
                _resting_until[self._location] = time.monotonic() + RESTING_SECONDS
            raise CacheUnavailable(f"{type(error).__name__}: {error}") from error
        if resting_until is not None and self._recovered():
            for hook in _recovery_hooks:
                # Failing again is fine: the next recovery calls it again.
                with contextlib.suppress(CacheUnavailable):
                    hook()
        return result

    def _recovered(self) -> bool:
        """True for the one call that first finds the cache back after a failure."""
        with _lock:
            if self._location not in _resting_until:
                return False
            del _resting_until[self._location]
        log.warning("Cache %s is back", self._location)
        return True

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._call(super().get, *args, **kwargs)

    def get_many(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return self._call(super().get_many, *args, **kwargs)

    def set(self, *args: Any, **kwargs: Any) -> None:
        return self._call(super().set, *args, **kwargs)

    def add(self, *args: Any, **kwargs: Any) -> bool:
        return self._call(super().add, *args, **kwargs)

    def incr(self, *args: Any, **kwargs: Any) -> int:
        return self._call(super().incr, *args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> bool:
        return self._call(super().delete, *args, **kwargs)

    def clear(self) -> None:
        return self._call(super().clear)

    def is_available(self) -> bool:
        """Ask the server now (for /healthz), whatever happened a moment ago."""
        with _lock:
            if self._location in _resting_until:
                _resting_until[self._location] = 0.0
        try:
            self.get("newsroom:health")
        except CacheUnavailable:
            return False
        return True


class FailFastRedisCache(_FailFast, RedisCache):
    """Django's RedisCache; settings give it short socket timeouts and no retries."""


class LockingFileBasedCache(_FailFast, FileBasedCache):
    """The file cache `make run` uses when there is no Redis. add() and incr() are
    atomic across workers, as Redis's are: throttles count with them, and a lost
    increment would let a flood through."""

    @contextmanager
    def _locked(self) -> Iterator[None]:
        Path(self._dir).mkdir(parents=True, exist_ok=True)
        with open(Path(self._dir) / ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def add(
        self,
        key: str,
        value: Any,
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> bool:
        with self._locked():
            return super().add(key, value, timeout, version)

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        with self._locked():
            return super().incr(key, delta, version)
