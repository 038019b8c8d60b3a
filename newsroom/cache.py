"""The file cache `make run` uses when there is no Redis, made safe for counters."""

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.core.cache.backends.filebased import FileBasedCache


class LockingFileBasedCache(FileBasedCache):
    """FileBasedCache whose add() and incr() are atomic across workers, as Redis's
    are: throttles count with them, and a lost increment would let a flood through.
    """

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
        timeout: float | None = None,
        version: int | None = None,
    ) -> bool:
        with self._locked():
            return super().add(key, value, timeout, version)

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        with self._locked():
            return super().incr(key, delta, version)
