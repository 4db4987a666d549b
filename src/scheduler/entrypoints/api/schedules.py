"""A doctor's own schedule and time off: read and changed by the doctor (or an admin); the
desk of one of the doctor's clinics may read them. Changes are commands on the bus: a change
that would leave booked visits outside the hours answers 400 ``schedule_conflict`` listing
them, unless sent with ``force``."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm import selectors
from scheduler.adapters.orm.actors import actor_for
from scheduler.config.bootstrap import build_bus
from scheduler.domain.model import Actor
from scheduler.domain.schedule import (
    MAX_HORIZON_DAYS,
    MAX_NOTICE_MINUTES,
    MAX_OVERRIDES,
    MAX_SPANS_A_DAY,
    WEEKDAY_NAMES,
    Schedule,
)
from scheduler.entrypoints.api.dates import AwareDateTimeField, BoundedDateField, WallClockField
from scheduler.entrypoints.api.errors import (
    ErrorOutput,
    ScheduleConflictOutput,
    ValidationErrorOutput,
)
from scheduler.entrypoints.api.pagination import id_field
from scheduler.entrypoints.api.people import text_field
from scheduler.services.commands import (
    AddTimeOff,
    OverrideSpan,
    RemoveTimeOff,
    ReplaceSchedule,
    WeeklySpan,
)

# A change's 400: bad input, or booked visits in the way (schedule_conflict).
CHANGE_REFUSED = PolymorphicProxySerializer(
    component_name="ScheduleChangeRefused",
    serializers=[ScheduleConflictOutput, ValidationErrorOutput],
    resource_type_field_name=None,
)


WEEKDAYS = tuple(name.lower() for name in WEEKDAY_NAMES)


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "enum": list(WEEKDAYS)},
            {"type": "integer", "minimum": 0, "maximum": 6},
        ],
        "example": "monday",
        "description": "A day of the week by name, `monday` to `sunday`. Integers (0 = Monday "
        "to 6 = Sunday) are still accepted, as before names were; answers always give names.",
    }
)
class WeekdayField(serializers.Field[int, Any, str, Any]):
    """A day of the week, as a name in and out; the integers of the first API still come in."""

    default_error_messages = {
        "invalid": _("Give a day of the week: monday, tuesday, … sunday."),
    }

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, int) and not isinstance(data, bool) and 0 <= data <= 6:
            return data
        if isinstance(data, str) and data.strip().lower() in WEEKDAYS:
            return WEEKDAYS.index(data.strip().lower())
        self.fail("invalid")
        raise AssertionError  # fail() raises

    def to_representation(self, value: int) -> str:
        return WEEKDAYS[value]


@extend_schema_field({"type": "string", "enum": list(WEEKDAYS)})
class WeekdayOutputField(WeekdayField):
    pass


class WeeklySpanInput(serializers.Serializer[Any]):
    weekday = WeekdayField()
    start = WallClockField()
    end = WallClockField()


class OverrideInput(serializers.Serializer[Any]):
    """Hours on one date (several entries for several spans), or ``closed: true``."""

    date = BoundedDateField()
    closed = serializers.BooleanField(default=False)
    start = WallClockField(required=False)
    end = WallClockField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        spans = "start" in attrs or "end" in attrs
        if attrs["closed"] and spans:
            raise serializers.ValidationError(_("A closed day has no start or end."))
        if not attrs["closed"] and not ("start" in attrs and "end" in attrs):
            raise serializers.ValidationError(_("Give start and end, or closed: true."))
        return attrs


class WeeklySpanOutput(serializers.Serializer[Any]):
    weekday = WeekdayOutputField(read_only=True)
    start = WallClockField(source="span.start")
    end = WallClockField(source="span.end")


class OverrideOutput(serializers.Serializer[Any]):
    date = BoundedDateField()
    closed = serializers.BooleanField()
    start = WallClockField(allow_null=True)
    end = WallClockField(allow_null=True)


class ScheduleOutput(serializers.Serializer[Schedule]):
    doctor = serializers.IntegerField(source="doctor_id")
    clinic = serializers.IntegerField(source="clinic_id")
    timezone = serializers.CharField()
    slot_minutes = serializers.IntegerField()
    horizon_days = serializers.IntegerField()
    min_notice_minutes = serializers.IntegerField()
    requires_approval = serializers.BooleanField()
    hours = WeeklySpanOutput(many=True)
    breaks = WeeklySpanOutput(many=True)
    overrides = serializers.SerializerMethodField()

    @extend_schema_field(OverrideOutput(many=True))
    def get_overrides(self, schedule: Schedule) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = []
        for override in sorted(schedule.overrides, key=lambda o: o.day):
            if not override.spans:
                entries.append({"date": override.day, "closed": True, "start": None, "end": None})
            entries.extend(
                {"date": override.day, "closed": False, "start": span.start, "end": span.end}
                for span in override.spans
            )
        return list(OverrideOutput(entries, many=True).data)


class ClinicParam(serializers.Serializer[Any]):
    clinic = id_field(required=False, help_text="Needed when the doctor works at several clinics.")


class ScheduleApi(APIView):
    @extend_schema(
        parameters=[ClinicParam],
        responses={
            200: ScheduleOutput,
            400: ValidationErrorOutput,
            403: ErrorOutput,
            404: ErrorOutput,
        },
    )
    def get(self, request: Request, doctor_id: int) -> Response:
        actor = actor_for(request.user)
        doctor, clinic = _doctor_at_clinic(request, doctor_id, actor)
        schedule = selectors.schedule_get(viewer=actor, doctor=doctor, clinic=clinic)
        return Response(ScheduleOutput(schedule).data)

    class InputSerializer(serializers.Serializer[Any]):
        """The whole schedule at the clinic; it replaces what was there."""

        # Bounded before each item is parsed: the domain refuses more anyway.
        hours = serializers.ListField(child=WeeklySpanInput(), max_length=7 * MAX_SPANS_A_DAY)
        breaks = serializers.ListField(
            child=WeeklySpanInput(), required=False, default=list, max_length=7 * MAX_SPANS_A_DAY
        )
        overrides = serializers.ListField(
            child=OverrideInput(), required=False, default=list, max_length=MAX_OVERRIDES
        )
        slot_minutes = serializers.IntegerField(default=30, min_value=5, max_value=480)
        horizon_days = serializers.IntegerField(default=60, min_value=1, max_value=MAX_HORIZON_DAYS)
        min_notice_minutes = serializers.IntegerField(
            default=60, min_value=0, max_value=MAX_NOTICE_MINUTES
        )
        requires_approval = serializers.BooleanField(default=False)
        force = serializers.BooleanField(
            default=False,
            help_text="Make the change even if booked visits fall outside the new hours: they "
            "stand, and their patients are asked to choose another time.",
        )

    @extend_schema(
        parameters=[ClinicParam],
        request=InputSerializer,
        responses={
            200: ScheduleOutput,
            400: CHANGE_REFUSED,
            403: ErrorOutput,
            404: ErrorOutput,
        },
    )
    def put(self, request: Request, doctor_id: int) -> Response:
        actor = actor_for(request.user)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        doctor, clinic = _doctor_at_clinic(request, doctor_id, actor)
        result = build_bus().handle(
            ReplaceSchedule(
                actor=actor,
                doctor_id=doctor.pk,
                clinic_id=clinic.pk,
                hours=tuple(WeeklySpan(**span) for span in data["hours"]),
                breaks=tuple(WeeklySpan(**span) for span in data["breaks"]),
                overrides=tuple(
                    OverrideSpan(day=o["date"], start=o.get("start"), end=o.get("end"))
                    for o in data["overrides"]
                ),
                slot_minutes=data["slot_minutes"],
                horizon_days=data["horizon_days"],
                min_notice_minutes=data["min_notice_minutes"],
                requires_approval=data["requires_approval"],
                force=data["force"],
            )
        )
        return Response(ScheduleOutput(result.schedule).data)


class TimeOffOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    reason = serializers.CharField()


class TimeOffListApi(APIView):
    """Time away from every clinic (holiday, conference): no slots are offered in it."""

    @extend_schema(responses={200: TimeOffOutput(many=True), 403: ErrorOutput, 404: ErrorOutput})
    def get(self, request: Request, doctor_id: int) -> Response:
        actor = actor_for(request.user)
        doctor = selectors.doctor_get(doctor_id=doctor_id, viewer=actor)
        periods = selectors.time_off_list(viewer=actor, doctor=doctor)
        return Response(TimeOffOutput(periods, many=True).data)

    class InputSerializer(serializers.Serializer[Any]):
        start = AwareDateTimeField()
        end = AwareDateTimeField()
        reason = text_field(max_length=200, required=False, default="")
        force = serializers.BooleanField(
            default=False,
            help_text="Add it even over booked visits: they stand, and their patients are asked "
            "to choose another time.",
        )

    @extend_schema(
        request=InputSerializer,
        responses={
            201: TimeOffOutput,
            400: CHANGE_REFUSED,
            403: ErrorOutput,
            404: ErrorOutput,
        },
    )
    def post(self, request: Request, doctor_id: int) -> Response:
        actor = actor_for(request.user)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        doctor = selectors.doctor_get(doctor_id=doctor_id, viewer=actor)
        result = build_bus().handle(AddTimeOff(actor=actor, doctor_id=doctor.pk, **data))
        period = {
            "id": result.time_off_id,
            "start": result.period.start,
            "end": result.period.end,
            "reason": data["reason"],
        }
        return Response(TimeOffOutput(period).data, status=status.HTTP_201_CREATED)


class TimeOffDetailApi(APIView):
    @extend_schema(responses={204: None, 403: ErrorOutput, 404: ErrorOutput})
    def delete(self, request: Request, doctor_id: int, time_off_id: int) -> Response:
        actor = actor_for(request.user)
        doctor = selectors.doctor_get(doctor_id=doctor_id, viewer=actor)
        build_bus().handle(RemoveTimeOff(actor=actor, doctor_id=doctor.pk, time_off_id=time_off_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


def _doctor_at_clinic(
    request: Request, doctor_id: int, actor: Actor
) -> tuple[rows.Doctor, rows.Clinic]:
    params = ClinicParam(data=request.query_params)
    params.is_valid(raise_exception=True)
    doctor = selectors.doctor_get(doctor_id=doctor_id, viewer=actor)
    clinic = selectors.doctor_clinic(doctor=doctor, clinic_id=params.validated_data.get("clinic"))
    return doctor, clinic
