"""A completed visit's note: written and amended by its doctor, read by its patient (the account
holder), that doctor and admins. Anyone else, the desk included, is answered 404: the note is
medical, and nobody learns whose visit it was."""

from __future__ import annotations

import uuid
from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from scheduler.adapters.orm.actors import actor_for
from scheduler.adapters.orm.visit_notes import visit_note_get
from scheduler.config.bootstrap import audit_log, build_bus
from scheduler.domain import visit_notes
from scheduler.entrypoints.api.dates import AwareDateTimeField
from scheduler.entrypoints.api.errors import ErrorOutput, ValidationErrorOutput
from scheduler.entrypoints.api.people import lines_field, text_field
from scheduler.services import commands
from scheduler.services.audit import Record, read_by_others


class PrescriptionSerializer(serializers.Serializer[Any]):
    # Bounded here as any text is; the domain says each line is required (after trimming).
    drug = text_field(max_length=visit_notes.MAX_DRUG, allow_blank=True)
    dose = text_field(max_length=visit_notes.MAX_LINE, allow_blank=True)
    frequency = text_field(max_length=visit_notes.MAX_LINE, allow_blank=True)
    duration = text_field(max_length=visit_notes.MAX_LINE, allow_blank=True)


class VisitNoteApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        summary = lines_field(max_length=visit_notes.MAX_SUMMARY, allow_blank=True)
        instructions = lines_field(
            max_length=visit_notes.MAX_INSTRUCTIONS, required=False, default="", allow_blank=True
        )
        prescriptions = serializers.ListField(
            child=PrescriptionSerializer(),
            max_length=visit_notes.MAX_PRESCRIPTIONS,
            required=False,
            default=list,
        )
        follow_up_start = AwareDateTimeField(
            required=False,
            allow_null=True,
            default=None,
            help_text="A follow-up the doctor proposes: one of their free slot starts at the "
            "visit's clinic, as the patient could book it. ISO 8601 with its UTC offset.",
        )

    class OutputSerializer(serializers.Serializer[Any]):
        appointment_id = serializers.UUIDField(source="appointment.pk")
        summary = serializers.CharField()
        instructions = serializers.CharField()
        prescriptions = PrescriptionSerializer(many=True)
        follow_up_start = serializers.DateTimeField(allow_null=True)
        written_at = serializers.DateTimeField()
        amended_at = serializers.DateTimeField(allow_null=True)
        version = serializers.IntegerField(help_text="1 as written; one more per amendment.")

    @extend_schema(
        operation_id="appointments_visit_note_retrieve",
        responses={200: OutputSerializer, 404: ErrorOutput},
        description="The visit's note, for its patient, its doctor and admins; 404 for anyone "
        "else, and while the visit has no note.",
    )
    def get(self, request: Request, appointment_id: uuid.UUID) -> Response:
        actor = actor_for(request.user)
        note = visit_note_get(viewer=actor, appointment_id=appointment_id)
        patient_id = note.appointment.patient_id
        audit_log().record_reads(
            Record.VISIT_NOTE, read_by_others(actor, [(appointment_id, patient_id)])
        )
        return Response(self.OutputSerializer(note).data)

    @extend_schema(
        operation_id="appointments_visit_note_update",
        request=InputSerializer,
        responses={
            200: OutputSerializer,
            400: OpenApiResponse(
                ValidationErrorOutput,
                description="Fields at fault. A prescription's line is named "
                '"prescriptions.<index>.<field>" when the domain refuses it (empty), or nested '
                "as DRF does when it is too long.",
            ),
            403: ErrorOutput,
            404: ErrorOutput,
            409: OpenApiResponse(
                ErrorOutput,
                description="The visit is not completed, or the note was amended meanwhile.",
            ),
        },
        description="The visit's doctor writes its note once the visit is completed, or amends "
        "it (the whole note anew; each writing is recorded with who and when). The patient is "
        "told there is a note to read, without its words.",
    )
    def put(self, request: Request, appointment_id: uuid.UUID) -> Response:
        actor = actor_for(request.user)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        build_bus().handle(
            commands.WriteVisitNote(
                actor=actor,
                appointment_id=appointment_id,
                summary=data["summary"],
                instructions=data["instructions"],
                prescriptions=tuple(dict(given) for given in data["prescriptions"]),
                follow_up_start=data["follow_up_start"],
            )
        )
        note = visit_note_get(viewer=actor, appointment_id=appointment_id)
        return Response(self.OutputSerializer(note).data)
