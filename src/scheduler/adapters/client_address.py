"""The address a request comes from: the peer's, or, behind a reverse proxy of ours
(TRUSTED_PROXIES), the client's its X-Forwarded-For names. One answer for everything that asks:
the audit trail records it and the throttles count by it, so a forged header fools neither."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from django.conf import settings


def client_ip(remote: str | None, forwarded_for: str | None) -> str | None:
    """The client's address: the peer's, unless the peer is a proxy listed in
    TRUSTED_PROXIES, whose X-Forwarded-For then names it (the nearest address not itself
    a trusted proxy). Anything that is not an address is no address."""
    peer = _address(remote)
    if peer is None or not forwarded_for or not _trusted(peer):
        return peer
    hops = [_address(hop) for hop in reversed(forwarded_for.split(","))]
    for hop in hops:
        if hop is None:
            return peer  # a forged or garbled header: the proxy is all we know
        if not _trusted(hop):
            return hop
    return hops[-1]  # every hop a proxy of ours: the first is the client


def _address(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def _trusted(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return any(ip in network for network in _networks(settings.TRUSTED_PROXIES))


def _networks(proxies: Iterable[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(proxy, strict=False) for proxy in proxies]
