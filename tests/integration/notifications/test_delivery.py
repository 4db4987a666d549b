"""Planning and delivery end to end: a change -> outbox relay -> log rows -> Dramatiq actor ->
mail (a real SMTP server on loopback) or SMS, at most once, and only while still true."""

from __future__ import annotations

import asyncio
import io
import json
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from scheduler.adapters import local_dates, visit_links
from scheduler.adapters.notify import delivery, scheduling
from scheduler.adapters.notify import mail as mailing
from scheduler.adapters.notify.actors import deliver_notification
from scheduler.adapters.notify.faults import TransientFault, Unreachable
from scheduler.adapters.notify.mail import Mailer
from scheduler.adapters.notify.models import ContactPreference, Notification, ReminderOffset
from scheduler.adapters.notify.sms import FileSmsGateway
from scheduler.adapters.orm import models as rows
from scheduler.config.bootstrap import build_bus
from scheduler.services import commands
from tests import factories
from tests.integration.notifications.conftest import relay
from tests.loopback import SmtpSink
from tests.task_queue import Worker


class NoSms:
    def send(self, *, to: str, text: str, reference: str) -> str:
        raise AssertionError("no text message was expected")


NO_SMS = NoSms()
Status = Notification.Status


def book(doctor: rows.Doctor, patient: rows.Patient, **slot: Any) -> Any:
    clinic = doctor.clinics.get()
    return (
        build_bus()
        .handle(
            commands.BookAppointment(
                actor=factories.actor_of(patient),
                doctor_id=doctor.pk,
                clinic_id=clinic.pk,
                start=factories.slot_start(clinic, **slot),
            )
        )
        .appointment_id
    )


def log_of(appointment_id: Any, **filters: Any) -> list[Notification]:
    return list(
        Notification.objects.filter(appointment_id=appointment_id, **filters).order_by(
            "scheduled_for", "kind", "channel"
        )
    )


# -- planning ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_booking_logs_its_confirmation_and_two_reminders(
    settings: Any, doctor: rows.Doctor, patient: rows.Patient
) -> None:
    settings.NOTIFY_ENQUEUE_AHEAD_HOURS = 48
    appointment_id = book(doctor, patient, days_ahead=3)

    assert relay() == 1

    planned = log_of(appointment_id)
    start = rows.Appointment.objects.get(pk=appointment_id).start
    assert [(n.kind, n.channel, n.status) for n in planned] == [
        ("booked", "email", "queued"),
        ("reminder", "email", "queued"),
        ("reminder", "email", "queued"),
    ]
    assert [n.scheduled_for for n in planned[1:]] == [
        start - timedelta(hours=24),
        start - timedelta(hours=2),
    ]
    assert {n.recipient_id for n in planned} == {patient.user_id}
    within_reach = timezone.now() + timedelta(hours=48)
    assert [n.enqueued_at is not None for n in planned] == [
        n.scheduled_for <= within_reach for n in planned
    ]


@pytest.mark.django_db
def test_the_clinics_own_offsets_replace_the_defaults(
    clinic: rows.Clinic, doctor: rows.Doctor, patient: rows.Patient
) -> None:
    ReminderOffset.objects.create(clinic=clinic, before=timedelta(hours=3))
    appointment_id = book(doctor, patient, days_ahead=3)

    relay()

    reminders = log_of(appointment_id, kind="reminder")
    assert [n.about_start - n.scheduled_for for n in reminders] == [timedelta(hours=3)]


@pytest.mark.django_db
def test_a_request_tells_the_doctor_and_a_phone_number_adds_sms(clinic: rows.Clinic) -> None:
    doctor = factories.doctor(clinic, requires_approval=True)
    patient = factories.patient(phone="+989121234567")
    appointment_id = book(doctor, patient)

    relay()

    assert [(n.kind, n.channel, n.recipient_id) for n in log_of(appointment_id)] == [
        ("doctor_request", "email", doctor.user_id),
        ("requested", "email", patient.user_id),
        ("requested", "sms", patient.user_id),
    ]


@pytest.mark.django_db
def test_a_person_without_a_wanted_channel_is_logged_as_skipped(
    doctor: rows.Doctor, patient: rows.Patient
) -> None:
    ContactPreference.objects.create(user=patient.user, email=False, sms=True)  # has no phone
    appointment_id = book(doctor, patient)

    relay()

    booked = log_of(appointment_id, kind="booked")
    assert [(n.status, n.error) for n in booked] == [
        ("skipped", "Email turned off by the recipient")
    ]


