from __future__ import annotations

import io

import pytest

from scheduler.adapters.orm import models as rows
from scheduler.entrypoints import demo_seed

pytestmark = pytest.mark.django_db


def test_the_demo_clinic_is_seeded_once_with_bookings_made_through_the_use_cases() -> None:
    demo_seed.seed(out=io.StringIO())
    counts = (
        rows.Clinic.objects.count(),
        rows.Doctor.objects.count(),
        rows.Specialty.objects.count(),
        rows.Patient.objects.count(),
        rows.Receptionist.objects.count(),
        rows.Appointment.objects.count(),
    )

    second = io.StringIO()
    demo_seed.seed(out=second)

    assert counts[:5] == (2, 6, 4, 20, 1)
    assert counts[5] > 0
    assert "already there" in second.getvalue()
    assert rows.Appointment.objects.count() == counts[5]
    # every booking has its history line and its stored event; each schedule set, its own
    assert rows.AppointmentChange.objects.count() == counts[5]
    appointment_events = rows.StoredEvent.objects.filter(type__startswith="Appointment")
    assert appointment_events.count() == counts[5]
    # people came in through the use cases too: 6 doctors and 20 patients signed up, 6 verified
    assert rows.StoredEvent.objects.filter(type="UserRegistered").count() == 26
    assert rows.StoredEvent.objects.filter(type="DoctorVerified").count() == 6
    # ...and confirmed their email addresses, so a forgotten password can be reset in the demo
    assert rows.StoredEvent.objects.filter(type="EmailVerified").count() == 26
    assert not rows.User.objects.filter(email_verified=False).exists()
    assert rows.StoredEvent.objects.filter(type="AvailabilityChanged").count() == (
        rows.Schedule.objects.count()
    )
    assert rows.User.objects.get(username="admin").is_superuser
