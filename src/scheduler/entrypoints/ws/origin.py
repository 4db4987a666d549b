"""Which pages may open a socket: those of this site, by scheme, host and port.

A browser's socket carries the page's Origin and the Host it connects to: the two must name the
same site (``http://127.0.0.1:8000`` opening ``ws://127.0.0.1:8000``), or the Origin must be one
of CSRF_TRUSTED_ORIGINS (a site behind a proxy that rewrites Host). A page of another port or
scheme on the same host is another site. The Host itself must be one of ALLOWED_HOSTS, as for a
page: a name of an attacker's that resolves to us (DNS rebinding) is no site of ours. A client
that sends no Host (not a browser) is held to ALLOWED_HOSTS by its Origin, as Channels' own
validator does.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from channels.security.websocket import AllowedHostsOriginValidator, WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin1"))
    return None


def _origin_of(url: str) -> tuple[str, str, int | None] | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname:
        return None
    default = {"http": 80, "https": 443, "ws": 80, "wss": 443}.get(parts.scheme)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    return scheme, parts.hostname.lower(), port or default


def same_site(origin: str, host: str, secure: bool) -> bool:
    """Whether a page at ``origin`` belongs to the site reached at ``host``."""
    page = _origin_of(origin)
    site = _origin_of(f"{'https' if secure else 'http'}://{host}")
    if page is None:
        return False
    trusted = {_origin_of(url) for url in settings.CSRF_TRUSTED_ORIGINS}
    return page == site or page in trusted


def host_allowed(host: str) -> bool:
    """Whether ``host`` (a Host header) names this site, as Django judges a request's."""
    domain, _ = split_domain_port(host)
    return bool(domain) and validate_host(domain, settings.ALLOWED_HOSTS)


class SameSiteOriginValidator:
    def __init__(self, application: Any) -> None:
        self.application = application
        self.without_host = AllowedHostsOriginValidator(application)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        host = _header(scope, b"host")
        if host is None:
            return await self.without_host(scope, receive, send)
        origin = _header(scope, b"origin") or ""
        if host_allowed(host) and same_site(origin, host, secure=scope.get("scheme") == "wss"):
            return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)
