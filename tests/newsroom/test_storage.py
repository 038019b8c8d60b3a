"""The media store's wiring (newsroom/storage.py): the NEWSROOM_S3_* variables are
checked when the settings load, and the store itself by a system check at start-up,
against a real S3 server (moto, tests/conftest.py)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import Error, Warning
from django.core.exceptions import ImproperlyConfigured

from newsroom.storage import check_media_store, s3_storage
from tests.conftest import S3_KEYS, use_media_store

ROOT = Path(__file__).resolve().parents[2]


def run(*argv: str, **environment: str) -> subprocess.CompletedProcess:
    """Python with `argv` in a new process, with the production settings and
    `environment` (and none of the machine's own NEWSROOM_ or AWS_ variables)."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "NEWSROOM_", "AWS_"))
    }
    production_like = {
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DJANGO_SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdef",
        "DJANGO_ALLOWED_HOSTS": "news.example.org",
    }
    return subprocess.run(
        [sys.executable, *argv],
        cwd=ROOT,
        env=base | production_like | environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        (
            {"endpoint_url": "https://s3.example.net"},
            "NEWSROOM_S3_ENDPOINT_URL is set but NEWSROOM_S3_BUCKET is not: name the "
            "bucket to keep uploads on the object store, or unset the NEWSROOM_S3_ "
            "variables to keep them in NEWSROOM_MEDIA_ROOT.",
        ),
        (
            {"bucket": "Newsroom_Media", "region": "eu-west-1"},
            "NEWSROOM_S3_BUCKET must be a bucket name: 3 to 63 lowercase letters, "
            "digits, dots and hyphens, starting and ending with a letter or digit; "
            "not 'Newsroom_Media'.",
        ),
        (
            {"bucket": "newsroom-media"},
            "NEWSROOM_S3_BUCKET is set but neither NEWSROOM_S3_ENDPOINT_URL nor "
            "NEWSROOM_S3_REGION is",
        ),
        (
            {"bucket": "newsroom-media", "endpoint_url": "s3.example.net:9000"},
            "NEWSROOM_S3_ENDPOINT_URL must be an http:// or https:// address with no "
            "path, such as https://s3.example.net, not 's3.example.net:9000'.",
        ),
        (
            {"bucket": "newsroom-media", "region": "eu-west-1", "access_key": "AK"},
            "Set both NEWSROOM_S3_ACCESS_KEY_ID and NEWSROOM_S3_SECRET_ACCESS_KEY, "
            "or neither",
        ),
        (
            {
                "bucket": "newsroom-media",
                "region": "eu-west-1",
                "custom_domain": "https://media.example.org/?v=1",
            },
            "NEWSROOM_S3_CUSTOM_DOMAIN must be an http:// or https:// address, such "
            "as https://media.example.org, not 'https://media.example.org/?v=1'.",
        ),
        (
            {"bucket": "newsroom-media", "region": "eu-west-1", "timeout": 0},
            "NEWSROOM_S3_TIMEOUT must be more than 0 seconds, not 0.",
        ),
    ],
)
def test_malformed_or_missing_media_store_variables_are_refused_in_words(
    variables, message
):
    with pytest.raises(ImproperlyConfigured) as refused:
        s3_storage(**{"bucket": ""} | variables)

    assert message in str(refused.value)


def test_without_a_bucket_uploads_stay_in_the_media_folder():
    assert s3_storage(bucket="") is None


def test_the_site_refuses_to_start_with_half_a_media_store_configuration():
    result = run(
        "-c",
        "import django; django.setup()",
        NEWSROOM_S3_BUCKET="newsroom-media",
        NEWSROOM_S3_REGION="eu-west-1",
        NEWSROOM_S3_SECRET_ACCESS_KEY="secret",
    )

    assert result.returncode != 0
    assert (
        "django.core.exceptions.ImproperlyConfigured: Set both "
        "NEWSROOM_S3_ACCESS_KEY_ID and NEWSROOM_S3_SECRET_ACCESS_KEY, or neither"
    ) in result.stderr


