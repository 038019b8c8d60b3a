"""Standards gates on every public page: axe-core (WCAG 2.2 AA tags, no rule turned
off) finds nothing, the W3C Nu checker finds no error in the HTML the server sent,
the browser logs no error or CSP violation, and feeds and sitemaps are
well-formed XML."""

import xml.etree.ElementTree as ElementTree
from pprint import pformat

import feedparser

from tests.browser.helpers import (
    ANSWER,
    BROWSER_TESTS,
    WRONG_ANSWER,
    WRONG_CAPTCHA,
    BotTimer,
    axe_violations,
    fetch,
    fill_comment,
    html_errors,
    import_demo_story,
    wait_for_image,
)
from tests.factories import make_approved_comment

pytestmark = BROWSER_TESTS


def check(page, response, vnu_url) -> dict:
    """axe in the rendered page, vnu on the bytes the server sent; empty if clean."""
    found = {}
    if violations := axe_violations(page):
        found["axe"] = violations
    if errors := html_errors(vnu_url, response.body()):
        found["vnu"] = errors
    return found


def test_every_public_page_passes_axe_and_vnu_without_console_errors(
    site_url, new_page, vnu_url
):
    story = import_demo_story()
    make_approved_comment(story, name="Rin Sato", body="Useful context, thank you.")
    topic = story.topics.get(name="International")
    author = story.authors.get()
    findings = {}

    # The comment form: fresh now, in its error state once a reader could have typed.
    form_page, form_problems = new_page()
    response = form_page.goto(f"{site_url}/comments/{story.pk}/write/")
    timer = BotTimer()
    wait_for_image(form_page)
    findings["comment form"] = check(form_page, response, vnu_url)

    page, problems = new_page()
    pages = {
        "home": "/",
        "story": story.get_absolute_url(),
        "topic": topic.get_absolute_url(),
        "author": author.get_absolute_url(),
        "search results": "/search/?q=Japan+defense",
        "clarifications archive": "/clarifications/",
        "corrections policy": "/corrections-policy/",
        "comment list": f"/comments/{story.pk}/",
    }
    for name, path in pages.items():
        response = page.goto(site_url + path)
        assert response.status == 200, name
        findings[name] = check(page, response, vnu_url)
    assert page.locator("h1").first.inner_text()  # the loop really rendered pages

    fill_comment(form_page, name="Rin Sato", email="rin@example.org", text="Also…")
    form_page.locator(ANSWER).fill(WRONG_ANSWER)
    timer.wait()
    with form_page.expect_navigation() as sent:
        form_page.get_by_role("button", name="Send comment").click()
    response = sent.value
    assert response.status == 400
    assert form_page.get_by_text(WRONG_CAPTCHA, exact=True).is_visible()
    wait_for_image(form_page)
    findings["comment form, error state"] = check(form_page, response, vnu_url)

    failing = {name: found for name, found in findings.items() if found}
    assert failing == {}, pformat(failing, width=100)
    form_problems.expect_document_status(400)
    form_problems.assert_none()
    problems.assert_none()


def test_feeds_and_sitemaps_are_well_formed_xml(site_url):
    story = import_demo_story()
    topic, author = story.topics.get(name="International"), story.authors.get()
    feeds = [
        "/feeds/latest.rss",
        "/feeds/latest.atom",
        f"/topics/{topic.slug}/feed.rss",
        f"/topics/{topic.slug}/feed.atom",
        f"/authors/{author.slug}/feed.rss",
        f"/authors/{author.slug}/feed.atom",
        "/clarifications/feed.rss",
        "/clarifications/feed.atom",
    ]
    sitemaps = ["/sitemap.xml", "/news-sitemap.xml"]
    bodies = {}
    for path in feeds + sitemaps:
        status, body = fetch(site_url + path)
        assert status == 200, path
        ElementTree.fromstring(body)  # raises ParseError unless well-formed
        bodies[path] = body

    for path in feeds:
        parsed = feedparser.parse(bodies[path])
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        assert parsed.version in {"rss20", "atom10"}, path
        assert len(parsed.entries) == 1, path
        entry = parsed.entries[0]
        assert entry.link.startswith(site_url + story.get_absolute_url()), path
        assert entry.get("published_parsed") or entry.get("updated_parsed"), path
    for path in sitemaps:
        assert (site_url + story.get_absolute_url()).encode() in bodies[path], path
