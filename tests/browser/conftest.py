"""The browser suite: a real headless Chromium (Playwright) against the site served the
production way (gunicorn, DEBUG off) on 127.0.0.1, using pytest-django's test database.

Every test module carries the `BROWSER_TESTS` marks (helpers.py): transactional
database access, so the rows a test writes are committed and the site sees them at
once; the tables are emptied after each test and the data migrations' rows (groups)
restored. The suite runs in its own pytest invocation (`-m browser`) with its own
test database. Test modules import helpers.py and tests/factories.py, never this file.
Without Chromium, Java or the npm checkers, tests skip with one loud line, except under
CI=true, where a missing tool fails them.
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.helpers import (
    CHROMIUM_FLAGS,
    MIN_SECONDS_TO_SUBMIT,
    ROOT,
    VNU_JAR,
    chromium_path,
    free_port,
    missing_tools,
    open_page,
    wait_for,
)

# Playwright's sync API keeps an event loop in this thread; Django would refuse the
# tests' own (synchronous) database work without this.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_tools() -> None:
    if missing := missing_tools():
        message = "BROWSER SUITE NOT RUN: missing " + "; ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


@pytest.fixture(scope="session")
def media_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, media_root):
    """The site under test and the tests share one media folder."""
    settings.MEDIA_ROOT = media_root


@pytest.fixture(scope="session")
def site_data_dir(tmp_path_factory) -> Path:
    """NEWSROOM_DATA_DIR of the site under test; its file cache is shared (below)."""
    return tmp_path_factory.mktemp("site-data")


@pytest.fixture(autouse=True)
def _cache_shared_with_the_site(settings, site_data_dir):
    """The tests and the site use one cache, emptied before each test.

    Rows the tests write move the page-cache stamps in the cache the site reads
    (the tables are emptied between tests without moving them), and throttle
    counters and cached pages never leak from one test into the next.
    """
    from django.core.cache import caches

    settings.CACHES = {
        alias: {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(site_data_dir / "cache" / alias),
        }
        for alias in ("default", "pages")
    }
    for alias in ("default", "pages"):
        caches[alias].clear()


@pytest.fixture(scope="session")
def site_url(
    browser_tools, test_database_url, site_data_dir, media_root
) -> Iterator[str]:
    """gunicorn serving newsroom.settings (DEBUG off) against the test database."""
    data_dir = site_data_dir
    environment = {
        k: v
        for k, v in os.environ.items()
        # REDIS_URL too: the site's cache is files under its data folder, shared
        # with the tests and gone with the run (no counters or pages from another).
        if not k.startswith(("DJANGO_", "NEWSROOM_"))
        and k not in ("REDIS_URL", "CACHE_URL")
    } | {
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DATABASE_URL": test_database_url,
        "DJANGO_SECRET_KEY": "browser-suite-only-" + "k" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "NEWSROOM_HTTPS": "false",
        "NEWSROOM_DATA_DIR": str(data_dir),
        "NEWSROOM_MEDIA_ROOT": str(media_root),
        "NEWSROOM_SERVE_MEDIA": "true",
        "NEWSROOM_COMMENTS_MIN_SECONDS": str(MIN_SECONDS_TO_SUBMIT),
        # Persistent connections would keep the test database busy at teardown.
        "DJANGO_CONN_MAX_AGE": "0",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=environment,
        check=True,
    )
    port = free_port()
    log = (data_dir / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "newsroom.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
        ]
        + ["--workers", "2", "--no-control-socket", "--access-logfile", "-"],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/healthz", seconds=60, process=server)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@pytest.fixture(scope="session")
def playwright_browser(browser_tools, django_db_setup):
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # The database as migrations left it, which serialized_rollback restores
    # before each test (the groups and permissions of the data migrations).
    serialized = {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    with sync_playwright() as playwright:
        # Playwright's event loop runs in this thread from now on, so Django keeps
        # its connections per context: the tests get new connection objects, which
        # must carry the serialized contents too (else nothing is restored and the
        # next test finds no groups).
        for alias, contents in serialized.items():
            connections[alias]._test_serialized_contents = contents
        # launch() gives Chromium a fresh, temporary --user-data-dir of its own.
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()
        connections.close_all()  # before the test database is dropped


@pytest.fixture
def new_page(playwright_browser):
    """Factory: new_page(javascript=True, width=1280) -> (page, problems)."""
    contexts = []

    def factory(**options):
        page, problems = open_page(playwright_browser, **options)
        contexts.append(page.context)
        return page, problems

    yield factory
    for context in contexts:
        context.close()


@pytest.fixture
def screenshots_dir(tmp_path) -> Path:
    """Where screenshot tests write: SCREENSHOTS_DIR (make screenshots), else a
    temporary folder."""
    folder = os.environ.get("SCREENSHOTS_DIR")
    if not folder:
        return tmp_path
    path = Path(folder) if Path(folder).is_absolute() else ROOT / folder
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def vnu_url(browser_tools) -> Iterator[str]:
    """The W3C Nu HTML Checker as a local HTTP service (one JVM for the whole run)."""
    port = free_port()
    checker = subprocess.Popen(
        ["java", "-Dnu.validator.servlet.bind-address=127.0.0.1", "-cp", str(VNU_JAR)]
        + ["nu.validator.servlet.Main", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/"
    try:
        wait_for(base, seconds=90, process=checker)
        yield base
    finally:
        checker.terminate()
        checker.wait(timeout=30)
