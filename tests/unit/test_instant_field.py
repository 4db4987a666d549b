"""The grid's fast instant field writes exactly what DRF's DateTimeField writes, and its
plain slots what the slot serializer writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rest_framework import serializers

from scheduler.domain.intervals import Interval
from scheduler.entrypoints.api.display import DISPLAY
from scheduler.entrypoints.api.intervals import (
    DisplayedIntervalOutput,
    InstantField,
    displayed_intervals_data,
)

ZONES = ["UTC", "Asia/Tehran", "America/New_York", "Asia/Kathmandu", "Pacific/Chatham"]


@given(
    at=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1)),
    zone=st.sampled_from(ZONES),
    whole_seconds=st.booleans(),
)
def test_it_writes_what_datetime_field_writes(at: datetime, zone: str, whole_seconds: bool) -> None:
    instant = at.replace(tzinfo=ZoneInfo(zone))
    if whole_seconds:  # most slots: no microseconds at all
        instant = instant.replace(microsecond=0)
    assert InstantField().to_representation(instant) == (
        serializers.DateTimeField().to_representation(instant)
    )


def test_it_writes_utc_with_a_z() -> None:
    at = datetime(2026, 12, 5, 10, 0, tzinfo=ZoneInfo("Asia/Tehran"))
    assert InstantField().to_representation(at) == "2026-12-05T06:30:00Z"
    assert InstantField().to_representation(at + timedelta(microseconds=5)) == (
        "2026-12-05T06:30:00.000005Z"
    )
    assert InstantField().to_representation(at.astimezone(UTC)) == "2026-12-05T06:30:00Z"


@pytest.mark.parametrize("display", [None, "en", "fa"])
def test_the_grids_plain_slots_are_what_the_slot_serializer_writes(display: str | None) -> None:
    zone = "Asia/Tehran"
    start = datetime(2026, 3, 20, 23, 30, tzinfo=ZoneInfo(zone))  # Nowruz, at midnight
    slots = [
        Interval(start + timedelta(minutes=30 * n), start + timedelta(minutes=30 * (n + 1)))
        for n in range(4)
    ]
    written = DisplayedIntervalOutput(
        slots, many=True, context={DISPLAY: display, "display_zone": zone}
    ).data
    assert displayed_intervals_data(slots, zone=zone, display=display) == written
