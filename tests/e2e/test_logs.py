"""Log lines say which request, user and appointment they come from: JSON lines in production,
plain ones in the embedded runtime; the request's id is the caller's (when sane) or a new one,
and is echoed back."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils.module_loading import import_string
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from scheduler.config import log_context
from tests import factories
from tests.conftest import ON_POSTGRES

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """What django.request logs, through the production formatter and filter."""
    config = dict(settings.LOGGING["formatters"]["json"])
    formatter = import_string(config.pop("()"))(**config)
    written = io.StringIO()
    handler = logging.StreamHandler(written)
    handler.setFormatter(formatter)
    handler.addFilter(log_context.WithContext())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        yield written
    finally:
        logger.removeHandler(handler)


def lines(written: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in written.getvalue().splitlines()]


def test_a_sane_request_id_is_kept_and_echoed() -> None:
    response = Client().get("/health/live", headers={"X-Request-ID": "edge-4f2a.91:7"})

    assert response["X-Request-ID"] == "edge-4f2a.91:7"


@pytest.mark.parametrize("given", [None, "", "two words", "line\\nbreak", "x" * 129, "ŝ"])
def test_otherwise_the_request_gets_an_id_of_its_own(given: str | None) -> None:
    headers = {} if given is None else {"X-Request-ID": given}

    echoed = Client().get("/health/live", headers=headers)["X-Request-ID"]

    assert echoed != given
    assert uuid.UUID(hex=echoed).hex == echoed


def test_a_json_line_names_the_request_the_token_user_and_the_appointment(
    json_lines: io.StringIO,
) -> None:
    patient = factories.patient()
    client = APIClient(headers={"X-Request-ID": "req-1"})
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(patient.user)}")
    someone_elses = uuid.uuid4()

    response = client.get(f"/api/appointments/{someone_elses}/")

    assert response.status_code == 404
    [line] = lines(json_lines)
    assert line["level"] == "WARNING"
    assert line["logger"] == "django.request"
    assert line["message"].startswith("Not Found: /api/appointments/")
    assert line["time"]
    assert (line["request_id"], line["user_id"], line["appointment_id"]) == (
        "req-1",
        patient.user.pk,
        str(someone_elses),
    )


def test_a_page_names_its_session_user(json_lines: io.StringIO) -> None:
    patient = factories.patient()
    browser = Client()
    browser.force_login(patient.user)

    assert browser.get(f"/me/appointments/{uuid.uuid4()}/").status_code == 404

    [line] = lines(json_lines)
    assert line["user_id"] == patient.user.pk


def test_a_visitor_and_a_request_naming_no_appointment_have_neither(
    json_lines: io.StringIO,
) -> None:
    Client().get("/no-such-page/")

    [line] = lines(json_lines)
    assert (line["user_id"], line["appointment_id"]) == (None, None)
    assert line["request_id"]


def test_production_writes_json_and_the_embedded_runtime_plain_lines() -> None:
    expected = "json" if ON_POSTGRES else "plain"
    assert settings.LOGGING["handlers"]["console"]["formatter"] == expected


# -- no secrets in the log: a request's route is written, never its path or query string ------

RESET_TOKEN = "c4f1ks-0a9b8c7d6e5f4a3b2c1d"
FEED_SECRET = "Zq8xLw3vNp5tRk2mHs7yBd4f"
PHONE = "09121234567"


@pytest.fixture
def console() -> Iterator[io.StringIO]:
    """What the configured console handler (its formatter and filters) writes."""
    [handler] = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    assert isinstance(handler, logging.StreamHandler)
    written = io.StringIO()
    earlier = handler.setStream(written)
    access = logging.getLogger("scheduler.access")
    level = access.level
    access.setLevel(logging.INFO)
    try:
        yield written
    finally:
        access.setLevel(level)
        handler.setStream(earlier)


def test_a_refused_password_reset_logs_the_route_not_the_live_token(
    console: io.StringIO,
) -> None:
    answer = Client().post(
        f"/password-reset/MQ/{RESET_TOKEN}/", {"new_password": "a", "again": "b"}
    )

    assert answer.status_code == 400
    written = console.getvalue()
    assert RESET_TOKEN not in written
    assert "Bad Request: /password-reset/<str:uidb64>/<str:token>/" in written
    assert "POST /password-reset/<str:uidb64>/<str:token>/ 400" in written


def test_a_feed_secret_and_a_searched_phone_number_stay_out_of_the_log(
    console: io.StringIO,
) -> None:
    Client().get(f"/feeds/{FEED_SECRET}.ics")
    APIClient().get(f"/api/patients/?q={PHONE}")
    Client().get(f"/no-such-page/{FEED_SECRET}/?q={PHONE}")

    written = console.getvalue()
    assert FEED_SECRET not in written
    assert PHONE not in written
    assert "/feeds/<str:secret>.ics" in written
    assert "/api/patients/ 401" in written or "/api/patients/ 403" in written
    assert "/no-such-page/<redacted>/" in written


@pytest.mark.postgres  # JSON lines are production's (LOG_FORMAT=json)
def test_a_json_line_names_the_request_by_method_and_route(console: io.StringIO) -> None:
    patient = factories.patient()
    client = APIClient(headers={"X-Request-ID": "req-2"})
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(patient.user)}")

    client.get(f"/api/appointments/{uuid.uuid4()}/?q={PHONE}")

    written = console.getvalue()
    assert PHONE not in written
    by_logger = {line["logger"]: line for line in lines(console)}
    refused, access = by_logger["django.request"], by_logger["scheduler.access"]
    assert refused["request"] == "GET /api/appointments/<uuid:appointment_id>/"
    assert access["route"] == "/api/appointments/<uuid:appointment_id>/"
    assert (access["method"], access["status"]) == ("GET", 404)
    assert isinstance(access["duration_ms"], float)
    assert (access["request_id"], access["user_id"]) == ("req-2", patient.user.pk)


def test_a_secret_quoted_in_a_refusal_is_masked(console: io.StringIO) -> None:
    logging.getLogger("django.security.csrf").warning(
        "Forbidden (Referer checking failed - https://x.test/b/%s/?q=%s): %s",
        FEED_SECRET,
        PHONE,
        "/b/",
    )

    written = console.getvalue()
    assert FEED_SECRET not in written
    assert PHONE not in written
    assert "https://x.test/b/<redacted>/" in written


def test_a_socket_is_logged_by_its_route(console: io.StringIO) -> None:
    from scheduler.entrypoints import daphne_access

    daphne_access.log_action("websocket", "connected", {"path": f"/ws/visit/{FEED_SECRET}/"})
    daphne_access.log_action("websocket", "disconnected", {"path": f"/ws/nope/{FEED_SECRET}/"})

    written = console.getvalue()
    assert FEED_SECRET not in written
    assert "WebSocket /ws/visit/<str:token>/ opened" in written
    assert "WebSocket /ws/nope/<redacted>/ closed" in written


def test_django_writes_through_the_filtered_console_only() -> None:
    assert logging.getLogger("django").handlers == []


def test_a_refused_host_is_a_warning_without_a_traceback(console: io.StringIO) -> None:
    # django.security.DisallowedHost is a child of django.security: a filter on that logger
    # never saw it, and each probe of a wrong Host wrote an ERROR with a traceback.
    answer = Client(HTTP_HOST="evil.example").get("/api/doctors/")

    assert answer.status_code == 400
    written = console.getvalue()
    assert "Invalid HTTP_HOST header" in written
    assert "Traceback" not in written
    assert "ERROR" not in written
