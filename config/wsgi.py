import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
# Import the URLconf, and with it every view, now: under gunicorn's preload_app the master does it once and
# each new or recycled worker inherits it, rather than paying for it on its first request.
get_resolver().url_patterns  # noqa: B018
