"""The address a request comes from: the peer's, or, behind a reverse proxy of ours
(TRUSTED_PROXIES), the client's its X-Forwarded-For names. One answer for everything that asks:
the audit trail records it, the throttles count by it and /metrics admits by it, so a forged
header fools none of them."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from django.conf import settings


def client_ip(remote: str | None, forwarded_for: str | None) -> str | None:
    """The client's address: the peer's, unless the peer is a proxy listed in
    TRUSTED_PROXIES, whose X-Forwarded-For then names it (the nearest address not itself
    a trusted proxy). A hop may carry a port ("203.0.113.9:4711", "[2001:db8::1]:443").

    None when the client is not known: a Unix socket's peer, or a hop that names no address
    ("unknown", an obfuscated "_name", garbage). Such a client is never taken for the proxy
    that forwarded it: that is an address of ours, inside the networks allowed /metrics."""
    peer = _address(remote)
    if peer is None or not forwarded_for or not _trusted(peer):
        return peer
    hops = [_address(_without_port(hop.strip())) for hop in reversed(forwarded_for.split(","))]
    for hop in hops:
        if hop is None or not _trusted(hop):
            return hop
    return hops[-1]  # every hop a proxy of ours: the first is the client


def _without_port(hop: str) -> str:
    if hop.startswith("["):  # "[v6]" or "[v6]:port"
        return hop[1:].partition("]")[0]
    host, colon, port = hop.partition(":")
    return host if colon and ":" not in port else hop  # "v4:port"; a bare v6 has many colons


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
