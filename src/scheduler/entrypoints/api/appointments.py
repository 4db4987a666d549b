"""Appointments: book, list, read, and the moves of their life (confirm ... no-show).

Writes go through the message bus (one command each); reads through the selectors. Whatever an
actor may not see answers 404, never 403, so nobody learns that another's appointment exists.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm import policies, selectors, snapshots
from scheduler.adapters.orm.actors import actor_for
from scheduler.config.bootstrap import audit_log, build_bus, utc_now
from scheduler.domain.appointment import MAX_REASON, VisitMode
from scheduler.domain.model import Actor
from scheduler.entrypoints.api.dates import AwareDateTimeField, DateRangeSerializer
from scheduler.entrypoints.api.display import CALENDAR_PARAMETER, DisplayField, display_context
from scheduler.entrypoints.api.errors import (
    IDEMPOTENCY_HEADER,
    ConflictOutput,
    CutoffOutput,
    ErrorOutput,
    SlotUnavailableOutput,
    TooManyOutput,
    ValidationErrorOutput,
)
from scheduler.entrypoints.api.pagination import Pages, id_field, paginated
from scheduler.entrypoints.api.patient_refs import USER_ID, ForPatientInput
from scheduler.entrypoints.api.people import lines_field, text_field
from scheduler.entrypoints.api.schema import STATUS_CHOICES
from scheduler.entrypoints.api.throttles import BookingLimitedApi
from scheduler.entrypoints.language import clinic_default
from scheduler.services import commands
from scheduler.services.audit import Record, read_by_others

REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 200
# The serializer context's key for who reads: a video room is its two people's alone.
VIEWER = "viewer"
VISIT_MODES = [mode.value for mode in VisitMode]


class AppointmentOutput(serializers.Serializer[rows.Appointment]):
    class DoctorBrief(serializers.Serializer[rows.Doctor]):
        id = serializers.IntegerField()
        name = serializers.CharField(source="__str__")
        specialty = serializers.SlugField(source="specialty.slug")

    class PatientBrief(serializers.Serializer[rows.Patient]):
        id = serializers.IntegerField()
        name = serializers.CharField(source="__str__")

    class ClinicBrief(serializers.Serializer[rows.Clinic]):
        id = serializers.IntegerField()
        name = serializers.CharField()
        timezone = serializers.CharField()

    class DependantBrief(serializers.Serializer[rows.Dependant]):
        id = serializers.IntegerField()
        name = serializers.CharField(source="__str__")
        relation = serializers.ChoiceField(choices=rows.Dependant.Relation.choices)

    class ChangeOutput(serializers.Serializer[rows.AppointmentChange]):
        at = serializers.DateTimeField()
        action = serializers.CharField()
        from_status = serializers.SerializerMethodField()
        to_status = serializers.ChoiceField(choices=STATUS_CHOICES)
        note = serializers.CharField()
        actor_id = serializers.IntegerField(allow_null=True, help_text="The user who acted.")

        @extend_schema_field(serializers.CharField(allow_null=True))
        def get_from_status(self, change: rows.AppointmentChange) -> str | None:
            return change.from_status or None

    id = serializers.UUIDField()
    doctor = DoctorBrief()
    patient = PatientBrief(help_text="The account holder, who booked and brings the dependant.")
    dependant = DependantBrief(
        allow_null=True, help_text="The family member the visit is for; null: the patient."
    )
    visit_for = serializers.SerializerMethodField(
        help_text='Who the visit is for, in words: the patient, or "<family member> (for '
        '<patient>)".'
    )
    clinic = ClinicBrief()
    start = serializers.DateTimeField()
    start_display = DisplayField(moment="start")
    end = serializers.DateTimeField()
    end_display = DisplayField(moment="end")
    status = serializers.ChoiceField(choices=STATUS_CHOICES)
    reason = serializers.CharField()
    version = serializers.IntegerField()
    history = ChangeOutput(many=True, source="history.all")
    undo_until = serializers.SerializerMethodField(
        help_text="Until when the last check-in, call-in, completion or no-show may be undone "
        "(POST .../undo/); null: it may not."
    )
    asked_to_move = serializers.SerializerMethodField(
        help_text="The doctor's hours changed from under this visit: its patient was asked to "
        "choose another time, and has not yet."
    )
    visit_mode = serializers.ChoiceField(choices=VISIT_MODES)
    video_url = serializers.SerializerMethodField(
        help_text="A video visit's room: for its patient and its doctor only, from "
        "video_opens_at until the end of a confirmed visit; null otherwise."
    )
    video_opens_at = serializers.SerializerMethodField(
        help_text="When a video visit's room opens (10 minutes before); null: in person."
    )

    def display_zone(self, row: rows.Appointment) -> str:
        return row.clinic.timezone

    def get_visit_for(self, row: rows.Appointment) -> str:
        return selectors.visit_for(row)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_undo_until(self, row: rows.Appointment) -> datetime | None:
        return snapshots.last_change(row).undo_until

    @extend_schema_field(serializers.BooleanField())
    def get_asked_to_move(self, row: rows.Appointment) -> bool:
        return snapshots.last_change(row).asked_to_move

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_video_url(self, row: rows.Appointment) -> str | None:
        return policies.video_link(self.context.get(VIEWER), row, utc_now())

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_video_opens_at(self, row: rows.Appointment) -> datetime | None:
        return policies.video_opens_at(row)


def _appointment(request: Request, actor: Actor, appointment_id: uuid.UUID) -> Mapping[str, Any]:
    return AppointmentOutput(
        selectors.appointment_get(viewer=actor, appointment_id=appointment_id),
        context={**display_context(request), VIEWER: actor},
    ).data


def _audit_reads(actor: Actor, shown: Sequence[rows.Appointment]) -> None:
    # One entry per appointment, not per list: "who saw this patient's visit?" is then one
    # indexed look-up by object id, for a page of up to 100 small rows in one INSERT.
    records = ((row.pk, row.patient_id) for row in shown)
    audit_log().record_reads(Record.APPOINTMENT, read_by_others(actor, records))


class AppointmentCollectionApi(BookingLimitedApi):
    pagination_class = Pages
    replays_by_key = True  # a retry of a booking made (its Idempotency-Key) gets its answer

    def booked(self, response: Response) -> bool:
        return super().booked(response) and REPLAYED_HEADER not in response

    class FilterSerializer(DateRangeSerializer):
        status = serializers.ChoiceField(choices=STATUS_CHOICES, required=False)
        active = serializers.BooleanField(
            required=False,
            default=False,
            help_text="Only visits that keep their time: pending, booked, arrived, in the room.",
        )
        doctor = id_field(required=False)
        clinic = id_field(required=False)
        patient = id_field(required=False)

    @extend_schema(
        operation_id="appointments_list",
        parameters=[FilterSerializer, CALENDAR_PARAMETER],
        responses={200: AppointmentOutput(many=True), 400: ValidationErrorOutput},
        description=(
            "The caller's own appointments: a patient's, a doctor's, a receptionist's clinic's; "
            "an admin sees all. Dates are on each clinic's calendar."
        ),
    )
    def get(self, request: Request) -> Response:
        actor = actor_for(request.user)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        display = display_context(request)
        data = filters.validated_data
        appointments = selectors.appointment_list(
            viewer=actor,
            filters=selectors.AppointmentFilters(
                status=data.get("status"),
                active=data["active"],
                first_day=data.get("from"),
                last_day=data.get("to"),
                doctor_id=data.get("doctor"),
                clinic_id=data.get("clinic"),
                patient_id=data.get("patient"),
            ),
        )
        return paginated(
            view=self,
            request=request,
            queryset=appointments,
            serializer_class=AppointmentOutput,
            shown=lambda page: _audit_reads(actor, page),
            context={**display, VIEWER: actor},
        )

    class InputSerializer(ForPatientInput):
        doctor_id = id_field()
        clinic_id = id_field()
        start = AwareDateTimeField(help_text="A slot start, ISO 8601 with its UTC offset.")
        reason = lines_field(
            max_length=MAX_REASON,
            required=False,
            default="",
            allow_blank=True,
            help_text="What the patient tells the doctor; line breaks kept.",
        )
        dependant_id = id_field(
            required=False,
            help_text="A family member on the patient's account the visit is for "
            "(GET /api/me/dependants/); left out: the patient themselves.",
        )
        hold_id = serializers.UUIDField(
            required=False,
            help_text="The patient's hold of this slot (POST /api/holds/), booked in place; "
            "left out, their hold of this slot is booked in place all the same.",
        )
        visit_mode = serializers.ChoiceField(
            choices=VISIT_MODES,
            required=False,
            default=VisitMode.IN_PERSON.value,
            help_text="video: only where the clinic offers video visits.",
        )

    @extend_schema(
        operation_id="appointments_create",
        request=InputSerializer,
        parameters=[
            CALENDAR_PARAMETER,
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description=(
                    "Any unique string per booking attempt. A retry with the same key returns "
                    f"the first result (201, header {REPLAYED_HEADER}: true), never a second "
                    "booking."
                ),
            ),
        ],
        responses={
            201: AppointmentOutput,
            400: OpenApiResponse(
                ValidationErrorOutput,
                description="Bad input, a time that is not a slot, or an Idempotency-Key used "
                "before for a different booking (under that header's name).",
            ),
            403: OpenApiResponse(
                ErrorOutput,
                description="Not the actor's to book, or (code no_show_limit) a patient over "
                "the clinic's no-show limit where it bars online booking: detail says why.",
            ),
            409: OpenApiResponse(
                ConflictOutput,
                description="The slot is taken (the nearest free ones), or a request with the "
                "same Idempotency-Key is still in flight.",
            ),
            429: OpenApiResponse(
                TooManyOutput,
                description="A patient's own bookings beyond PATIENT_BOOKING_RATE (20 a day): "
                "Retry-After says when.",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        actor = actor_for(request.user)
        serializer = self.InputSerializer(data=request.data, context={USER_ID: request.user.pk})
        serializer.is_valid(raise_exception=True)
        display_context(request)  # a bad ?calendar= is refused before anything is booked
        result = build_bus().handle(
            commands.BookAppointment(
                actor=actor,
                idempotency_key=_idempotency_key(request),
                **{
                    **serializer.validated_data,
                    "visit_mode": VisitMode(serializer.validated_data["visit_mode"]),
                },
            )
        )
        headers = {"Location": reverse("api:appointment", args=[result.appointment_id])}
        if result.replayed:
            headers[REPLAYED_HEADER] = "true"
        return Response(
            _appointment(request, actor, result.appointment_id),
            status=status.HTTP_201_CREATED,
            headers=headers,
        )


def _idempotency_key(request: Request) -> str | None:
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise serializers.ValidationError(
            {IDEMPOTENCY_HEADER: [_("Use 1 to %(most)s characters.") % {"most": MAX_KEY_LENGTH}]}
        )
    return key


class AppointmentDetailApi(APIView):
    @extend_schema(
        parameters=[CALENDAR_PARAMETER],
        responses={200: AppointmentOutput, 400: ValidationErrorOutput, 404: ErrorOutput},
    )
    def get(self, request: Request, appointment_id: uuid.UUID) -> Response:
        actor = actor_for(request.user)
        display_context(request)  # a bad ?calendar= is refused whatever else is wrong
        row = selectors.appointment_get(viewer=actor, appointment_id=appointment_id)
        clinic_default(request._request, row.clinic.language)
        display = display_context(request)
        _audit_reads(actor, [row])
        return Response(AppointmentOutput(row, context={**display, VIEWER: actor}).data)


# -- moves: one view per command ---------------------------------------------------------------

_MOVE_RESPONSES = {
    200: AppointmentOutput,
    400: ValidationErrorOutput,
    403: ErrorOutput,
    404: ErrorOutput,
    409: ErrorOutput,
}
_MOVE_WITH_REASON_RESPONSES = {**_MOVE_RESPONSES, 400: ValidationErrorOutput}


def _move(request: Request, command: commands.ActorCommand, appointment_id: uuid.UUID) -> Response:
    display_context(request)  # a bad ?calendar= is refused before anything changes
    build_bus().handle(command)
    return Response(_appointment(request, command.actor, appointment_id))


class ReasonInput(serializers.Serializer[Any]):
    reason = text_field(max_length=1000, required=False, default="", allow_blank=True)


def _reason(request: Request) -> str:
    serializer = ReasonInput(data=request.data)
    serializer.is_valid(raise_exception=True)
    reason: str = serializer.validated_data["reason"]
    return reason


class _StateChangeApi(APIView):
    """An action that takes no input: the command says it all."""

    command: type[commands.AppointmentAction]

    @extend_schema(request=None, parameters=[CALENDAR_PARAMETER], responses=_MOVE_RESPONSES)
    def post(self, request: Request, appointment_id: uuid.UUID) -> Response:
        cmd = self.command(actor=actor_for(request.user), appointment_id=appointment_id)
        return _move(request, cmd, appointment_id)


class AppointmentConfirmApi(_StateChangeApi):
    """A doctor (or the desk) accepts a pending request."""

    command = commands.ConfirmAppointment


class AppointmentRejectApi(APIView):
    """A doctor (or the desk) declines a pending request."""

    @extend_schema(
        request=ReasonInput, parameters=[CALENDAR_PARAMETER], responses=_MOVE_WITH_REASON_RESPONSES
    )
    def post(self, request: Request, appointment_id: uuid.UUID) -> Response:
        actor = actor_for(request.user)
        cmd = commands.RejectAppointment(
            actor=actor, appointment_id=appointment_id, reason=_reason(request)
        )
        return _move(request, cmd, appointment_id)


class AppointmentCancelApi(APIView):
    """Cancel a visit; a patient only before the clinic's cut-off (the desk at any time)."""

    @extend_schema(
        request=ReasonInput,
        parameters=[CALENDAR_PARAMETER],
        responses={**_MOVE_WITH_REASON_RESPONSES, 409: CutoffOutput},
    )
    def post(self, request: Request, appointment_id: uuid.UUID) -> Response:
        actor = actor_for(request.user)
        cmd = commands.CancelAppointment(
            actor=actor, appointment_id=appointment_id, reason=_reason(request)
        )
        return _move(request, cmd, appointment_id)


