"""Everything Nobat keeps about one person, as one JSON-ready document: their profile, their
visits (with each step, and whether it was theirs), the messages sent to them, their channels,
and for a doctor their practice and calendar connection. Of other people only the names of
their own visits' doctors and clinics: the steps say "by you" or not, never who else. No
secrets: no password hash, no calendar tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scheduler.adapters.gcal.models import CalendarConnection
from scheduler.adapters.notify.models import ContactPreference, Notification
from scheduler.adapters.orm import models as rows

FORMAT = "nobat.personal-data/1"


def export(user: rows.User, *, now: datetime) -> dict[str, Any]:
    document: dict[str, Any] = {
        "format": FORMAT,
        "exported_at": now.isoformat(),
        "profile": {
            "id": user.pk,
            "username": user.username,
            "email": user.email,
            "email_verified": user.email_verified,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "phone": user.phone,
            "role": user.role,
            "language": user.language,
            "date_joined": _when(user.date_joined),
            "last_login": _when(user.last_login),
        },
        "contact_preferences": _contact(user),
        "appointments": _appointments(user),
        "family_members": _family(user),
        "notifications": _notifications(user),
        "reviews": _reviews(user),
    }
    patient = rows.Patient.objects.filter(user=user).select_related("added_at").first()
    if patient is not None and patient.added_at is not None:
        document["profile"]["added_by_clinic"] = patient.added_at.name  # its desk added them
    doctor = rows.Doctor.objects.filter(user=user).select_related("specialty").first()
    if doctor is not None:
        document["doctor"] = _practice(doctor)
    return document


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _contact(user: rows.User) -> dict[str, bool] | None:
    found = ContactPreference.objects.filter(user=user).first()
    return None if found is None else {"email": found.email, "sms": found.sms}


def _family(user: rows.User) -> list[dict[str, Any]]:
    """The family members the patient keeps on their account (removed ones too: still named
    on the visits booked for them)."""
    return [
        {
            "id": row.pk,
            "first_name": row.first_name,
            "last_name": row.last_name,
            "birth_date": row.birth_date.isoformat(),
            "relation": row.relation,
            "active": row.active,
        }
        for row in rows.Dependant.objects.filter(patient__user=user).order_by("pk")
    ]


def _reviews(user: rows.User) -> list[dict[str, Any]]:
    """The reviews the user wrote, hidden ones too (with the doctors' replies)."""
    return [
        {
            "id": str(row.pk),
            "appointment_id": str(row.appointment_id),
            "doctor_id": row.doctor_id,
            "stars": row.stars,
            "text": row.text,
            "written_at": _when(row.written_at),
            "edited_at": _when(row.edited_at),
            "reply": row.reply,
            "hidden": row.hidden,
        }
        for row in rows.Review.objects.filter(author=user).order_by("written_at", "pk")
    ]


def _appointments(user: rows.User) -> list[dict[str, Any]]:
    visits = (
        rows.Appointment.objects.filter(patient__user=user)
        .select_related("doctor__user", "clinic")
        .prefetch_related("history")
        .order_by("start")
    )
    return [
        {
            "id": str(visit.pk),
            "doctor": visit.doctor.user.display_name(),
            "clinic": visit.clinic.name,
            "start": _when(visit.start),
            "end": _when(visit.end),
            "status": visit.status,
            "reason": visit.reason,
            "booked_at": _when(visit.created_at),
            "history": [
                {
                    "at": _when(step.at),
                    "action": step.action,
                    "from_status": step.from_status,
                    "to_status": step.to_status,
                    "note": step.note,
                    "by_you": step.actor_id == user.pk,
                }
                for step in sorted(visit.history.all(), key=lambda s: s.seq)
            ],
        }
        for visit in visits
    ]


def _notifications(user: rows.User) -> list[dict[str, Any]]:
    return [
        {
            "appointment_id": str(row.appointment_id),
            "kind": row.kind,
            "channel": row.channel,
            "address": row.address,
            "status": row.status,
            "scheduled_for": _when(row.scheduled_for),
            "sent_at": _when(row.sent_at),
        }
        for row in Notification.objects.filter(recipient=user).order_by("scheduled_for", "pk")
    ]


def _practice(doctor: rows.Doctor) -> dict[str, Any]:
    connection = CalendarConnection.objects.filter(doctor=doctor).first()
    return {
        "id": doctor.pk,
        "specialty": doctor.specialty.name,
        "licence_number": doctor.licence_number,
        "verified": doctor.verified,
        "bio": doctor.bio,
        "clinics": sorted(doctor.clinics.values_list("name", flat=True)),
        "calendar_connection": None
        if connection is None
        else {
            "account": connection.account,
            "target_calendar": connection.target_calendar,
            "detail": connection.detail,
            "state": connection.state,
            "connected_at": _when(connection.connected_at),
            "calendars": sorted(connection.feeds.values_list("summary", flat=True)),
        },
    }
