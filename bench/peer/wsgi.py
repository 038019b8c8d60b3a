"""WSGI entry point of the stock peer (bench/peer/__init__.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.peer.settings")

application = get_wsgi_application()
