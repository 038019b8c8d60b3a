"""Standards gates on the editors' desk: axe-core (WCAG 2.2 AA, target size included)
finds nothing and the W3C Nu checker no error, at 360 px and 1280 px, on the story
list, the story's change and add forms (with the editor's toolbar and preview),
its history, a comparison, the restore page, the corrections report, the time
zone page, and the public "What changed" page."""

from pprint import pformat

from django.utils import timezone

from articles.services import publish_story, save_story
from tests.browser.helpers import (
    BROWSER_TESTS,
    axe_violations,
    html_errors,
    import_demo_story,
    log_in,
    with_password,
)
from tests.factories import make_clarification, make_editor, make_story, make_topic

pytestmark = BROWSER_TESTS

WIDTHS = [360, 1280]


def check(page, response, vnu_url) -> dict:
    found = {}
    if violations := axe_violations(page):
        found["axe"] = violations
    if errors := html_errors(vnu_url, response.body()):
        found["vnu"] = errors
    return found


def test_the_desk_and_what_changed_pass_axe_and_vnu_at_both_widths(
    site_url, new_page, vnu_url
):
    story = import_demo_story()
    story.body += "\n\nA paragraph added after publication."
    save_story(story, by=None, note="Added a paragraph")
    draft = make_story(headline="A draft", topics=[make_topic(name="City")])
    save_story(draft, by=None)
    publish_story(draft, by=None)
    make_clarification(draft, kind="correction", published_at=timezone.now())
    first, latest = story.revisions.order_by("number")[0], story.revisions.last()
    editor = with_password(make_editor())
    pages = {
        "story list": "/admin/articles/story/",
        "change form": f"/admin/articles/story/{story.pk}/change/",
        "add form": "/admin/articles/story/add/",
        "history": f"/admin/articles/story/{story.pk}/history/",
        "compare": f"/admin/articles/story/{story.pk}/history/compare/"
        f"?old={first.pk}&new={latest.pk}",
        "restore": f"/admin/articles/story/{story.pk}/history/{first.pk}/restore/",
        "report": "/admin/articles/story/report/",
        "time zone": "/admin/time-zone/",
    }
    findings = {}
    for width in WIDTHS:
        page, problems = new_page(width=width)
        log_in(page, site_url, editor)
        for name, path in pages.items():
            response = page.goto(site_url + path)
            assert response.status == 200, name
            if name in ("change form", "add form"):
                page.wait_for_selector(".md-preview:not([hidden])")
            findings[f"{name} at {width}px"] = check(page, response, vnu_url)
        reader, reader_problems = new_page(width=width)
        response = reader.goto(site_url + story.get_changes_url())
        assert response.status == 200
        findings[f"what changed at {width}px"] = check(reader, response, vnu_url)
        problems.assert_none()
        reader_problems.assert_none()

    failing = {name: found for name, found in findings.items() if found}
    assert failing == {}, pformat(failing, width=100)