@pytest.mark.django_db
def test_relaying_an_event_twice_plans_each_message_once(
    doctor: rows.Doctor, patient: rows.Patient
) -> None:
    appointment_id = book(doctor, patient, days_ahead=3)
    relay()
    rows.StoredEvent.objects.update(delivery=rows.StoredEvent.Delivery.PENDING)

    relay()

    assert len(log_of(appointment_id)) == 3


@pytest.mark.django_db
def test_a_reminder_far_ahead_waits_in_the_log_until_the_sweep_brings_it_within_reach(
    settings: Any, doctor: rows.Doctor, patient: rows.Patient
) -> None:
    settings.NOTIFY_ENQUEUE_AHEAD_HOURS = 48
    appointment_id = book(doctor, patient, days_ahead=10)
    relay()
    Notification.objects.filter(kind="booked").update(status=Status.SENT)
    first, second = log_of(appointment_id, kind="reminder")
    assert first.enqueued_at is None and second.enqueued_at is None

    assert scheduling.sweep(now=first.scheduled_for - timedelta(hours=47)) == 1

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.enqueued_at is not None and second.enqueued_at is None


@pytest.mark.django_db
def test_the_sweep_hands_over_again_what_is_queued_long_after_it_fell_due(
    settings: Any, doctor: rows.Doctor, patient: rows.Patient
) -> None:
    settings.NOTIFY_LOST_AFTER_SECONDS = 60
    appointment_id = book(doctor, patient)
    relay()
    [confirmation] = log_of(appointment_id, kind="booked")
    handed_at = confirmation.enqueued_at
    assert handed_at is not None

    assert scheduling.sweep(now=handed_at + timedelta(seconds=30)) == 0  # may still be on its way
    assert scheduling.sweep(now=handed_at + timedelta(seconds=61)) == 1  # lost: again
    assert scheduling.sweep(now=handed_at + timedelta(seconds=62)) == 0  # not twice in a row


# -- delivery ----------------------------------------------------------------------------------


def test_confirmation_and_reminder_arrive_by_smtp_with_clinic_times(
    worker: Worker, smtp: SmtpSink, clinic: rows.Clinic, doctor: rows.Doctor
) -> None:
    patient = factories.patient(first_name="Leila", last_name="Rostami")
    appointment_id = book(doctor, patient, days_ahead=3, hour=10, minute=30)
    relay()
    worker.drain()

    [confirmation] = smtp.received()
    assert confirmation.recipients == (patient.user.email,)
    assert confirmation.subject.startswith("Appointment booked: Doctor ")
    assert "10:30" in confirmation.subject  # Tehran's clock: 07:00 UTC
    assert "Dear Leila Rostami" in confirmation.body
    assert "10:30" in confirmation.body and "07:00" not in confirmation.body
    assert "time zone (Iran Time)" in confirmation.body  # not "Asia/Tehran"
    assert visit_links.url_for(appointment_id) in confirmation.body  # their place in the queue

    [reminder_24h, _] = log_of(appointment_id, kind="reminder")
    deliver_notification.send(reminder_24h.pk)  # as when its delay runs out
    worker.drain()

    reminder = smtp.received()[1]
    assert reminder.subject.startswith("Reminder: Doctor ")
    assert "10:30" in reminder.subject
    assert reminder.message_id == f"<notification-{reminder_24h.pk}@nobat>"
    reminder_24h.refresh_from_db()
    assert (reminder_24h.status, reminder_24h.attempts) == ("sent", 1)
    assert reminder_24h.provider_id == reminder.message_id
    assert reminder_24h.template == "notify/en/reminder.txt"


def test_persian_mail_has_a_jalali_date_and_persian_digits(
    worker: Worker, smtp: SmtpSink, doctor: rows.Doctor
) -> None:
    patient = factories.patient(language="fa")
    appointment_id = book(doctor, patient, days_ahead=3, hour=10, minute=30)
    relay()
    worker.drain()

    [confirmation] = smtp.received()
    assert confirmation.subject.startswith("نوبت شما ثبت شد")
    assert f"{jalali_day_of(appointment_id)}، ساعت ۱۰:۳۰" in confirmation.subject
    assert f"{jalali_day_of(appointment_id)}، ساعت ۱۰:۳۰" in confirmation.body
    assert "(وقت ایران)" in confirmation.body  # the clock the time is on, in its own words


