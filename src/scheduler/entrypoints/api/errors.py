"""The one error contract: domain errors -> HTTP, in one table; DRF's own errors unchanged.

Texts are in the request's language (entrypoints.error_text). Bodies:
- 400 bad input: ``{field: [message]}`` (as DRF validation errors);
  a slot that can never be booked as asked: ``{"start": [message], "code": ...}``.
- 403, 404, 409: ``{"detail": message, "code": ...}`` plus the error's simple details; a taken
  slot adds ``holder`` and ``alternatives`` (the nearest free slots, up to 3).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, Throttled
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from scheduler.adapters import metrics, phones
from scheduler.adapters.local_dates import digits
from scheduler.domain import errors
from scheduler.domain.intervals import Interval
from scheduler.entrypoints.api.display import display_language
from scheduler.entrypoints.api.intervals import (
    DisplayedIntervalOutput,
    IntervalOutput,
    displayed_intervals_data,
    intervals_data,
)
from scheduler.entrypoints.error_text import error_text

# First match wins: subclasses before their bases.
STATUS_BY_ERROR: tuple[tuple[type[errors.DomainError], int], ...] = (
    (errors.InvalidInput, status.HTTP_400_BAD_REQUEST),
    (errors.IdempotencyMismatch, status.HTTP_400_BAD_REQUEST),
    (errors.SlotUnavailable, status.HTTP_400_BAD_REQUEST),
    (errors.ScheduleConflict, status.HTTP_400_BAD_REQUEST),
    (errors.NotFound, status.HTTP_404_NOT_FOUND),
    (errors.NotAllowed, status.HTTP_403_FORBIDDEN),
    (errors.InvalidTransition, status.HTTP_409_CONFLICT),
    (errors.ConcurrentUpdate, status.HTTP_409_CONFLICT),
    (errors.SlotTaken, status.HTTP_409_CONFLICT),
    (errors.DuplicateIdempotencyKey, status.HTTP_409_CONFLICT),
    (errors.AlreadyRecorded, status.HTTP_409_CONFLICT),
)

IDEMPOTENCY_HEADER = "Idempotency-Key"

# A session call without its token: DRF says "CSRF Failed: ...", in English only.
CSRF_REFUSED = _("Sign in again, or send the CSRF token with a session.")


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, PermissionDenied) and str(exc.detail).startswith("CSRF Failed"):
        return Response({"detail": CSRF_REFUSED, "code": "csrf_failed"}, status=403)
    if not isinstance(exc, errors.DomainError):
        response = drf_exception_handler(exc, context)
        if response is not None and isinstance(response.data, dict) and "detail" in response.data:
            # DRF's own refusals (401, 403 for CSRF, 404, 405) in the one shape: with a code.
            response.data.setdefault("code", getattr(response.data["detail"], "code", "error"))
            if isinstance(exc, Throttled):  # DRF writes the seconds with Latin digits
                response.data["detail"] = digits(response.data["detail"], get_language())
        return response
    set_rollback()
    if isinstance(exc, errors.SlotTaken):
        metrics.BOOKING_CONFLICTS.inc()
    return Response(
        error_body(exc, display=display_language(context.get("request"))),
        status=status_for(exc),
    )


def status_for(error: errors.DomainError) -> int:
    for error_type, code in STATUS_BY_ERROR:
        if isinstance(error, error_type):
            return code
    return status.HTTP_400_BAD_REQUEST


def error_body(error: errors.DomainError, *, display: str | None = None) -> dict[str, Any]:
    """The error's body, its text in the request's language (activated by the middleware, or
    for a token by api.authentication)."""
    message = error_text(error)
    match error:
        case errors.InvalidInput():
            return {str(error.details.get("field", "non_field_errors")): [message]}
        case errors.IdempotencyMismatch():
            return {IDEMPOTENCY_HEADER: [message]}
        case errors.SlotUnavailable():
            return {"start": [message], "code": error.code}
        case errors.AlreadyRecorded():
            return {
                "detail": message,
                "code": error.code,
                "patient": _with_readable_phone(error.details["patient"]),
            }
        case errors.ScheduleConflict():
            hit: list[tuple[Any, Interval]] = list(error.details.get("appointments", []))
            return {
                "detail": message,
                "code": error.code,
                "appointments": [
                    {"id": str(appointment_id), **interval}
                    for (appointment_id, _), interval in zip(
                        hit, intervals_data([slot for _, slot in hit]), strict=True
                    )
                ],
            }
        case errors.SlotTaken():
            alternatives: list[Interval] = list(error.details.get("alternatives", []))
            return {
                "detail": message,
                "code": error.code,
                "holder": error.details.get("holder"),
                "alternatives": _alternatives(alternatives, error.details.get("timezone"), display),
            }
    return {"detail": message, "code": error.code, **_simple(error.details)}


def _with_readable_phone(patient: dict[str, Any]) -> dict[str, Any]:
    """The patient as the search finds them (api.patients.PatientOutput)."""
    return {**patient, "phone_shown": phones.readable(patient.get("phone", ""))}


def _alternatives(
    slots: list[Interval], zone: str | None, display: str | None
) -> list[dict[str, Any]]:
    """The free slots offered instead, with display strings as the request asked (api.display)."""
    if zone is None or display is None:
        return intervals_data(slots)
    return displayed_intervals_data(slots, zone=zone, display=display)


def _simple(details: Any) -> dict[str, Any]:
    return {
        key: value
        for key, value in details.items()
        if key not in ("detail", "code") and isinstance(value, str | int | float | bool)
    }


# -- the bodies, for the OpenAPI schema ---------------------------------------------------------


class ErrorOutput(serializers.Serializer[Any]):
    detail = serializers.CharField()
    code = serializers.CharField()


class ConflictOutput(ErrorOutput):
    """A 409 of a write that may meet a taken slot or another conflict (an idempotency key
    still in flight, a state that forbids the move, the clinic's cut-off for a patient): only a
    taken slot names its holder and alternatives; the cut-off names itself (``cutoff_minutes``).
    """

    holder = serializers.CharField(
        required=False, help_text='A taken slot: who holds the time, "doctor" or "patient".'
    )
    alternatives = DisplayedIntervalOutput(
        many=True,
        required=False,
        help_text="A taken slot: the nearest free ones (up to 3), with display strings as for "
        "the slots (?calendar=, or a request in Persian).",
    )


class CutoffOutput(ErrorOutput):
    """A 409 of a patient's cancellation or move: the state forbids it, or the clinic's
    cut-off has passed (code ``past_change_cutoff``, with how long before the visit it
    closes; the desk may still)."""

    cutoff_minutes = serializers.IntegerField(
        required=False, help_text="The clinic's cut-off, in minutes before the visit."
    )
    action = serializers.CharField(required=False, help_text='"cancel" or "reschedule".')


class TooManyOutput(ErrorOutput):
    """429: wait as many seconds as the Retry-After header says."""


class DisplacedOutput(IntervalOutput):
    id = serializers.UUIDField()


class ScheduleConflictOutput(ErrorOutput):
    appointments = DisplacedOutput(
        many=True, help_text="The booked visits the change would leave outside the hours."
    )


class ValidationErrorOutput(serializers.Serializer[Any]):
    """``{field: [message, ...]}`` for each field at fault; shown with one example field."""

    non_field_errors = serializers.ListField(child=serializers.CharField(), required=False)


class SlotUnavailableOutput(ValidationErrorOutput):
    start = serializers.ListField(child=serializers.CharField(), required=False)
    code = serializers.CharField(
        required=False, help_text="Only when the time is well formed but not a slot."
    )
