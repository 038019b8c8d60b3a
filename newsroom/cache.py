"""The shared caches, made to fail fast: when Redis (or the cache folder) is down or
slow, every call raises CacheUnavailable quickly and callers carry on without the
cache (the page cache renders from the database, throttles let the request through;
docs/operations.md). After a failure the cache is not asked again for a few seconds,
so a dead or frozen server costs one short timeout, not one per call."""

import contextlib
import fcntl
import logging
import os
import pickle
import random
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

log = logging.getLogger(__name__)
Result = TypeVar("Result")

# Seconds the cache is left alone after it failed; the next call after that tries it.
RESTING_SECONDS = 5.0
# The file cache: one write in this many checks whether the folder is full; this many
# values read are kept in memory (with the identity of their file).
CULL_CHECK_EVERY = 64
MEMORY_ENTRIES = 512
_memory: OrderedDict[str, tuple[tuple[int, int, int], float | None, Any]] = (
    OrderedDict()
)
_memory_lock = threading.Lock()


# Seconds an add() or incr() of the file cache waits for another process's lock
# before the cache counts as unavailable (throttles then let the request through).
LOCK_SECONDS = 1.0
# The file caches' lock files, each opened once per process, and a thread lock per
# folder in front of it (flock() does not tell a process's threads apart).
_lock_files: dict[str, Any] = {}
_folder_locks: dict[str, threading.Lock] = {}


def _start_afresh_after_fork() -> None:
    """A forked worker shares none of these: an inherited lock file would share
    its parent's flock(), and a thread lock held by a parent's thread would never
    be released in the child."""
    global _memory_lock
    _lock_files.clear()
    _folder_locks.clear()
    _memory_lock = threading.Lock()


os.register_at_fork(after_in_child=_start_afresh_after_fork)


def _flock(folder: str) -> Any:
    """This process's lock file of `folder`, locked. It is opened again when the
    file was deleted or replaced since (a lock on a deleted file excludes nobody).
    CacheUnavailable when another process holds it for LOCK_SECONDS, or when it
    cannot be opened."""
    path = os.path.join(folder, ".lock")
    deadline = time.monotonic() + LOCK_SECONDS
    while True:
        lock = _lock_files.get(folder)
        if lock is None:
            try:
                os.makedirs(folder, exist_ok=True)
                lock = _lock_files[folder] = open(path, "a")  # noqa: SIM115
            except OSError as error:
                raise CacheUnavailable(f"{path}: {error}") from error
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise CacheUnavailable(
                    f"another process held {path} for {LOCK_SECONDS:g} s"
                ) from None
            time.sleep(0.0005)
            continue
        try:
            current = os.stat(path).st_ino
        except FileNotFoundError:
            current = None
        if current == os.fstat(lock.fileno()).st_ino:
            return lock
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()
        del _lock_files[folder]


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


class _SharedClients(RedisCacheClient):
    """Django's Redis client maker, keeping one redis-py client per connection pool
    instead of building a new one on every call (about half of a small read's
    cost). redis-py clients are thread-safe: the pool hands each call a connection."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)
            client = self._clients.setdefault(index, self._client(connection_pool=pool))
        return client


class FailFastRedisCache(_FailFast, RedisCache):
    """Django's RedisCache; settings give it short socket timeouts and no retries."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _SharedClients


class LockingFileBasedCache(_FailFast, FileBasedCache):
    """The file cache `make run` uses when there is no Redis.

    - add() and incr() are atomic across workers, as Redis's are: throttles count
      with them, and a lost increment would let a flood through.
    - Django's file cache lists its whole folder on every write to see whether it is
      full; here one write in CULL_CHECK_EVERY counts the names (at random), so the
      folder stays about MAX_ENTRIES while a write costs a file, not a listing.
    - add() and incr() lock through one lock file per process and folder, kept
      open, with a thread lock in front (flock() does not tell a process's
      threads apart); a lock held elsewhere for LOCK_SECONDS makes them raise
      CacheUnavailable instead of waiting on.
    - A value read is kept in memory with the identity of the file it came from
      (inode, modification time, size), so reading a version stamp costs a stat
      instead of open, unzip and unpickle. Every write replaces the file and sets
      its modification time to the nanosecond: the file system reuses a freed
      inode at once, and on kernels with coarse file times two writes within one
      clock tick could otherwise look like an older file a process still holds.
    """

    round_trips = False  # reads are files on this machine (newsroom/pagecache.py)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with _folder_locks.setdefault(self._dir, threading.Lock()):
            lock = _flock(self._dir)
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

    def _cull(self) -> None:
        if random.random() >= 1 / CULL_CHECK_EVERY:
            return
        # Counting names (the lock file too) is cheap; Django's own listing (glob,
        # full paths) runs only when there is something to remove.
        if len(os.listdir(self._dir)) > self._max_entries:
            super()._cull()

    def _write_content(self, file: Any, timeout: Any, value: Any) -> None:
        super()._write_content(file, timeout, value)
        file.flush()  # nothing left to write after the time is set
        now = time.time_ns()
        os.utime(file.fileno(), ns=(now, now))

    def _key_to_file(self, key: str, version: int | None = None) -> str:
        # A pure function of the key and this cache's settings, kept for the same
        # few keys (the stamps) that every page-cache hit reads.
        files = self.__dict__.setdefault("_files", {})
        found = files.get((key, version))
        if found is None:
            if len(files) >= MEMORY_ENTRIES:
                files.clear()
            found = files[key, version] = super()._key_to_file(key, version)
        return found

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        return self._call(self._get_through_memory, key, default, version)

    def get_many(self, keys: list[str], version: int | None = None) -> dict[str, Any]:
        found = {}
        for key in keys:
            value = self.get(key, self._missing_key, version=version)
            if value is not self._missing_key:
                found[key] = value
        return found

    def _get_through_memory(self, key: str, default: Any, version: int | None) -> Any:
        fname = self._key_to_file(key, version)
        try:
            found = os.stat(fname)
        except FileNotFoundError:
            return default
        identity = (found.st_ino, found.st_mtime_ns, found.st_size)
        with _memory_lock:
            kept = _memory.get(fname)
            if kept is not None and kept[0] == identity:
                _memory.move_to_end(fname)
                expiry, value = kept[1], kept[2]
                if expiry is None or expiry >= time.time():
                    return value
                return default
        try:
            with open(fname, "rb") as f:
                expiry = pickle.load(f)
                value = pickle.loads(zlib.decompress(f.read()))
        except (FileNotFoundError, EOFError):
            return default
        with _memory_lock:
            _memory[fname] = (identity, expiry, value)
            _memory.move_to_end(fname)
            while len(_memory) > MEMORY_ENTRIES:
                _memory.popitem(last=False)
        if expiry is not None and expiry < time.time():
            return default
        return value
