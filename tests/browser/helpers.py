"""What the journeys share: the seed story put in by the real importer, and a reader
filling in the comment form (the CAPTCHA answered from the database, as a reader
reads it off the image)."""

import io
import time
from pathlib import Path

from captcha.models import CaptchaStore
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
from django.core.management import call_command

from articles.models import Story
from tests.browser.conftest import MIN_SECONDS_TO_SUBMIT

DEMO_FILE = (
    Path(__file__).resolve().parents[2]
    / "articles"
    / "demo"
    / "us-japan-defense-cooperation.txt"
)
HEADLINE = "New Era of U.S.-Japan Defense Cooperation Sparks Debate"
CLARIFICATION = "An earlier version of this story stated that Japan will now export"
WRONG_CAPTCHA = "Please enter the text displayed in the image."
THANKS = "Thanks — your comment is awaiting moderation."
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
    page.goto(f"{site_url}/admin/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{site_url}/admin/")
