"""Template helpers for the reader site. Presentation only: rules live in QuerySets."""

import json
from typing import Any

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from articles import rendering
from articles.models import Topic

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


@register.inclusion_tag("articles/_site_navigation.html")
def site_navigation() -> dict[str, Any]:
    # One query per page; caching it is for the later performance issue.
    return {"topics": list(Topic.objects.in_use().only("name", "slug"))}


@register.simple_tag(takes_context=True)
def absolute_url(context: template.Context, path: str) -> str:
    """`path` on this request's scheme and host (django.contrib.sites is off)."""
    return context["request"].build_absolute_uri(path)
