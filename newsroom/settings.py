"""Newsroom settings: one module; the environment is read only through newsroom.env."""

import shutil
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from newsroom import env, storage

BASE_DIR = Path(__file__).resolve().parent.parent
# Git-ignored home of everything a local install generates: database, secret key,
# demo passwords, uploads, collected static files, cache.
DATA_DIR = Path(env.get("NEWSROOM_DATA_DIR", str(BASE_DIR / ".data")))

DEBUG = env.get_bool("DJANGO_DEBUG")
SECRET_KEY = env.get("DJANGO_SECRET_KEY", "local-only-insecure-key" if DEBUG else None)
ALLOWED_HOSTS = env.get_list(
    "DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else ""
)
CSRF_TRUSTED_ORIGINS = env.get_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "newsroom.apps.DeskAdminConfig",  # django.contrib.admin with our sign-in
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks_db",
    "captcha",
    "newsroom",  # backup, restore and the task worker's commands
    "articles",
    "comments",
]

MIDDLEWARE = [
    # First: a page-cache hit skips the rest; a stored page keeps all their headers.
    "newsroom.pagecache.PageCacheMiddleware",
    # Then: whatever Django handles gets a database deadline (newsroom/outages.py).
    "newsroom.outages.DatabaseDeadlineMiddleware",
    # Readers' reads may go to a caught-up replica; a POST pins its visitor to the
    # primary for a moment (newsroom/replicas.py).
    "newsroom.replicas.ReplicaMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Staff see and type times in their own zone on the desk (never on reader pages).
    "newsroom.timezones.StaffTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "newsroom.context_processors.site",
            ],
        },
    },
]

# --- Database ------------------------------------------------------------------------
# `make run` and `make test` set DATABASE_URL (embedded server: newsroom/devdb.py);
# a bare manage.py never starts servers as a side effect.
if not env.get("DATABASE_URL", ""):
    raise ImproperlyConfigured(
        "DATABASE_URL is not set: use `make run` / `make test`, or export "
        "DATABASE_URL=postgres://USER@HOST:5432/newsroom"
    )
try:
    DATABASES = {"default": dj_database_url.parse(env.get("DATABASE_URL"))}
except ValueError as error:  # dj-database-url's errors for a malformed URL
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {error}") from None
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured(
        "Newsroom needs PostgreSQL: DATABASE_URL must start with postgres://"
    )
