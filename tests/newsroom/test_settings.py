"""Settings fail closed, and a production-like configuration passes check --deploy."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_LIKE = {
    "DJANGO_SETTINGS_MODULE": "newsroom.settings",
    "DJANGO_SECRET_KEY": "x" * 20 + "a-long-random-production-secret-key-0123456789",
    "DJANGO_ALLOWED_HOSTS": "news.example.org",
    "DJANGO_DEBUG": "false",
    "NEWSROOM_SMTP_HOST": "smtp.example.org",
}


def run_python(code: str, **environment: str) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "NEWSROOM_"))
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=base | environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


IMPORT_SETTINGS = "import django; django.setup()"


def test_settings_refuse_to_start_without_a_secret_key():
    environment = PRODUCTION_LIKE | {"DJANGO_SECRET_KEY": ""}
    del environment["DJANGO_SECRET_KEY"]
    result = run_python(IMPORT_SETTINGS, **environment)
    assert result.returncode != 0
    assert "ImproperlyConfigured: Set the DJANGO_SECRET_KEY environment variable." in (
        result.stderr
    )


def test_debug_mode_runs_with_a_local_key():
    environment = {k: v for k, v in PRODUCTION_LIKE.items() if k != "DJANGO_SECRET_KEY"}
    result = run_python(
        IMPORT_SETTINGS + "; from django.conf import settings; print(settings.DEBUG)",
        **environment | {"DJANGO_DEBUG": "true"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_settings_refuse_a_missing_or_non_postgresql_database_url():
    missing = run_python(IMPORT_SETTINGS, **PRODUCTION_LIKE | {"DATABASE_URL": ""})
    sqlite = run_python(
        IMPORT_SETTINGS, **PRODUCTION_LIKE | {"DATABASE_URL": "sqlite:///x.db"}
    )
    garbage = run_python(
        IMPORT_SETTINGS, **PRODUCTION_LIKE | {"DATABASE_URL": "nonsense"}
    )

    assert "DATABASE_URL is not set" in missing.stderr
    assert "Newsroom needs PostgreSQL" in sqlite.stderr
    assert "DATABASE_URL is not a database URL" in garbage.stderr


def test_a_misspelt_boolean_is_an_error_not_a_silent_false():
    result = run_python(IMPORT_SETTINGS, **PRODUCTION_LIKE | {"DJANGO_DEBUG": "ture"})
    assert "DJANGO_DEBUG must be true or false, not 'ture'" in result.stderr


def test_check_deploy_reports_no_issues_with_production_like_variables(
    test_database_url,
):
    result = run_python(
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', "
        "'--fail-level', 'WARNING'])",
        **PRODUCTION_LIKE | {"DATABASE_URL": test_database_url},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_settings_enforce_https_and_a_strict_content_security_policy(
    test_database_url,
):
    result = run_python(
        IMPORT_SETTINGS + "; from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_HSTS_SECONDS > 0, s.SECURE_CSP)",
        **PRODUCTION_LIKE | {"DATABASE_URL": test_database_url},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("True True True True ")
    assert "unsafe-inline" not in result.stdout
    assert "'script-src': [<CSP.SELF" in result.stdout


def test_a_redis_url_selects_the_shared_redis_cache_and_junk_is_refused(
    test_database_url,
):
    show_backend = (
        IMPORT_SETTINGS + "; from django.conf import settings as s; "
        "print(s.CACHES['default']['BACKEND'], s.CACHES['default']['LOCATION'])"
    )
    base = PRODUCTION_LIKE | {"DATABASE_URL": test_database_url}
    redis = run_python(show_backend, **base | {"REDIS_URL": "redis://127.0.0.1:6379/3"})
    alias = run_python(show_backend, **base | {"CACHE_URL": "redis://127.0.0.1:6379/4"})
    files = run_python(show_backend, **base)
    junk = run_python(show_backend, **base | {"CACHE_URL": "memcached://x"})

    assert redis.stdout.split() == [
        "newsroom.cache.FailFastRedisCache",
        "redis://127.0.0.1:6379/3",
    ]
    assert alias.stdout.split()[1] == "redis://127.0.0.1:6379/4"
    assert files.stdout.split()[0].endswith("FileBasedCache")
    assert "must be a redis:// URL" in junk.stderr


def test_the_site_url_defaults_to_the_local_server_and_drops_a_trailing_slash():
    show = (
        IMPORT_SETTINGS + "; from django.conf import settings; print(settings.SITE_URL)"
    )
    default = run_python(show, **PRODUCTION_LIKE)
    given = run_python(
        show, **PRODUCTION_LIKE | {"NEWSROOM_SITE_URL": "https://news.example.org/"}
    )

    assert default.stdout.strip() == "http://127.0.0.1:8000"
    assert given.stdout.strip() == "https://news.example.org"


def test_a_site_url_that_is_not_an_http_origin_is_refused():
    for value in [
        "news.example.org",
        "ftp://news.example.org",
        "https://news.example.org/admin/",
        "https://news.example.org?x=1",
        "https://",
    ]:
        result = run_python(
            IMPORT_SETTINGS, **PRODUCTION_LIKE | {"NEWSROOM_SITE_URL": value}
        )
        assert result.returncode != 0, value
        assert "NEWSROOM_SITE_URL must be an http:// or https:// address" in (
            result.stderr
        ), value
