"""Time slots as the API shows them: an absolute start and end, ISO 8601."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rest_framework import serializers

from scheduler.domain.intervals import Interval


class IntervalOutput(serializers.Serializer[Any]):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


def intervals_data(intervals: Iterable[Interval]) -> list[dict[str, Any]]:
    return list(IntervalOutput(list(intervals), many=True).data)
