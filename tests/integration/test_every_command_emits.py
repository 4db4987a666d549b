"""Every command the bus knows commits its events to the outbox and to the audit trail, in the
transaction of its change, on the real unit of work: a command added without a sample here
fails the first test."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import pytest
from django.contrib.auth.tokens import default_token_generator

from scheduler.adapters import account_tokens
from scheduler.adapters.audit.models import AuditEntry
from scheduler.adapters.gcal.models import CalendarConnection
from scheduler.adapters.orm import models as rows
from scheduler.config.bootstrap import build_bus, utc_now
from scheduler.domain.model import Actor, Role
from scheduler.services import commands
from scheduler.services.calendar_values import CalendarInfo
from scheduler.services.handlers import COMMAND_HANDLERS
from tests import factories

pytestmark = pytest.mark.django_db


@dataclass
class Clinic:
    """A doctor with a booked visit two days ahead, a patient, the desk and an admin."""

    clinic: rows.Clinic
    doctor: rows.Doctor
    patient: rows.Patient
    desk: Actor
    admin: Actor
    visit: uuid.UUID
    start: datetime

    @property
    def doctor_actor(self) -> Actor:
        return factories.actor_of(self.doctor)

    def at_visit(self) -> Callable[[], datetime]:
        return lambda: self.start + timedelta(minutes=5)


@pytest.fixture
def world() -> Clinic:
    clinic = factories.clinic()
    doctor = factories.doctor(clinic)
    patient = factories.patient()
    start = factories.slot_start(clinic)
    visit = build_bus().handle(factories.booking(doctor, patient)).appointment_id
    return Clinic(
        clinic=clinic,
        doctor=doctor,
        patient=patient,
        desk=factories.actor_of(factories.receptionist(clinic)),
        admin=factories.actor_of(factories.admin()),
        visit=visit,
        start=start,
    )


def pending(world: Clinic) -> commands.Command:
    """The doctor turns to confirming by hand; the patient asks for another slot."""
    world.doctor.schedules.update(requires_approval=True)
    asked = build_bus().handle(factories.booking(world.doctor, world.patient, hour=11))
    return commands.ConfirmAppointment(
        actor=world.doctor_actor, appointment_id=asked.appointment_id
    )


def reject(world: Clinic) -> commands.Command:
    confirm = pending(world)
    assert isinstance(confirm, commands.ConfirmAppointment)
    return commands.RejectAppointment(
        actor=world.doctor_actor, appointment_id=confirm.appointment_id, reason="full"
    )


def undo(world: Clinic) -> commands.Command:
    clock = world.at_visit()
    build_bus(clock=clock).handle(
        commands.CheckInAppointment(actor=world.desk, appointment_id=world.visit)
    )
    return commands.UndoAppointmentChange(actor=world.desk, appointment_id=world.visit)


def start(world: Clinic) -> commands.Command:
    build_bus(clock=world.at_visit()).handle(
        commands.CheckInAppointment(actor=world.desk, appointment_id=world.visit)
    )
    return commands.StartConsultation(actor=world.doctor_actor, appointment_id=world.visit)


def remove_time_off(world: Clinic) -> commands.Command:
    start = world.start + timedelta(days=3)
    added = build_bus().handle(
        commands.AddTimeOff(
            actor=world.doctor_actor,
            doctor_id=world.doctor.pk,
            start=start,
            end=start + timedelta(hours=2),
        )
    )
    return commands.RemoveTimeOff(
        actor=world.doctor_actor, doctor_id=world.doctor.pk, time_off_id=added.time_off_id
    )


def choose_calendars(world: Clinic) -> commands.Command:
    CalendarConnection.objects.create(doctor=world.doctor, refresh_token="sealed")
    return commands.ChooseCalendars(
        actor=world.doctor_actor,
        doctor_id=world.doctor.pk,
        target_calendar="primary",
        busy_calendars=("primary",),
        detail="none",
        listed=(CalendarInfo("primary", "Me", primary=True, writable=True),),
    )


def unverified(world: Clinic) -> commands.Command:
    world.doctor.__class__.objects.filter(pk=world.doctor.pk).update(verified=False)
    return commands.VerifyDoctor(actor=world.admin, doctor_id=world.doctor.pk)


def hours(world: Clinic) -> commands.Command:
    spans, breaks = commands.every_week(range(7), hours=(time(9), time(18)))
    return commands.ReplaceSchedule(
        actor=world.doctor_actor,
        doctor_id=world.doctor.pk,
        clinic_id=world.clinic.pk,
        hours=spans,
        breaks=breaks,
    )


def reset_password(world: Clinic) -> commands.Command:
    user = world.patient.user
    return commands.ResetPassword(
        user_id=user.pk,
        token=default_token_generator.make_token(user),
        new_password="a new long secret",
    )


def change_password(world: Clinic) -> commands.Command:
    return commands.ChangePassword(
        actor=factories.actor_of(world.patient),
        current_password=factories.PASSWORD,
        new_password="a new long secret",
    )


def verify_email(world: Clinic) -> commands.Command:
    return commands.VerifyEmail(token=account_tokens.verification_token_of(world.patient.user))


def forget_patient(world: Clinic) -> commands.Command:
    return commands.ForgetPatient(
        actor=factories.actor_of(world.patient), password=factories.PASSWORD
    )


# command -> (a sample that succeeds, the clock it runs at, the events it must commit)
SAMPLES: dict[
    type[commands.Command], tuple[Callable[[Clinic], commands.Command], bool, set[str]]
] = {
    commands.BookAppointment: (
        lambda w: factories.booking(w.doctor, w.patient, hour=15),
        False,
        {"AppointmentBooked"},
    ),
    commands.RescheduleAppointment: (
        lambda w: commands.RescheduleAppointment(
            actor=factories.actor_of(w.patient),
            appointment_id=w.visit,
            start=w.start + timedelta(hours=1),
        ),
        False,
        {"AppointmentRescheduled"},
    ),
    commands.ConfirmAppointment: (pending, False, {"AppointmentConfirmed"}),
    commands.RejectAppointment: (reject, False, {"AppointmentRejected"}),
    commands.CancelAppointment: (
        lambda w: commands.CancelAppointment(actor=w.desk, appointment_id=w.visit, reason="ill"),
        False,
        {"AppointmentCancelled"},
    ),
    commands.CheckInAppointment: (
        lambda w: commands.CheckInAppointment(actor=w.desk, appointment_id=w.visit),
        True,
        {"AppointmentCheckedIn"},
    ),
    commands.StartConsultation: (start, True, {"AppointmentStarted"}),
    commands.CompleteAppointment: (
        lambda w: commands.CompleteAppointment(actor=w.doctor_actor, appointment_id=w.visit),
        True,
        {"AppointmentCompleted"},
    ),
    commands.MarkNoShow: (
        lambda w: commands.MarkNoShow(actor=w.desk, appointment_id=w.visit),
        True,
        {"AppointmentMarkedNoShow"},
    ),
    commands.UndoAppointmentChange: (undo, True, {"AppointmentReverted"}),
    commands.ReplaceSchedule: (hours, False, {"AvailabilityChanged"}),
    commands.AddTimeOff: (
        lambda w: commands.AddTimeOff(
            actor=w.doctor_actor,
            doctor_id=w.doctor.pk,
            start=w.start + timedelta(days=3),
            end=w.start + timedelta(days=4),
        ),
        False,
        {"AvailabilityChanged"},
    ),
    commands.RemoveTimeOff: (remove_time_off, False, {"AvailabilityChanged"}),
    commands.RegisterUser: (
        lambda w: commands.RegisterUser(role=Role.PATIENT, username="new.one", password="x" * 12),
        False,
        {"UserRegistered"},
    ),
    commands.AddPatient: (
        lambda w: commands.AddPatient(actor=w.desk, first_name="Ali", last_name="Rezaei"),
        False,
        {"PatientAdded"},
    ),
    commands.UpdateProfile: (
        lambda w: commands.UpdateProfile(actor=factories.actor_of(w.patient), last_name="Nazari"),
        False,
        {"ProfileUpdated"},
    ),
    commands.VerifyDoctor: (unverified, False, {"DoctorVerified"}),
    commands.ChooseCalendars: (choose_calendars, False, {"CalendarsChosen"}),
    commands.RequestPasswordReset: (
        lambda w: commands.RequestPasswordReset(login=w.patient.user.username),
        False,
        {"PasswordResetRequested"},
    ),
    commands.ResetPassword: (reset_password, False, {"PasswordChanged"}),
    commands.ChangePassword: (change_password, False, {"PasswordChanged"}),
    commands.SetPassword: (
        lambda w: commands.SetPassword(
            actor=w.admin, user_id=w.patient.user_id, new_password="set by the admin 42"
        ),
        False,
        {"PasswordChanged"},
    ),
    commands.DeactivateUser: (
        lambda w: commands.DeactivateUser(actor=w.admin, user_id=w.patient.user_id),
        False,
        {"UserDeactivated"},
    ),
    commands.VerifyEmail: (verify_email, False, {"EmailVerified"}),
    commands.ResendVerification: (
        lambda w: commands.ResendVerification(actor=factories.actor_of(w.patient)),
        False,
        {"EmailVerificationRequested"},
    ),
    commands.ForgetPatient: (
        forget_patient,
        False,
        {"AppointmentCancelled", "PatientForgotten"},
    ),
}


def test_every_command_has_a_sample() -> None:
    assert set(SAMPLES) == set(COMMAND_HANDLERS)


@pytest.mark.parametrize("command_type", list(SAMPLES), ids=lambda t: t.__name__)
def test_the_command_commits_its_events_to_the_outbox_and_the_audit_trail(
    world: Clinic, command_type: type[commands.Command]
) -> None:
    make, at_visit, expected = SAMPLES[command_type]
    command = make(world)
    assert type(command) is command_type
    before = set(rows.StoredEvent.objects.values_list("pk", flat=True))

    build_bus(clock=world.at_visit() if at_visit else utc_now).handle(command)

    new = rows.StoredEvent.objects.exclude(pk__in=before)
    assert expected <= set(new.values_list("type", flat=True))
    assert all(row.delivery == rows.StoredEvent.Delivery.PENDING for row in new)
    audited = AuditEntry.objects.filter(detail__event_id__in=[str(row.pk) for row in new])
    assert sorted(audited.values_list("action", "detail__event_id")) == sorted(
        (row.type, str(row.pk)) for row in new
    )


def test_a_rule_that_reads_the_days_other_visits_keeps_the_change(world: Clinic) -> None:
    """The real unit of work hands out one aggregate per appointment: reading the doctor's day
    (one patient at a time) must not swap the visit being called in for a fresh copy."""
    command = start(world)

    build_bus(clock=world.at_visit()).handle(command)

    assert rows.Appointment.objects.get(pk=world.visit).status == "in_consultation"
