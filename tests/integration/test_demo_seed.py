from __future__ import annotations

import io

import pytest

from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm import repositories
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
    # every booking has its history line and its stored event, and so has Dr Karimi's one
    # confirmation (patient1's); each schedule set, its own
    assert rows.AppointmentChange.objects.count() == counts[5] + 1
    appointment_events = rows.StoredEvent.objects.filter(type__startswith="Appointment")
    assert appointment_events.count() == counts[5] + 1
    assert appointment_events.filter(type="AppointmentConfirmed").count() == 1
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
    # the search finds every doctor by name and shows their next free slot from the start
    assert not rows.Doctor.objects.filter(search_name="").exists()
    assert rows.NextFreeSlot.objects.count() == rows.Schedule.objects.count()
    assert rows.NextFreeSlot.objects.filter(start__isnull=False).exists()


def test_demo_doctors_have_pages_and_patients_records() -> None:
    demo_seed.seed(out=io.StringIO())

    pages = rows.Doctor.objects.exclude(bio="").exclude(languages="")
    assert pages.filter(years_of_experience__gt=0, consultation_fee__isnull=False).count() == 6
    assert not rows.Doctor.objects.filter(user__sex="").exists()
    assert rows.Patient.objects.filter(user__date_of_birth__isnull=False).count() == 15
    # through the use case, as the doctors and patients would: one event each, and one more
    # for Dr Karimi closing his list once the week's bookings are in
    assert rows.StoredEvent.objects.filter(type="ProfileUpdated").count() == 6 + 15 + 1
    karimi = rows.Doctor.objects.get(user__username="dr.karimi")
    assert not karimi.accepts_new_patients
    assert rows.Appointment.objects.filter(doctor=karimi).exists()
    # ...with one patient of his own, who can still send him a request (to try it out)
    patient1 = rows.Patient.objects.get(user__username="patient1")
    assert repositories.taken_on(patient1.pk, karimi.pk)
