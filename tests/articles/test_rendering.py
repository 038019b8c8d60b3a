import re

import pytest

from articles.rendering import (
    MATCH_END,
    MATCH_START,
    highlighted_excerpt,
    plain_headline,
    render_body,
)

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<p style="background:url(javascript:alert(1))" onclick="alert(1)">x</p>',
    "<style>body{display:none}</style>",
    '<iframe src="https://evil.example/"></iframe>',
    '<svg onload="alert(1)"></svg>',
    '<a href="https://ok.example/" onmouseover="alert(1)">x</a>',
    "<<script>script>alert(1)<</script>/script>",
    '<form action="https://evil.example/"><input name="x"></form>',
    "<!-- <script>alert(1)</script> -->",
]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_no_script_style_event_handler_or_unsafe_url_survives(payload):
    html = render_body(f"Before.\n\n{payload}\n\nAfter.").lower()

    assert "<script" not in html
    assert "<style" not in html
    assert "<iframe" not in html
    assert "<svg" not in html
    assert "<form" not in html
    assert "<input" not in html
    assert "javascript:" not in html
    assert "data:text" not in html
    assert not re.search(r"<[^>]*\son\w+\s*=", html)  # onerror=, onclick=…
    assert "style=" not in html
    assert "after." in html


def test_markdown_gives_editors_paragraphs_emphasis_links_subheads_quotes_and_lists():
    html = render_body(
        "First *paragraph* with **bold**.\n\n"
        "## A subhead\n\n### Smaller\n\n#### Smallest\n\n"
        "> A quote.\n\n"
        "- one\n- two\n\n"
        "1. first\n2. second\n\n"
        'A [link](https://example.org/report?a=1&b=2 "Report").'
    )

    assert "<p>First <em>paragraph</em> with <strong>bold</strong>.</p>" in html
    assert "<h2>A subhead</h2>" in html
    assert "<h3>Smaller</h3>" in html
    assert "<h4>Smallest</h4>" in html
    assert "<blockquote>\n<p>A quote.</p>\n</blockquote>" in html
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in html
    assert "<ol>\n<li>first</li>" in html
    assert (
        '<a href="https://example.org/report?a=1&amp;b=2" title="Report">link</a>'
        in html
    )


def test_editor_links_stay_plain_without_nofollow_or_noreferrer():
    html = render_body("[Pentagon](https://www.defense.gov/)")

    assert html == '<p><a href="https://www.defense.gov/">Pentagon</a></p>'


def test_a_markdown_h1_becomes_h2_because_the_page_owns_the_only_h1():
    html = render_body("# Big\n\n##### Tiny\n\n<h1 onclick='x()'>Raw</h1>")

    assert "<h1" not in html
    assert "<h2>Big</h2>" in html
    assert "<h4>Tiny</h4>" in html
    assert "<h2>Raw</h2>" in html


def test_images_in_the_body_are_dropped():
    assert "<img" not in render_body("![chart](https://evil.example/pixel.gif)")


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("New Era (UPDATED)", "New Era"),
        ("New Era (updated)  ", "New Era"),
        ("New Era (UPDATED) (UPDATED)", "New Era"),
        ("New Era ( Updated )", "New Era"),
        ("New Era", "New Era"),
        ("The (UPDATED) guidelines", "The (UPDATED) guidelines"),
    ],
)
def test_plain_headline_strips_only_a_trailing_updated_flag(typed, shown):
    assert plain_headline(typed) == shown


def test_search_excerpt_escapes_text_and_marks_only_the_matches():
    raw = f"A <b>bold</b> claim about {MATCH_START}Japan{MATCH_END} & [allies](https://x.org)"

    html = highlighted_excerpt(raw)

    assert html == (
        "A &lt;b&gt;bold&lt;/b&gt; claim about <mark>Japan</mark> &amp; allies"
    )
