"""Who is acting, and from which address: set for the length of an HTTP request (middleware.py)
or a socket (entrypoints.ws), read when an audit entry is written. Unset: the site's own
processes (command line, workers, the outbox relay), recorded as "system" with no address."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

User = AbstractBaseUser | AnonymousUser


@dataclass(frozen=True)
class Origin:
    # Asked when an entry is written, not when the request arrives: the API signs a token's
    # user in inside the view, after every middleware has run.
    user: Callable[[], User]
    ip: str | None


current: ContextVar[Origin | None] = ContextVar("audit_origin", default=None)


def client_ip(remote: str | None, forwarded_for: str | None) -> str | None:
    """The client's address: the peer's, unless the peer is a proxy listed in
    AUDIT_TRUSTED_PROXIES, whose X-Forwarded-For then names it (the nearest address not itself
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
    return any(ip in network for network in _networks(settings.AUDIT_TRUSTED_PROXIES))


def _networks(proxies: Iterable[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(proxy, strict=False) for proxy in proxies]