def jalali_day_of(appointment_id: Any) -> str:
    """'دوشنبه ۱۶ آذر ۱۴۰۵' for the visit's day on its clinic's clock (the conversion itself is
    pinned to known dates in tests/unit/test_local_dates.py)."""
    appointment = rows.Appointment.objects.select_related("clinic").get(pk=appointment_id)
    local = appointment.start.astimezone(ZoneInfo(appointment.clinic.timezone))
    return local_dates.day_label(local.date(), "fa")


@pytest.mark.django_db
def test_a_persian_patients_reminder_text_has_the_jalali_day_and_the_clinics_time(
    settings: Any, tmp_path: Any, doctor: rows.Doctor
) -> None:
    settings.SMS_FILE_PATH = tmp_path / "sms.log"
    patient = factories.patient(phone="+989121234567", language="fa")
    ContactPreference.objects.create(user=patient.user, email=False, sms=True)
    appointment_id = book(doctor, patient, days_ahead=3, hour=16, minute=30)
    relay()
    reminder = log_of(appointment_id, kind="reminder")[0]

    assert delivery.deliver(reminder.pk, sms=FileSmsGateway(settings.SMS_FILE_PATH)) == "sent"

    # Only the message's words: the log line's own "at" holds the clock time it was written
    # (16:30 UTC once failed this test), and the link's signature is random.
    [line] = settings.SMS_FILE_PATH.read_text(encoding="utf-8").splitlines()
    words = json.loads(line)["text"].split("http")[0]
    # 16:30 in Tehran is 13:00 UTC: the text says the clinic's hour, in Persian digits.
    assert f"{jalali_day_of(appointment_id)}، ساعت ۱۶:۳۰" in words
    assert "16:30" not in words and "13:00" not in words


@pytest.mark.parametrize(
    ("chosen", "subject"),
    [("", "نوبت شما ثبت شد"), ("en", "Appointment booked"), ("fa", "نوبت شما ثبت شد")],
)
def test_a_patient_who_chose_no_language_hears_from_the_clinic_in_its_language(
    worker: Worker, smtp: SmtpSink, chosen: str, subject: str
) -> None:
    persian_clinic = factories.clinic(language="fa")
    patient = factories.patient(language=chosen)
    book(factories.doctor(persian_clinic), patient, days_ahead=3)
    relay()
    worker.drain()

    [confirmation] = smtp.received()
    assert confirmation.subject.startswith(subject)


def test_a_reminder_of_a_cancelled_visit_sends_nothing_and_is_logged_skipped(
    worker: Worker, doctor: rows.Doctor, patient: rows.Patient
) -> None:
    appointment_id = book(doctor, patient, days_ahead=3)
    build_bus().handle(
        commands.CancelAppointment(actor=factories.actor_of(patient), appointment_id=appointment_id)
    )
    relay()
    worker.drain()
    sent_before = [m.subject for m in mail.outbox]

    for reminder in log_of(appointment_id, kind="reminder"):
        deliver_notification.send(reminder.pk)
    worker.drain()

    assert [m.subject for m in mail.outbox] == sent_before  # not a single reminder
    assert not any(subject.startswith("Reminder") for subject in sent_before)
    assert [(n.status, n.error) for n in log_of(appointment_id, kind="reminder")] == [
        ("skipped", "the appointment is cancelled"),
        ("skipped", "the appointment is cancelled"),
    ]
    assert {n.kind: n.status for n in log_of(appointment_id)} == {
        "booked": "skipped",  # cancelled before the confirmation went out
        "reminder": "skipped",
        "cancelled": "sent",
        "doctor_cancelled": "sent",
    }


