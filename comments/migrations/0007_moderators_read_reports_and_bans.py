"""Moderators read reader reports and the ban list (the desk and the services write
them, with `moderate_comment`); Editors get neither."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODERATOR_PERMISSIONS = ["view_report", "view_ban"]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; these need them now.
    app_config = apps.get_app_config("comments")
    app_config.models_module = True  # the migration-state stub lacks it
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Moderators")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="comments", codename__in=MODERATOR_PERMISSIONS
        )
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="Moderators"):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="comments",
                codename__in=MODERATOR_PERMISSIONS,
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0006_moderation_desk"),
        ("comments", "0003_moderator_and_editor_permissions"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
