"""The CAPTCHA table grows with every form served: index the expiry sweep, and
give the id room to grow (django-simple-captcha ships a 32-bit id, no index)."""

from django.db import migrations


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("comments", "0001_initial"),
        ("captcha", "0002_alter_captchastore_id"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS captcha_store_expiration_idx "
            "ON captcha_captchastore (expiration)",
            "DROP INDEX CONCURRENTLY IF EXISTS captcha_store_expiration_idx",
        ),
        migrations.RunSQL(
            [
                "ALTER TABLE captcha_captchastore ALTER COLUMN id SET DATA TYPE bigint",
                "ALTER SEQUENCE captcha_captchastore_id_seq AS bigint",
            ],
            migrations.RunSQL.noop,
        ),
    ]