# Timeouts (newsroom/outages.py, docs/operations.md): connecting; a reader request's
# database work, and an admin request's; PostgreSQL stops any single statement after
# the staff timeout, which also bounds commands.
DB_CONNECT_TIMEOUT_SECONDS = env.get_int("NEWSROOM_DB_CONNECT_TIMEOUT", 3)
DB_READER_TIMEOUT_SECONDS = env.get_float("NEWSROOM_DB_READER_TIMEOUT", 5)
DB_STAFF_TIMEOUT_SECONDS = env.get_float("NEWSROOM_DB_STAFF_TIMEOUT", 60)
# Our backend: Django's, not knocking on a database that just failed.
DATABASES["default"]["ENGINE"] = "newsroom.postgres"
DATABASES["default"]["OPTIONS"] = {
    "connect_timeout": DB_CONNECT_TIMEOUT_SECONDS,
    "options": f"-c statement_timeout={int(DB_STAFF_TIMEOUT_SECONDS * 1000)}",
}
if env.get_bool("DJANGO_DB_POOL"):
    # psycopg's pool replaces persistent connections; Django refuses both at once.
    DATABASES["default"]["OPTIONS"]["pool"] = {"timeout": DB_CONNECT_TIMEOUT_SECONDS}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.get_int("DJANGO_CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Read replicas (newsroom/replicas.py, docs/deploy.md): streaming standbys of the
# primary, comma-separated; readers' story and comment reads go to one that has
# caught up, everything else to the primary.
READ_REPLICAS = []
for number, url in enumerate(env.get_list("DATABASE_REPLICA_URLS"), start=1):
    try:
        replica = dj_database_url.parse(url)
    except ValueError as error:
        raise ImproperlyConfigured(
            f"DATABASE_REPLICA_URLS: replica {number} is not a database URL: {error}"
        ) from None
    if replica["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured(
            f"DATABASE_REPLICA_URLS: replica {number} must start with postgres://"
        )
    alias = f"replica{number}"
    DATABASES[alias] = DATABASES["default"] | {
        key: replica[key] for key in ("NAME", "USER", "PASSWORD", "HOST", "PORT")
    }
    DATABASES[alias]["OPTIONS"] = dict(DATABASES["default"]["OPTIONS"])
    DATABASES[alias]["TEST"] = {"MIRROR": "default"}
    READ_REPLICAS.append(alias)
# Seconds a visitor who just wrote (any POST) reads the primary only.
REPLICA_PIN_SECONDS = env.get_int("NEWSROOM_REPLICA_PIN_SECONDS", 10)
DATABASE_ROUTERS = ["newsroom.replicas.ReplicaRouter"]

# --- Cache ---------------------------------------------------------------------------
# Shared by every worker: Redis in production, files under DATA_DIR otherwise
# (never per-process memory, which workers could not see each other's writes in).
REDIS_URL = env.get("REDIS_URL", "") or env.get("CACHE_URL", "")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured("REDIS_URL / CACHE_URL must be a redis:// URL.")
# Two caches: "default" (version stamps, throttle counters, CAPTCHA audio) and
# "pages" (rendered pages and fragments), so a flood of pages can never evict a
# counter. Both fail fast (newsroom/cache.py): short timeouts, no retries, and a few
# seconds' rest after a failure, so a dead or frozen Redis slows pages down a little
# instead of holding them (docs/operations.md).
CACHE_TIMEOUT_SECONDS = env.get_float("NEWSROOM_CACHE_TIMEOUT", 0.25)
if REDIS_URL:
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    CACHES = {
        alias: {
            "BACKEND": "newsroom.cache.FailFastRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"newsroom-{alias}",
            "OPTIONS": {
                "socket_connect_timeout": CACHE_TIMEOUT_SECONDS,
                "socket_timeout": CACHE_TIMEOUT_SECONDS,
                "retry": Retry(NoBackoff(), 0),
            },
        }
        for alias in ("default", "pages")
    }
else:
    CACHES = {
        alias: {
            "BACKEND": "newsroom.cache.LockingFileBasedCache",
            "LOCATION": DATA_DIR / "cache" / alias,
            "OPTIONS": {"MAX_ENTRIES": entries},
        }
        for alias, entries in (("default", 20_000), ("pages", 5_000))
    }
# Anonymous readers' pages (newsroom/pagecache.py, docs/performance.md): seconds a
# page stays in the cache above (0: no page cache, no ETag/304); invalidation is by
# version stamps, so this only bounds time-driven drift (comments closing).
PAGE_CACHE_SECONDS = env.get_int("NEWSROOM_PAGE_CACHE_SECONDS", 600)
# Cache-Control for shared caches (the nginx micro-cache, a CDN): s-maxage and
# stale-while-revalidate of anonymous pages.
SHARED_CACHE_SECONDS = env.get_int("NEWSROOM_SHARED_CACHE_SECONDS", 1)
STALE_WHILE_REVALIDATE_SECONDS = env.get_int("NEWSROOM_STALE_SECONDS", 30)

# --- Background tasks (newsroom/tasks.py) ---------------------------------------
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
# Back-off of the first retry (doubling after each failure), how long a running task
# may go without finishing before it counts as lost with its worker, and how long
# finished tasks are kept for the admin.
TASK_BACKOFF_SECONDS = env.get_int("NEWSROOM_TASK_BACKOFF_SECONDS", 60)
TASK_LOST_AFTER_SECONDS = env.get_int("NEWSROOM_TASK_LOST_AFTER", 600)
TASK_RESULT_DAYS = env.get_int("NEWSROOM_TASK_RESULT_DAYS", 30)

# --- Auth ----------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]

# Signing in to the desk (newsroom/signin.py): failures per account and per client
# before a cool-off, in the shared cache; two-factor sign-in for everyone with
# admin access when required.
SIGNIN_FAILURES_PER_ACCOUNT = env.get_int("NEWSROOM_SIGNIN_FAILURES_PER_ACCOUNT", 5)
SIGNIN_FAILURES_PER_CLIENT = env.get_int("NEWSROOM_SIGNIN_FAILURES_PER_CLIENT", 20)
SIGNIN_COOLOFF_MINUTES = env.get_int("NEWSROOM_SIGNIN_COOLOFF_MINUTES", 15)
REQUIRE_TWO_FACTOR = env.get_bool("NEWSROOM_REQUIRE_TWO_FACTOR", False)
# The name authenticator apps show for this site's codes.
OTP_TOTP_ISSUER = env.get("NEWSROOM_SITE_NAME", "Newsroom")

# --- Internationalisation ------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.get("NEWSROOM_TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files -------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.get("NEWSROOM_MEDIA_ROOT", str(DATA_DIR / "media")))
# Uploads (lead images, author photos) and their renditions go to an S3-compatible
# object store when a bucket is named, else to MEDIA_ROOT (newsroom/storage.py,
# docs/operations.md). Malformed or incomplete variables stop the site here.
MEDIA_STORE = storage.s3_storage(
    bucket=env.get("NEWSROOM_S3_BUCKET", "").strip(),
    endpoint_url=env.get("NEWSROOM_S3_ENDPOINT_URL", "").strip(),
    region=env.get("NEWSROOM_S3_REGION", "").strip(),
    access_key=env.get("NEWSROOM_S3_ACCESS_KEY_ID", ""),
    secret_key=env.get("NEWSROOM_S3_SECRET_ACCESS_KEY", ""),
    custom_domain=env.get("NEWSROOM_S3_CUSTOM_DOMAIN", "").strip(),
    timeout=env.get_float("NEWSROOM_S3_TIMEOUT", 5),
)
# In production the reverse proxy serves /media/; `make run` lets Django do it
# (never when the files are in a bucket).
SERVE_MEDIA = env.get_bool("NEWSROOM_SERVE_MEDIA", DEBUG) and MEDIA_STORE is None
STORAGES = {
    "default": MEDIA_STORE
    or {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Email (Django 6.1 mailers) ------------------------------------------------------
# Sent by SMTP when a host is configured; else written to files in
# NEWSROOM_MAIL_FILE_PATH if set; else printed to the console.
smtp_host = env.get("NEWSROOM_SMTP_HOST", "")
if smtp_host:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": smtp_host,
                "port": env.get_int("NEWSROOM_SMTP_PORT", 587),
                "username": env.get("NEWSROOM_SMTP_USER", ""),
                "password": env.get("NEWSROOM_SMTP_PASSWORD", ""),
                "use_tls": env.get_bool("NEWSROOM_SMTP_TLS", True),
                # A mail server that hangs must not hold a request for long.
                "timeout": 10,
            },
        }
    }
