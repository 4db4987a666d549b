"""The no-show policy: a patient's standing (theirs to see before booking; the desk's and the
doctor's as a warning), and staff forgiving one no-show with a reason."""

from __future__ import annotations

import uuid
from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm import policies
from scheduler.adapters.orm.actors import actor_for
from scheduler.config.bootstrap import utc_now
from scheduler.domain import access
from scheduler.domain.appointment import MAX_REASON
from scheduler.domain.errors import NotFound
from scheduler.domain.messages import gettext_noop
from scheduler.domain.no_show_policy import Consequence, Standing
from scheduler.entrypoints.api.appointments import AppointmentOutput, _move
from scheduler.entrypoints.api.display import CALENDAR_PARAMETER
from scheduler.entrypoints.api.errors import ErrorOutput, ValidationErrorOutput
from scheduler.entrypoints.api.pagination import MAX_ID, id_field
from scheduler.entrypoints.api.people import text_field
from scheduler.entrypoints.error_text import say
from scheduler.services import commands

CONSEQUENCES = [consequence.value for consequence in Consequence]


class StandingOutput(serializers.Serializer[Standing]):
    strikes = serializers.IntegerField(
        help_text="No-shows at the clinic within the window, forgiven ones left out."
    )
    limit = serializers.IntegerField(source="policy.limit", help_text="0: the clinic has none.")
    window_months = serializers.IntegerField(source="policy.window_months")
    since = serializers.DateTimeField(help_text="No-shows before this no longer count.")
    consequence = serializers.ChoiceField(
        choices=CONSEQUENCES,
        allow_null=True,
        help_text="What the policy does to the patient's own online bookings now; null: nothing.",
    )


class OwnStandingOutput(StandingOutput):
    reason = serializers.SerializerMethodField(
        help_text="What to tell the patient before they confirm; empty when nothing applies."
    )

    def get_reason(self, standing: Standing) -> str:
        return say(standing.patient_reason, standing.params) if standing.patient_reason else ""


class ClinicQuery(serializers.Serializer[Any]):
    clinic = id_field(help_text="The clinic whose policy applies.")


class OwnNoShowStandingApi(APIView):
    @extend_schema(
        operation_id="me_no_show_standing",
        parameters=[ClinicQuery],
        responses={
            200: OwnStandingOutput,
            400: ValidationErrorOutput,
            403: ErrorOutput,
            404: ErrorOutput,
        },
        description="The signed-in patient's standing with a clinic's no-show policy, and the "
        "reason to show them before they book there.",
    )
    def get(self, request: Request) -> Response:
        patient_id = access.own_patient_id(actor_for(request.user))
        query = ClinicQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        clinic = rows.Clinic.objects.filter(pk=query.validated_data["clinic"]).first()
        if clinic is None:
            raise NotFound(gettext_noop("Clinic not found."))
        return Response(OwnStandingOutput(policies.standing(patient_id, clinic, utc_now())).data)


class NoShowRecordOutput(serializers.Serializer[Any]):
    class MissedOutput(serializers.Serializer[policies.MissedVisit]):
        appointment_id = serializers.UUIDField(source="row.id")
        start = serializers.DateTimeField(source="row.start")
        forgiven_at = serializers.DateTimeField(source="forgiven.at", allow_null=True)
        forgiven_by = serializers.SerializerMethodField()
        forgiven_reason = serializers.CharField(source="forgiven.note", allow_null=True)

        @extend_schema_field(serializers.CharField(allow_null=True))
        def get_forgiven_by(self, missed: policies.MissedVisit) -> str | None:
            if missed.forgiven is None or missed.forgiven.actor is None:
                return None
            return missed.forgiven.actor.display_name()

    patient_id = serializers.IntegerField()
    clinic_id = serializers.IntegerField()
    standing = StandingOutput()
    warning = serializers.CharField(
        help_text="The badge the desk shows on the patient; empty with no strike."
    )
    no_shows = MissedOutput(many=True, help_text="Newest first; the latest 50 at most.")


class PatientNoShowsApi(APIView):
    class FilterSerializer(serializers.Serializer[Any]):
        clinic = id_field(
            required=False,
            help_text="The clinic (the desk: its own, may be left out; doctors: one of theirs).",
        )

    @extend_schema(
        operation_id="patients_no_shows",
        parameters=[FilterSerializer],
        responses={
            200: NoShowRecordOutput,
            400: ValidationErrorOutput,
            403: ErrorOutput,
            404: ErrorOutput,
        },
        description="Staff: a patient's standing with a clinic's no-show policy, and their "
        "no-shows there (those the viewer may see), forgiven ones with who, when and why.",
    )
    def get(self, request: Request, patient_id: int) -> Response:
        actor = actor_for(request.user)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        if patient_id > MAX_ID:
            raise NotFound(gettext_noop("Patient not found."))
        clinic, standing, missed = policies.no_show_record(
            viewer=actor,
            patient_id=patient_id,
            clinic_id=filters.validated_data.get("clinic"),
            now=utc_now(),
        )
        warning = standing.desk_warning
        return Response(
            NoShowRecordOutput(
                {
                    "patient_id": patient_id,
                    "clinic_id": clinic.pk,
                    "standing": standing,
                    "warning": say(warning, standing.params) if warning else "",
                    "no_shows": missed,
                }
            ).data
        )


class ForgiveNoShowApi(APIView):
    """Staff (the visit's doctor, its clinic's desk, admins) forgive a no-show: it no longer
    counts toward the clinic's policy; who, when and why stay in its history."""

    class InputSerializer(serializers.Serializer[Any]):
        reason = text_field(max_length=MAX_REASON, help_text="Why it is forgiven; required.")

    @extend_schema(
        operation_id="appointments_forgive_no_show",
        request=InputSerializer,
        parameters=[CALENDAR_PARAMETER],
        responses={
            200: AppointmentOutput,
            400: ValidationErrorOutput,
            403: ErrorOutput,
            404: ErrorOutput,
            409: ErrorOutput,
        },
    )
    def post(self, request: Request, appointment_id: uuid.UUID) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cmd = commands.ForgiveNoShow(
            actor=actor_for(request.user),
            appointment_id=appointment_id,
            reason=serializer.validated_data["reason"],
        )
        return _move(request, cmd, appointment_id)
