"""The error contract, and the published schema and docs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from drf_spectacular.validation import validate_schema
from rest_framework.exceptions import NotAuthenticated
from rest_framework.test import APIClient

from scheduler.domain import errors
from scheduler.domain.intervals import Interval
from scheduler.entrypoints.api.errors import exception_handler

T = datetime(2030, 1, 5, 6, 30, tzinfo=UTC)


def handled(error: Exception) -> tuple[int, Any]:
    response = exception_handler(error, {})
    assert response is not None
    return response.status_code, response.data


@pytest.mark.parametrize(
    ("error", "status", "body"),
    [
        (
            errors.InvalidInput("No such doctor.", field="doctor_id"),
            400,
            {"doctor_id": ["No such doctor."]},
        ),
        (
            errors.InvalidInput("Something is off."),
            400,
            {"non_field_errors": ["Something is off."]},
        ),
        (
            errors.IdempotencyMismatch("Used for another booking.", field="Idempotency-Key"),
            400,
            {"Idempotency-Key": ["Used for another booking."]},
        ),
        *(
            (kind("Not then."), 400, {"start": ["Not then."], "code": kind.code})
            for kind in (
                errors.OutsideWorkingHours,
                errors.InBreak,
                errors.NotOnGrid,
                errors.InPast,
                errors.BeyondHorizon,
                errors.InsideMinimumNotice,
                errors.DoctorAway,
            )
        ),
        (errors.NotFound("Appointment not found."), 404, None),
        (errors.NotAllowed("Not you."), 403, None),
        (errors.InvalidTransition("Cannot.", status="cancelled"), 409, None),
        (errors.ConcurrentUpdate("Changed meanwhile."), 409, None),
        (errors.DuplicateIdempotencyKey("In flight."), 409, None),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else str(value),
)
def test_domain_errors_map_to_statuses_and_bodies(
    error: errors.DomainError, status: int, body: dict[str, Any] | None
) -> None:
    code, data = handled(error)

    assert code == status
    if body is None:
        assert data["detail"] == error.message
        assert data["code"] == error.code
    else:
        assert data == body


def test_details_of_an_error_travel_with_it() -> None:
    _, data = handled(errors.InvalidTransition("Cannot.", status="cancelled", action="confirm"))

    assert data == {
        "detail": "Cannot.",
        "code": "invalid_transition",
        "status": "cancelled",
        "action": "confirm",
    }


def test_a_taken_slot_lists_the_alternatives() -> None:
    alternatives = [
        Interval(T + timedelta(minutes=m), T + timedelta(minutes=m + 30)) for m in (30, 60)
    ]

    code, data = handled(errors.SlotTaken("Taken.", holder="doctor", alternatives=alternatives))

    assert code == 409
    assert data["code"] == "slot_taken"
    assert data["holder"] == "doctor"
    assert [datetime.fromisoformat(a["start"]) for a in data["alternatives"]] == [
        a.start for a in alternatives
    ]


def test_drf_errors_take_the_apis_shape_with_a_code() -> None:
    code, data = handled(NotAuthenticated())

    assert code == 401
    assert data == {"detail": data["detail"], "code": "not_authenticated"}


def test_other_exceptions_are_not_swallowed() -> None:
    assert exception_handler(RuntimeError("boom"), {}) is None


@pytest.mark.django_db
def test_the_schema_is_valid_openapi(visitor: APIClient) -> None:
    response = visitor.get("/api/schema/")

    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    validate_schema(schema)  # type: ignore[no-untyped-call]
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for path in (
        "/api/auth/register/",
        "/api/auth/token/",
        "/api/me/",
        "/api/clinics/",
        "/api/doctors/{doctor_id}/slots/",
        "/api/doctors/{doctor_id}/schedule/",
        "/api/doctors/{doctor_id}/time-off/",
        "/api/appointments/",
        "/api/appointments/{appointment_id}/reschedule/",
        "/api/appointments/{appointment_id}/no-show/",
    ):
        assert path in paths
    create = paths["/api/appointments/"]["post"]
    assert "409" in create["responses"]
    assert any(p["name"] == "Idempotency-Key" for p in create["parameters"])


@pytest.mark.django_db
def test_the_schema_generates_without_warnings() -> None:
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


@pytest.mark.django_db
def test_the_docs_page_is_served(visitor: APIClient) -> None:
    response = visitor.get("/api/docs/")

    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
