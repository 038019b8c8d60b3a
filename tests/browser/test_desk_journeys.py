"""The editors' desk in a real browser: an editor edits a published story twice,
restores the first version and schedules another story, which goes live on time
without cron; a reader reads "What changed"; the body editor's toolbar works by
keyboard and its preview is the readers' renderer; without JavaScript the plain
textarea still saves. The same pass takes the desk's screenshots (make screenshots).
"""

import time
from datetime import timedelta

from django.utils import timezone

from articles.models import Story
from articles.services import publish_story, save_story
from tests.browser.helpers import (
    BROWSER_TESTS,
    fetch,
    log_in,
    with_password,
)
from tests.factories import make_editor, make_published_story, make_story

pytestmark = BROWSER_TESTS


def change_page(site_url: str, story: Story) -> str:
    return f"{site_url}/admin/articles/story/{story.pk}/change/"


def save_body(page, text: str) -> None:
    page.get_by_label("Body:").fill(text)
    with page.expect_navigation():
        page.get_by_role("button", name="Save and continue editing").click()
    assert page.get_by_text("was changed successfully").is_visible()


def test_editor_edits_twice_restores_the_first_and_schedules_another(
    site_url, new_page
):
    story = make_story(
        headline="Harbor dredging approved", body="The council voted 4-5."
    )
    save_story(story, by=None)  # version 1, as first published
    publish_story(story, by=None)
    waiting = make_story(headline="Budget vote tonight", body="The vote is at 7.")
    editor = with_password(make_editor())
    page, problems = new_page()
    log_in(page, site_url, editor)

    page.goto(change_page(site_url, story))
    save_body(page, "The council voted 5-4.")
    save_body(page, "The council voted 5-4 after a long debate.")
    page.get_by_role("link", name="History").click()
    page.get_by_role("link", name="Restore this version (1)").click()
    assert "4-5" in page.locator(".changes").inner_text()
    with page.expect_navigation():
        page.get_by_role("button", name="Restore version 1").click()
    assert page.locator(".messagelist").get_by_text("Restored version 1").is_visible()
    story.refresh_from_db()
    assert story.body == "The council voted 4-5."
    assert story.revisions.count() == 4

    reader, reader_problems = new_page()
    reader.goto(site_url + story.get_absolute_url())
    reader.get_by_role("link", name="Updated: what changed").click()
    assert reader.get_by_role("heading", name="Changes to the text").is_visible()
    newest = reader.locator(".version-list > li").first
    assert "4-5" in newest.locator("ins").first.inner_text()  # the restored text
    assert "5-4" in newest.locator("del").first.inner_text()

    at = timezone.localtime() + timedelta(seconds=12)
    page.goto(change_page(site_url, waiting))
    page.locator("#id_published_at_0").fill(at.strftime("%Y-%m-%d"))
    page.locator("#id_published_at_1").fill(at.strftime("%H:%M:%S"))
    with page.expect_navigation():
        page.get_by_role("button", name="Save and schedule").click()
    assert page.get_by_text("is scheduled: readers see it from").is_visible()
    assert "Scheduled for" in page.locator(".field-publication").inner_text()
    url = site_url + Story.objects.get(pk=waiting.pk).get_absolute_url()
    assert fetch(url)[0] == 404
    time.sleep(max(0, (at - timezone.localtime()).total_seconds()) + 1)
    status, body = fetch(url)
    assert status == 200 and b"Budget vote tonight" in body
    problems.assert_none()
    reader_problems.assert_none()


def test_the_toolbar_works_by_keyboard_and_the_preview_is_the_readers_html(
    site_url, new_page
):
    story = make_story(body="")
    editor = with_password(make_editor())
    page, problems = new_page()
    log_in(page, site_url, editor)
    page.goto(change_page(site_url, story))
    body = page.get_by_label("Body:")
    body.fill("Council")
    body.press("Control+a")

    toolbar = page.get_by_role("toolbar", name="Formatting")
    toolbar.get_by_role("button", name="Subhead").focus()
    page.keyboard.press("ArrowRight")  # roving focus: Bold
    page.keyboard.press("Enter")
    assert body.input_value() == "**Council**"
    preview = page.locator("[data-md-preview]")
    preview.locator("strong").wait_for()
    assert preview.inner_html().strip() == "<p><strong>Council</strong></p>"
    problems.assert_none()


def test_without_javascript_the_plain_textarea_still_saves(site_url, new_page):
    story = make_story(body="Old.")
    editor = with_password(make_editor())
    page, problems = new_page(javascript=False)
    log_in(page, site_url, editor)
    page.goto(change_page(site_url, story))

    assert not page.get_by_role("toolbar", name="Formatting").is_visible()
    save_body(page, "Typed without scripts.")
    story.refresh_from_db()
    assert story.body == "Typed without scripts."
    problems.assert_none()


def test_desk_screenshots_at_360_and_1280_px(
    site_url,
    new_page,
    screenshots_dir,
):
    story = make_published_story(
        headline="Harbor dredging approved",
        body="## The vote\n\nThe council voted **4-5** on Tuesday.\n\n"
        "> It is a good day for the harbor.",
    )
    save_story(story, by=None)
    story.body = story.body.replace("4-5", "5-4")
    save_story(story, by=None, note="Corrected the vote")
    editor = with_password(make_editor())
    for width in (360, 1280):
        page, problems = new_page(width=width)
        page.set_viewport_size({"width": width, "height": 900})
        log_in(page, site_url, editor)
        page.goto(change_page(site_url, story))
        page.locator("[data-md-preview] h2").wait_for()
        page.locator(".field-body").scroll_into_view_if_needed()
        page.locator(".field-body").screenshot(
            path=screenshots_dir / f"editor-{width}.png"
        )
        page.goto(f"{site_url}/admin/articles/story/{story.pk}/history/")
        page.screenshot(path=screenshots_dir / f"history-{width}.png")
        page.goto(f"{site_url}/admin/articles/story/report/")
        page.screenshot(path=screenshots_dir / f"report-{width}.png", full_page=True)
        page.goto(site_url + story.get_changes_url())
        page.screenshot(path=screenshots_dir / f"what-changed-{width}.png")
        problems.assert_none()
    assert (screenshots_dir / "what-changed-360.png").stat().st_size > 1000
