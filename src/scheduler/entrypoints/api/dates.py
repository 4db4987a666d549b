"""Dates and times in requests: inclusive date ranges, instants with their offset, and a
clinic's wall-clock times of day."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from scheduler.domain.intervals import DAY_RANGE_TEXT, within_range


class BoundedDateField(serializers.DateField):
    """YYYY-MM-DD within the dates Nobat reckons with (intervals.FIRST_DAY to LAST_DAY)."""

    default_error_messages = {"range": _(DAY_RANGE_TEXT)}

    def to_internal_value(self, value: Any) -> date:
        day: date = super().to_internal_value(value)
        if not within_range(day):
            self.fail("range")
        return day


class BirthDateField(serializers.DateField):
    """A birth date, YYYY-MM-DD: one left empty is asked for, as a missing field is; one in
    another form says the form it takes (DRF's own words are a programmer's)."""

    default_error_messages = {
        "required": _("Enter the birth date."),
        "null": _("Enter the birth date."),
        "invalid": _("Enter the birth date as year-month-day, e.g. 2018-05-31."),
    }

    def to_internal_value(self, value: Any) -> date:
        if isinstance(value, str) and not value.strip():
            self.fail("required")
        day: date = super().to_internal_value(value)
        return day


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?$",
        "example": "09:30",
    }
)
class WallClockField(serializers.TimeField):
    """HH:MM[:SS] on the clinic's clock. Not OpenAPI's ``format: time``: that is RFC 3339's
    full-time, which needs a UTC offset, and a weekly hour has none (its offset changes with
    daylight saving time)."""


class DateRangeSerializer(serializers.Serializer[Any]):
    """``?from=YYYY-MM-DD&to=YYYY-MM-DD``, both inclusive.

    ``from`` is a Python keyword: the field is declared as ``from_`` and renamed."""

    max_days: int | None = None

    from_ = BoundedDateField(required=False, help_text="First day, YYYY-MM-DD.")
    to = BoundedDateField(required=False, help_text="Last day (inclusive), YYYY-MM-DD.")

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        first, last = attrs.get("from"), attrs.get("to")
        if first is not None and last is not None:
            if last < first:
                raise serializers.ValidationError({"to": [_("'to' must not be before 'from'.")]})
            if self.max_days is not None and (last - first).days + 1 > self.max_days:
                raise serializers.ValidationError(
                    {"to": [_("Ask for at most %(most)s days at once.") % {"most": self.max_days}]}
                )
        return attrs


class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 with a UTC offset (``2025-03-01T10:00:00+03:30`` or ``...Z``); a bare local
    time is refused rather than guessed."""

    default_error_messages = {
        "naive": _("Give the time with its UTC offset, e.g. 2025-03-01T10:00:00+03:30."),
        "range": _(DAY_RANGE_TEXT),
    }

    def to_internal_value(self, value: Any) -> datetime:
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                parsed = None  # well formed but impossible: the base class says "invalid"
            if parsed is not None and parsed.tzinfo is None:
                self.fail("naive")
        elif isinstance(value, datetime) and value.tzinfo is None:
            self.fail("naive")
        moment: datetime = super().to_internal_value(value)
        if not within_range(moment.date()):
            self.fail("range")
        return moment
