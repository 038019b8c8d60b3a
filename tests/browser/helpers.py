"""What the browser suite shares: the marks and tools every module uses (Chromium,
the served site, axe-core, the Nu checker), the seed story put in by the real
importer, and a reader filling in the comment form (the CAPTCHA answered from the
database, as a reader reads it off the image). Fixtures live in conftest.py."""

import dataclasses
import io
import json
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from captcha.models import CaptchaStore
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
from django.core.management import call_command

from articles.models import Story

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


DOCUMENT_STATUS = re.compile(r"^Failed to load resource: .* status of (\d{3})\b")


@dataclasses.dataclass
class PageProblems:
    """Console errors and Content-Security-Policy violations seen in a page."""

    # (text, url) of each console error
    console_errors: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    # url -> statuses the main documents loaded from it answered with
    documents: dict[str, set[int]] = dataclasses.field(default_factory=dict)
    expected_statuses: set[int] = dataclasses.field(default_factory=set)

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


# --- Journeys ------------------------------------------------------------------

DEMO_FILE = ROOT / "articles" / "demo" / "us-japan-defense-cooperation.txt"
HEADLINE = "New Era of U.S.-Japan Defense Cooperation Sparks Debate"
CLARIFICATION = "An earlier version of this story stated that Japan will now export"
WRONG_CAPTCHA = "Please enter the text displayed in the image."
# Letters the challenge never uses (comments.captcha.field.ALPHABET): surely wrong.
WRONG_ANSWER = "zzzzzz"

KEY = 'input[name="captcha_0"]'
ANSWER = 'input[name="captcha_1"]'
IMAGE = "[data-captcha-image]"
AUDIO = "[data-captcha-audio]"
STATUS = "[data-captcha-status]"
PASSWORD = "correct horse battery staple"
REFRESH = "Change the CAPTCHA code"
SPEAK = "Speak the CAPTCHA code"


def import_demo_story(*, published_at: str | None = None) -> Story:
    """The seed story, through `manage.py import_story` (published now by default,
    so it takes comments)."""
    options = {"published_at": published_at} if published_at else {}
    call_command("import_story", str(DEMO_FILE), stdout=io.StringIO(), **options)
    return Story.objects.get(slug__startswith="new-era-of-us-japan")


def field(page, label: str):
    """A text box of the comment form by its label ("Name:", "Email:", "Comment:")."""
    return page.get_by_role("textbox", name=label, exact=True)


def fill_comment(page, *, name: str, email: str, text: str) -> None:
    field(page, "Name:").fill(name)
    field(page, "Email:").fill(email)
    field(page, "Comment:").fill(text)


def solution(page) -> str:
    """The answer to the challenge the page shows, read from the CAPTCHA table."""
    key = page.locator(KEY).input_value()
    return CaptchaStore.objects.get(hashkey=key).response


def image_loaded(page) -> bool:
    return page.eval_on_selector(IMAGE, "img => img.complete && img.naturalWidth > 0")


def wait_for_image(page) -> None:
    page.wait_for_function(
        "s => { const i = document.querySelector(s); return i.complete && "
        "i.naturalWidth > 0; }",
        arg=IMAGE,
    )


def wait_for_audio(page) -> float:
    """Load the spoken code (as the player does when asked) and return its length."""
    page.wait_for_function(
        "s => { const a = document.querySelector(s); return a.readyState >= 1 && "
        "isFinite(a.duration) && a.duration > 0; }",
        arg=AUDIO,
        timeout=15_000,
    )
    return page.eval_on_selector(AUDIO, "a => a.duration")


class BotTimer:
    """The site drops (silently) posts sent sooner than MIN_SECONDS_TO_SUBMIT after
    it served the form; a reader is slower than that, a test has to wait."""

    def __init__(self) -> None:
        self.restart()

    def restart(self) -> None:
        self.served_at = time.monotonic()

    def wait(self) -> None:
        left = MIN_SECONDS_TO_SUBMIT + 0.5 - self.elapsed()
        if left > 0:
            time.sleep(left)

    def elapsed(self) -> float:
        return time.monotonic() - self.served_at


FOCUSED = """() => {
  const e = document.activeElement;
  if (e.tagName === "AUDIO") return "audio player";
  if (e.matches("input, textarea")) return "field " + e.name;
  return e.textContent.trim();
}"""


def focused(page) -> str:
    """The focused element: a link's or button's text, "field <name>", or "audio
    player" (focus on any of the player's own buttons)."""
    return page.evaluate(FOCUSED)


def press_until(page, key: str, target: str, *, limit: int = 30) -> list[str]:
    """Press `key` until `target` has focus; the stops on the way, `target` last.
    Consecutive stops inside the audio player count once."""
    stops: list[str] = []
    for _ in range(limit):
        page.keyboard.press(key)
        stop = focused(page)
        if not (stops and stop == stops[-1] == "audio player"):
            stops.append(stop)
        if stop == target:
            return stops
    raise AssertionError(f"{target!r} never got focus; stops: {stops}")


def with_password(user):
    """The site (production settings) can't check the tests' fast MD5 hashes."""
    user.password = make_password(PASSWORD, hasher=PBKDF2PasswordHasher())
    user.save(update_fields=["password"])
    return user


def log_in(page, site_url: str, user) -> None:
    """Sign in from /admin/; the user lands where the site sends them (the admin
    index, or the moderation desk for Moderators)."""
    page.goto(f"{site_url}/admin/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert "/login/" not in page.url, page.url
