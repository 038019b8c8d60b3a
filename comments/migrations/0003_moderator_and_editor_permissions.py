"""Comment permissions for the two newsroom roles (groups made by articles 0002).

Moderators read and moderate comments and keep the word lists; Editors only read.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODERATOR_PERMISSIONS = [
    "view_comment",
    "change_comment",
    "moderate_comment",
    "view_moderationevent",
    "add_moderationword",
    "change_moderationword",
    "delete_moderationword",
    "view_moderationword",
]
EDITOR_PERMISSIONS = ["view_comment", "view_moderationevent"]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; these need them now.
    app_config = apps.get_app_config("comments")
    app_config.models_module = True  # the migration-state stub lacks it
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in (
        ("Moderators", MODERATOR_PERMISSIONS),
        ("Editors", EDITOR_PERMISSIONS),
    ):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="comments", codename__in=codenames
            )
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    comments = Permission.objects.filter(content_type__app_label="comments")
    for group in Group.objects.filter(name__in=["Editors", "Moderators"]):
        group.permissions.remove(*comments)


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0002_captcha_store_expiration_index"),
        ("articles", "0002_editor_and_moderator_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
