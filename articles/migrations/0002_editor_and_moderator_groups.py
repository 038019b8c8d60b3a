"""The two newsroom roles, with their permissions on stories.

Editors run the newsroom's content; Moderators only read it. The comments app grants
each group its comment permissions in its own migration.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR_PERMISSIONS = [
    f"{action}_{model}"
    for model in ("story", "author", "topic", "byline", "clarification")
    for action in ("add", "change", "delete", "view")
] + ["publish_story", "view_slughistory"]
MODERATOR_PERMISSIONS = [
    "view_story",
    "view_author",
    "view_topic",
    "view_byline",
    "view_clarification",
]


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; these need them now.
    app_config = apps.get_app_config("articles")
    app_config.models_module = True  # the migration-state stub lacks it
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in (
        ("Editors", EDITOR_PERMISSIONS),
        ("Moderators", MODERATOR_PERMISSIONS),
    ):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="articles", codename__in=codenames
            )
        )


def remove_article_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    articles = Permission.objects.filter(content_type__app_label="articles")
    for group in Group.objects.filter(name__in=["Editors", "Moderators"]):
        group.permissions.remove(*articles)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_article_permissions)]
