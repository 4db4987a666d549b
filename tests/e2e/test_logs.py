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
