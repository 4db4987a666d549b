"""Parts of the day a patient asks for ("free on Tuesday morning"), on the clinic's clock."""

from __future__ import annotations

from datetime import time
from enum import StrEnum


class DayPart(StrEnum):
    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"


# A slot belongs to the part its start falls in: before noon, noon to five, from five.
AFTERNOON_FROM = time(12, 0)
EVENING_FROM = time(17, 0)


def part_of(start: time) -> DayPart:
    if start < AFTERNOON_FROM:
        return DayPart.MORNING
    if start < EVENING_FROM:
        return DayPart.AFTERNOON
    return DayPart.EVENING
