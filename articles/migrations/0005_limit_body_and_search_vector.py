"""Story bodies get a length limit; search indexes the start of a very long body
(PostgreSQL refuses search vectors over 1 MB)."""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.functions.text
from django.db import migrations, models

import articles.models


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0004_story_event"),
    ]

    operations = [
        migrations.AlterField(
            model_name="story",
            name="body",
            field=models.TextField(
                help_text="Markdown: blank lines between paragraphs, ## for subheads, > for quotes, [text](https://…) for links.",
                validators=[articles.models.validate_body_length],
            ),
        ),
        # A generated column can't be altered: it is dropped with its index and
        # added again (PostgreSQL computes it for every row).
        migrations.RemoveIndex(model_name="story", name="story_search_idx"),
        migrations.RemoveField(model_name="story", name="search_vector"),
        migrations.AddField(
            model_name="story",
            name="search_vector",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.contrib.postgres.search.CombinedSearchVector(
                    django.contrib.postgres.search.CombinedSearchVector(
                        django.contrib.postgres.search.SearchVector(
                            "headline", config="english", weight="A"
                        ),
                        "||",
                        django.contrib.postgres.search.SearchVector(
                            "dek", config="english", weight="B"
                        ),
                        django.contrib.postgres.search.SearchConfig("english"),
                    ),
                    "||",
                    django.contrib.postgres.search.SearchVector(
                        django.db.models.functions.text.Left("body", 100000),
                        config="english",
                        weight="C",
                    ),
                    django.contrib.postgres.search.SearchConfig("english"),
                ),
                output_field=django.contrib.postgres.search.SearchVectorField(),
            ),
        ),
        migrations.AddIndex(
            model_name="story",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search_vector"], name="story_search_idx"
            ),
        ),
    ]