class AppointmentRescheduleApi(APIView):
    """Move a pending or booked appointment to another slot; it keeps its id and history. A
    patient moves their own only before the clinic's cut-off."""

    class InputSerializer(serializers.Serializer[Any]):
        start = AwareDateTimeField(help_text="The new slot start, ISO 8601 with its UTC offset.")

    @extend_schema(
        request=InputSerializer,
        parameters=[CALENDAR_PARAMETER],
        responses={
            **_MOVE_RESPONSES,
            400: SlotUnavailableOutput,
            409: OpenApiResponse(
                ConflictOutput,
                description="The slot is taken (alternatives), the move "
                "is not allowed in the appointment's state (detail and code only), or the "
                "clinic's cut-off has passed for a patient (cutoff_minutes).",
            ),
        },
    )
    def post(self, request: Request, appointment_id: uuid.UUID) -> Response:
        actor = actor_for(request.user)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cmd = commands.RescheduleAppointment(
            actor=actor, appointment_id=appointment_id, start=serializer.validated_data["start"]
        )
        return _move(request, cmd, appointment_id)


class AppointmentCheckInApi(_StateChangeApi):
    """The desk marks the patient arrived."""

    command = commands.CheckInAppointment


class AppointmentStartApi(_StateChangeApi):
    """The doctor (or the desk for them) calls the checked-in patient in."""

    command = commands.StartConsultation


class AppointmentCompleteApi(_StateChangeApi):
    """The doctor closes the visit (from booked, arrived or in consultation; a booked one not
    before it starts)."""

    command = commands.CompleteAppointment


class AppointmentNoShowApi(_StateChangeApi):
    """The patient did not come (not before the visit starts)."""

    command = commands.MarkNoShow


class AppointmentUndoApi(_StateChangeApi):
    """The desk takes back a check-in, a call-in or a no-show marked in the last 10 minutes."""

    command = commands.UndoAppointmentChange
