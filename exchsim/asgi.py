"""ASGI entry point for production. DEBUG defaults to off here, so SECRET_KEY is required."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exchsim.settings")
os.environ.setdefault("DEBUG", "false")

application = get_asgi_application()
