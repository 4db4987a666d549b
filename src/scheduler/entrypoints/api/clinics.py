"""Clinics and specialties: public reads."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm import selectors
from scheduler.entrypoints.api.errors import ErrorOutput
from scheduler.entrypoints.api.pagination import Pages, paginated


class SpecialtyOutput(serializers.Serializer[Any]):
    slug = serializers.SlugField()
    name = serializers.CharField(help_text="The name in English.")
    name_display = serializers.CharField(
        source="__str__",
        help_text="The name in the reader's language (Persian when asked for and known).",
    )


class ClinicOutput(serializers.Serializer[rows.Clinic]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    address = serializers.CharField()
    city = serializers.CharField()
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)
    timezone = serializers.CharField(help_text="IANA zone of the clinic's wall clock.")


class SpecialtyListApi(APIView):
    permission_classes = (AllowAny,)

    @extend_schema(responses=SpecialtyOutput(many=True), auth=[])
    def get(self, request: Request) -> Response:
        return Response(SpecialtyOutput(selectors.specialty_list(), many=True).data)


class ClinicListApi(APIView):
    permission_classes = (AllowAny,)
    pagination_class = Pages

    class FilterSerializer(serializers.Serializer[Any]):
        city = serializers.CharField(required=False)

    @extend_schema(parameters=[FilterSerializer], responses=ClinicOutput(many=True), auth=[])
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        clinics = selectors.clinic_list(city=filters.validated_data.get("city"))
        return paginated(
            view=self, request=request, queryset=clinics, serializer_class=ClinicOutput
        )


class ClinicDetailApi(APIView):
    permission_classes = (AllowAny,)

    class OutputSerializer(ClinicOutput):
        class DoctorBrief(serializers.Serializer[rows.Doctor]):
            id = serializers.IntegerField()
            name = serializers.CharField(source="__str__")
            specialty = serializers.SlugField(source="specialty.slug")

        doctors = DoctorBrief(many=True, source="doctors.all", help_text="Verified doctors.")

    @extend_schema(responses={200: OutputSerializer, 404: ErrorOutput}, auth=[])
    def get(self, request: Request, clinic_id: int) -> Response:
        clinic = selectors.clinic_get(clinic_id=clinic_id)
        return Response(self.OutputSerializer(clinic).data)
