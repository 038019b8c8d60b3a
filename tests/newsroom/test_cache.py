"""The local file cache counts like Redis does: no increment is lost under load."""

import threading

from newsroom.cache import LockingFileBasedCache

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
