"""Appointments as iCalendar (RFC 5545), for calendar apps: one booking to download, or a
private feed to subscribe to. One builder for both, so an event looks the same either way and a
calendar app that has it from both recognises it as one (same UID).

A patient's event names their doctor and says their own reason; a doctor's names the patient
and keeps the reason out (the feed ends up in some calendar provider's cloud; the reason stays
in Nobat, a click away). Times are UTC instants: every app shows them on its own clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from enum import Enum

from django.utils import translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from scheduler.adapters.orm import models as rows
from scheduler.domain.appointment import Status

PRODUCT = "-//Nobat//Appointments//EN"

# How often a subscribed app should read a feed again (where it honours the hint): RFC 7986's
# property, and Outlook's and Apple's older one, which they read as written.
REFRESH = timedelta(hours=1)

_TENTATIVE = frozenset({Status.PENDING})
_CANCELLED = frozenset({Status.CANCELLED, Status.REJECTED})


class Seen(Enum):
    """Whose calendar the events go into."""

    BY_PATIENT = "patient"
    BY_DOCTOR = "doctor"


def uid_of(appointment: rows.Appointment) -> str:
    """Stable for the appointment's life: a move or a cancellation updates the same event."""
    return f"appointment-{appointment.pk}@nobat"


def calendar_of(
    appointments: Iterable[rows.Appointment],
    *,
    seen: Seen,
    language: str,
    feed: bool = False,
) -> bytes:
    """The calendar, in ``language``: a subscribed feed (named, with a refresh hint), or a
    one-off download (METHOD:PUBLISH)."""
    with translation.override(language):
        calendar = Calendar()
        calendar.add("prodid", PRODUCT)
        calendar.add("version", "2.0")
        if feed:
            calendar.add("x-wr-calname", _("Nobat visits"))
            calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
            calendar.add("x-published-ttl", "PT1H")
        else:
            calendar.add("method", "PUBLISH")
        for appointment in appointments:
            calendar.add_component(_event(appointment, seen))
        return bytes(calendar.to_ical())


def _event(appointment: rows.Appointment, seen: Seen) -> Event:
    clinic = appointment.clinic
    event = Event()
    event.add("uid", uid_of(appointment))
    event.add("dtstamp", appointment.updated_at)
    event.add("last-modified", appointment.updated_at)
    event.add("dtstart", appointment.start)
    event.add("dtend", appointment.end)
    event.add("sequence", appointment.version)
    event.add("status", _status(appointment.status))
    place = ", ".join(part for part in (clinic.name, clinic.address, clinic.city) if part)
    event.add("location", place)
    status_line = _("Status: %(status)s") % {"status": rows.STATUS_LABELS[appointment.status]}
    # A family member's visit says whose it is: the holder may book for several.
    person = appointment.dependant
    if seen is Seen.BY_PATIENT:
        if person is None:
            summary = _("Visit with Dr %(doctor)s") % {"doctor": appointment.doctor}
        else:
            summary = _("Visit with Dr %(doctor)s for %(person)s") % {
                "doctor": appointment.doctor,
                "person": person,
            }
        event.add("summary", summary)
        lines = [status_line]
        if appointment.reason:
            lines.insert(0, _("Reason: %(reason)s") % {"reason": appointment.reason})
        if person is not None:
            lines.insert(0, _for_line(person))
        event.add("description", "\n".join(lines))
    else:
        patient = appointment.patient.user.display_name()
        if person is not None:
            patient = str(person)
        event.add("summary", _("Visit: %(patient)s") % {"patient": patient})
        lines = [status_line] if person is None else [_for_line(person), status_line]
        event.add("description", "\n".join(lines))
    return event


def _for_line(person: rows.Dependant) -> str:
    return _("For: %(name)s (%(relation)s)") % {
        "name": person,
        "relation": person.get_relation_display(),
    }


def _status(status: str) -> str:
    if status in _CANCELLED:
        return "CANCELLED"
    if status in _TENTATIVE:
        return "TENTATIVE"
    return "CONFIRMED"
