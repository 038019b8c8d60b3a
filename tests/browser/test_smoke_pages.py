"""The plainest pages hold the standards gates before any story exists."""

from tests.browser.helpers import BROWSER_TESTS, axe_violations, fetch, html_errors

pytestmark = BROWSER_TESTS


def test_not_found_page_is_accessible_valid_and_error_free(site_url, new_page, vnu_url):
    page, problems = new_page()
    response = page.goto(f"{site_url}/no-such-page/")
    status, html = fetch(f"{site_url}/no-such-page/")

    assert response.status == 404 and status == 404
    assert page.locator("h1").inner_text() == "Page not found"
    assert axe_violations(page) == []
    assert html_errors(vnu_url, html) == []
    problems.expect_document_status(404)  # the page's own status, by design
    problems.assert_none()


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(site_url, new_page):
    page, problems = new_page()
    page.goto(f"{site_url}/")

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    problems.assert_none()
