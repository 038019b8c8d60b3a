"""Journeys 2-4 and the same without JavaScript: a reader comments on a story through
the image/audio CAPTCHA, by mouse, by keyboard only, and with scripts off."""

from comments.models import Comment
from tests.browser.helpers import (
    ANSWER,
    AUDIO,
    BROWSER_TESTS,
    IMAGE,
    KEY,
    REFRESH,
    SPEAK,
    STATUS,
    WRONG_ANSWER,
    WRONG_CAPTCHA,
    BotTimer,
    field,
    fill_comment,
    focused,
    image_loaded,
    import_demo_story,
    press_until,
    solution,
    wait_for_audio,
    wait_for_image,
)
from tests.factories import THANKS

pytestmark = BROWSER_TESTS

TEXT = "The guidelines matter less than the budgets behind them."


def test_comment_with_javascript_refresh_audio_wrong_then_right_answer(
    site_url, new_page
):
    story = import_demo_story()
    page, problems = new_page()
    page.goto(site_url + story.get_absolute_url())

    # Journey 2: the form opens in place, under the thread.
    page.get_by_role("link", name="Write a comment").click()
    form = page.locator("[data-comment-form-slot] form")
    form.wait_for()
    timer = BotTimer()
    assert page.evaluate("document.activeElement.name") == "name"
    wait_for_image(page)
    alt = page.locator(IMAGE).get_attribute("alt")
    assert alt.startswith("CAPTCHA image: six letters to retype in the box below.")
    assert "Speak the CAPTCHA code" in alt

    first_key, first_src = (
        page.locator(KEY).input_value(),
        page.locator(IMAGE).get_attribute("src"),
    )
    assert page.locator(STATUS).inner_text() == ""
    page.locator(ANSWER).fill("half typed")
    page.get_by_role("button", name=REFRESH).click()
    page.wait_for_function(
        "([s, old]) => document.querySelector(s).getAttribute('src') !== old",
        arg=[IMAGE, first_src],
    )
    wait_for_image(page)
    key = page.locator(KEY).input_value()
    assert key != first_key and key in page.locator(IMAGE).get_attribute("src")
    assert page.locator(ANSWER).input_value() == ""
    assert page.evaluate("document.activeElement.name") == "captcha_1"
    assert page.locator(STATUS).inner_text() == "New CAPTCHA code loaded."
    assert page.url == site_url + story.get_absolute_url()  # no page load

    page.get_by_role("link", name=SPEAK).click()
    assert key in page.locator(AUDIO).get_attribute("src")
    assert wait_for_audio(page) > 1.0  # six letters, spoken
    assert page.evaluate("document.activeElement.name") == "captcha_1"

    # Journey 3: a wrong answer keeps the text and brings a new challenge.
    fill_comment(page, name="Kenji Mori", email="kenji@example.org", text=TEXT)
    page.locator(ANSWER).fill(WRONG_ANSWER)
    timer.wait()
    with page.expect_navigation() as sent:
        page.get_by_role("button", name="Send comment").click()
    assert sent.value.status == 400
    timer.restart()
    assert page.get_by_text(WRONG_CAPTCHA, exact=True).is_visible()
    assert field(page, "Comment:").input_value() == TEXT
    assert field(page, "Name:").input_value() == "Kenji Mori"
    assert page.locator(ANSWER).input_value() == ""
    assert page.locator(ANSWER).get_attribute("aria-invalid") == "true"
    assert page.locator(KEY).input_value() != key
    wait_for_image(page)
    assert not Comment.objects.exists()

    page.locator(ANSWER).fill(solution(page).upper())
    timer.wait()
    page.get_by_role("button", name="Send comment").click()
    page.wait_for_url(f"**{story.get_absolute_url()}#comments")
    assert page.get_by_role("status").inner_text() == THANKS
    mine = page.locator("[data-comments-pending] .comment-pending")
    mine.wait_for()
    assert TEXT in mine.inner_text()
    assert "Awaiting moderation" in mine.inner_text()
    assert page.get_by_role("heading", name="Comments (0)").is_visible()
    comment = Comment.objects.get()
    assert (comment.body, comment.status) == (TEXT, Comment.Status.PENDING)
    problems.expect_document_status(400)
    problems.assert_none()


