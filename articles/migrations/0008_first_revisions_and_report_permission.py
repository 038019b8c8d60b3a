"""Every story gets its current state as version 1 (so the first edit after this has
something to compare with), and Editors may see the corrections report."""

from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.utils import timezone


def record_first_versions(apps, schema_editor):
    Story = apps.get_model("articles", "Story")
    Revision = apps.get_model("articles", "Revision")
    Byline = apps.get_model("articles", "Byline")
    now = timezone.now()
    for story in Story.objects.exclude(revisions__isnull=False).iterator():
        bylines = Byline.objects.filter(story=story).select_related("author")
        published = story.status == "published" and story.published_at is not None
        Revision.objects.create(
            story=story,
            number=1,
            headline=story.headline,
            slug=story.slug,
            dek=story.dek,
            body=story.body,
            byline=[
                {"author": b.author_id, "name": b.author.name, "role": b.role}
                for b in bylines.order_by("position", "pk")
            ],
            topics=[
                {"topic": topic.pk, "name": topic.name}
                for topic in story.topics.order_by("name", "pk")
            ],
            lead_image=story.lead_image.name or "",
            lead_image_alt=story.lead_image_alt,
            lead_image_caption=story.lead_image_caption,
            lead_image_credit=story.lead_image_credit,
            note="The story as it was when revisions began",
            created_at=now,
            by_name="migration",
            public_from=story.published_at if published else None,
        )


def grant_report(apps, schema_editor):
    app_config = apps.get_app_config("articles")
    app_config.models_module = True  # the migration-state stub lacks it
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors, _ = Group.objects.get_or_create(name="Editors")
    editors.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="articles", codename="view_corrections_report"
        )
    )


def forwards(apps, schema_editor):
    record_first_versions(apps, schema_editor)
    grant_report(apps, schema_editor)


def backwards(apps, schema_editor):
    apps.get_model("articles", "Revision").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("articles", "0007_story_revisions")]

    operations = [migrations.RunPython(forwards, backwards)]
