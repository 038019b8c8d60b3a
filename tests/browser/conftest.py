"""The browser suite: a real headless Chromium (Playwright) against the site served the
production way (gunicorn, DEBUG off) on 127.0.0.1, using pytest-django's test database.

Every test module carries `BROWSER_TESTS` marks: transactional database access, so the
rows a test writes are committed and the site sees them at once; the tables are emptied
after each test and the data migrations' rows (groups) restored. The suite runs in its
own pytest invocation (`-m browser`) with its own test database.
Without Chromium, Java or the npm checkers, tests skip with one loud line, except under
CI=true, where a missing tool fails them.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# Playwright's sync API keeps an event loop in this thread; Django would refuse the
# tests' own (synchronous) database work without this.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The site's bot trap: posts sooner than this after the form was served are dropped.
MIN_SECONDS_TO_SUBMIT = 3
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BROWSER_TESTS = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def missing_tools() -> list[str]:
    missing = []
    if not chromium_path():
        missing.append("Chromium (apt-get install chromium)")
    if not shutil.which("java"):
        missing.append("Java (apt-get install default-jre-headless)")
    if not shutil.which("flite"):
        missing.append("flite, the spoken CAPTCHA (apt-get install flite)")
    if not AXE_JS.exists() or not VNU_JAR.exists():
        missing.append("axe-core and vnu-jar (npm ci --ignore-scripts)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing.append("playwright (pip install -r requirements.lock)")
    return missing


@pytest.fixture(scope="session")
def browser_tools() -> None:
    if missing := missing_tools():
        message = "BROWSER SUITE NOT RUN: missing " + "; ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, *, seconds: float, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[:4]} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds}s")


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


DOCUMENT_STATUS = re.compile(r"^Failed to load resource: .* status of (\d{3})\b")


@dataclass
class PageProblems:
    """Console errors and Content-Security-Policy violations seen in a page."""

    console_errors: list[tuple[str, str]] = field(default_factory=list)  # text, url
    # url -> statuses the main documents loaded from it answered with
    documents: dict[str, set[int]] = field(default_factory=dict)
    expected_statuses: set[int] = field(default_factory=set)

    def expect_document_status(self, status: int) -> None:
        """A page of this journey answers `status` by design (the 404 page, a form
        sent back with its errors): Chromium's console line about that document's
        own status is then no problem. Any other failing resource still is."""
        self.expected_statuses.add(status)

    def on_console(self, message) -> None:
        if message.type == "error":
            self.console_errors.append((message.text, message.location.get("url", "")))

    def unexpected(self) -> list[str]:
        found = []
        for text, url in self.console_errors:
            match = DOCUMENT_STATUS.match(text)
            status = int(match.group(1)) if match else None
            if status in self.expected_statuses & self.documents.get(url, set()):
                continue
            found.append(f"{text} ({url})" if url else text)
        return found

    def assert_none(self) -> None:
        assert self.unexpected() == []


CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`);
});
"""


def open_page(browser, *, javascript: bool = True, width: int = 1280):
    """A fresh context (no cookies) and page; returns (page, problems)."""
    context = browser.new_context(
        java_script_enabled=javascript, viewport={"width": width, "height": 900}
    )
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    problems = PageProblems()

    def on_response(response) -> None:
        if response.request.is_navigation_request():
            problems.documents.setdefault(response.url, set()).add(response.status)

    page.on("response", on_response)
    page.on("console", problems.on_console)
    page.on("pageerror", lambda error: problems.console_errors.append((str(error), "")))
    return page, problems


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


def axe_violations(page) -> list[dict]:
    """Run axe-core in the page (evaluated through DevTools, so the CSP allows it)."""
    page.evaluate(AXE_JS.read_text() + "\n;0")
    result = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return [
        {
            "id": violation["id"],
            "help": violation["help"],
            "nodes": [node["target"] for node in violation["nodes"]],
        }
        for violation in result["violations"]
    ]


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


def html_errors(vnu_url: str, html: bytes) -> list[str]:
    request = urllib.request.Request(
        f"{vnu_url}?out=json",
        data=html,
        headers={"Content-Type": "text/html; charset=utf-8"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        messages = json.load(response)["messages"]
    return [
        f"line {m.get('lastLine')}: {m['message']}"
        for m in messages
        if m["type"] in {"error", "non-document-error"}
    ]


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