def test_a_reminder_of_a_moved_visit_is_skipped_and_the_new_time_has_its_own(
    worker: Worker, clinic: rows.Clinic, doctor: rows.Doctor, patient: rows.Patient
) -> None:
    appointment_id = book(doctor, patient, days_ahead=3, hour=10)
    relay()
    build_bus().handle(
        commands.RescheduleAppointment(
            actor=factories.actor_of(patient),
            appointment_id=appointment_id,
            start=factories.slot_start(clinic, days_ahead=3, hour=15),
        )
    )
    relay()
    moved_to = rows.Appointment.objects.get(pk=appointment_id).start
    old, new = [], []
    for reminder in log_of(appointment_id, kind="reminder"):
        (new if reminder.about_start == moved_to else old).append(reminder)
        deliver_notification.send(reminder.pk)
    worker.drain()

    assert {n.status for n in Notification.objects.filter(pk__in=[n.pk for n in old])} == {
        "skipped"
    }
    assert {n.status for n in Notification.objects.filter(pk__in=[n.pk for n in new])} == {"sent"}
    moved = [m for m in mail.outbox if m.subject.startswith("Appointment moved")]
    assert len(moved) == 1 and "15:00" in moved[0].subject and "10:00" in moved[0].body


def test_the_same_message_delivered_twice_sends_one_mail(
    worker: Worker, doctor: rows.Doctor, patient: rows.Patient
) -> None:
    appointment_id = book(doctor, patient, days_ahead=3)
    relay()
    worker.drain()
    [reminder, _] = log_of(appointment_id, kind="reminder")
    before = len(mail.outbox)

    deliver_notification.send(reminder.pk)
    deliver_notification.send(reminder.pk)
    worker.drain()
    deliver_notification.send(reminder.pk)  # and once more, long after
    worker.drain()

    assert len(mail.outbox) == before + 1
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == ("sent", 1)


@pytest.mark.django_db(transaction=True)
def test_two_deliveries_of_one_message_at_the_same_moment_send_it_once(
    doctor: rows.Doctor, patient: rows.Patient
) -> None:
    appointment_id = book(doctor, patient, days_ahead=3)
    relay()
    [confirmation] = log_of(appointment_id, kind="booked")
    start = threading.Barrier(4)
    outcomes: list[str] = []

    def deliver() -> None:
        try:
            start.wait(timeout=10)
            outcomes.append(delivery.deliver(confirmation.pk, sms=NO_SMS))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert outcomes == ["sent"] * 4
    assert len(mail.outbox) == 1


class HeldMailer(Mailer):
    """A delivery that holds its claimed row in SMTP until ``go``, then gets a 451."""

    def __init__(self, entered: threading.Event, go: threading.Event) -> None:
        super().__init__()
        self.entered, self.go = entered, go

    def start(self, **message: Any) -> None:
        self.entered.set()
        assert self.go.wait(20)
        raise TransientFault("451 4.3.0 Busy, try later")


@pytest.mark.postgres  # SQLite serializes writers: the cancel would wait for the first delivery
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("meanwhile", ["cancelled", "begun"])
def test_a_delivery_that_waited_for_another_judges_the_visit_as_it_is_after_the_wait(
    smtp: SmtpSink, doctor: rows.Doctor, patient: rows.Patient, meanwhile: str
) -> None:
    """Found by an attacker: the second of two deliveries of one reminder waited for the
    first's lock (the first then put the row back with a 451) and sent the reminder of a visit
    cancelled, or begun, while it waited: it judged by the time and the visit as they were
    before the wait."""
    appointment_id = book(doctor, patient, days_ahead=3)
    relay()
    [reminder, _] = log_of(appointment_id, kind="reminder")
    visit = rows.Appointment.objects.get(pk=appointment_id)
    entered, go = threading.Event(), threading.Event()
    # The second delivery's clock: before the visit, then, after the wait, past its start.
    readings = iter([visit.start - timedelta(hours=1), visit.start + timedelta(minutes=1)])
    outcomes: dict[str, Any] = {}

    def deliver(name: str, **how: Any) -> None:
        try:
            outcomes[name] = delivery.deliver(reminder.pk, sms=NO_SMS, **how)
        except TransientFault:
            outcomes[name] = "retry"
        finally:
            connection.close()

    first = threading.Thread(
        target=deliver, args=("first",), kwargs={"mailer": HeldMailer(entered, go)}
    )
    first.start()
    assert entered.wait(20)
    clock = (lambda: next(readings)) if meanwhile == "begun" else timezone.now
    second = threading.Thread(target=deliver, args=("second",), kwargs={"now": clock})
    second.start()
    second.join(timeout=0.5)  # now waiting for the first's lock
    if meanwhile == "cancelled":
        build_bus().handle(
            commands.CancelAppointment(
                actor=factories.actor_of(patient), appointment_id=appointment_id
            )
        )
    go.set()
    first.join(timeout=30)
    second.join(timeout=30)

    reminder.refresh_from_db()
    assert outcomes == {"first": "retry", "second": "skipped"}
    assert (reminder.status, reminder.attempts) == ("skipped", 1)
    assert not [m for m in smtp.received() if m.subject.startswith("Reminder")]


