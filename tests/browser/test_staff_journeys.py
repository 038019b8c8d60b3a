"""Journeys 5 and 6 in the admin: a moderator approves a comment with the comment
list's bulk action, an editor adds a clarification, and readers (a separate,
anonymous browser) see the result."""

import calendar

import feedparser
from django.utils import dateformat, timezone

from comments.models import Comment
from tests.browser.helpers import (
    BROWSER_TESTS,
    fetch,
    import_demo_story,
    log_in,
    with_password,
)
from tests.factories import (
    make_comment,
    make_editor,
    make_moderator,
    make_published_story,
)

pytestmark = BROWSER_TESTS


def test_moderator_approves_a_pending_comment_with_the_bulk_action(site_url, new_page):
    story = import_demo_story()
    make_comment(story, name="Hana Ito", body="Joint sustainment is the real story.")
    moderator = with_password(make_moderator())
    reader, reader_problems = new_page()
    reader.goto(site_url + story.get_absolute_url())
    assert reader.get_by_role("heading", name="Comments (0)").is_visible()

    page, problems = new_page()
    log_in(page, site_url, moderator)
    assert page.url == f"{site_url}/admin/comments/moderate/"  # moderators land here
    page.goto(f"{site_url}/admin/")
    queue = page.locator("#comment-queue")
    assert "1 awaiting a decision: 1 new, 0 held, 0 reported" in queue.inner_text()
    page.get_by_role("link", name="Comments", exact=True).first.click()
    page.wait_for_url("**/admin/comments/comment/")
    page.locator("#changelist-filter").get_by_role("link", name="Pending").click()
    page.wait_for_url("**/admin/comments/comment/?status=pending")
    row = page.locator("#result_list tbody tr")
    assert row.count() == 1
    assert "Joint sustainment is the real story." in row.inner_text()
    row.get_by_role("checkbox").check()
    page.locator("select[name=action]").select_option(label="Approve selected comments")
    with page.expect_navigation():
        page.get_by_role("button", name="Run").click()
    assert page.get_by_text("Approved 1 comment(s).").is_visible()
    assert page.locator("#result_list").count() == 0  # the queue is empty
    assert Comment.objects.get().status == Comment.Status.APPROVED

    reader.reload()
    assert reader.get_by_role("heading", name="Comments (1)").is_visible()
    thread = reader.locator("#comments .comment-list")
    assert "Hana Ito" in thread.inner_text()
    assert "Joint sustainment is the real story." in thread.inner_text()
    problems.assert_none()
    reader_problems.assert_none()


def atom_entry(site_url: str):
    status, body = fetch(f"{site_url}/feeds/latest.atom")
    assert status == 200
    feed = feedparser.parse(body)
    assert not feed.bozo
    (entry,) = feed.entries
    return entry


def test_editor_adds_a_clarification_and_readers_and_feeds_see_it(site_url, new_page):
    story = make_published_story(headline="Harbor dredging approved")
    editor = with_password(make_editor())
    before = atom_entry(site_url)
    reader, reader_problems = new_page()
    reader.goto(site_url + story.get_absolute_url())
    assert reader.get_by_role("heading", level=1).inner_text() == (
        "Harbor dredging approved"
    )

    page, problems = new_page()
    log_in(page, site_url, editor)
    page.goto(f"{site_url}/admin/articles/story/{story.pk}/change/")
    page.get_by_role("button", name="Add another New or draft clarification").click()
    inline = page.locator("#clarifications-2-0")  # the "add a clarification" inline
    inline.get_by_label("Kind").select_option(label="Clarification")
    inline.get_by_label("Text").fill("The vote was 5-4, not 4-5.")
    inline.get_by_role("button", name="Today").click()
    inline.get_by_role("button", name="Now").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()
    assert page.get_by_text("was changed successfully").is_visible()
    note = story.clarifications.get()
    assert note.issued_by == editor and note.published_at is not None

    reader.reload()
    assert reader.get_by_role("heading", level=1).inner_text() == (
        "Harbor dredging approved (UPDATED)"
    )
    day = dateformat.format(timezone.localtime(note.published_at), "F j, Y")
    notes = reader.get_by_role("region", name="Corrections and clarifications")
    assert notes.inner_text() == f"Clarification, {day}: The vote was 5-4, not 4-5."

    after = atom_entry(site_url)
    assert after.id == before.id  # the same entry, not a new one
    assert calendar.timegm(before.updated_parsed) == int(story.published_at.timestamp())
    assert calendar.timegm(after.updated_parsed) == int(note.published_at.timestamp())
    assert after.updated_parsed > before.updated_parsed
    problems.assert_none()
    reader_problems.assert_none()
