"""PUT/GET /api/appointments/{id}/visit-note/: the visit's doctor writes and amends its note;
its patient, that doctor and admins read it; everyone else (the desk too) is answered 404."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from scheduler.adapters.audit.models import AuditEntry
from scheduler.adapters.orm import models as rows
from scheduler.domain import visit_notes
from tests import factories
from tests.e2e.conftest import Client

pytestmark = pytest.mark.django_db

PILL = {
    "drug": "Amoxicillin 500 mg",
    "dose": "1 capsule",
    "frequency": "3 a day",
    "duration": "7 days",
}
NOTE: dict[str, Any] = {
    "summary": "Acute sinusitis.\nNo fever.",
    "instructions": "Rest, drink fluids.",
    "prescriptions": [PILL, {**PILL, "drug": "Ibuprofen 400 mg", "frequency": "when needed"}],
}


def url(visit: rows.Appointment) -> str:
    return f"/api/appointments/{visit.pk}/visit-note/"


def yesterday(clinic: rows.Clinic) -> datetime:
    zone = ZoneInfo(clinic.timezone)
    day = datetime.now(zone).date() - timedelta(days=1)
    return datetime(day.year, day.month, day.day, 10, tzinfo=zone)


@pytest.fixture
def visit(doctor: rows.Doctor, patient: rows.Patient) -> rows.Appointment:
    """The patient's visit of yesterday morning, completed."""
    return factories.appointment(
        doctor, patient, yesterday(doctor.clinics.get()), status="fulfilled"
    )


def test_the_doctor_writes_the_note_and_amends_it(
    as_doctor: APIClient, visit: rows.Appointment
) -> None:
    written = as_doctor.put(url(visit), NOTE, format="json")
    assert written.status_code == 200, written.json()
    body = written.json()
    assert body["summary"] == NOTE["summary"] and body["prescriptions"] == NOTE["prescriptions"]
    assert (body["version"], body["amended_at"], body["follow_up_start"]) == (1, None, None)

    amended = as_doctor.put(url(visit), {**NOTE, "prescriptions": []}, format="json")
    assert amended.status_code == 200
    assert amended.json()["version"] == 2 and amended.json()["prescriptions"] == []
    assert amended.json()["amended_at"] is not None
    types = list(rows.StoredEvent.objects.order_by("created_at").values_list("type", flat=True))
    assert types == ["VisitNoteWritten", "VisitNoteAmended"]
    # Each writing is on the trail, by whom; the words are not.
    trail = AuditEntry.objects.filter(object_type="visit_note", object_id=str(visit.pk)).order_by(
        "at"
    )
    assert list(trail.values_list("action", "actor_id")) == [
        ("VisitNoteWritten", visit.doctor.user_id),
        ("VisitNoteAmended", visit.doctor.user_id),
    ]
    assert "sinusitis" not in str(list(rows.StoredEvent.objects.values_list("payload", flat=True)))


