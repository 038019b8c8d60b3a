"""Journeys at the moderation desk: a moderator approves, rejects and marks as spam
three cards with the keyboard only, then undoes; the same work without
JavaScript, and a ban from a card; a reader reports a comment that reports then
hide. Every desk queue (with and without cards), the comment list, a comment's
page and the reader's report and reply forms pass axe and vnu at 360 and 1280 px
(the admin's sidebar open), with nothing cut off."""

from datetime import timedelta
from pprint import pformat

from django.utils import timezone

from comments.models import Ban, Comment, Report
from tests.browser.helpers import (
    BROWSER_TESTS,
    axe_violations,
    html_errors,
    import_demo_story,
    log_in,
    with_password,
)
from tests.factories import (
    make_approved_comment,
    make_comment,
    make_moderator,
    make_report,
)

pytestmark = BROWSER_TESTS

Status = Comment.Status
DESK = "/admin/comments/moderate/"
LIVE = "[data-desk-live]"
FOCUSED_CARD = "() => document.activeElement.id"


def ago(hours: float):
    return timezone.now() - timedelta(hours=hours)


def status_of(comment) -> str:
    comment.refresh_from_db()
    return comment.status


def wait_for_cards(page, count: int) -> None:
    page.wait_for_function(
        "n => document.querySelectorAll('[data-card]').length === n", arg=count
    )


def live_text(page) -> str:
    page.wait_for_function(
        "s => document.querySelector(s).textContent !== ''", arg=LIVE
    )
    return page.locator(LIVE).inner_text()


def test_a_moderator_decides_on_three_cards_with_the_keyboard_only(site_url, new_page):
    story = import_demo_story()
    first = make_comment(story, name="Hana Ito", body="Sound.", submitted_at=ago(3))
    second = make_comment(story, name="Ken Mori", body="Rude.", submitted_at=ago(2))
    third = make_comment(story, name="Bot", body="Buy now.", submitted_at=ago(1))
    page, problems = new_page()

    log_in(page, site_url, with_password(make_moderator()))
    assert page.url == site_url + DESK
    assert page.locator("[data-card]").count() == 3

    page.keyboard.press("j")
    assert page.evaluate(FOCUSED_CARD) == f"card-{first.pk}"
    page.keyboard.press("a")
    wait_for_cards(page, 2)
    assert live_text(page) == "Approved: the comment by Hana Ito. Press z to undo."
    assert page.evaluate(FOCUSED_CARD) == f"card-{second.pk}"

    page.keyboard.press("r")
    wait_for_cards(page, 1)
    assert page.evaluate(FOCUSED_CARD) == f"card-{third.pk}"
    page.keyboard.press("s")
    wait_for_cards(page, 0)
    assert "Marked as spam: the comment by Bot." in live_text(page)
    assert (
        page.locator('.desk-tabs a[aria-current="page"] .desk-count').inner_text()
        == "0"
    )
    assert [status_of(c) for c in (first, second, third)] == [
        Status.APPROVED,
        Status.REJECTED,
        Status.SPAM,
    ]

    # The last decision can be taken back for a short time: z puts the card back.
    page.keyboard.press("z")
    wait_for_cards(page, 1)
    page.wait_for_function(
        "id => document.activeElement.id === id", arg=f"card-{third.pk}"
    )
    assert live_text(page) == "Undone: the comment is back to “Pending”."
    assert status_of(third) == Status.PENDING

    page.keyboard.press("?")
    assert page.get_by_role("dialog", name="Keyboard shortcuts").is_visible()
    page.keyboard.press("Escape")
    assert not page.get_by_role("dialog").is_visible()

    reader, reader_problems = new_page()
    reader.goto(site_url + story.get_absolute_url())
    thread = reader.locator("#comments").inner_text()
    assert "Sound." in thread and "Rude." not in thread and "Buy now." not in thread
    problems.assert_none()
    reader_problems.assert_none()


def test_without_javascript_every_decision_comes_back_to_the_queue(site_url, new_page):
    story = import_demo_story()
    first = make_comment(story, name="Hana Ito", submitted_at=ago(3))
    second = make_comment(story, name="Ken Mori", email="ken@example.org")
    make_comment(story, email="ken@example.org", submitted_at=ago(1))
    page, problems = new_page(javascript=False)
    log_in(page, site_url, with_password(make_moderator()))

    card = page.locator(f"#card-{first.pk}")
    with page.expect_navigation():
        card.get_by_role("button", name="Approve").click()
    assert page.url.endswith(
        f"#card-{page.locator('[data-card]').first.get_attribute('id')[5:]}"
    )
    assert page.get_by_text("Approved: the comment by Hana Ito.").first.is_visible()
    assert status_of(first) == Status.APPROVED

    with page.expect_navigation():
        page.get_by_role("button", name="Undo").click()
    assert page.get_by_text("Undone: the comment is back to “Pending”.").is_visible()
    assert status_of(first) == Status.PENDING

    card = page.locator(f"#card-{second.pk}")
    card.get_by_text("Ban commenter…").click()
    card.get_by_label("Reason for the ban").fill("Abuse of other readers")
    with page.expect_navigation():
        card.get_by_role("button", name="Ban commenter").click()
    assert page.get_by_text("Banned ken@example.org.").is_visible()
    assert Ban.objects.get().reason == "Abuse of other readers"
    assert Comment.objects.filter(status=Status.REJECTED).count() == 2
    problems.assert_none()


