"""The admin's statistics as JSON sections, and each section as a CSV table."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm import statistics as stats
from scheduler.adapters.orm.actors import actor_for
from scheduler.adapters.orm.clinic_time import PERIODS
from scheduler.domain import access
from scheduler.entrypoints.api.dates import DateRangeSerializer
from scheduler.entrypoints.api.errors import ErrorOutput, ValidationErrorOutput
from scheduler.entrypoints.statistics_tables import TABLES, table

# A year and a day: any year, leap or not, with room to compare a date with its last year's.
MAX_DAYS = 366
DEFAULT_DAYS = 30


# A cell a spreadsheet would run as a formula (OWASP's list): names come from anyone who signs up.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: Any) -> Any:
    """Text that a spreadsheet would take for a formula, kept as text (a leading '): blanks
    before it too, which a spreadsheet may trim first."""
    formula = isinstance(cell, str) and cell.lstrip(" ").startswith(FORMULA_STARTS)
    return f"'{cell}" if formula else cell


class WindowInput(DateRangeSerializer):
    """``from``/``to`` (inclusive, the last 30 days by default), ``clinic``, ``period``."""

    max_days = MAX_DAYS

    clinic = serializers.IntegerField(
        required=False, min_value=1, help_text="One clinic's numbers; all clinics if left out."
    )
    period = serializers.ChoiceField(
        choices=PERIODS, default="day", help_text="What appointments are counted per."
    )

    def validate_clinic(self, value: int) -> int:
        if not rows.Clinic.objects.filter(pk=value).exists():
            raise serializers.ValidationError(_("No such clinic."), code="not_found")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        last = attrs.get("to") or stats.today_in(attrs.get("clinic"))
        attrs["to"] = last
        attrs.setdefault("from", last - timedelta(days=DEFAULT_DAYS - 1))
        return super().validate(attrs)

    def window(self) -> stats.Window:
        data = self.validated_data
        return stats.Window(
            first_day=data["from"],
            last_day=data["to"],
            clinic_id=data.get("clinic"),
            period=data["period"],
        )


def window_from(request: Request) -> stats.Window:
    """The window asked for, once the caller is known to be an admin."""
    access.ensure_may_see_statistics(actor_for(request.user))
    given = WindowInput(data=request.query_params)
    given.is_valid(raise_exception=True)
    return given.window()


class WindowOutput(serializers.Serializer[Any]):
    first_day = serializers.DateField()
    last_day = serializers.DateField()
    clinic_id = serializers.IntegerField(allow_null=True)
    period = serializers.ChoiceField(choices=PERIODS)


class CountOutput(serializers.Serializer[Any]):
    period = serializers.DateField(help_text="The first day of the day, week or month.")
    count = serializers.IntegerField()


class ClinicCountOutput(CountOutput):
    clinic_id = serializers.IntegerField()
    clinic = serializers.CharField()


class DoctorCountOutput(CountOutput):
    doctor_id = serializers.IntegerField()
    doctor = serializers.CharField()


class SpecialtyCountOutput(CountOutput):
    specialty = serializers.CharField()
    specialty_name = serializers.CharField()


class VolumeOutput(serializers.Serializer[Any]):
    clinic = ClinicCountOutput(many=True)
    doctor = DoctorCountOutput(many=True)
    specialty = SpecialtyCountOutput(many=True)


class StatusOutput(serializers.Serializer[Any]):
    status = serializers.CharField()
    cancelled_by = serializers.CharField(
        help_text="For a cancelled visit: patient, doctor, receptionist, admin or system."
    )
    count = serializers.IntegerField()


class LeadBucketOutput(serializers.Serializer[Any]):
    days = serializers.ChoiceField(
        choices=[key for key, _, _ in stats.LEAD_BUCKETS],
        help_text="Whole days (24 hours) between booking and visit.",
    )
    count = serializers.IntegerField()


class LeadTimeOutput(serializers.Serializer[Any]):
    average_days = serializers.FloatField(allow_null=True)
    buckets = LeadBucketOutput(many=True)


class UtilisationOutput(serializers.Serializer[Any]):
    doctor_id = serializers.IntegerField()
    doctor = serializers.CharField()
    clinic_id = serializers.IntegerField()
    clinic = serializers.CharField()
    booked_minutes = serializers.IntegerField()
    offered_minutes = serializers.IntegerField(
        help_text="Weekly hours less breaks, dates that differ and time off."
    )
    utilisation = serializers.FloatField(allow_null=True, help_text="Booked over offered.")


class BusyHourOutput(serializers.Serializer[Any]):
    weekday = serializers.IntegerField(help_text="ISO: 1 = Monday ... 7 = Sunday.")
    hour = serializers.IntegerField()
    count = serializers.IntegerField()


class NewPatientsOutput(serializers.Serializer[Any]):
    week = serializers.DateField()
    count = serializers.IntegerField()


class DeliveryOutput(serializers.Serializer[Any]):
    channel = serializers.CharField()
    queued = serializers.IntegerField()
    sent = serializers.IntegerField()
    failed = serializers.IntegerField()
    skipped = serializers.IntegerField()
    delivery_rate = serializers.FloatField(allow_null=True, help_text="Sent over sent + failed.")


class RatingsOutput(serializers.Serializer[Any]):
    doctor_id = serializers.IntegerField()
    doctor = serializers.CharField()
    stars = serializers.IntegerField(min_value=1, max_value=5)
    hidden = serializers.BooleanField(help_text="Hidden by an admin: not in the public mean.")
    count = serializers.IntegerField(help_text="Reviews written in the window.")


class StatisticsOutput(serializers.Serializer[stats.Statistics]):
    window = WindowOutput()
    volume = VolumeOutput(help_text="Appointments (every status) per period.")
    status_mix = StatusOutput(many=True)
    lead_time = LeadTimeOutput()
    utilisation = UtilisationOutput(many=True)
    busy_hours = BusyHourOutput(many=True, help_text="Visits that took or hold time.")
    new_patients = NewPatientsOutput(many=True)
    notifications = DeliveryOutput(many=True)
    ratings = RatingsOutput(
        many=True,
        help_text="Reviews written in the window by doctor and stars (the visit's clinic's days).",
    )


ERRORS = {400: ValidationErrorOutput, 401: ErrorOutput, 403: ErrorOutput}


class StatisticsApi(APIView):
    @extend_schema(
        operation_id="statistics",
        parameters=[WindowInput],
        responses={200: StatisticsOutput, **ERRORS},
        description="Admins only. Days, weeks and months are each appointment's clinic's.",
    )
    def get(self, request: Request) -> Response:
        report = stats.statistics(window_from(request))
        return Response(StatisticsOutput(report).data)


class StatisticsCsvApi(APIView):
    @extend_schema(
        operation_id="statistics_csv",
        parameters=[
            WindowInput,
            OpenApiParameter("section", OpenApiTypes.STR, enum=list(TABLES), required=True),
        ],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="One table."),
            **ERRORS,
        },
        description="Admins only: one section as one table, to open in a spreadsheet.",
    )
    def get(self, request: Request) -> HttpResponse:
        window = window_from(request)
        section = request.query_params.get("section", "")
        if section not in TABLES:
            raise serializers.ValidationError(
                {"section": [_("Choose one of: %s.") % ", ".join(TABLES)]}, code="invalid_choice"
            )
        header, lines = table(section, window)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows([[spreadsheet_safe(cell) for cell in line] for line in lines])
        name = f"nobat-{section}-{window.first_day}-{window.last_day}.csv"
        # A BOM, so that a spreadsheet reads the names (Persian ones too) as UTF-8.
        response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