elif mail_folder := env.get("NEWSROOM_MAIL_FILE_PATH", ""):
    # Each message written to a file in this folder (the cluster tests, staging).
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": mail_folder},
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = env.get("DJANGO_DEFAULT_FROM_EMAIL", "newsroom@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security ------------------------------------------------------------------------
# HTTPS is assumed whenever DEBUG is off; `make run` turns it off because it serves
# plain HTTP on the loopback interface only.
HTTPS = env.get_bool("NEWSROOM_HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = (
    env.get_int("DJANGO_SECURE_HSTS_SECONDS", 31_536_000) if HTTPS else 0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.get_bool(
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True
)
SECURE_HSTS_PRELOAD = env.get_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
if env.get_bool("DJANGO_SECURE_PROXY_SSL_HEADER"):
    # Only behind a proxy that always sets this header itself.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "newsroom.views.csrf_failure"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    # Uploaded images come from the object store's public address when there is one.
    "img-src": [CSP.SELF, "data:", *storage.media_origins(MEDIA_STORE)],
    "media-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# --- Logging: everything to stdout, where gunicorn and systemd collect it ------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "plain",
        },
    },
    "root": {"handlers": ["stdout"], "level": env.get("NEWSROOM_LOG_LEVEL", "INFO")},
}

# --- Newsroom ------------------------------------------------------------------------
SITE_NAME = env.get("NEWSROOM_SITE_NAME", "Newsroom")
# Where readers and staff reach the site (links in emails): scheme and host only.
SITE_URL = env.get_origin("NEWSROOM_SITE_URL", "http://127.0.0.1:8000")
# "What changed" pages show readers how each published version's text differs from
# the one before (stories can override it); clarifications are shown either way.
SHOW_TEXT_CHANGES = env.get_bool("NEWSROOM_SHOW_TEXT_CHANGES", True)
# Share links (articles/previews.py) let a reviewer without an account read a draft.
SHARE_LINK_MAX_AGE_DAYS = env.get_int("NEWSROOM_SHARE_LINK_DAYS", 7)
# Uploaded images (articles/forms.py): larger files, or more pixels (decompression
# bombs), are refused with a form error.
MAX_IMAGE_BYTES = env.get_int("NEWSROOM_MAX_IMAGE_MB", 10) * 1024 * 1024
MAX_IMAGE_PIXELS = env.get_int("NEWSROOM_MAX_IMAGE_MEGAPIXELS", 40) * 1_000_000
# The longest story body (characters), in the admin form and the importer, and the
# largest story file the importer opens (it refuses bigger ones before reading them).
MAX_BODY_CHARS = env.get_int("NEWSROOM_MAX_BODY_CHARS", 200_000)
MAX_IMPORT_BYTES = env.get_int("NEWSROOM_MAX_IMPORT_KB", 2048) * 1024

