"""Each statistics section as one tidy table (a row per observation, a column per variable):
what a CSV export holds, one section to a file, for a spreadsheet to sort and pivot."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from scheduler.adapters.orm import statistics as stats
from scheduler.domain.schedule import WEEKDAY_NAMES

Table = tuple[list[Promise], list[list[Any]]]


def _volume(window: stats.Window) -> Table:
    found = stats.volume(window)
    keys = {
        "clinic": ("clinic_id", "clinic"),
        "doctor": ("doctor_id", "doctor"),
        "specialty": ("specialty", "specialty_name"),
    }
    lines = [
        [row["period"], by, row[key], row[name], row["count"]]
        for by, (key, name) in keys.items()
        for row in found[by]
    ]
    return [_("period"), _("by"), _("id"), _("name"), _("appointments")], lines


def _status_mix(window: stats.Window) -> Table:
    return [_("status"), _("cancelled by"), _("appointments")], [
        [row["status"], row["cancelled_by"], row["count"]] for row in stats.status_mix(window)
    ]


def _lead_time(window: stats.Window) -> Table:
    return [_("days ahead"), _("appointments")], [
        [row["days"], row["count"]] for row in stats.lead_time(window)["buckets"]
    ]


def _utilisation(window: stats.Window) -> Table:
    return [
        _("doctor"),
        _("clinic"),
        _("booked minutes"),
        _("offered minutes"),
        _("utilisation"),
    ], [
        [
            row["doctor"],
            row["clinic"],
            row["booked_minutes"],
            row["offered_minutes"],
            row["utilisation"],
        ]
        for row in stats.utilisation(window)
    ]


def _busy_hours(window: stats.Window) -> Table:
    return [_("weekday"), _("hour"), _("appointments")], [
        [WEEKDAY_NAMES[row["weekday"] - 1], row["hour"], row["count"]]
        for row in stats.busy_hours(window)
    ]


def _new_patients(window: stats.Window) -> Table:
    return [_("week"), _("new patients")], [
        [row["week"], row["count"]] for row in stats.new_patients(window)
    ]


def _notifications(window: stats.Window) -> Table:
    columns = ("channel", "queued", "sent", "failed", "skipped", "delivery_rate")
    return [
        _("channel"),
        _("queued"),
        _("sent"),
        _("failed"),
        _("skipped"),
        _("delivery rate"),
    ], [[row[column] for column in columns] for row in stats.notification_delivery(window)]


def _ratings(window: stats.Window) -> Table:
    columns = ("doctor_id", "doctor", "stars", "hidden", "count")
    return [_("doctor id"), _("doctor"), _("stars"), _("hidden"), _("reviews")], [
        [row[column] for column in columns] for row in stats.ratings(window)
    ]


TABLES: dict[str, Callable[[stats.Window], Table]] = {
    "volume": _volume,
    "status_mix": _status_mix,
    "lead_time": _lead_time,
    "utilisation": _utilisation,
    "busy_hours": _busy_hours,
    "new_patients": _new_patients,
    "notifications": _notifications,
    "ratings": _ratings,
}


def table(section: str, window: stats.Window) -> tuple[list[str], list[list[Any]]]:
    """The section's column names, in the request's language, and its rows."""
    header, lines = TABLES[section](window)
    return [str(name) for name in header], lines