@pytest.mark.django_db
def test_a_bad_address_fails_for_good_without_retries(
    doctor: rows.Doctor, patient: rows.Patient
) -> None:
    appointment_id = book(doctor, patient)
    relay()
    rows.User.objects.filter(pk=patient.user_id).update(email="not-an-address")
    [confirmation] = log_of(appointment_id, kind="booked")

    assert delivery.deliver(confirmation.pk, sms=NO_SMS) == "failed"

    confirmation.refresh_from_db()
    assert confirmation.status == "failed"
    assert "not an email address" in confirmation.error
    assert mail.outbox == []


@pytest.mark.django_db
def test_smtp_4xx_is_retried_and_5xx_is_not(
    smtp: SmtpSink, doctor: rows.Doctor, patient: rows.Patient
) -> None:
    address = patient.user.email
    appointment_id = book(doctor, patient, days_ahead=3)
    relay()
    confirmation, first, _ = log_of(appointment_id)
    smtp.refuse = {address: "451 4.3.0 Mailbox busy, try later"}
    smtp.refusals = 1

    with pytest.raises(TransientFault, match="451"):
        delivery.deliver(confirmation.pk, sms=NO_SMS)
    confirmation.refresh_from_db()
    assert (confirmation.status, confirmation.attempts) == ("queued", 1)
    assert "451" in confirmation.error

    assert delivery.deliver(confirmation.pk, sms=NO_SMS) == "sent"
    confirmation.refresh_from_db()
    assert (confirmation.status, confirmation.attempts) == ("sent", 2)

    smtp.refuse = {address: "550 5.1.1 No such user"}
    smtp.refusals = None
    assert delivery.deliver(first.pk, sms=NO_SMS) == "failed"
    first.refresh_from_db()
    assert "550" in first.error
    assert len(smtp.received()) == 1


@pytest.mark.django_db
def test_a_batch_tries_every_message_before_it_raises_a_transient_fault(
    smtp: SmtpSink, doctor: rows.Doctor, patient: rows.Patient
) -> None:
    appointment_id = book(doctor, patient, days_ahead=3)
    relay()
    batch = [row.pk for row in log_of(appointment_id)]
    smtp.refuse = {patient.user.email: "451 4.3.0 Mailbox busy, try later"}
    smtp.refusals = 1  # the first message only
    mailer = Mailer()
    try:
        with pytest.raises(TransientFault, match="451"):
            delivery.deliver_all(batch, sms=NO_SMS, mailer=mailer)
        assert [(n.status, n.attempts) for n in log_of(appointment_id)] == [
            ("queued", 1),
            ("sent", 1),
            ("sent", 1),
        ]
        # The retry of the whole batch: what was sent stays as it was.
        assert delivery.deliver_all(batch, sms=NO_SMS, mailer=mailer) == dict.fromkeys(
            batch, "sent"
        )
    finally:
        mailer.close()
    assert [n.attempts for n in log_of(appointment_id)] == [2, 1, 1]
    assert sorted(smtp.copies().values()) == [1, 1, 1]


@pytest.mark.django_db
def test_a_batch_reads_what_its_messages_need_once_and_each_message_only_writes(
    clinic: rows.Clinic, tmp_path: Path
) -> None:
    # The batch's read takes only the columns the messages use: one it left out would cost a
    # query for every message, which only this count sees.
    doctor = factories.doctor(clinic, requires_approval=True)
    texted = factories.patient(phone="+989121234567", language="fa")
    ContactPreference.objects.create(user=texted.user, email=True, sms=True)
    requested = book(doctor, texted, days_ahead=3)
    booked = book(factories.doctor(clinic), factories.patient(), days_ahead=4)
    relay()
    batch = [row.pk for row in log_of(requested) + log_of(booked)]
    sms = FileSmsGateway(tmp_path / "sms.jsonl")

    with CaptureQueriesContext(connection) as queries:
        statuses = delivery.deliver_all(batch, sms=sms)

    assert set(statuses.values()) == {"sent"} and len(batch) >= 5
    # The batch's read, then one statement a message (it locks its row and logs it sent), and
    # a text's provider id once the provider gave it.
    texts = Notification.objects.filter(pk__in=batch, channel="sms").count()
    statements = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 1 + len(batch) + texts, statements
    # What the read left out would show here as a blank: names, places, the doctor's address.
    [request] = [m for m in mail.outbox if m.to == [doctor.user.email]]
    assert str(texted) in request.subject and clinic.name in request.body
    assert all(str(doctor) in m.body for m in mail.outbox if m.to == [texted.user.email])


