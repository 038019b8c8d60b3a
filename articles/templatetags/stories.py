"""Template helpers for the reader site. Presentation only: rules live in QuerySets."""

import contextlib
import hashlib
import json
from typing import Any

from django import template
from django.core.cache import caches
from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from articles import rendering
from articles.models import Story, Topic
from newsroom import pagecache
from newsroom.cache import CacheUnavailable

register = template.Library()

# Like django.utils.html.json_script: inside <script> only these could end the block
# or start markup; \u escapes keep the JSON identical for parsers.
_JSON_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}
# Rendered bodies are kept in the pages cache under a digest of their text: a body
# can't be stale, and the cache bounds what is kept.
BODY_SECONDS = 24 * 60 * 60


@register.filter
def json_ld(data: dict[str, Any]) -> SafeString:
    """A data block (never executed, so the CSP's script-src does not apply)."""
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    return format_html(
        '<script type="application/ld+json">{}</script>',
        mark_safe(payload.translate(_JSON_ESCAPES)),  # escaped by the table above
    )


@register.filter
def markdown_body(text: str) -> SafeString:
    """The body as reader HTML. Rendering a long story's Markdown costs more than
    the rest of its page, so the result is cached by the text's digest."""
    digest = hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
    key = f"articles:body:{digest}"
    with contextlib.suppress(CacheUnavailable):
        if (html := caches["pages"].get(key)) is not None:
            return mark_safe(html)  # sanitised by render_body when it was stored
    html = rendering.render_body(text)
    with contextlib.suppress(CacheUnavailable):
        caches["pages"].set(key, str(html), BODY_SECONDS)
    return html


@register.filter
def search_excerpt(text: str) -> SafeString:
    return rendering.highlighted_excerpt(text)


@register.simple_tag
def updated_flag(story: Story, *, link: bool = False) -> SafeString:
    """ " (UPDATED)" after the headline of a story with a published clarification
    or a text edit readers saw; on the story's own page (`link`) it leads to
    "What changed"."""
    if not story.is_updated:
        return mark_safe("")
    if link:
        return format_html(
            ' <a class="updated-flag" href="{}" aria-label="Updated: what changed">'
            "{}</a>",
            story.get_changes_url(),
            rendering.UPDATED_FLAG,
        )
    return format_html(' <span class="updated-flag">{}</span>', rendering.UPDATED_FLAG)


@register.simple_tag
def byline(story: Story) -> SafeString:
    """The "By A, B and C" line, each writer's name linking to their page."""
    links = [
        format_html('<a href="{}">{}</a>', author.get_absolute_url(), author.name)
        for author in story.writers
    ]
    if len(links) > 1:
        links[-2:] = [format_html("{} and {}", links[-2], links[-1])]
    return mark_safe("By " + ", ".join(links))  # each link built by format_html


@register.simple_tag(takes_context=True)
def site_navigation(context: template.Context) -> SafeString:
    """The topics bar, rendered once per state of the site (site stamp)."""

    def render() -> str:
        topics = [
            {"name": topic.name, "url": topic.get_absolute_url()}
            for topic in Topic.objects.in_use().only("name", "slug")
        ]
        return render_to_string("articles/_site_navigation.html", {"topics": topics})

    request = context.get("request")
    return pagecache.fragment(request, "navigation", [pagecache.SITE], render)


@register.simple_tag(takes_context=True)
def absolute_url(context: template.Context, path: str) -> str:
    """`path` on this request's scheme and host (django.contrib.sites is off)."""
    return context["request"].build_absolute_uri(path)
