"""WSGI entry point for production (gunicorn exchsim.wsgi). DEBUG defaults to off here, so SECRET_KEY is required."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exchsim.settings")
os.environ.setdefault("DEBUG", "false")

application = get_wsgi_application()