# --- Comments (comments app; docs/comments.md) ---------------------------------------
# Comments close this many days after publication (editors can also close them).
COMMENTS_CLOSE_AFTER_DAYS = env.get_int("NEWSROOM_COMMENTS_CLOSE_AFTER_DAYS", 30)
# Accepted comments per client IP and per email address in each throttle window.
COMMENTS_THROTTLE_WINDOW_SECONDS = env.get_int("NEWSROOM_COMMENTS_THROTTLE_WINDOW", 600)
COMMENTS_THROTTLE_PER_IP = env.get_int("NEWSROOM_COMMENTS_THROTTLE_PER_IP", 5)
COMMENTS_THROTTLE_PER_EMAIL = env.get_int("NEWSROOM_COMMENTS_THROTTLE_PER_EMAIL", 3)
# New CAPTCHA codes per client IP in the same window (form, fragment, refresh,
# "Change the CAPTCHA code", unknown image/audio keys): each one writes a row.
COMMENTS_THROTTLE_REFRESH_PER_IP = env.get_int("NEWSROOM_CAPTCHA_REFRESH_PER_IP", 60)
# Wrong CAPTCHA answers per client IP in the same window; past it, none is checked.
COMMENTS_THROTTLE_WRONG_PER_IP = env.get_int("NEWSROOM_CAPTCHA_WRONG_PER_IP", 10)
# Reverse proxies in front of the app that append to X-Forwarded-For (0: none, use
# the TCP peer address; 1: nginx only): comment throttles and sign-in throttling.
TRUSTED_PROXY_HOPS = env.get_int("NEWSROOM_TRUSTED_PROXY_HOPS", 0)
# A form posted sooner than this after it was served is a bot (dropped silently).
COMMENTS_MIN_SECONDS_TO_SUBMIT = env.get_int("NEWSROOM_COMMENTS_MIN_SECONDS", 3)
# Raw commenter IPs are erased after this many days (purge_comment_ips, from cron).
COMMENTS_IP_RETENTION_DAYS = env.get_int("NEWSROOM_COMMENTS_IP_RETENTION_DAYS", 30)
# Reader reports: distinct clients whose reports hide a comment until a moderator
# decides, and reports one client may send per throttle window.
COMMENTS_REPORTS_TO_HIDE = max(1, env.get_int("NEWSROOM_COMMENTS_REPORTS_TO_HIDE", 3))
COMMENTS_THROTTLE_REPORTS_PER_IP = env.get_int("NEWSROOM_COMMENTS_REPORTS_PER_IP", 10)
# Trusted commenters: after this many approved comments, and none rejected or spam,
# a commenter's comments are approved at once unless a rule holds them (0: off).
COMMENTS_TRUSTED_AFTER = env.get_int("NEWSROOM_COMMENTS_TRUSTED_AFTER", 0)

# django-simple-captcha 0.7 (read once at import by captcha.conf.settings).
CAPTCHA_CHALLENGE_FUNCT = "comments.captcha.field.secure_challenge"
CAPTCHA_LENGTH = 6
CAPTCHA_FONT_SIZE = 36
CAPTCHA_LETTER_ROTATION = (-20, 20)
CAPTCHA_IMAGE_SIZE = None  # a fixed size crops the 2x image
CAPTCHA_2X_IMAGE = True
CAPTCHA_TIMEOUT = 20  # minutes: long enough for screen-reader users (WCAG 2.2.1)
CAPTCHA_GET_FROM_POOL = False  # pooled keys are shared between readers
CAPTCHA_TEST_MODE = False  # tests solve real challenges instead
# The spoken alternative. Promised unless NEWSROOM_CAPTCHA_AUDIO=false; the
# comments.W001 check warns when it is promised and flite cannot be found.
CAPTCHA_AUDIO = env.get_bool("NEWSROOM_CAPTCHA_AUDIO", True)
CAPTCHA_FLITE_PATH = (
    (env.get("NEWSROOM_FLITE_PATH", "") or shutil.which("flite") or "")
    if CAPTCHA_AUDIO
    else ""
)
CAPTCHA_SOX_PATH = None  # our audio view mixes its own full-length noise
