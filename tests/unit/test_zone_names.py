"""A clinic's clock named as its readers say it, in their language (the Unicode CLDR's names):
found in review, Persian pages said "Asia/Tehran" in the middle of a Persian sentence."""

from __future__ import annotations

import pytest

from scheduler.adapters.local_dates import zone_name


@pytest.mark.parametrize(
    ("zone", "language", "name"),
    [
        ("Asia/Tehran", "en", "Iran Time"),
        ("Asia/Tehran", "fa", "وقت ایران"),
        ("Asia/Tehran", "fa-IR", "وقت ایران"),
        ("Europe/Berlin", "en", "Central European Time"),
        ("Asia/Kabul", "fa", "وقت افغانستان"),
        ("UTC", "fa", "UTC"),  # the CLDR's "Unknown Region (UTC) Time" helps no one
        ("Not/AZone", "en", "Not/AZone"),  # unknown: its id is the best name there is
    ],
)
def test_a_zone_is_named_in_the_readers_language(zone: str, language: str, name: str) -> None:
    assert zone_name(zone, language) == name
