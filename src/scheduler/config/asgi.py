"""ASGI entry point for daphne: HTTP now; WebSocket routes join here."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scheduler.config.settings")

application = get_asgi_application()
