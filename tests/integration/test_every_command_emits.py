"""Every command the bus knows commits its events to the outbox and to the audit trail, in the
transaction of its change, on the real unit of work: a command added without a sample here
fails the first test."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
from django.contrib.auth.tokens import default_token_generator
from PIL import Image

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
from tests.unit.test_documents import PDF

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


def forgive_no_show(world: Clinic) -> commands.Command:
    build_bus(clock=world.at_visit()).handle(
        commands.MarkNoShow(actor=world.desk, appointment_id=world.visit)
    )
    return commands.ForgiveNoShow(actor=world.desk, appointment_id=world.visit, reason="Ill")


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


def fulfilled(world: Clinic) -> uuid.UUID:
    """A visit of the patient's that took place last week."""
    return factories.appointment(
        world.doctor,
        world.patient,
        factories.slot_start(world.clinic, days_ahead=-7),
        status="fulfilled",
    ).pk


def reviewed(world: Clinic) -> uuid.UUID:
    """The review the patient wrote of that visit."""
    review_id: uuid.UUID = build_bus().handle(
        commands.WriteVisitReview(
            actor=factories.actor_of(world.patient), appointment_id=fulfilled(world), stars=4
        )
    )
    return review_id


def hidden(world: Clinic) -> uuid.UUID:
    review_id = reviewed(world)
    build_bus().handle(commands.HideReview(actor=world.admin, review_id=review_id, reason="x"))
    return review_id


def a_photo() -> bytes:
    picture = io.BytesIO()
    Image.new("RGB", (40, 40), "teal").save(picture, "PNG")
    return picture.getvalue()


def set_photo(world: Clinic) -> commands.Command:
    return commands.SetDoctorPhoto(actor=factories.actor_of(world.doctor), content=a_photo())


def remove_photo(world: Clinic) -> commands.Command:
    build_bus().handle(set_photo(world))
    return commands.RemoveDoctorPhoto(actor=factories.actor_of(world.doctor))


def revoke_feed(world: Clinic) -> commands.Command:
    actor = factories.actor_of(world.patient)
    build_bus().handle(commands.CreateCalendarFeed(actor=actor))
    return commands.RevokeCalendarFeed(actor=actor)


# command -> (a sample that succeeds, the clock it runs at, the events it must commit)


def hold_slot(w: Clinic) -> commands.HoldSlot:
    """The patient opens the booking dialog on the doctor's 11:00 slot."""
    booking = factories.booking(w.doctor, w.patient, hour=11)
    return commands.HoldSlot(
        actor=booking.actor,
        doctor_id=booking.doctor_id,
        clinic_id=booking.clinic_id,
        start=booking.start,
    )


def join(w: Clinic, patient: rows.Patient | None = None) -> commands.JoinWaitlist:
    """A patient (another than the visit's, unless given) waits for the morning of the visit."""
    return factories.waiting(w.doctor, patient or factories.patient())


def offered(w: Clinic) -> tuple[Actor, uuid.UUID]:
    """The visit cancelled, its slot offered to the one waiting: their actor and the offer."""
    waiting = join(w)
    build_bus().handle(waiting)
    build_bus().handle(
        commands.CancelAppointment(actor=factories.actor_of(w.patient), appointment_id=w.visit)
    )
    build_bus().handle(
        commands.OfferFreedSlots(
            doctor_id=w.doctor.pk, start=w.start, end=w.start + timedelta(minutes=30)
        )
    )
    return waiting.actor, rows.WaitlistOffer.objects.get().pk


