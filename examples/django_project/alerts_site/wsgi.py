"""WSGI entry point: ``gunicorn -w 2 --threads 8 alerts_site.wsgi`` (run from the project folder)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alerts_site.settings")
application = get_wsgi_application()
