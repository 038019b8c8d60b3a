"""Journey 1: a reader goes from the front page to the seed story and sees that it
was updated, the dated clarification and its topics."""

from tests.browser.helpers import (
    BROWSER_TESTS,
    CLARIFICATION,
    HEADLINE,
    import_demo_story,
)

pytestmark = BROWSER_TESTS


def test_reader_follows_the_updated_story_from_the_home_page(site_url, new_page):
    story = import_demo_story(published_at="2015-05-08T12:00")
    page, problems = new_page()

    page.goto(f"{site_url}/")
    teaser = page.locator(".teaser").filter(has_text=HEADLINE)
    assert "(UPDATED)" in teaser.locator("h2").inner_text()
    teaser.get_by_role("link", name=HEADLINE).click()

    page.wait_for_url(f"{site_url}{story.get_absolute_url()}")
    assert story.get_absolute_url() == (
        "/articles/2015/5/8/new-era-of-us-japan-defense-cooperation-sparks-debate/"
    )
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == f"{HEADLINE} (UPDATED)"
    assert page.title().startswith(HEADLINE)
    assert "(UPDATED)" not in page.title()
    assert page.locator(".byline").inner_text() == "By Allyson Versprille"
    note = page.get_by_role("region", name="Corrections and clarifications")
    assert note.inner_text().startswith(f"Clarification, May 8, 2015: {CLARIFICATION}")
    topics = page.get_by_role("navigation", name="Topics of this story")
    assert topics.get_by_role("link").all_inner_texts() == [
        "International",
        "Procurement",
    ]
    topics.get_by_role("link", name="Procurement").click()
    page.wait_for_url("**/topics/procurement/")
    assert page.get_by_role("heading", level=1).inner_text() == "Procurement"
    assert page.locator(".teaser h2").inner_text() == f"{HEADLINE} (UPDATED)"
    problems.assert_none()
