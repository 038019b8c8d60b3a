"""Template helpers for the reader site. Presentation only: rules live in QuerySets."""

import json
from functools import lru_cache
from typing import Any

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import get_template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from articles import rendering
from articles.models import Story, Topic, address, url_context

register = template.Library()

# Like django.utils.html.json_script: inside <script> only these could end the block
# or start markup; \u escapes keep the JSON identical for parsers.
_JSON_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


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
    return rendering.render_body(text)


@register.filter
def search_excerpt(text: str) -> SafeString:
    return rendering.highlighted_excerpt(text)


@register.simple_tag
def byline(story: Story) -> SafeString:
    """The "By A, B and C" line, each writer's name linking to their page. Built
    here, not in an included template: a listing prints twenty bylines, and an
    include per story cost more than the rest of its teaser (Issue 6)."""
    links = [
        format_html('<a href="{}">{}</a>', author.get_absolute_url(), author.name)
        for author in story.writers
    ]
    if len(links) > 1:
        links[-2:] = [format_html("{} and {}", links[-2], links[-1])]
    return mark_safe("By " + ", ".join(links))  # each link built by format_html


@register.simple_tag
def site_navigation() -> SafeString:
    """The topics bar: one query per page. The bar is a pure function of the
    topics' names and slugs, the template and the URL context (all in the key), so
    each process memoises it, like Markdown bodies (Issue 6)."""
    topics = tuple(Topic.objects.in_use().values_list("name", "slug"))
    bar = get_template("articles/_site_navigation.html").template
    return _navigation(topics, bar, url_context())


@lru_cache(maxsize=16)
def _navigation(
    topics: tuple[tuple[str, str], ...], bar: template.Template, context: tuple
) -> SafeString:
    # `context` only keys the memo: address() reads it itself.
    links = [
        {"name": name, "url": address("articles:topic-detail", slug=slug)}
        for name, slug in topics
    ]
    return bar.render(template.Context({"topics": links}))


@register.simple_tag(takes_context=True)
def absolute_url(context: template.Context, path: str) -> str:
    """`path` on this request's scheme and host (django.contrib.sites is off)."""
    return context["request"].build_absolute_uri(path)
