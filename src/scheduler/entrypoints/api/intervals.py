"""Time slots as the API shows them: an absolute start and end, ISO 8601."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rest_framework import serializers

from scheduler.domain.intervals import Interval
from scheduler.entrypoints.api.display import DisplayField


class IntervalOutput(serializers.Serializer[Any]):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


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
