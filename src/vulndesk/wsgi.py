"""WSGI entry point (``gunicorn vulndesk.wsgi``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vulndesk.settings")
application = get_wsgi_application()
