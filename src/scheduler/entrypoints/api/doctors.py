"""Doctors and their free slots: public reads."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm import selectors
from scheduler.adapters.orm.actors import viewer_for
from scheduler.adapters.orm.doctor_search import DoctorHit, DoctorQuery, Point, Sort, doctor_search
from scheduler.adapters.orm.reviews import doctor_rating
from scheduler.config.bootstrap import unit_of_work, utc_now
from scheduler.domain import profiles, reviews
from scheduler.domain.day_parts import DayPart
from scheduler.domain.intervals import days_from
from scheduler.entrypoints.api.clinics import SpecialtyOutput
from scheduler.entrypoints.api.dates import DateRangeSerializer
from scheduler.entrypoints.api.display import (
    CALENDAR_PARAMETER,
    DISPLAY,
    DisplayField,
    display_context,
)
from scheduler.entrypoints.api.errors import ErrorOutput, ValidationErrorOutput
from scheduler.entrypoints.api.intervals import DisplayedIntervalOutput, displayed_intervals_data
from scheduler.entrypoints.api.pagination import Pages, id_field, paginated
from scheduler.entrypoints.language import clinic_default
from scheduler.services import queries

SLOT_RANGE_DAYS = 31
DEFAULT_SLOT_DAYS = 7


class RatingOutput(serializers.Serializer[Any]):
    mean = serializers.DecimalField(max_digits=2, decimal_places=1, coerce_to_string=False)
    count = serializers.IntegerField()


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
    rating = serializers.SerializerMethodField(
        help_text="The mean of the stars of the doctor's shown reviews and their number; null "
        "when none rates them yet."
    )

    @extend_schema_field(RatingOutput(allow_null=True))
    def get_rating(self, doctor: rows.Doctor) -> dict[str, Any] | None:
        rating = doctor_rating(doctor_id=doctor.pk)
        if rating.mean is None:
            return None
        return dict(RatingOutput({"mean": rating.mean, "count": rating.count}).data)


# Bounds of a search: a radius from a walk to a province; free days from yesterday (a reader
# east of the clinic is a day ahead) to a season ahead, no booking horizon being longer.
MIN_RADIUS_KM = 0.5
MAX_RADIUS_KM = 500
FREE_DAYS_AHEAD = 92
FREE_RANGE_DAYS = 31


class SearchInput(serializers.Serializer[Any]):
    """A doctor search as ``GET /api/doctors/`` and the home page take it."""

    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="Words of the doctor's name or of their specialty (any case, accents, "
        "Persian or Arabic letter forms).",
    )
    specialty = serializers.SlugField(required=False, allow_blank=True, max_length=50)
    city = serializers.CharField(required=False, allow_blank=True, max_length=100)
    clinic = id_field(required=False, allow_null=True)
    free_from = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="Free on this day (with free_to: from this day), on the clinic's calendar.",
    )
    free_to = serializers.DateField(
        required=False,
        allow_null=True,
        help_text=f"Free on a day up to this one; at most {FREE_RANGE_DAYS} days from free_from.",
    )
    part = serializers.MultipleChoiceField(
        choices=[part.value for part in DayPart],
        required=False,
        help_text="Free in this part of the day (repeat for several): morning before 12:00, "
        "afternoon to 17:00, evening after; on the clinic's clock.",
    )
    sex = serializers.ChoiceField(choices=rows.Sex.choices, required=False, allow_blank=True)
    language = serializers.ChoiceField(
        choices=profiles.SPOKEN_LANGUAGES,
        required=False,
        allow_blank=True,
        help_text="A language the doctor speaks, as doctors declare them: an ISO 639-1 code "
        "such as fa or en (ckb: Sorani Kurdish).",
    )
    accepts_new_patients = serializers.BooleanField(required=False, allow_null=True, default=None)
    near = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=50,
        help_text="latitude,longitude in degrees: adds distance_km to each result. Without "
        "it, a city is measured from: the mean of its clinics' coordinates.",
    )
    radius_km = serializers.FloatField(
        required=False,
        allow_null=True,
        min_value=MIN_RADIUS_KM,
        max_value=MAX_RADIUS_KM,
        help_text="With near or city: only clinics this close.",
    )
    sort = serializers.ChoiceField(
        choices=[sort.value for sort in Sort],
        required=False,
        allow_blank=True,
        help_text="first_available (the default: soonest free slot first, none free last), "
        "distance (needs near or city), or rating (the highest mean of stars first, then the "
        "most reviews, then the first available; doctors not rated yet last).",
    )
    min_rating = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=reviews.MIN_STARS,
        max_value=reviews.MAX_STARS,
        help_text="Only doctors whose rating (the mean of their stars, to one decimal) is at "
        "least this; doctors not rated yet are left out.",
    )

    def validate_near(self, value: str) -> Point | None:
        if not value:
            return None
        try:
            latitude, longitude = (float(part) for part in value.split(","))
        except ValueError:
            raise serializers.ValidationError(
                _("Give a latitude and a longitude, such as 35.70,51.40.")
            ) from None
        # float() takes "nan" and "inf": no place is there.
        if not (-90 <= latitude <= 90) or not (-180 <= longitude <= 180):
            raise serializers.ValidationError(
                _("A latitude is between -90 and 90, a longitude between -180 and 180.")
            )
        return Point(latitude, longitude)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        first, last = attrs.get("free_from"), attrs.get("free_to")
        today = utc_now().date()
        for name, day in (("free_from", first), ("free_to", last)):
            if day is not None and not (
                today - timedelta(days=1) <= day <= today + timedelta(days=FREE_DAYS_AHEAD)
            ):
                raise serializers.ValidationError(
                    {
                        name: _("Choose a day from today to %(days)s days ahead.")
                        % {"days": FREE_DAYS_AHEAD}
                    }
                )
        if first is not None and last is not None:
            if last < first:
                raise serializers.ValidationError(
                    {"free_to": _("The last day comes before the first.")}
                )
            if (last - first).days >= FREE_RANGE_DAYS:
                raise serializers.ValidationError(
                    {"free_to": _("Choose at most %(days)s days.") % {"days": FREE_RANGE_DAYS}}
                )
        # Without near, distances are from the city's centre.
        measurable = attrs.get("near") is not None or bool(attrs.get("city"))
        if attrs.get("sort") == Sort.DISTANCE and not measurable:
            raise serializers.ValidationError(
                {"sort": _("Sorting by distance needs a place to measure from: near or a city.")}
            )
        if attrs.get("radius_km") is not None and not measurable:
            raise serializers.ValidationError(
                {"radius_km": _("A radius needs a place to measure from: near or a city.")}
            )
        return attrs

    def query(self) -> DoctorQuery:
        data = self.validated_data
        return DoctorQuery(
            text=data.get("q") or "",
            specialty=data.get("specialty") or None,
            city=data.get("city") or None,
            clinic_id=data.get("clinic"),
            free_from=data.get("free_from"),
            free_to=data.get("free_to"),
            parts=frozenset(DayPart(part) for part in data.get("part") or ()),
            sex=data.get("sex") or None,
            language=data.get("language") or None,
            accepts_new_patients=data.get("accepts_new_patients"),
            near=data.get("near"),
            radius_km=data.get("radius_km"),
            sort=Sort(data.get("sort") or Sort.FIRST_AVAILABLE),
            min_rating=data.get("min_rating"),
        )


class DoctorHitOutput(serializers.Serializer[DoctorHit]):
    """A doctor at one clinic: the doctor's fields (as ``/api/doctors/<id>/``), the clinic the
    result is about, and the first slot free there."""

    class Place(serializers.Serializer[rows.Clinic]):
        id = serializers.IntegerField()
        name = serializers.CharField()
        city = serializers.CharField()
        address = serializers.CharField()
        timezone = serializers.CharField()
        latitude = serializers.FloatField(allow_null=True)
        longitude = serializers.FloatField(allow_null=True)

    class NextFree(serializers.Serializer[DoctorHit]):
        start = serializers.DateTimeField(source="next_start")
        end = serializers.DateTimeField(source="next_end")
        start_display = DisplayField(moment="next_start")

        def display_zone(self, hit: DoctorHit) -> str:
            return hit.clinic.timezone

    id = serializers.IntegerField(source="doctor.pk")
    name = serializers.CharField(source="doctor.__str__")
    specialty = SpecialtyOutput(source="doctor.specialty")
    licence_number = serializers.CharField(source="doctor.licence_number")
    bio = serializers.CharField(source="doctor.bio")
    verified = serializers.BooleanField(source="doctor.verified")
    clinics = DoctorOutput.ClinicBrief(many=True, source="doctor.clinics.all")
    photo_url = serializers.CharField(allow_null=True, help_text="Null when there is no photo.")
    clinic = Place()
    distance_km = serializers.FloatField(
        allow_null=True,
        required=False,
        help_text="From near=, or else from the centre of city=, when one was given.",
    )
    next_free = serializers.SerializerMethodField(
        help_text="The first slot free at this clinic; null when none is free within the "
        "booking horizon."
    )
    first_match_day = serializers.DateField(
        allow_null=True,
        help_text="When free_from, free_to or part is given: the first asked day (on the "
        "clinic's calendar) with a slot free in an asked part; null when not asked. next_free "
        "may lie outside what was asked.",
    )
    first_match_parts = serializers.ListField(
        child=serializers.ChoiceField(choices=[part.value for part in DayPart]),
        help_text="The asked parts of the day still free on first_match_day.",
    )
    book_url = serializers.CharField(
        help_text="The doctor's page at this clinic with the next free slot chosen. When days "
        "or parts are asked: that slot if it is among them, else the page at first_match_day."
    )
    rating = serializers.SerializerMethodField(
        help_text="The mean of the stars of the doctor's shown reviews (to one decimal) and "
        "their number; null when none rates them yet."
    )

    def to_representation(self, hit: DoctorHit) -> dict[str, Any]:
        shown: dict[str, Any] = super().to_representation(hit)
        if hit.distance_km is None:
            shown.pop("distance_km")
        return shown

    @extend_schema_field(RatingOutput(allow_null=True))
    def get_rating(self, hit: DoctorHit) -> dict[str, Any] | None:
        if hit.rating_mean is None:
            return None
        return dict(RatingOutput({"mean": hit.rating_mean, "count": hit.rating_count}).data)

    @extend_schema_field(NextFree(allow_null=True))
    def get_next_free(self, hit: DoctorHit) -> dict[str, Any] | None:
        if hit.next_start is None:
            return None
        return dict(self.NextFree(hit, context=self.context).data)


class DoctorListApi(APIView):
    """Find a doctor: verified doctors, one result per doctor and clinic, each with the first
    free slot there and a link that books it. Filters combine (all must hold); the slots come
    from a read model kept as bookings and hours change, so a page is quick whatever the size
    of the directory."""

    permission_classes = (AllowAny,)
    pagination_class = Pages

    @extend_schema(
        parameters=[SearchInput, CALENDAR_PARAMETER],
        responses={200: DoctorHitOutput(many=True), 400: ValidationErrorOutput},
        auth=[],
    )
    def get(self, request: Request) -> Response:
        search = SearchInput(data=request.query_params)
        search.is_valid(raise_exception=True)
        display = display_context(request)
        hits = doctor_search(query=search.query(), now=utc_now())
        return paginated(
            view=self,
            request=request,
            queryset=hits,
            serializer_class=DoctorHitOutput,
            context=display,
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
        clinic = selectors.doctor_clinic_clock(
            doctor_id=doctor_id, clinic_id=filters.validated_data.get("clinic"), viewer=viewer
        )
        clinic_default(request._request, clinic.language)
        display = display_context(request)
        now = utc_now()
        first_day: date = filters.validated_data.get("from") or (
            now.astimezone(ZoneInfo(clinic.timezone)).date()
        )
        last_day: date = filters.validated_data.get("to") or days_from(first_day, DEFAULT_SLOT_DAYS)
        if last_day < first_day or (last_day - first_day).days >= SLOT_RANGE_DAYS:
            first_day = min(first_day, last_day)  # only 'to' was given: still answer in range
            first_day = max(first_day, last_day - timedelta(days=SLOT_RANGE_DAYS - 1))
        with unit_of_work(read_only=True) as uow:
            slots = queries.free_slots(
                uow,
                doctor_id=doctor_id,
                clinic_id=clinic.pk,
                first_day=first_day,
                last_day=last_day,
                now=now,
                staff=viewer is not None and viewer.is_staff,
                patient_id=viewer.patient_id if viewer is not None else None,
            )
        # OutputSerializer's fields, written without it (see displayed_intervals_data).
        return Response(
            {
                "doctor": doctor_id,
                "clinic": clinic.pk,
                "timezone": clinic.timezone,
                "first_day": first_day.isoformat(),
                "last_day": last_day.isoformat(),
                "slots": displayed_intervals_data(
                    slots, zone=clinic.timezone, display=display[DISPLAY]
                ),
            }
        )
