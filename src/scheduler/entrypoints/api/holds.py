"""Slot holds (domain.holds): the booking dialog holds its slot for the patient while they
review it, and lets it go on closing; staff hold one for a patient they are talking to. The
patient's own hold is theirs alone, a desk hold the clinic's too: anyone else's is 404."""

from __future__ import annotations

import uuid
from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from scheduler.adapters.orm.actors import actor_for
from scheduler.config.bootstrap import build_bus
from scheduler.domain.holds import REVIEW_MINUTES
from scheduler.entrypoints.api.dates import AwareDateTimeField
from scheduler.entrypoints.api.display import CALENDAR_PARAMETER, display_context
from scheduler.entrypoints.api.errors import ConflictOutput, ErrorOutput, ValidationErrorOutput
from scheduler.entrypoints.api.pagination import id_field
from scheduler.entrypoints.api.patient_refs import USER_ID, ForPatientInput
from scheduler.entrypoints.api.throttles import BookingLimitedApi
from scheduler.services import commands

# 409: the hold was booked by a request that committed at the same moment.
_RELEASED = {204: None, 403: ErrorOutput, 404: ErrorOutput, 409: ErrorOutput}


class HoldCollectionApi(BookingLimitedApi):
    # A patient at the day's bookings is told so at the hold, before the slot is kept from
    # others (found in review: the hold went on, the booking was refused, the slot stayed held).
    # A hold is no booking: the place it took is given back.

    def booked(self, response: Response) -> bool:
        return False

    class InputSerializer(ForPatientInput):
        doctor_id = id_field()
        clinic_id = id_field()
        start = AwareDateTimeField(help_text="A slot start, ISO 8601 with its UTC offset.")

    class OutputSerializer(serializers.Serializer[Any]):
        id = serializers.UUIDField(help_text="Book it with hold_id, or let it go (DELETE).")
        expires_at = serializers.DateTimeField(help_text="Free for anyone from then on.")

    @extend_schema(
        operation_id="holds_create",
        request=InputSerializer,
        parameters=[CALENDAR_PARAMETER],
        responses={
            201: OutputSerializer,
            400: OpenApiResponse(
                ValidationErrorOutput, description="Bad input, or a time that is not a slot."
            ),
            403: ErrorOutput,
            409: OpenApiResponse(
                ConflictOutput, description="The slot is taken or held (the nearest free ones)."
            ),
        },
        description=(
            f"Hold a slot for {REVIEW_MINUTES} minutes while the patient reviews the booking: "
            "others see it held and cannot book it; the same checks as a booking. A patient "
            "holds one slot at a time (a new hold lets the previous one go); asked again for "
            "the slot they hold, the same hold answers. Booking the slot (POST "
            "/api/appointments/, with hold_id or not) books the hold in place. Staff hold for "
            "a patient (a desk hold): it leaves the patient's own review hold alone, and the "
            "clinic's desk, the doctor and admins may let it go."
        ),
    )
    def post(self, request: Request) -> Response:
        actor = actor_for(request.user)
        serializer = self.InputSerializer(data=request.data, context={USER_ID: request.user.pk})
        serializer.is_valid(raise_exception=True)
        display_context(request)  # the alternatives of a 409 are said on this calendar
        held = build_bus().handle(commands.HoldSlot(actor=actor, **serializer.validated_data))
        output = {"id": held.hold_id, "expires_at": held.expires_at}
        return Response(self.OutputSerializer(output).data, status=status.HTTP_201_CREATED)


class HoldDetailApi(APIView):
    @extend_schema(
        operation_id="holds_delete",
        request=None,
        responses=_RELEASED,
        description="Let the hold go (again, or once expired or booked: nothing happens): the "
        "patient's own, or a desk hold at a clinic whose bookings the caller sees.",
    )
    def delete(self, request: Request, hold_id: uuid.UUID) -> Response:
        return _release(request, hold_id)


class HoldReleaseApi(APIView):
    @extend_schema(
        operation_id="holds_release",
        request=None,
        responses=_RELEASED,
        description=(
            "The same as DELETE, as a POST a page can send while it unloads "
            "(navigator.sendBeacon, a form body with csrfmiddlewaretoken)."
        ),
    )
    def post(self, request: Request, hold_id: uuid.UUID) -> Response:
        return _release(request, hold_id)


def _release(request: Request, hold_id: uuid.UUID) -> Response:
    actor = actor_for(request.user)
    build_bus().handle(commands.ReleaseHold(actor=actor, hold_id=hold_id))
    return Response(status=status.HTTP_204_NO_CONTENT)
