"""Settings for the bench's servers only: the site's settings plus bench/urls.py,
which adds E, a bare comment-insert view to compare the real comment POST with."""

from newsroom.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
