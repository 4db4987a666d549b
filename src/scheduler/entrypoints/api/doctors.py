"""Doctors and their free slots: public reads."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm import selectors
from scheduler.adapters.orm.actors import viewer_for
from scheduler.config.bootstrap import unit_of_work, utc_now
from scheduler.entrypoints.api.clinics import SpecialtyOutput
from scheduler.entrypoints.api.dates import DateRangeSerializer
from scheduler.entrypoints.api.display import CALENDAR_PARAMETER, display_context
from scheduler.entrypoints.api.errors import ErrorOutput, ValidationErrorOutput
from scheduler.entrypoints.api.intervals import DisplayedIntervalOutput
from scheduler.entrypoints.api.pagination import Pages, id_field, paginated
from scheduler.entrypoints.language import clinic_default
from scheduler.services import queries

SLOT_RANGE_DAYS = 31
DEFAULT_SLOT_DAYS = 7


class DoctorOutput(serializers.Serializer[rows.Doctor]):
    class ClinicBrief(serializers.Serializer[rows.Clinic]):
        id = serializers.IntegerField()
        name = serializers.CharField()
        city = serializers.CharField()
        timezone = serializers.CharField()

    id = serializers.IntegerField()
    name = serializers.CharField(source="__str__")
    specialty = SpecialtyOutput()
    licence_number = serializers.CharField()
    bio = serializers.CharField()
    verified = serializers.BooleanField()
    clinics = ClinicBrief(many=True, source="clinics.all")


class DoctorListApi(APIView):
    """Verified doctors, filtered by specialty slug, city and clinic."""

    permission_classes = (AllowAny,)
    pagination_class = Pages

    class FilterSerializer(serializers.Serializer[Any]):
        specialty = serializers.SlugField(required=False)
        city = serializers.CharField(required=False)
        clinic = id_field(required=False)

    @extend_schema(
        parameters=[FilterSerializer],
        responses={200: DoctorOutput(many=True), 400: ValidationErrorOutput},
        auth=[],
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        doctors = selectors.doctor_list(
            specialty=filters.validated_data.get("specialty"),
            city=filters.validated_data.get("city"),
            clinic_id=filters.validated_data.get("clinic"),
        )
        return paginated(
            view=self, request=request, queryset=doctors, serializer_class=DoctorOutput
        )


class DoctorDetailApi(APIView):
    permission_classes = (AllowAny,)

    @extend_schema(responses={200: DoctorOutput, 404: ErrorOutput}, auth=[])
    def get(self, request: Request, doctor_id: int) -> Response:
        doctor = selectors.doctor_get(doctor_id=doctor_id, viewer=viewer_for(request.user))
        return Response(DoctorOutput(doctor).data)


class DoctorSlotsApi(APIView):
    """Free slots of a doctor at a clinic, day by day on the clinic's calendar.

    ``clinic`` may be left out when the doctor works at one clinic. ``from`` defaults to today
    and ``to`` to a week after ``from``; at most 31 days at once.
    """

    permission_classes = (AllowAny,)

    class FilterSerializer(DateRangeSerializer):
        max_days = SLOT_RANGE_DAYS
        clinic = id_field(required=False)

    class OutputSerializer(serializers.Serializer[Any]):
        doctor = serializers.IntegerField()
        clinic = serializers.IntegerField()
        timezone = serializers.CharField()
        first_day = serializers.DateField()
        last_day = serializers.DateField()
        slots = DisplayedIntervalOutput(many=True)

    @extend_schema(
        parameters=[FilterSerializer, CALENDAR_PARAMETER],
        responses={200: OutputSerializer, 400: ValidationErrorOutput, 404: ErrorOutput},
        auth=[],
    )
    def get(self, request: Request, doctor_id: int) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        display_context(request)  # a bad ?calendar= is refused whatever else is wrong
        viewer = viewer_for(request.user)
        doctor = selectors.doctor_get(doctor_id=doctor_id, viewer=viewer)
        clinic = selectors.doctor_clinic(
            doctor=doctor, clinic_id=filters.validated_data.get("clinic")
        )
        clinic_default(request._request, clinic.language)
        display = display_context(request)
        now = utc_now()
        first_day: date = filters.validated_data.get("from") or (
            now.astimezone(ZoneInfo(clinic.timezone)).date()
        )
        last_day: date = filters.validated_data.get("to") or (
            first_day + timedelta(days=DEFAULT_SLOT_DAYS - 1)
        )
        if last_day < first_day or (last_day - first_day).days >= SLOT_RANGE_DAYS:
            first_day = min(first_day, last_day)  # only 'to' was given: still answer in range
            first_day = max(first_day, last_day - timedelta(days=SLOT_RANGE_DAYS - 1))
        uow = unit_of_work()
        with uow:
            slots = queries.free_slots(
                uow,
                doctor_id=doctor.pk,
                clinic_id=clinic.pk,
                first_day=first_day,
                last_day=last_day,
                now=now,
                staff=viewer is not None and viewer.is_staff,
                patient_id=viewer.patient_id if viewer is not None else None,
            )
        return Response(
            self.OutputSerializer(
                {
                    "doctor": doctor.pk,
                    "clinic": clinic.pk,
                    "timezone": clinic.timezone,
                    "first_day": first_day,
                    "last_day": last_day,
                    "slots": slots,
                },
                context={**display, "display_zone": clinic.timezone},
            ).data
        )
