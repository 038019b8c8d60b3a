"""Template helpers for the reader site. Presentation only: rules live in QuerySets."""

import json
import re
from typing import Any

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from articles import rendering
from articles.models import Topic

register = template.Library()

# Like django.utils.html.json_script: inside <script> only these could end the block
# or start markup; \u escapes keep the JSON identical for parsers.
_JSON_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}
# A slug that reverse() puts into the URL as it is (the <slug:> converter's
# characters, none of them quoted): such links are built from one reverse() call.
_PLAIN_SLUG = re.compile(r"[-a-zA-Z0-9_]+")
_SLUG_MARK = "topic-slug-mark"


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
    """The topics bar: one query, and one reverse() for all 50 links (not one each;
    a story page renders this on every cache miss)."""
    topics = Topic.objects.in_use().values_list("name", "slug")
    url = reverse("articles:topic-detail", kwargs={"slug": _SLUG_MARK})
    return {
        "topics": [
            {
                "name": name,
                "url": url.replace(_SLUG_MARK, slug)
                if _PLAIN_SLUG.fullmatch(slug)
                else reverse("articles:topic-detail", kwargs={"slug": slug}),
            }
            for name, slug in topics
        ]
    }


@register.simple_tag(takes_context=True)
def absolute_url(context: template.Context, path: str) -> str:
    """`path` on this request's scheme and host (django.contrib.sites is off)."""
    return context["request"].build_absolute_uri(path)