def test_a_reader_reports_a_comment_and_enough_reports_hide_it(site_url, new_page):
    story = import_demo_story()
    comment = make_approved_comment(story, name="Rin Sato", body="Insulting words.")
    for _ in range(2):  # two other readers reported it already (threshold: 3)
        make_report(comment)
    page, problems = new_page(javascript=False)
    page.goto(site_url + story.get_absolute_url())
    assert "Insulting words." in page.locator("#comments").inner_text()

    page.get_by_role("link", name="Report the comment by Rin Sato").click()
    assert (
        page.get_by_role("heading", level=1)
        .inner_text()
        .startswith("Report a comment on")
    )
    page.get_by_label("Abuse or harassment").check()
    page.get_by_label("Anything to add (optional)").fill("Aimed at another reader.")
    with page.expect_navigation():
        page.get_by_role("button", name="Send report").click()

    assert page.get_by_text(
        "Thanks — your report was sent to the moderators."
    ).is_visible()
    assert "Insulting words." not in page.locator("#comments").inner_text()
    assert status_of(comment) == Status.HIDDEN
    report = Report.objects.latest("pk")
    assert (report.reason, report.text) == ("abuse", "Aimed at another reader.")
    other, other_problems = new_page()
    other.goto(site_url + story.get_absolute_url())
    assert "Insulting words." not in other.locator("#comments").inner_text()
    problems.assert_none()
    other_problems.assert_none()


# --- Standards: axe, vnu, nothing cut off -------------------------------------------

CLIPPED = """() => {
  const out = [];
  if (document.scrollingElement.scrollWidth > window.innerWidth) out.push("page");
  for (const e of document.querySelectorAll(".desk-card, #changelist .results")) {
    if (e.scrollWidth > e.clientWidth + 1) out.push(e.id || e.className);
  }
  return out;
}"""


def examine(page, url: str, vnu_url: str, *, validate: bool) -> dict:
    response = page.goto(url)
    found = {}
    if violations := axe_violations(page):
        found["axe"] = violations
    if validate and (errors := html_errors(vnu_url, response.body())):
        found["vnu"] = errors
    if clipped := page.evaluate(CLIPPED):
        found["clipped"] = clipped
    return found


def test_desk_pages_pass_axe_and_vnu_at_360_and_1280_px(site_url, new_page, vnu_url):
    story = import_demo_story()
    one = {status: make_comment(story, status=status) for status in Status}
    make_comment(story, rule=Comment.Rule.LINKS, hold_reason="3 links (more than 2)")
    make_report(one[Status.APPROVED], reason="spam", text="Selling pills")
    make_report(one[Status.HIDDEN])
    parent = make_approved_comment(story, name="Rin Sato")
    make_approved_comment(story, parent=parent, name="Ken Mori")
    moderator = with_password(make_moderator())
    queues = ["new", "held", "reported", "approved", "rejected", "spam"]
    desk_pages = [f"{DESK}?queue={queue}" for queue in queues]
    desk_pages += [f"{DESK}?queue={queue}&q=no-such-words" for queue in queues]
    staff_pages = desk_pages + [
        "/admin/comments/comment/",
        "/admin/comments/comment/?status=all",
        f"/admin/comments/comment/{one[Status.HIDDEN].pk}/change/",
        "/admin/",
    ]
    reader_pages = [
        f"/comments/report/{parent.pk}/",
        f"/comments/{story.pk}/write/?reply_to={parent.pk}",
        f"/comments/{story.pk}/",
    ]
    findings = {}

    for width in (1280, 360):
        staff, staff_problems = new_page(width=width)
        log_in(staff, site_url, moderator)
        if width == 1280:
            assert staff.locator("#nav-sidebar").is_visible()  # the sidebar is open
        for path in staff_pages:
            found = examine(staff, site_url + path, vnu_url, validate=width == 1280)
            if found:
                findings[f"{path} at {width}px"] = found
        reader, reader_problems = new_page(width=width)
        for path in reader_pages:
            found = examine(reader, site_url + path, vnu_url, validate=width == 1280)
            if found:
                findings[f"{path} at {width}px"] = found
        staff_problems.assert_none()
        reader_problems.assert_none()

    assert findings == {}, pformat(findings, width=100)