def test_comment_by_keyboard_only_in_a_sensible_focus_order(site_url, new_page):
    story = import_demo_story()
    page, problems = new_page()
    page.goto(site_url + story.get_absolute_url())

    assert press_until(page, "Tab", "Write a comment") == [
        "Skip to main content",
        "Newsroom",
        "International",  # topics in the site navigation
        "Procurement",
        "(UPDATED)",  # to "What changed"
        "Allyson Versprille",
        "What changed",  # next to the "Updated" time
        "International",  # the story's topics
        "Procurement",
        "Write a comment",
    ]
    page.keyboard.press("Enter")
    page.locator("[data-comment-form-slot] form").wait_for()
    timer = BotTimer()
    assert focused(page) == "field name"
    page.keyboard.type("Aiko Tanaka")
    page.keyboard.press("Tab")
    assert focused(page) == "field email"
    page.keyboard.type("aiko@example.org")
    page.keyboard.press("Tab")
    assert focused(page) == "field body"
    page.keyboard.type(TEXT)
    page.keyboard.press("Tab")
    assert focused(page) == REFRESH
    key = page.locator(KEY).input_value()
    page.keyboard.press("Space")
    page.wait_for_function(
        "([s, old]) => document.querySelector(s).value !== old", arg=[KEY, key]
    )
    assert focused(page) == "field captcha_1"
    assert page.locator(STATUS).inner_text() == "New CAPTCHA code loaded."

    assert press_until(page, "Shift+Tab", SPEAK) == ["audio player", SPEAK]
    page.keyboard.press("Enter")
    assert wait_for_audio(page) > 1.0
    assert focused(page) == "field captcha_1"
    page.keyboard.type(WRONG_ANSWER)
    page.keyboard.press("Tab")
    assert focused(page) == "Send comment"
    timer.wait()
    with page.expect_navigation() as sent:
        page.keyboard.press("Enter")
    assert sent.value.status == 400
    timer.restart()
    assert page.get_by_text(WRONG_CAPTCHA, exact=True).is_visible()

    # The page came back with focus on the error summary; its link takes the
    # reader straight to the answer box, and Tab goes on from there.
    assert page.evaluate("document.activeElement.matches('[data-error-summary]')")
    summary_link = f"Retype the CAPTCHA code from the image: {WRONG_CAPTCHA}"
    assert press_until(page, "Tab", summary_link) == [summary_link]
    page.keyboard.press("Enter")
    assert focused(page) == "field captcha_1"
    assert field(page, "Comment:").input_value() == TEXT
    page.keyboard.type(solution(page))
    timer.wait()
    page.keyboard.press("Enter")  # sends the comment (the answer box's form)
    page.wait_for_url(f"**{story.get_absolute_url()}#comments")
    assert page.get_by_role("status").inner_text() == THANKS
    page.locator("[data-comments-pending] .comment-pending").wait_for()
    assert Comment.objects.get().name == "Aiko Tanaka"
    problems.expect_document_status(400)
    problems.assert_none()


def test_comment_without_javascript_refresh_wrong_then_right_answer(site_url, new_page):
    story = import_demo_story()
    page, problems = new_page(javascript=False)
    page.goto(site_url + story.get_absolute_url())

    page.get_by_role("link", name="Write a comment").click()
    page.wait_for_url(f"{site_url}/comments/{story.pk}/write/")
    timer = BotTimer()
    assert page.get_by_role("heading", level=1).inner_text() == (
        f"Comment on “{story.headline}”"
    )
    assert image_loaded(page)
    assert (
        page.get_by_role("link", name=SPEAK)
        .get_attribute("href")
        .endswith(f"{page.locator(KEY).input_value()}.wav")
    )
    spoken = page.request.get(
        site_url + page.get_by_role("link", name=SPEAK).get_attribute("href")
    )
    assert spoken.status == 200 and spoken.headers["content-type"] == "audio/wav"
    assert spoken.body()[:4] == b"RIFF" and len(spoken.body()) > 16_000  # > 0.5 s
    fill_comment(page, name="Noor Haddad", email="noor@example.org", text=TEXT)

    # "Change the CAPTCHA code" is a submit button: a fresh challenge, text kept.
    key, src = page.locator(KEY).input_value(), page.locator(IMAGE).get_attribute("src")
    with page.expect_navigation() as refreshed:
        page.get_by_role("button", name=REFRESH).click()
    assert refreshed.value.status == 200
    timer.restart()  # the form came back with a new time token
    assert page.locator(KEY).input_value() != key
    assert page.locator(IMAGE).get_attribute("src") != src
    assert image_loaded(page)
    assert field(page, "Comment:").input_value() == TEXT
    assert field(page, "Email:").input_value() == "noor@example.org"
    assert page.locator(".errorlist").count() == 0

    key = page.locator(KEY).input_value()
    page.locator(ANSWER).fill(WRONG_ANSWER)
    timer.wait()
    with page.expect_navigation() as sent:
        page.get_by_role("button", name="Send comment").click()
    assert sent.value.status == 400
    timer.restart()
    assert page.get_by_text(WRONG_CAPTCHA, exact=True).is_visible()
    assert field(page, "Comment:").input_value() == TEXT
    assert page.locator(KEY).input_value() != key
    assert image_loaded(page)
    assert not Comment.objects.exists()

    page.locator(ANSWER).fill(solution(page))
    timer.wait()
    page.get_by_role("button", name="Send comment").click()
    page.wait_for_url(f"**{story.get_absolute_url()}#comments")
    assert page.get_by_role("status").inner_text() == THANKS

    # Without scripts the story page stays the shared one; the form page lists
    # the reader's own comment awaiting moderation.
    page.get_by_role("link", name="Write a comment").click()
    mine = page.get_by_role("region", name="Your comment awaiting moderation")
    assert TEXT in mine.inner_text()
    assert "Awaiting moderation" in mine.inner_text()
    assert Comment.objects.get().status == Comment.Status.PENDING
    problems.expect_document_status(400)
    problems.assert_none()
