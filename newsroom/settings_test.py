"""Test settings: production settings, made fast and hermetic."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("NEWSROOM_HTTPS", "false")

from newsroom.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = DATA_DIR / "test" / "media"  # noqa: F405
STATIC_ROOT = DATA_DIR / "test" / "static"  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CACHES = {
    alias: {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": alias,
    }
    for alias in ("default", "pages")
}
# Factories write rows without committing (no stamp moves): tests that exercise the
# page cache turn it on themselves (tests/newsroom/test_pagecache.py).
PAGE_CACHE_SECONDS = 0
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# Tasks run as they are enqueued (after commit); tests of the worker itself use the
# database backend (tests/newsroom/test_tasks.py).
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
# A replica alias that is the test database itself (MIRROR), with routing off: the
# replica tests turn it on (tests/newsroom/test_replicas.py). Others never see it.
if not READ_REPLICAS:  # noqa: F405
    DATABASES["replica1"] = DATABASES["default"] | {"TEST": {"MIRROR": "default"}}  # noqa: F405
