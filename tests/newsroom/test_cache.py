"""The local file cache: it counts like Redis does (no increment lost under load),
reads through memory without ever serving another worker's old value, and stays
about its size."""

import fcntl
import multiprocessing
import random
import threading
import time

import pytest

from newsroom import cache as file_cache
from newsroom.cache import CacheUnavailable, LockingFileBasedCache

WORKERS, EACH = 8, 40


def count_concurrently(backend_class, folder) -> int:
    start = threading.Barrier(WORKERS)

    def worker() -> None:
        cache = backend_class(
            str(folder), {}
        )  # one instance per worker, like processes
        start.wait()
        for _ in range(EACH):
            if not cache.add("posts", 1):
                cache.incr("posts")

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return backend_class(str(folder), {}).get("posts")


def test_concurrent_increments_are_never_lost(tmp_path):
    assert count_concurrently(LockingFileBasedCache, tmp_path) == WORKERS * EACH


def _increment(folder: str, times: int) -> None:
    cache = LockingFileBasedCache(folder, {})
    for _ in range(times):
        cache.incr("posts")


# The children only use the cache; no lock another thread holds is needed in them.
@pytest.mark.filterwarnings("ignore:.*use of fork\\(\\) may lead to deadlocks")
def test_increments_from_several_processes_are_never_lost(tmp_path):
    """As app server workers forked after the parent counted (gunicorn --preload):
    each must lock through its own lock file, or flock() would not tell them apart."""
    assert LockingFileBasedCache(str(tmp_path), {}).add("posts", 0)
    fork = multiprocessing.get_context("fork")
    workers = [
        fork.Process(target=_increment, args=(str(tmp_path), EACH)) for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    _increment(str(tmp_path), EACH)
    for worker in workers:
        worker.join(timeout=60)

    assert [worker.exitcode for worker in workers] == [0, 0, 0, 0]
    assert LockingFileBasedCache(str(tmp_path), {}).get("posts") == 5 * EACH


def hold_lock(folder) -> object:
    """The folder's lock file taken as another process would take it (each open
    file is locked on its own, even in one process)."""
    holder = open(folder / ".lock", "a")  # noqa: SIM115
    fcntl.flock(holder, fcntl.LOCK_EX)
    return holder


def test_a_lock_held_too_long_elsewhere_makes_the_cache_unavailable(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(file_cache, "LOCK_SECONDS", 0.2)
    cache = LockingFileBasedCache(str(tmp_path), {})
    cache.set("posts", 1)
    holder = hold_lock(tmp_path)
    started = time.monotonic()

    with pytest.raises(CacheUnavailable):
        cache.incr("posts")

    assert time.monotonic() - started < 1
    holder.close()
    assert cache.incr("posts") == 2


def test_a_lock_file_deleted_since_is_not_trusted(tmp_path, monkeypatch):
    """A process still holding the old, deleted lock file must not think it
    excludes one that locks the new file."""
    monkeypatch.setattr(file_cache, "LOCK_SECONDS", 0.2)
    cache = LockingFileBasedCache(str(tmp_path), {})
    assert cache.add("posts", 1)  # opens this process's lock file
    (tmp_path / ".lock").unlink()
    holder = hold_lock(tmp_path)  # the new lock file, taken by "another process"

    with pytest.raises(CacheUnavailable):
        cache.incr("posts")

    holder.close()


def test_a_value_another_worker_writes_is_read_at_once(tmp_path):
    mine, theirs = (LockingFileBasedCache(str(tmp_path), {}) for _ in range(2))
    mine.set("stamp", "old")
    assert mine.get("stamp") == "old"  # now also kept in memory

    theirs.set("stamp", "new")

    assert mine.get("stamp") == "new"


def test_each_write_gets_a_modification_time_of_its_own(tmp_path, monkeypatch):
    """Values are kept in memory by their file's identity, and freed inodes are
    reused at once: the write's own nanosecond, not the file system's clock tick
    (coarse on older kernels), keeps a new file from looking like an old one."""
    cache = LockingFileBasedCache(str(tmp_path), {})
    monkeypatch.setattr(time, "time_ns", lambda: 1_234_567_890_123_456_789)

    cache.set("stamp", "new")

    (written,) = tmp_path.glob("*.djcache")
    assert written.stat().st_mtime_ns == 1_234_567_890_123_456_789


def test_an_expired_value_is_not_served_from_memory(tmp_path, monkeypatch):
    cache = LockingFileBasedCache(str(tmp_path), {})
    cache.set("counter", 3, timeout=60)
    assert cache.get("counter") == 3
    later = time.time() + 61

    monkeypatch.setattr(time, "time", lambda: later)

    assert cache.get("counter") is None


def test_the_folder_stays_about_its_limit_though_writes_rarely_list_it(tmp_path):
    random.seed(7)  # which writes look at the folder
    cache = LockingFileBasedCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": 100}})

    for n in range(3000):
        cache.set(f"key-{n}", n)

    assert len(list(tmp_path.glob("*.djcache"))) < 300
