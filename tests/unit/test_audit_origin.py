"""The address an audit entry records: the peer's, unless a proxy we were told to trust
forwarded the request; a header anyone can send is not believed otherwise."""

from __future__ import annotations

from typing import Any

import pytest

from scheduler.adapters.client_address import client_ip


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        ([], "203.0.113.5", None, "203.0.113.5"),
        ([], "203.0.113.5", "198.51.100.9", "203.0.113.5"),  # no proxy trusted: the peer
        (["10.0.0.1"], "10.0.0.1", "198.51.100.9", "198.51.100.9"),
        (["10.0.0.0/8"], "10.0.0.1", "6.6.6.6, 198.51.100.9, 10.0.0.2", "198.51.100.9"),
        (["10.0.0.1"], "203.0.113.5", "198.51.100.9", "203.0.113.5"),  # not from our proxy
        (["10.0.0.1"], "10.0.0.1", "10.0.0.1", "10.0.0.1"),  # only proxies: the first
        # A hop that names no address: the client is unknown, never the proxy.
        (["10.0.0.1"], "10.0.0.1", "not an address", None),
        (["10.0.0.1"], "10.0.0.1", "unknown", None),
        (["10.0.0.1"], "10.0.0.1", "_hidden", None),
        (["10.0.0.1"], "10.0.0.1", "198.51.100.9, unknown", None),
        (["10.0.0.1"], "10.0.0.1", "198.51.100.9, ", None),
        # Ports are not part of the address.
        (["10.0.0.1"], "10.0.0.1", "198.51.100.9, 203.0.113.10:4711", "203.0.113.10"),
        (["10.0.0.1"], "10.0.0.1", "198.51.100.9, [2001:db8::1]", "2001:db8::1"),
        (["10.0.0.1"], "10.0.0.1", "[2001:db8::1]:443", "2001:db8::1"),
        (["10.0.0.1"], "10.0.0.1", "2001:db8::1", "2001:db8::1"),
        (["10.0.0.0/8"], "10.0.0.1", "198.51.100.9, 10.0.0.2:80", "198.51.100.9"),
        (["10.0.0.1"], "10.0.0.1", None, "10.0.0.1"),
        ([], "::1", None, "::1"),
        ([], "", None, None),  # a Unix socket's peer
        ([], None, None, None),
    ],
)
def test_the_client_address(
    settings: Any, proxies: list[str], remote: str | None, forwarded: str | None, expected: str
) -> None:
    settings.TRUSTED_PROXIES = proxies
    assert client_ip(remote, forwarded) == expected
