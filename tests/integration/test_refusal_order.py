"""A taken slot is told where the store's guards would tell it, at the commit, though it is
now found before the writes: every other refusal of the booking comes first, and the
alternatives offered are the slots as stored, not as the refused attempt had changed them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scheduler.adapters.orm import models as rows
from scheduler.config.bootstrap import build_bus
from scheduler.domain.appointment import VisitMode
from scheduler.domain.errors import DomainError, SlotTaken
from scheduler.services import commands
from tests import factories

pytestmark = pytest.mark.django_db


def _refusal(command: commands.Command) -> DomainError:
    with pytest.raises(DomainError) as refused:
        build_bus().handle(command)
    return refused.value


def test_a_patient_barred_by_no_shows_is_told_so_on_a_taken_slot_too() -> None:
    doctor = factories.doctor()
    clinic = doctor.clinics.get()
    rows.Clinic.objects.filter(pk=clinic.pk).update(
        no_show_limit=1, no_show_consequence="no_online_booking"
    )
    barred, other = factories.patient(), factories.patient()
    factories.appointment(
        doctor, barred, factories.slot_start(clinic, days_ahead=-3, hour=10), status="noshow"
    )
    build_bus().handle(factories.booking(doctor, other))

    refused = _refusal(factories.booking(doctor, barred))

    assert refused.code == "no_show_limit"  # not a 409 offering slots they cannot book


def test_a_video_visit_where_none_is_offered_is_told_so_on_a_taken_slot_too() -> None:
    doctor = factories.doctor()
    build_bus().handle(factories.booking(doctor, factories.patient()))
    video = factories.booking(doctor, factories.patient())

    refused = _refusal(commands.BookAppointment(**{**vars(video), "visit_mode": VisitMode.VIDEO}))

    assert not isinstance(refused, SlotTaken)
    assert refused.details.get("field") == "visit_mode"


def test_the_alternatives_to_a_taken_slot_leave_out_the_patients_own_review_hold() -> None:
    """Booking another slot lets the patient's review hold go, but only if the booking is
    made: refused, the hold still keeps its slot, and is no alternative to offer."""
    doctor = factories.doctor()
    start = factories.slot_start(doctor.clinics.get(), hour=10)
    patient = factories.patient()
    build_bus().handle(factories.booking(doctor, factories.patient()))
    build_bus().handle(
        commands.HoldSlot(
            actor=factories.actor_of(patient),
            doctor_id=doctor.pk,
            clinic_id=doctor.clinics.get().pk,
            start=start + timedelta(minutes=30),
        )
    )

    refused = _refusal(factories.booking(doctor, patient))

    assert isinstance(refused, SlotTaken)
    offered = [slot.start for slot in refused.details["alternatives"]]
    assert offered == [start + timedelta(minutes=minutes) for minutes in (60, 90, 120)]
    assert rows.Appointment.every.filter(status="proposed").count() == 1
