"""What ``scheduler serve`` writes of a request: one line in the configured format, with the
route that answered, never the path's secrets (a feed's secret, a booking link, a visit's
socket token) or a query string (a desk's search for a phone number). Daphne's own access log,
which wrote them all in plain text, is off."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import WebSocketException
from websockets.sync.client import connect

from tests.servers import Server, serving

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "Zq8xLw3vNp5tRk2mHs7yBd4f"
PHONE = "09121234567"


def _get(server: Server, path: str) -> None:
    try:
        with urllib.request.urlopen(f"{server.url}{path}", timeout=10):
            pass
    except urllib.error.HTTPError:
        pass  # a refusal is logged too


def _json_lines(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]


def _socket_lines(log: Path, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = [line for line in _json_lines(log) if "socket" in line]
        if len(found) >= count:
            return found
        time.sleep(0.1)
    raise AssertionError(f"{count} socket lines not logged:\n{log.read_text()[-3000:]}")


def test_serve_logs_routes_in_json_and_no_secret(tmp_path: Path) -> None:
    with serving(tmp_path, env={"LOG_FORMAT": "json", "LOG_LEVEL": "INFO"}) as server:
        _get(server, f"/feeds/{SECRET}.ics")
        _get(server, f"/b/{SECRET}/")
        _get(server, f"/api/patients/?q={PHONE}")
        try:
            with connect(f"{server.ws_url}/ws/visit/{SECRET}/", origin=server.url, proxy=None):
                pass
        except WebSocketException:
            pass  # refused or closed: either is logged
        sockets = _socket_lines(server.log, 1)

    written = server.log.read_text()
    assert SECRET not in written
    assert PHONE not in written
    # Every line is JSON (daphne's own access lines were not), the banner too.
    told = [line for line in written.splitlines() if line]
    assert all(line.startswith("{") for line in told), written
    assert any("Nobat is running" in line["message"] for line in _json_lines(server.log))
    routes = {line["route"] for line in _json_lines(server.log) if "route" in line}
    assert {"/feeds/<str:secret>.ics", "/b/<str:token>/", "/api/patients/"} <= routes
    assert {line["route"] for line in sockets} == {"/ws/visit/<str:token>/"}
    access = [line for line in _json_lines(server.log) if line.get("route") == "/b/<str:token>/"]
    assert access[0]["logger"] == "scheduler.access"
    assert access[0]["request_id"]
