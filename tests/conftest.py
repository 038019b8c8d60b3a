import contextlib
import os
import urllib.parse

import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Each test writes uploads to its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def free_port() -> int:
    """A loopback TCP port nothing listens on (the kernel just handed it out)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def test_database_url(django_db_setup, django_db_blocker) -> str:
    """DATABASE_URL of pytest-django's test database, for processes the tests start."""
    from django.db import connection

    with django_db_blocker.unblock():
        settings_dict = connection.settings_dict
    user = urllib.parse.quote(settings_dict["USER"] or "")
    if password := settings_dict.get("PASSWORD"):
        user = f"{user}:{urllib.parse.quote(password)}"
    host, port = settings_dict["HOST"] or "127.0.0.1", settings_dict["PORT"] or 5432
    return f"postgres://{user}@{host}:{port}/{settings_dict['NAME']}"


@pytest.fixture
def page_cache(settings):
    """The page cache on, with empty caches (tests otherwise run with it off:
    factories write without committing, so no stamp would move)."""
    from django.core.cache import caches

    from newsroom.cache import CacheUnavailable

    settings.PAGE_CACHE_SECONDS = 600
    for alias in ("default", "pages"):
        caches[alias].clear()
    yield
    for alias in ("default", "pages"):
        with contextlib.suppress(CacheUnavailable):  # a test may have broken it
            caches[alias].clear()


@pytest.fixture(autouse=True)
def _dependencies_start_healthy():
    """A test that breaks the database or the cache leaves no resting state behind
    (newsroom/outages.py, newsroom/cache.py)."""
    from newsroom import cache, outages

    yield
    outages._resting_until = 0.0
    cache._resting_until.clear()


@pytest.fixture
def dead_redis(settings, free_port):
    """Both caches pointed at a Redis port where nothing listens: the real client
    gets a real refused connection."""
    from django.core.cache import caches

    settings.CACHES = {
        alias: {
            "BACKEND": "newsroom.cache.FailFastRedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port}/0",
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
        for alias in ("default", "pages")
    }
    for alias in ("default", "pages"):
        caches[alias].close()
    yield
    for alias in ("default", "pages"):
        caches[alias].close()


# Property-based tests (hypothesis): a few examples in a developer's run, 2,000 per
# test in `make test-properties` (CI), 20,000 in `make fuzz`.
def _hypothesis_profiles() -> None:
    from hypothesis import HealthCheck, settings

    common = {
        "deadline": None,  # real PostgreSQL: time is not the property under test
        "suppress_health_check": [HealthCheck.function_scoped_fixture],
        "derandomize": False,
    }
    settings.register_profile("dev", max_examples=100, **common)
    settings.register_profile("ci", max_examples=2_000, **common)
    settings.register_profile("fuzz", max_examples=20_000, **common)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


_hypothesis_profiles()