def test_a_configured_store_serves_unsigned_public_addresses_allowed_by_the_csp():
    result = run(
        "-c",
        "import django; django.setup()\n"
        "from django.conf import settings\n"
        "from django.core.files.storage import storages\n"
        "s = storages['default']\n"
        "c = s.client_config\n"
        "print(type(s).__name__, s.querystring_auth, s.file_overwrite)\n"
        "print(c.request_checksum_calculation, c.response_checksum_validation)\n"
        "print(c.connect_timeout, c.read_timeout, c.retries)\n"
        "print(s.url('stories/a b.png'), settings.SERVE_MEDIA)\n"
        "print(*settings.SECURE_CSP['img-src'])\n",
        NEWSROOM_S3_BUCKET="newsroom-media",
        NEWSROOM_S3_REGION="eu-west-1",
        NEWSROOM_S3_CUSTOM_DOMAIN="media.example.org",
        NEWSROOM_S3_TIMEOUT="2.5",
        NEWSROOM_SERVE_MEDIA="true",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "ObjectStorage False False",
        "when_required when_required",
        "2.5 2.5 {'mode': 'standard', 'total_max_attempts': 2}",
        "https://media.example.org/stories/a%20b.png False",
        "'self' data: https://media.example.org",
    ]


def test_without_a_custom_domain_addresses_are_the_buckets_own():
    aws = s3_storage(bucket="newsroom-media", region="eu-west-1")["OPTIONS"]
    other = s3_storage(bucket="media", endpoint_url="http://10.0.0.5:8333/")["OPTIONS"]

    assert (aws["url_protocol"], aws["custom_domain"]) == (
        "https:",
        "newsroom-media.s3.eu-west-1.amazonaws.com",
    )
    assert (other["url_protocol"], other["custom_domain"]) == (
        "http:",
        "10.0.0.5:8333/media",
    )


def test_the_check_passes_when_the_bucket_is_there(s3_media):
    assert check_media_store(None) == []


def test_the_check_is_an_error_naming_a_bucket_that_does_not_exist(settings, s3_server):
    use_media_store(
        settings, bucket="no-such-bucket", endpoint_url=s3_server, **S3_KEYS
    )

    (message,) = check_media_store(None)

    assert isinstance(message, Error) and message.id == "newsroom.E001"
    assert message.msg == (
        f"Uploads cannot be stored (bucket “no-such-bucket” at {s3_server}): the "
        "bucket “no-such-bucket” does not exist on the media store."
    )


def test_the_check_warns_that_an_unreachable_store_only_stops_uploads(
    dead_media_store,
):
    (message,) = check_media_store(None)

    assert isinstance(message, Warning) and message.id == "newsroom.W001"
    assert "did not answer within 1 s: readers are served as usual, but image " in (
        message.msg
    )


@pytest.mark.django_db  # manage.py check reads the test database
def test_manage_py_refuses_to_start_with_a_bucket_that_does_not_exist(
    s3_server, test_database_url
):
    """`make run` runs `manage.py migrate` first, which runs the checks."""
    result = run(
        "manage.py",
        "check",
        DATABASE_URL=test_database_url,
        NEWSROOM_S3_BUCKET="no-such-bucket",
        NEWSROOM_S3_ENDPOINT_URL=s3_server,
        NEWSROOM_S3_ACCESS_KEY_ID=S3_KEYS["access_key"],
        NEWSROOM_S3_SECRET_ACCESS_KEY=S3_KEYS["secret_key"],
    )

    assert result.returncode == 1
    assert "SystemCheckError" in result.stderr
    assert (
        "newsroom.E001) Uploads cannot be stored (bucket “no-such-bucket” at "
        f"{s3_server}): the bucket “no-such-bucket” does not exist on the media "
        "store."
    ) in result.stderr


@pytest.mark.django_db
def test_manage_py_starts_with_a_warning_when_the_store_does_not_answer(
    free_port, test_database_url
):
    """Readers are served without the store: the site starts, and says so."""
    result = run(
        "manage.py",
        "check",
        DATABASE_URL=test_database_url,
        NEWSROOM_S3_BUCKET="newsroom-media",
        NEWSROOM_S3_ENDPOINT_URL=f"http://127.0.0.1:{free_port}",
        NEWSROOM_S3_ACCESS_KEY_ID=S3_KEYS["access_key"],
        NEWSROOM_S3_SECRET_ACCESS_KEY=S3_KEYS["secret_key"],
    )

    assert result.returncode == 0, result.stderr
    assert "newsroom.W001) The media store (bucket “newsroom-media” at " in (
        result.stderr
    )
