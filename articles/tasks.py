"""The articles app's background work (newsroom/tasks.py explains retries)."""

from django.db import transaction
from django.tasks import task

from articles import images
from articles.models import Story
from newsroom.pagecache import bump_site_on_commit
from newsroom.storage import STORE_ERRORS
from newsroom.tasks import retry_later


@task
def make_renditions(story_id: int, image_name: str, *, attempt: int = 1) -> list[int]:
    """Make the responsive sizes of a story's newly uploaded lead image, then let
    its pages offer them. Skipped if the image was replaced meanwhile; a storage
    error (a full disk, the object store down or refusing) is tried again later.
    Returns the widths."""
    story = Story.objects.filter(pk=story_id, lead_image=image_name).first()
    if story is None:
        return []
    try:
        widths = images.make_renditions(story.lead_image, width=story.lead_image_width)
    except STORE_ERRORS as error:
        retry_later(make_renditions, story_id, image_name, attempt=attempt, error=error)
        return []
    with transaction.atomic():
        Story.objects.filter(pk=story_id, lead_image=image_name).update(
            lead_image_widths=widths
        )
        bump_site_on_commit()
    return widths
