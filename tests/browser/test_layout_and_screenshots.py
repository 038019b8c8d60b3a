"""The layout holds on a phone (360 px) and a desktop (1280 px): no sideways scrolling
on the story page, the comment form or the moderation desk. The same pass takes the
screenshots docs/screenshots/ shows (story page, comment form, moderation desk,
moderation list):

    make screenshots     # = SCREENSHOTS_DIR=docs/screenshots pytest ... -k screenshots

Without SCREENSHOTS_DIR the PNGs go to a temporary folder and are checked there."""

import struct
from pathlib import Path

from comments.models import Comment
from tests.browser.helpers import (
    BROWSER_TESTS,
    import_demo_story,
    log_in,
    wait_for_image,
    with_password,
)
from tests.factories import (
    make_approved_comment,
    make_comment,
    make_moderator,
    make_report,
)

pytestmark = BROWSER_TESTS

WIDTHS = [360, 1280]
HEIGHT = {360: 780, 1280: 900}  # a phone's and a laptop's first screen
NO_SIDEWAYS_SCROLL = "document.scrollingElement.scrollWidth <= window.innerWidth"
# Top of the first and bottom of the second element, in page coordinates.
PAGE_Y = """([first, last]) => [
  document.querySelector(first).getBoundingClientRect().top + window.scrollY,
  document.querySelector(last).getBoundingClientRect().bottom + window.scrollY,
]"""


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from the PNG header (signature, then the IHDR chunk)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", path
    return struct.unpack(">II", data[16:24])


def test_layout_holds_at_360_and_1280_px_and_screenshots(
    site_url, new_page, screenshots_dir
):
    story = import_demo_story()
    make_approved_comment(
        story,
        name="Rin Sato",
        body="Joint sustainment of the V-22 fleet is the part worth watching.",
    )
    make_comment(story, name="Kenji Mori", body="Who pays for the new facility?")
    make_comment(story, name="Aiko Tanaka", body="Good overview, thank you.")
    make_comment(
        story,
        name="Deals4U",
        body="Cheap flights http://a.example http://b.example http://c.example",
        rule=Comment.Rule.LINKS,
        hold_reason="3 links (more than 2)",
    )
    reported = make_approved_comment(
        story, name="Sam Reed", body="Anyone who disagrees is an idiot."
    )
    make_report(reported, reason="abuse", text="Insults other readers")
    moderator = with_password(make_moderator(username="moderator"))
    shots = []

    for width in WIDTHS:
        page, problems = new_page(width=width)
        page.set_viewport_size({"width": width, "height": HEIGHT[width]})

        page.goto(site_url + story.get_absolute_url())
        assert page.evaluate(NO_SIDEWAYS_SCROLL), f"story page scrolls at {width}px"
        shots.append(screenshots_dir / f"story-{width}.png")
        page.screenshot(path=shots[-1])

        page.goto(f"{site_url}/comments/{story.pk}/write/")
        wait_for_image(page)
        assert page.evaluate(NO_SIDEWAYS_SCROLL), f"comment form scrolls at {width}px"
        # From the heading to the end of the form, the page's full width.
        top, bottom = page.evaluate(PAGE_Y, ["h1", ".comment-submit"])
        shots.append(screenshots_dir / f"comment-form-{width}.png")
        page.screenshot(
            path=shots[-1],
            full_page=True,
            clip={"x": 0, "y": top - 16, "width": width, "height": bottom - top + 32},
        )

        log_in(page, site_url, moderator)  # lands on the desk, sidebar open
        assert page.locator("[data-card]").count() == 2
        assert page.evaluate(NO_SIDEWAYS_SCROLL), f"the desk scrolls at {width}px"
        shots.append(screenshots_dir / f"desk-{width}.png")
        page.screenshot(path=shots[-1])

        page.goto(f"{site_url}/admin/comments/comment/?status=pending")
        assert page.locator("#result_list tbody tr").count() == 3
        if page.locator("#toggle-nav-sidebar").is_visible():
            page.locator("#toggle-nav-sidebar").click()  # room for every column
        shots.append(screenshots_dir / f"moderation-list-{width}.png")
        page.screenshot(path=shots[-1])
        problems.assert_none()

    for path in shots:
        width, height = png_size(path)
        assert width == int(path.stem.rsplit("-", 1)[1]), path
        assert height >= 300, path