def move_up(w: Clinic) -> commands.MoveWaitlistEntry:
    build_bus().handle(join(w))
    second = build_bus().handle(join(w))
    return commands.MoveWaitlistEntry(
        actor=w.desk, doctor_id=w.doctor.pk, entry_id=second, direction="up", reason="Urgent"
    )


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
    commands.AddDependant: (
        lambda w: commands.AddDependant(
            actor=factories.actor_of(w.patient),
            first_name="Arash",
            last_name="Karimi",
            birth_date=date(2019, 4, 2),
            relation="child",
        ),
        False,
        {"DependantAdded"},
    ),
    commands.UpdateDependant: (
        lambda w: commands.UpdateDependant(
            actor=factories.actor_of(w.patient),
            dependant_id=family_member(w),
            first_name="Arshia",
            last_name="Karimi",
            birth_date=date(2019, 4, 2),
            relation="child",
        ),
        False,
        {"DependantUpdated"},
    ),
    commands.RemoveDependant: (
        lambda w: commands.RemoveDependant(
            actor=factories.actor_of(w.patient), dependant_id=family_member(w)
        ),
        False,
        {"DependantRemoved"},
    ),
    commands.ChooseCalendars: (choose_calendars, False, {"CalendarsChosen"}),
    commands.SetDoctorPhoto: (set_photo, False, {"ProfileUpdated"}),
    commands.RemoveDoctorPhoto: (remove_photo, False, {"ProfileUpdated"}),
    commands.CreateCalendarFeed: (
        lambda w: commands.CreateCalendarFeed(actor=factories.actor_of(w.patient)),
        False,
        {"CalendarFeedCreated"},
    ),
    commands.RevokeCalendarFeed: (revoke_feed, False, {"CalendarFeedRevoked"}),
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
    commands.HoldSlot: (hold_slot, False, {"SlotHeld"}),
    commands.ReleaseHold: (
        lambda w: commands.ReleaseHold(
            actor=factories.actor_of(w.patient), hold_id=build_bus().handle(hold_slot(w)).hold_id
        ),
        False,
        {"HoldReleased"},
    ),
    commands.ReleaseExpiredHolds: (
        # Held now, swept at the visit two days later: long expired.
        lambda w: build_bus().handle(hold_slot(w)) and commands.ReleaseExpiredHolds(),
        True,
        {"HoldReleased"},
    ),
    commands.ForgiveNoShow: (forgive_no_show, True, {"NoShowForgiven"}),
    commands.WriteVisitReview: (
        lambda w: commands.WriteVisitReview(
            actor=factories.actor_of(w.patient), appointment_id=fulfilled(w), stars=5
        ),
        False,
        {"ReviewWritten"},
    ),
    commands.EditVisitReview: (
        lambda w: commands.EditVisitReview(
            actor=factories.actor_of(w.patient),
            appointment_id=rows.Review.objects.get(pk=reviewed(w)).appointment_id,
            stars=2,
        ),
        False,
        {"ReviewEdited"},
    ),
    commands.ReplyToReview: (
        lambda w: commands.ReplyToReview(actor=w.doctor_actor, review_id=reviewed(w), text="Hi"),
        False,
        {"ReviewReplied"},
    ),
    commands.HideReview: (
        lambda w: commands.HideReview(actor=w.admin, review_id=reviewed(w), reason="Rude"),
        False,
        {"ReviewHidden"},
    ),
    commands.ShowReview: (
        lambda w: commands.ShowReview(actor=w.admin, review_id=hidden(w)),
        False,
        {"ReviewShown"},
    ),
    commands.WriteVisitNote: (lambda w: write_note(w), True, {"VisitNoteWritten"}),
    commands.AttachDocument: (
        lambda w: commands.AttachDocument(
            actor=factories.actor_of(w.patient), appointment_id=w.visit, name="a.pdf", content=PDF
        ),
        False,
        {"DocumentAttached"},
    ),
    commands.RemoveDocument: (
        lambda w: commands.RemoveDocument(
            actor=factories.actor_of(w.patient),
            appointment_id=w.visit,
            document_id=build_bus().handle(
                commands.AttachDocument(
                    actor=factories.actor_of(w.patient),
                    appointment_id=w.visit,
                    name="a.pdf",
                    content=PDF,
                )
            ),
        ),
        False,
        {"DocumentRemoved"},
    ),
    commands.JoinWaitlist: (join, False, {"JoinedWaitlist"}),
    commands.LeaveWaitlist: (
        lambda w: commands.LeaveWaitlist(
            actor=factories.actor_of(w.patient), entry_id=build_bus().handle(join(w, w.patient))
        ),
        False,
        {"LeftWaitlist"},
    ),
    commands.MoveWaitlistEntry: (move_up, False, {"WaitlistEntryMoved"}),
    commands.OfferFreedSlots: (
        lambda w: (
            build_bus().handle(join(w))
            and build_bus().handle(
                commands.CancelAppointment(
                    actor=factories.actor_of(w.patient), appointment_id=w.visit
                )
            )
            and commands.OfferFreedSlots(
                doctor_id=w.doctor.pk, start=w.start, end=w.start + timedelta(minutes=30)
            )
        ),
        False,
        {"SlotOffered", "SlotHeld"},
    ),
    commands.AcceptOffer: (
        lambda w: commands.AcceptOffer(actor=(o := offered(w))[0], offer_id=o[1]),
        False,
        {"OfferAccepted", "AppointmentBooked"},
    ),
    commands.DeclineOffer: (
        lambda w: commands.DeclineOffer(actor=(o := offered(w))[0], offer_id=o[1]),
        False,
        {"OfferDeclined", "HoldReleased"},
    ),
    commands.ExpireOffer: (
        # Offered now, its window over at the visit's time two days later.
        lambda w: commands.ExpireOffer(offer_id=offered(w)[1]),
        True,
        {"OfferDeclined", "HoldReleased"},
    ),
}


def write_note(world: Clinic) -> commands.Command:
    build_bus(clock=world.at_visit()).handle(
        commands.CompleteAppointment(actor=world.doctor_actor, appointment_id=world.visit)
    )
    return commands.WriteVisitNote(
        actor=world.doctor_actor,
        appointment_id=world.visit,
        summary="Well.",
        prescriptions=(
            {"drug": "Paracetamol", "dose": "1", "frequency": "2/day", "duration": "3 d"},
        ),
    )


def family_member(w: Clinic) -> int:
    return rows.Dependant.objects.create(
        patient=w.patient,
        first_name="Arash",
        last_name="Karimi",
        birth_date=date(2019, 4, 2),
        relation="child",
    ).pk


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
