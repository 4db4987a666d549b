"""``/metrics`` for Prometheus, to the networks METRICS_ALLOWED_NETWORKS names only: anyone else
finds nothing there (404). The client's address is read as the audit trail reads it, through
TRUSTED_PROXIES. The same networks read the details of /health/ready."""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Sequence

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from scheduler.adapters import metrics
from scheduler.adapters.client_address import client_ip

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@require_safe
def scrape(request: HttpRequest) -> HttpResponse:
    if not from_allowed_network(request):
        raise Http404
    return HttpResponse(metrics.latest(), content_type=metrics.CONTENT_TYPE)


def from_allowed_network(request: HttpRequest) -> bool:
    """Whether the request's client is inside METRICS_ALLOWED_NETWORKS (an unknown one is not)."""
    address = client_ip(request.META.get("REMOTE_ADDR"), request.META.get("HTTP_X_FORWARDED_FOR"))
    return _allowed(address, tuple(settings.METRICS_ALLOWED_NETWORKS))


def _allowed(address: str | None, networks: Sequence[str]) -> bool:
    if address is None:
        return False
    ip = ipaddress.ip_address(address)
    return any(ip in network for network in _networks(tuple(networks)))


@functools.lru_cache(maxsize=8)
def _networks(networks: tuple[str, ...]) -> list[Network]:
    return [ipaddress.ip_network(network, strict=False) for network in networks]
