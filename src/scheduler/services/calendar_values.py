"""What the doctor chooses of their own calendars, shared by the sync and the choice."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Detail(StrEnum):
    """How much of the patient the doctor lets the calendar event show."""

    NONE = "none"  # "Appointment"
    FIRST_NAME = "first_name"
    FIRST_NAME_REASON = "first_name_reason"  # the default
    FULL = "full"  # full name and the whole reason


DEFAULT_DETAIL = Detail.FIRST_NAME_REASON


@dataclass(frozen=True)
class CalendarInfo:
    id: str
    summary: str
    primary: bool = False
    writable: bool = False
    free_busy_only: bool = False