@pytest.mark.django_db
def test_a_batch_stops_at_a_server_that_does_not_answer(
    settings: Any, smtp: SmtpSink, doctor: rows.Doctor, patient: rows.Patient
) -> None:
    appointment_id = book(doctor, patient, days_ahead=3)
    relay()
    batch = [row.pk for row in log_of(appointment_id)]
    smtp.stop()  # connections refused from here on

    with pytest.raises(Unreachable):
        delivery.deliver_all(batch, sms=NO_SMS)
    assert [(n.status, n.attempts) for n in log_of(appointment_id)] == [
        ("queued", 1),
        ("queued", 0),  # not tried: the retry of the batch will
        ("queued", 0),
    ]


@pytest.mark.django_db
def test_transient_faults_give_up_after_the_last_attempt(
    smtp: SmtpSink, doctor: rows.Doctor, patient: rows.Patient
) -> None:
    appointment_id = book(doctor, patient)
    relay()
    [confirmation] = log_of(appointment_id, kind="booked")
    smtp.refuse = {patient.user.email: "421 4.7.0 Try again later"}

    for _ in range(2):
        with pytest.raises(TransientFault):
            delivery.deliver(confirmation.pk, sms=NO_SMS, max_attempts=3)
    assert delivery.deliver(confirmation.pk, sms=NO_SMS, max_attempts=3) == "failed"

    confirmation.refresh_from_db()
    assert confirmation.attempts == 3
    assert "giving up" in confirmation.error


def test_the_actor_retries_a_transient_fault_with_back_off(
    worker: Worker, smtp: SmtpSink, doctor: rows.Doctor, patient: rows.Patient
) -> None:
    appointment_id = book(doctor, patient, days_ahead=3)
    relay()
    worker.drain()
    [reminder, _] = log_of(appointment_id, kind="reminder")
    smtp.refuse = {patient.user.email: "452 4.2.2 Mailbox full"}
    smtp.refusals = 2

    # The actor's own back-off starts at 5 s; the message may ask for less.
    deliver_notification.send_with_options(args=(reminder.pk,), min_backoff=20, max_backoff=100)
    worker.drain()

    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == ("sent", 3)
    assert [m.subject.split(":")[0] for m in smtp.received()] == ["Appointment booked", "Reminder"]


@pytest.mark.django_db
def test_sms_goes_through_the_gateway_in_the_recipients_language(
    settings: Any, tmp_path: Any, doctor: rows.Doctor
) -> None:
    settings.SMS_FILE_PATH = tmp_path / "sms.log"
    patient = factories.patient(phone="+989121234567", language="fa")
    ContactPreference.objects.create(user=patient.user, email=False, sms=True)
    appointment_id = book(doctor, patient, days_ahead=3)
    relay()
    [confirmation] = log_of(appointment_id, kind="booked")

    gateway = FileSmsGateway(settings.SMS_FILE_PATH)
    assert delivery.deliver(confirmation.pk, sms=gateway) == "sent"

    confirmation.refresh_from_db()
    assert (confirmation.channel, confirmation.address) == ("sms", "+989121234567")
    assert confirmation.provider_id == f"file:nobat-{confirmation.pk}"
    line = settings.SMS_FILE_PATH.read_text(encoding="utf-8")
    assert "+989121234567" in line and "نوبت شما ثبت شد" in line
    # The booking's own page (which links to the queue on the day): one link in a short text.
    end = rows.Appointment.objects.get(pk=appointment_id).end
    assert visit_links.booking_url_for(appointment_id, visit_end=end) in line
    assert visit_links.url_for(appointment_id) not in line


