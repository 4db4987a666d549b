"""Patients, for the desk: look one up by name or phone, or add one who calls or walks in."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from scheduler.adapters import phones
from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm import selectors
from scheduler.adapters.orm.actors import actor_for
from scheduler.config.bootstrap import audit_log, build_bus
from scheduler.domain.errors import AlreadyRecorded
from scheduler.entrypoints.api.errors import ErrorOutput, ValidationErrorOutput
from scheduler.entrypoints.api.pagination import Pages, paginated
from scheduler.entrypoints.api.patient_refs import USER_ID, PatientRefField, ref_for
from scheduler.entrypoints.api.people import email_field, name_field
from scheduler.entrypoints.api.phones import READABLE_PHONE, PhoneField
from scheduler.entrypoints.api.throttles import PatientLookupByUser
from scheduler.services import commands
from scheduler.services.audit import Record


class PatientOutput(serializers.Serializer[rows.Patient]):
    id = serializers.IntegerField()
    name = serializers.CharField(source="__str__")
    phone = serializers.CharField(source="user.phone")
    phone_shown = serializers.SerializerMethodField(help_text=READABLE_PHONE)

    def get_phone_shown(self, patient: rows.Patient) -> str:
        return phones.readable(patient.user.phone)


class FoundPatientOutput(PatientOutput):
    """A patient as the desk finds or adds them: with the reference that books them."""

    ref = PatientRefField()


class PatientRecordOutput(PatientOutput):
    """What a clinic needs at check-in and in the consulting room."""

    date_of_birth = serializers.DateField(source="user.date_of_birth", allow_null=True)
    sex = serializers.CharField(
        source="user.sex", help_text="female, male, other; empty: not said."
    )
    blood_group = serializers.CharField(source="user.blood_group", help_text="Empty: not known.")
    emergency_contact_name = serializers.CharField(source="user.emergency_contact_name")
    emergency_contact_phone = serializers.CharField(source="user.emergency_contact_phone")


# A person is found by a few words or a number: a longer query is a mistake (or an attack: each
# word is one more condition in the database's query).
SEARCH_CHARS = 100


class PatientExistsOutput(ErrorOutput):
    patient = FoundPatientOutput(help_text="Who has the phone number already.")


class PatientCollectionApi(APIView):
    pagination_class = Pages
    throttle_classes = (PatientLookupByUser,)

    def get_throttles(self) -> list[BaseThrottle]:
        # A search by name among the clinic's own patients runs as the desk types: uncounted.
        asked = self.request.query_params.get("q", "")
        if self.request.method == "GET" and not selectors.looks_beyond_the_clinic(asked):
            return []
        return super().get_throttles()

    class FilterSerializer(serializers.Serializer[Any]):
        q = serializers.CharField(
            max_length=SEARCH_CHARS,
            help_text="Words of the name, or digits of the phone, or the whole number or email.",
        )

    @extend_schema(
        operation_id="patients_search",
        parameters=[FilterSerializer],
        responses={
            200: FoundPatientOutput(many=True),
            400: ValidationErrorOutput,
            403: ErrorOutput,
        },
        description="Staff only: the patient with this whole phone number (any spelling, "
        "Persian digits too) or email; else, among the patients of the viewer's clinics (a "
        "booking there, past or to come; admins: everyone), those whose name, username or "
        "phone contains every word.",
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        found = selectors.patient_search(
            viewer=actor_for(request.user), query=filters.validated_data["q"]
        )
        return paginated(
            view=self,
            request=request,
            queryset=found,
            serializer_class=FoundPatientOutput,
            shown=lambda page: audit_log().record_reads(
                Record.PATIENT, [str(row.pk) for row in page]
            ),
            context={USER_ID: request.user.pk},
        )

    class InputSerializer(serializers.Serializer[Any]):
        first_name = name_field()
        last_name = name_field()
        phone = PhoneField(required=False, default="")
        email = email_field(required=False, default="")
        same_phone_ok = serializers.BooleanField(
            default=False,
            help_text="Add even though a patient has this phone (a family's number): without "
            "it, 409 patient_exists names that patient.",
        )

    @extend_schema(
        operation_id="patients_create",
        request=InputSerializer,
        responses={
            201: FoundPatientOutput,
            400: ValidationErrorOutput,
            403: ErrorOutput,
            409: PatientExistsOutput,
        },
        description="The desk (or an admin) adds a patient; they can claim the account later.",
    )
    def post(self, request: Request) -> Response:
        actor = actor_for(request.user)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            patient_id = build_bus().handle(
                commands.AddPatient(actor=actor, **serializer.validated_data)
            )
        except AlreadyRecorded as taken:
            # The desk typed their number: as good an introduction as finding them by it.
            holder = taken.details["patient"]
            holder["ref"] = ref_for(holder["id"], actor.user_id)
            raise
        patient = rows.Patient.objects.select_related("user").get(pk=patient_id)
        output = FoundPatientOutput(patient, context={USER_ID: request.user.pk})
        return Response(output.data, status=status.HTTP_201_CREATED)


class PatientRecordApi(APIView):
    @extend_schema(
        operation_id="patients_record",
        responses={200: PatientRecordOutput, 404: ErrorOutput},
        description="A patient's record for the clinic: for the doctor and the desk of one of "
        "the patient's appointments, admins, and the patient; 404 for anyone else. Each read "
        "is in the audit trail.",
    )
    def get(self, request: Request, patient_id: int) -> Response:
        patient = selectors.patient_record(viewer=actor_for(request.user), patient_id=patient_id)
        audit_log().record_reads(Record.PATIENT, [str(patient.pk)])
        return Response(PatientRecordOutput(patient).data)
