"""ASGI entry point for daphne: Django for HTTP, the consumers for WebSockets.

Sockets are refused unless their Origin is this site's, by scheme, host and port
(entrypoints.ws.origin); the user comes from the session cookie or a JWT (entrypoints.ws.auth).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scheduler.config.settings")

# Django first: the consumers import models.
http_application = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from scheduler.entrypoints.ws.auth import session_or_token  # noqa: E402
from scheduler.entrypoints.ws.origin import SameSiteOriginValidator  # noqa: E402
from scheduler.entrypoints.ws.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": http_application,
        "websocket": SameSiteOriginValidator(session_or_token(URLRouter(websocket_urlpatterns))),
    }
)