@pytest.mark.django_db
def test_a_message_for_a_deleted_row_is_a_no_op() -> None:
    assert delivery.deliver(987654321, sms=NO_SMS) == "missing"


@pytest.mark.django_db
def test_a_channel_turned_off_after_planning_is_skipped_when_due(
    doctor: rows.Doctor, patient: rows.Patient
) -> None:
    appointment_id = book(doctor, patient, days_ahead=3)
    relay()
    ContactPreference.objects.create(user=patient.user, email=False)
    [confirmation] = log_of(appointment_id, kind="booked")

    assert delivery.deliver(confirmation.pk, sms=NO_SMS) == "skipped"
    confirmation.refresh_from_db()
    assert confirmation.error == "Email turned off by the recipient"
    assert timezone.now() >= confirmation.updated_at


def test_a_mail_whose_final_dot_never_came_is_not_delivered(smtp: SmtpSink) -> None:
    """What makes a crash before the dot harmless: the server drops an unfinished DATA."""
    mailer = Mailer()
    mailer.start(to="a@example.test", subject="s", body="b", message_id="<unfinished@nobat>")
    mailer.close()  # the process "dies" here
    finished = Mailer()
    finished.start(to="b@example.test", subject="s", body="b", message_id="<finished@nobat>")
    finished.release()
    finished.verdict()
    finished.close()

    assert [m.message_id for m in smtp.received()] == ["<finished@nobat>"]


def test_a_kept_connection_the_server_dropped_is_replaced_and_each_mail_sent_once(
    smtp: SmtpSink,
) -> None:
    mailer = Mailer()

    def send(message_id: str) -> None:
        mailer.start(to="a@example.test", subject="s", body="b", message_id=message_id)
        mailer.release()
        mailer.verdict()
        mailer.done()  # the connection is kept for the next message

    send("<first@nobat>")
    smtp.stop()  # the server goes away, and the kept connection with it
    again = SmtpSink(port=smtp.port).start()
    try:
        send("<second@nobat>")
    finally:
        mailer.close()
        again.stop()

    assert [m.message_id for m in smtp.received()] == ["<first@nobat>"]
    assert [m.message_id for m in again.received()] == ["<second@nobat>"]


@pytest.mark.parametrize("pipelining", [True, False], ids=["pipelined", "one-by-one"])
def test_a_refused_recipient_drops_the_connection_and_the_next_mail_goes_on_a_new_one(
    settings: Any, pipelining: bool
) -> None:
    """With PIPELINING, MAIL, RCPT and DATA go together: a refused RCPT is answered before
    DATA's reply is read, and the server must not take what follows as a message."""
    sink = SmtpSink(pipelining=pipelining, refuse={"busy@example.test": "450 4.2.1 Busy"})
    sink.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    mailer = Mailer()

    def send(to: str, message_id: str) -> None:
        mailer.start(to=to, subject="s", body="b", message_id=message_id)
        mailer.release()
        mailer.verdict()
        mailer.done()

    try:
        send("a@example.test", "<first@nobat>")
        with pytest.raises(TransientFault, match="450"):
            send("busy@example.test", "<refused@nobat>")
        send("b@example.test", "<third@nobat>")
    finally:
        mailer.close()
        sink.stop()

    assert [(m.message_id, m.recipients) for m in sink.received()] == [
        ("<first@nobat>", ("a@example.test",)),
        ("<third@nobat>", ("b@example.test",)),
    ]


class Interrupted(BaseException):
    """As Dramatiq's time limit and shutdown are: raised into the thread, not a fault."""


@pytest.mark.parametrize("pipelining", [True, False], ids=["pipelined", "one-by-one"])
def test_a_message_interrupted_midway_leaves_nothing_half_read_for_the_next(
    settings: Any, monkeypatch: pytest.MonkeyPatch, pipelining: bool
) -> None:
    """Found by an attacker: interrupted after MAIL, RCPT and DATA went and before their
    replies were read, the kept connection gave those replies to the next message, which
    went to the first one's recipient."""
    sink = SmtpSink(pipelining=pipelining).start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    expect = mailing._expect
    calls = [0]

    def interrupted_once(*args: Any) -> None:
        calls[0] += 1
        if calls[0] == 1:
            raise Interrupted
        expect(*args)

    monkeypatch.setattr(mailing, "_expect", interrupted_once)
    mailer = Mailer()
    try:
        with pytest.raises(Interrupted):
            mailer.start(to="alice@example.test", subject="s", body="b", message_id="<alice@x>")
        mailer.done()  # as a delivery's end does, however it went
        mailer.start(to="bob@example.test", subject="s", body="b", message_id="<bob@x>")
        mailer.release()
        mailer.verdict()
        mailer.done()
    finally:
        mailer.close()
        sink.stop()

    assert [(m.message_id, m.recipients) for m in sink.received()] == [
        ("<bob@x>", ("bob@example.test",))
    ]


