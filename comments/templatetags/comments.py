"""How templates outside this app get comments without importing the comments app:
the story page's {% comment_thread story %}, and the desk's summaries in the admin
({% desk_summary %})."""

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from articles.models import Story
from comments.desk import Summary, summary
from comments.threads import thread_page
from newsroom import pagecache

register = template.Library()


@register.simple_tag(takes_context=True)
def comment_thread(context: template.Context, story: Story) -> SafeString:
    """The story's comment section, rendered once per state of the story's
    comments (its stamp) and of the site (its comment policy, its title). The
    page that shows it is stored under both stamps."""

    def render() -> str:
        thread = thread_page(story)
        return render_to_string(
            "comments/_thread.html", {"story": story, "thread": thread}
        )

    scopes = [pagecache.SITE, pagecache.story_scope(story.pk)]
    return pagecache.fragment(
        context.get("request"), f"thread:{story.pk}", scopes, render
    )


@register.simple_tag(takes_context=True)
def desk_summary(context: template.Context) -> Summary:
    """What waits for a moderator, by queue, and since when (admin header and
    index); the desk passes the one it counted already."""
    return context.get("desk_summary") or summary()
