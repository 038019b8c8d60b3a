"""Turning stored story text into reader HTML: Markdown bodies, headlines, excerpts.

Pure functions: nothing here touches the database or a cache.
"""

import re

import markdown
import nh3
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# What editors get from Markdown. Subheads stop at h4 because the page owns h1 and
# the story's own sections start at h2; images are left out (lead image only).
BODY_TAGS = {
    "p",
    "br",
    "hr",
    "a",
    "em",
    "strong",
    "code",
    "pre",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "ul",
    "ol",
    "li",
}
BODY_ATTRIBUTES = {"a": {"href", "title"}}
LINK_SCHEMES = {"http", "https", "mailto"}

# Markdown's "# Heading" would be a second h1 on the page: shift it to h2, and fold
# h5/h6 into h4 so no subhead falls outside the allowed range.
_HEADING_SHIFT = {"1": "2", "5": "4", "6": "4"}
_HEADING_TAG = re.compile(r"<(/?)h([156])\b", re.IGNORECASE)

# The flag readers see after the headline of a story with a published clarification,
# and the same flag typed by an editor at the end of a headline (any case, spacing,
# repeated), which is removed so it never shows twice.
UPDATED_FLAG = "(UPDATED)"
_TRAILING_FLAGS = re.compile(r"(?:\s*\(\s*updated\s*\))+\s*$", re.IGNORECASE)

# SearchHeadline marks matches with these private-use characters, which cannot occur
# in text typed by editors; the excerpt is escaped first and then they become <mark>.
MATCH_START = "\ue000"
MATCH_END = "\ue001"
_MARKDOWN_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MARKDOWN_PUNCTUATION = re.compile(r"(^|\s)(?:#{1,6}|>|[-*+]|\d+\.)\s+|[*_`]{1,3}")


def render_body(text: str) -> SafeString:
    """Markdown to sanitised HTML: no script, style, event attribute or unsafe URL."""
    # sane_lists: a numbered list right after a bulleted one starts a new list.
    html = markdown.markdown(text, extensions=["sane_lists"], output_format="html")
    html = _HEADING_TAG.sub(
        lambda match: f"<{match[1]}h{_HEADING_SHIFT[match[2]]}", html
    )
    # Editors' links stay plain (no nofollow/noreferrer): they are our own reporting.
    # There is no target attribute to abuse, so no rel is needed for safety.
    clean = nh3.clean(
        html,
        tags=BODY_TAGS,
        attributes=BODY_ATTRIBUTES,
        url_schemes=LINK_SCHEMES,
        link_rel=None,
        clean_content_tags={"script", "style"},
    )
    return mark_safe(clean)  # nh3 output is safe by construction


def plain_headline(headline: str) -> str:
    """The headline without any "(UPDATED)" an editor typed at its end.

    The flag is derived from published clarifications, so a typed one would show
    twice; stripping it here keeps every surface to at most one.
    """
    return _TRAILING_FLAGS.sub("", headline).strip()


def highlighted_excerpt(text: str) -> SafeString:
    """An escaped search excerpt whose matches (marked by SearchHeadline) are <mark>."""
    text = _MARKDOWN_LINK.sub(r"\1", text)
    text = _MARKDOWN_PUNCTUATION.sub(r"\1", text)
    html = escape(text).replace(MATCH_START, "<mark>").replace(MATCH_END, "</mark>")
    return mark_safe(html)  # escaped above; only our <mark> added
