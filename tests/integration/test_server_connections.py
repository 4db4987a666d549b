"""A web process keeps a bounded number of PostgreSQL connections however many requests it
serves. Under daphne each request runs its database work on a thread of its own that then
ends; with connections kept (CONN_MAX_AGE > 0) each such thread left one open until the
garbage collector came by, and anonymous traffic could take every connection the server
allows (the attacker review: 86 of 100, then "too many clients" for every site on it)."""

from __future__ import annotations

import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection

from tests.servers import serving

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

REQUESTS = 120  # each: a search and a readiness probe
CLIENTS = 6
# The relay, the sweeps and the request in flight: a handful, not one a request.
MOST_CONNECTIONS = 8
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _connections_of_others() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid()"
        )
        (count,) = cursor.fetchone()
    return int(count)


def test_a_web_process_keeps_a_few_connections_however_many_requests_it_serves(
    tmp_path: Path,
) -> None:
    with serving(tmp_path) as server:

        def visitor(_: int) -> None:
            for _ in range(REQUESTS // CLIENTS):
                for path in ("/api/doctors/", "/health/ready"):
                    with NO_PROXY.open(f"{server.url}{path}", timeout=15) as answer:
                        assert answer.status == 200

        with ThreadPoolExecutor(CLIENTS) as clients:
            list(clients.map(visitor, range(CLIENTS)))
        held = _connections_of_others()

    assert held <= MOST_CONNECTIONS, held
