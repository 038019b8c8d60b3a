"""WSGI entry point (granian, gunicorn): Django behind the page cache's front door,
which answers anonymous readers' page-cache hits before Django builds a request."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

application = get_wsgi_application()

from newsroom.pagecache import FrontDoor  # noqa: E402  (needs the settings above)

application = FrontDoor(application)
