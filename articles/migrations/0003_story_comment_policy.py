"""Comments: a three-way policy instead of an on/off flag, so editors can reopen
comments past the usual period. Stories whose comments were off become "closed"."""

from django.db import migrations, models


def closed_flag_to_policy(apps, schema_editor):
    Story = apps.get_model("articles", "Story")
    Story.objects.filter(comments_open=False).update(comment_policy="closed")


def policy_to_closed_flag(apps, schema_editor):
    Story = apps.get_model("articles", "Story")
    Story.objects.filter(comment_policy="closed").update(comments_open=False)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0002_editor_and_moderator_groups"),
    ]

    operations = [
        migrations.AddField(
            model_name="story",
            name="comment_policy",
            field=models.CharField(
                choices=[
                    ("limited", "Open for the usual period after publication"),
                    ("open", "Open, with no time limit"),
                    ("closed", "Closed"),
                ],
                default="limited",
                help_text="Close or reopen comments. The usual period is set for the whole site (NEWSROOM_COMMENTS_CLOSE_AFTER_DAYS).",
                max_length=10,
                verbose_name="comments",
            ),
        ),
        migrations.RunPython(closed_flag_to_policy, policy_to_closed_flag),
        migrations.RemoveField(model_name="story", name="comments_open"),
    ]