class SlowToConfirmSink(SmtpSink):
    """Takes a message and answers its final dot after ``delay`` seconds."""

    delay: float = 1.5

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        reply = await super().handle_DATA(server, session, envelope)
        await asyncio.sleep(self.delay)
        return reply


@pytest.mark.django_db
def test_a_message_whose_dot_is_not_answered_in_time_stays_sent_and_goes_once(
    settings: Any, doctor: rows.Doctor, patient: rows.Patient
) -> None:
    """Found by an attacker: the row went back to the queue and its retry sent it again,
    though the server had it (RFC 5321 lets a server take ten minutes over the dot)."""
    sink = SlowToConfirmSink().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    settings.EMAIL_TIMEOUT = 0.5
    appointment_id = book(doctor, patient)
    relay()
    [confirmation] = log_of(appointment_id, kind="booked")
    try:
        assert delivery.deliver(confirmation.pk, sms=NO_SMS) == "sent"
        assert delivery.deliver(confirmation.pk, sms=NO_SMS) == "sent"  # a retry does nothing
        for _ in range(30):  # the server takes it, late
            if sink.count():
                break
            time.sleep(0.1)
    finally:
        sink.stop()

    confirmation.refresh_from_db()
    assert (confirmation.status, confirmation.attempts) == ("sent", 1)
    assert "did not confirm" in confirmation.error
    assert list(sink.copies().values()) == [1]


class TimingOutSink(SmtpSink):
    """Answers the next MAIL with 421, as a server whose idle timeout ran out does."""

    timed_out: bool = False

    async def handle_MAIL(  # aiosmtpd's hook names
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.timed_out:
            self.timed_out = False
            return "421 4.4.2 Error: timeout exceeded"
        envelope.mail_from = address
        return "250 OK"


def test_a_kept_connection_the_server_timed_out_is_replaced(settings: Any) -> None:
    sink = TimingOutSink().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    mailer = Mailer()
    try:
        for message_id in ("<first@nobat>", "<second@nobat>"):
            mailer.start(to="a@example.test", subject="s", body="b", message_id=message_id)
            mailer.release()
            mailer.verdict()
            mailer.done()
            sink.timed_out = True
    finally:
        mailer.close()
        sink.stop()

    assert [m.message_id for m in sink.received()] == ["<first@nobat>", "<second@nobat>"]


@pytest.mark.django_db
def test_the_sweep_command_hands_over_what_fell_due(
    settings: Any, doctor: rows.Doctor, patient: rows.Patient
) -> None:
    appointment_id = book(doctor, patient, days_ahead=3)
    relay()  # the confirmation goes at once; the reminders wait in the log
    assert [n.enqueued_at is None for n in log_of(appointment_id)] == [False, True, True]
    for minutes, reminder in enumerate(log_of(appointment_id, kind="reminder")):
        reminder.scheduled_for = timezone.now() - timedelta(minutes=minutes)  # fell due
        reminder.save()
    out = io.StringIO()

    call_command("sweep_notifications", stdout=out)

    assert out.getvalue().strip() == "2 notification(s) handed to the task queue"
    assert all(n.enqueued_at is not None for n in log_of(appointment_id))


def test_latin_names_in_a_persian_message_are_isolated_so_they_keep_their_order(
    worker: Worker, smtp: SmtpSink, doctor: rows.Doctor
) -> None:
    patient = factories.patient(language="fa", first_name="Leila", last_name="Rostami")
    book(doctor, patient, days_ahead=3)
    relay()
    worker.drain()

    [confirmation] = smtp.received()
    assert f"\u2068{doctor}\u2069، " in confirmation.subject
    assert "\u2068Leila Rostami\u2069 گرامی" in confirmation.body