def test_a_follow_up_is_proposed_on_a_free_slot(
    as_doctor: APIClient, visit: rows.Appointment
) -> None:
    start = factories.slot_start(visit.clinic, days_ahead=7, hour=11)
    response = as_doctor.put(
        url(visit), {**NOTE, "follow_up_start": start.isoformat()}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert datetime.fromisoformat(response.json()["follow_up_start"]) == start

    off_grid = start.replace(minute=10)
    refused = as_doctor.put(
        url(visit), {**NOTE, "follow_up_start": off_grid.isoformat()}, format="json"
    )
    assert refused.status_code == 400 and "follow_up_start" in refused.json()
    assert rows.VisitNote.objects.get(pk=visit.pk).follow_up_start == start


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"summary": "  "}, "summary"),
        ({"summary": "x" * (visit_notes.MAX_SUMMARY + 1)}, "summary"),
        ({"instructions": "x" * (visit_notes.MAX_INSTRUCTIONS + 1)}, "instructions"),
        ({"prescriptions": [PILL] * (visit_notes.MAX_PRESCRIPTIONS + 1)}, "prescriptions"),
        ({"prescriptions": [PILL, {**PILL, "dose": ""}]}, "prescriptions.1.dose"),
        ({"prescriptions": [{**PILL, "drug": "x" * 201}]}, "prescriptions"),
        ({"prescriptions": "aspirin"}, "prescriptions"),
        ({"follow_up_start": "2026-13-01T10:00"}, "follow_up_start"),
        ({"follow_up_start": "2020-01-01T10:00:00+03:30"}, "follow_up_start"),
        ({"summary": "bad\x00byte"}, "summary"),
    ],
)
def test_bad_input_is_a_400_with_the_field_and_writes_nothing(
    as_doctor: APIClient, visit: rows.Appointment, changes: dict[str, Any], field: str
) -> None:
    response = as_doctor.put(url(visit), {**NOTE, **changes}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not rows.VisitNote.objects.exists() and not rows.StoredEvent.objects.exists()


def test_no_note_before_the_visit_is_completed(
    as_doctor: APIClient, doctor: rows.Doctor, patient: rows.Patient
) -> None:
    ahead = factories.appointment(doctor, patient, factories.slot_start(doctor.clinics.get()))
    response = as_doctor.put(url(ahead), NOTE, format="json")
    assert response.status_code == 409
    assert not rows.VisitNote.objects.exists()


def test_who_reads_and_who_writes(
    client_for: Client,
    as_doctor: APIClient,
    visit: rows.Appointment,
    patient: rows.Patient,
    other_patient: rows.Patient,
    clinic: rows.Clinic,
) -> None:
    assert as_doctor.get(url(visit)).status_code == 404  # no note yet
    assert as_doctor.put(url(visit), NOTE, format="json").status_code == 200
    other_clinic = factories.clinic()
    people: dict[str, rows.User | None] = {
        "patient": patient.user,
        "doctor": visit.doctor.user,
        "admin": factories.admin(),
        "other patient": other_patient.user,
        "other doctor": factories.doctor(clinic).user,
        "unverified doctor": factories.doctor(clinic, verified=False).user,
        "desk of the clinic": factories.receptionist(clinic).user,
        "desk elsewhere": factories.receptionist(other_clinic).user,
        "anonymous": None,
    }
    readers = {"patient", "doctor", "admin"}
    for who, user in people.items():
        client = client_for(user)
        read = client.get(url(visit))
        expected = 200 if who in readers else (401 if user is None else 404)
        assert read.status_code == expected, who
        if who in readers:
            assert read.json()["summary"] in (NOTE["summary"], "changed")
        else:
            assert "summary" not in read.json()
        wrote = client.put(url(visit), {**NOTE, "summary": "changed"}, format="json")
        expected = {"doctor": 200, "patient": 403, "admin": 403}.get(
            who, 401 if user is None else 404
        )
        assert wrote.status_code == expected, who
    assert rows.VisitNote.objects.get(pk=visit.pk).version == 2


def test_the_unverified_visits_own_doctor_reaches_nothing(
    client_for: Client, visit: rows.Appointment, as_doctor: APIClient
) -> None:
    as_doctor.put(url(visit), NOTE, format="json")
    rows.Doctor.objects.filter(pk=visit.doctor_id).update(verified=False)
    unverified = client_for(visit.doctor.user)
    assert unverified.get(url(visit)).status_code == 404
    assert unverified.put(url(visit), NOTE, format="json").status_code == 404


def test_reads_by_others_than_the_patient_are_on_the_trail(
    client_for: Client, as_doctor: APIClient, as_patient: APIClient, visit: rows.Appointment
) -> None:
    as_doctor.put(url(visit), NOTE, format="json")
    as_patient.get(url(visit))
    as_doctor.get(url(visit))
    reads = AuditEntry.objects.filter(action="visit_note.read", object_id=str(visit.pk))
    assert list(reads.values_list("actor_id", flat=True)) == [visit.doctor.user_id]


def test_an_unknown_visit_is_404(as_doctor: APIClient) -> None:
    missing = "/api/appointments/00000000-0000-4000-8000-000000000000/visit-note/"
    assert as_doctor.get(missing).status_code == 404
    assert as_doctor.put(missing, NOTE, format="json").status_code == 404
