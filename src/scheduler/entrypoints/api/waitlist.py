"""The waitlist: a patient joins a doctor's line, sees their places and offers, leaves, takes or
turns down an offered slot; staff see a doctor's line and move a place with a reason.

An offer is named by its signed token (the one-click link in the patient's message); taking
it needs the patient signed in, and another's offer answers 404 like any other's data.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from scheduler.adapters.orm import waitlist_reads
from scheduler.adapters.orm.actors import actor_for
from scheduler.adapters.waitlist import links
from scheduler.config.bootstrap import build_bus
from scheduler.domain.day_parts import DayPart
from scheduler.domain.errors import NotFound
from scheduler.domain.messages import gettext_noop
from scheduler.domain.waitlist import MAX_REASON, Direction
from scheduler.entrypoints.api.dates import BoundedDateField
from scheduler.entrypoints.api.errors import ErrorOutput, TooManyOutput, ValidationErrorOutput
from scheduler.entrypoints.api.pagination import MAX_ID, id_field
from scheduler.entrypoints.api.people import text_field
from scheduler.entrypoints.api.throttles import BookingLimitedApi
from scheduler.services import commands

PART_CHOICES = [part.value for part in DayPart]


class OfferOutput(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    token = serializers.SerializerMethodField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()

    def get_token(self, offer: waitlist_reads.OpenOffer) -> str:
        return links.token_for(offer.id)


class PlaceOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    doctor_id = serializers.IntegerField()
    doctor_name = serializers.CharField()
    clinic_id = serializers.IntegerField()
    clinic_name = serializers.CharField()
    timezone = serializers.CharField()
    first_day = serializers.DateField()
    last_day = serializers.DateField()
    parts = serializers.ListField(child=serializers.ChoiceField(choices=PART_CHOICES))
    status = serializers.CharField()
    joined_at = serializers.DateTimeField()
    position = serializers.IntegerField(allow_null=True, help_text="1: next in line.")
    offer = OfferOutput(allow_null=True, help_text="A slot held for the patient now.")


class MyWaitlistApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        doctor_id = id_field()
        clinic_id = id_field()
        first_day = BoundedDateField(help_text="The clinic's date, YYYY-MM-DD, from today on.")
        last_day = BoundedDateField(help_text="Inclusive; at most 90 days from today.")
        parts = serializers.ListField(
            child=serializers.ChoiceField(choices=PART_CHOICES),
            min_length=1,
            max_length=len(PART_CHOICES),
            help_text="Parts of the day: morning (before noon), afternoon, evening (from 17:00).",
        )

    @extend_schema(
        operation_id="waitlist_list",
        responses={200: PlaceOutput(many=True), 403: ErrorOutput},
        description="The signed-in patient's places on doctors' waitlists, with open offers.",
    )
    def get(self, request: Request) -> Response:
        places = waitlist_reads.my_waitlist(viewer=actor_for(request.user), now=_now())
        return Response(PlaceOutput(places, many=True).data)

    @extend_schema(
        operation_id="waitlist_join",
        request=InputSerializer,
        responses={201: PlaceOutput, 400: ValidationErrorOutput, 403: ErrorOutput},
        description=(
            "Join the doctor's waitlist at a clinic for days and parts of the day: when a "
            "matching slot frees up, the first in line is offered it. One place per doctor."
        ),
    )
    def post(self, request: Request) -> Response:
        actor = actor_for(request.user)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        entry_id = build_bus().handle(
            commands.JoinWaitlist(actor=actor, **{**values, "parts": tuple(values["parts"])})
        )
        place = waitlist_reads.my_place(viewer=actor, entry_id=entry_id, now=_now())
        return Response(PlaceOutput(place).data, status=status.HTTP_201_CREATED)


class MyPlaceApi(APIView):
    @extend_schema(
        operation_id="waitlist_leave",
        request=None,
        responses={204: None, 400: ValidationErrorOutput, 403: ErrorOutput, 404: ErrorOutput},
        description="Leave the waitlist; a slot held for you goes to the next in line.",
    )
    def delete(self, request: Request, entry_id: int) -> Response:
        actor = actor_for(request.user)
        build_bus().handle(commands.LeaveWaitlist(actor=actor, entry_id=_bounded(entry_id)))
        return Response(status=status.HTTP_204_NO_CONTENT)


class AcceptOfferApi(BookingLimitedApi):
    """Taking an offer is a booking: one of the patient's day's, as any other."""

    class OutputSerializer(serializers.Serializer[Any]):
        appointment_id = serializers.UUIDField()

    @extend_schema(
        operation_id="waitlist_offer_accept",
        request=None,
        responses={
            201: OutputSerializer,
            403: ErrorOutput,
            404: ErrorOutput,
            409: ErrorOutput,
            429: TooManyOutput,
        },
        description=(
            "Take the offered slot: booked as any booking is (every rule), and counted in the "
            "patient's bookings of the day. 409 when the offer was answered or is over, or the "
            "slot was taken after all; 429 at the day's bookings."
        ),
    )
    def post(self, request: Request, token: str) -> Response:
        actor = actor_for(request.user)
        appointment_id = build_bus().handle(
            commands.AcceptOffer(actor=actor, offer_id=_offer_id(token))
        )
        return Response(
            self.OutputSerializer({"appointment_id": appointment_id}).data,
            status=status.HTTP_201_CREATED,
        )


class DeclineOfferApi(APIView):
    @extend_schema(
        operation_id="waitlist_offer_decline",
        request=None,
        responses={204: None, 403: ErrorOutput, 404: ErrorOutput, 409: ErrorOutput},
        description="Let the slot go to the next in line now; you stay on the waitlist.",
    )
    def post(self, request: Request, token: str) -> Response:
        actor = actor_for(request.user)
        build_bus().handle(commands.DeclineOffer(actor=actor, offer_id=_offer_id(token)))
        return Response(status=status.HTTP_204_NO_CONTENT)


class DoctorWaitlistApi(APIView):
    class OutputSerializer(PlaceOutput):
        class MoveOutput(serializers.Serializer[Any]):
            direction = serializers.ChoiceField(choices=[d.value for d in Direction])
            reason = serializers.CharField()
            at = serializers.DateTimeField()
            by = serializers.CharField()

        patient_name = serializers.CharField()
        moves = MoveOutput(many=True)

    @extend_schema(
        operation_id="doctor_waitlist_list",
        parameters=[OpenApiParameter("clinic", int, required=True, description="The clinic's id.")],
        responses={200: OutputSerializer(many=True), 400: ValidationErrorOutput, 404: ErrorOutput},
        description=(
            "The doctor's waitlist at a clinic, first in line first, with staff's moves and "
            "their reasons. The doctor, the clinic's desk and admins."
        ),
    )
    def get(self, request: Request, doctor_id: int) -> Response:
        query = _ClinicQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        places = waitlist_reads.doctor_waitlist(
            viewer=actor_for(request.user),
            doctor_id=_bounded(doctor_id),
            clinic_id=query.validated_data["clinic"],
            now=_now(),
        )
        return Response(self.OutputSerializer(places, many=True).data)


class MoveEntryApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        direction = serializers.ChoiceField(choices=[d.value for d in Direction])
        reason = text_field(max_length=MAX_REASON, help_text="Why: kept on the record.")

    @extend_schema(
        operation_id="doctor_waitlist_move",
        request=InputSerializer,
        responses={204: None, 400: ValidationErrorOutput, 404: ErrorOutput, 409: ErrorOutput},
        description="Move a place one step up or down the line, saying why.",
    )
    def post(self, request: Request, doctor_id: int, entry_id: int) -> Response:
        actor = actor_for(request.user)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        build_bus().handle(
            commands.MoveWaitlistEntry(
                actor=actor,
                doctor_id=_bounded(doctor_id),
                entry_id=_bounded(entry_id),
                **data.validated_data,
            )
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class _ClinicQuery(serializers.Serializer[Any]):
    clinic = id_field()


def _now() -> datetime:
    return datetime.now(UTC)


def _bounded(row_id: int) -> int:
    """An id a row could have; beyond it nothing is found (and no query overflows)."""
    if row_id > MAX_ID:
        raise NotFound(gettext_noop("Not found."))
    return row_id


def _offer_id(token: str) -> uuid.UUID:
    offer_id = links.offer_of(token)
    if offer_id is None:
        raise NotFound(gettext_noop("Offer not found."))
    return offer_id
