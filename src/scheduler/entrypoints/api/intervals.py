"""Time slots as the API shows them: an absolute start and end, ISO 8601."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from rest_framework import serializers

from scheduler.adapters.local_dates import moment_label
from scheduler.domain.intervals import Interval
from scheduler.entrypoints.api.display import DisplayField


class InstantField(serializers.DateTimeField):
    """An aware instant, written as DateTimeField writes it with the site's UTC (ISO 8601,
    "Z"), in a fifth of the time: a month's grid writes 360 of them, and DateTimeField looks
    the current time zone up for each."""

    def to_representation(self, value: datetime) -> str:
        return instant(value)


def instant(value: datetime) -> str:
    written = value.astimezone(UTC).isoformat()
    return written[:-6] + "Z" if written.endswith("+00:00") else written


class IntervalOutput(serializers.Serializer[Any]):
    start = InstantField()
    end = InstantField()


def intervals_data(intervals: Iterable[Interval]) -> list[dict[str, Any]]:
    return list(IntervalOutput(list(intervals), many=True).data)


class DisplayedIntervalOutput(IntervalOutput):
    """A slot, with display strings when asked for (api.display) on the clinic's clock, which
    the serializer's context names (``display_zone``)."""

    start_display = DisplayField(moment="start")
    end_display = DisplayField(moment="end")

    def display_zone(self, slot: Interval) -> str:
        zone: str = self.context["display_zone"]
        return zone


def displayed_intervals_data(
    slots: Iterable[Interval], *, zone: str, display: str | None
) -> list[dict[str, str]]:
    """What ``DisplayedIntervalOutput(many=True)`` writes (which still describes it in the
    schema), without a serializer a slot: a month's grid writes 180 of them."""
    if not display:
        return [{"start": instant(slot.start), "end": instant(slot.end)} for slot in slots]
    return [
        {
            "start": instant(slot.start),
            "end": instant(slot.end),
            "start_display": moment_label(slot.start, zone, display),
            "end_display": moment_label(slot.end, zone, display),
        }
        for slot in slots
    ]
