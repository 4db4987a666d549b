"""Sending one logged message: at most once, whoever asks and however often.

The log row is locked for the attempt and marked sent before the message leaves, in the same
transaction: a second delivery of the same row waits for the first and then finds it done; a
crash before the commit leaves the row queued, to be sent later. Email lets go of the message
as the transaction's last act (see ``mail``), so a crash almost never yields a second copy;
a server that does not answer that last act in time may have taken the message, so it stays
sent (a refusal it does answer puts the message back, or fails it).
A text message goes out with the row still locked, then commits: a crash in that gap means one
more try, under the same reference, which the provider can recognise as a repeat.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from scheduler.adapters import metrics, visit_links
from scheduler.adapters.notify import contacts, log_rows
from scheduler.adapters.notify.faults import DeliveryFault, TransientFault, Unreachable
from scheduler.adapters.notify.mail import Mailer
from scheduler.adapters.notify.models import Channel, Notification
from scheduler.adapters.notify.rendering import Rendered, language_of, render, template_of
from scheduler.adapters.notify.sms import SmsGateway
from scheduler.adapters.orm import models as orm
from scheduler.domain.appointment import VisitMode
from scheduler.domain.notifications import Kind, skip_reason

log = logging.getLogger(__name__)

# Tries of one message before a transient fault counts as a failure.
MAX_ATTEMPTS = 8

Status = Notification.Status
# What a try ends in that the metrics count (a transient fault's row stays queued for a retry).
_COUNTED = {Status.SENT, Status.FAILED}


def deliver(
    notification_id: int,
    *,
    sms: SmsGateway,
    mailer: Mailer | None = None,
    now: Callable[[], datetime] = timezone.now,
    max_attempts: int = MAX_ATTEMPTS,
) -> str:
    """Send the message if it is still queued and still true; return the row's status
    ("missing" when there is no such row). A transient fault is logged on the row and then
    raised, for the caller to try again later. ``mailer``: one to send on and keep (a
    connection of its own for this message when None)."""
    [status] = deliver_all(
        [notification_id], sms=sms, mailer=mailer, now=now, max_attempts=max_attempts
    ).values()
    return status


def deliver_all(
    notification_ids: Sequence[int],
    *,
    sms: SmsGateway,
    mailer: Mailer | None = None,
    now: Callable[[], datetime] = timezone.now,
    max_attempts: int = MAX_ATTEMPTS,
) -> dict[int, str]:
    """``deliver`` each message, one after the other on one mailer; their statuses by id.

    What the messages need is read for all of them in one query; each is then locked, read
    again (its status, its appointment's) and sent in a transaction of its own, as ``deliver``
    says. A transient fault is raised once every message had its try, and at once when the
    server itself did not answer (the next ones would wait for it too): the caller's retry
    finds those sent done and tries the rest.
    """
    own = mailer is None
    mailer = mailer or Mailer()
    statuses = dict.fromkeys(notification_ids, "missing")
    faults: list[TransientFault] = []
    try:
        for row in _read(notification_ids):
            statuses[row.pk], fault = _deliver_one(row, mailer, sms, now, max_attempts)
            if isinstance(fault, Unreachable):
                raise fault
            if fault is not None:
                faults.append(fault)
    finally:
        if own:
            mailer.close()
    if faults:
        raise faults[0]
    return statuses


# What a message is made of, and no more: a user row is thirty columns, and making model
# instances of every column of seven tables was a sixth of a worker's time.
_READ = (
    *("kind", "channel", "status", "attempts", "enqueued_at", "about_start", "details"),
    *(f"appointment__{name}" for name in ("status", "start", "end", "visit_mode")),
    *(f"appointment__clinic__{name}" for name in ("name", "address", "timezone", "language")),
    *(
        f"appointment__{party}__user__{name}"
        for party in ("doctor", "patient")
        for name in ("username", "first_name", "last_name", "forgotten")
    ),
    *(f"recipient__{name}" for name in ("email", "phone", "language")),
    *(f"recipient__contact__{name}" for name in ("email", "sms")),
)


def _read(notification_ids: Sequence[int]) -> list[Notification]:
    """The rows, as asked, with all their messages need (their status is read again, locked)."""
    rows = (
        Notification.objects.select_related(
            "appointment__clinic",
            "appointment__doctor__user",
            "appointment__patient__user",
            "recipient__contact",
        )
        .only(*_READ)
        .filter(pk__in=list(notification_ids))
        .order_by()
    )
    by_id = {row.pk: row for row in rows}
    return [by_id[pk] for pk in dict.fromkeys(notification_ids) if pk in by_id]


def _deliver_one(
    row: Notification,
    mailer: Mailer,
    sms: SmsGateway,
    now: Callable[[], datetime],
    max_attempts: int,
) -> tuple[str, TransientFault | None]:
    """Send one message at most once (see the module); its status, and the fault to retry."""
    fault: TransientFault | None = None
    attempted = False
    try:
        with transaction.atomic():
            at = now()
            tried = row.attempts
            found = _claim(row, at)
            if found is not None:
                return found, None  # gone, or sent, failed or skipped already: nothing to do
            if row.attempts != tried + 1:
                # Tried by another delivery since the batch read, which this claim may have
                # waited for: the time and the visit the claim read are from before the wait
                # (PostgreSQL reads a statement's joined rows as they were when it began).
                at = now()
                _visit_again(row)
                log_rows.update(row, sent_at=at)
            attempted = True
            fault = _attempt(row, mailer, sms, at, max_attempts)
            if fault is None and row.channel == Channel.EMAIL and row.status == Status.SENT:
                try:
                    mailer.release()  # the last act before COMMIT (see mail)
                except DeliveryFault as error:
                    fault = _failed(row, error, at, max_attempts)
        if fault is None and row.status == Status.SENT:
            try:
                mailer.verdict()
            except Unreachable as error:
                # No answer to the final dot (a timeout, a dropped connection): the server may
                # well have taken it. At most once: it stays sent, with what happened.
                log.warning("notification %s: sent, not confirmed: %s", row.pk, error)
                log_rows.update(row, error=f"sent; the server did not confirm it: {error}")
            except DeliveryFault as error:  # refused after all: the commit said too much
                fault = _failed(row, error, at, max_attempts)
    finally:
        mailer.done()
    if attempted and row.status in _COUNTED:
        metrics.NOTIFICATIONS.labels(channel=row.channel, outcome=row.status).inc()
    return row.status, fault if row.status == Status.QUEUED else None


def _claim(row: Notification, at: datetime) -> str | None:
    """Lock the row if it is still queued, logging it as sent now, one more try: what the
    message makes of it if it goes, in the transaction that rolls back if it does not. Read
    again what may have changed since the batch read it (its attempts, its appointment's status
    and time). None when claimed; else what the row is: "missing", sent, failed or skipped."""
    channel = Channel(row.channel)
    fresh = log_rows.claimed(
        row,
        status=Status.SENT,
        address=contacts.address(row.recipient, channel),
        template=template_of(Kind(row.kind), _language(row)),
        sent_at=at,
        error="",
        provider_id=_email_id(row) if channel is Channel.EMAIL else "",
    )
    if fresh is None:
        return log_rows.status(row.pk) or "missing"
    appointment = row.appointment
    (
        row.attempts,
        row.enqueued_at,
        appointment.status,
        appointment.start,
        appointment.end,
        appointment.visit_mode,
    ) = fresh
    return None


def _visit_again(row: Notification) -> None:
    """Read the visit's status and time again, as they are now."""
    appointment = row.appointment
    (appointment.status, appointment.start, appointment.end, appointment.visit_mode) = (
        orm.Appointment.every.filter(pk=appointment.pk)
        .values_list("status", "start", "end", "visit_mode")
        .get()
    )


def _attempt(
    row: Notification,
    mailer: Mailer,
    sms: SmsGateway,
    now: datetime,
    max_attempts: int,
) -> TransientFault | None:
    """Send the claimed message, or log why not (skipped, failed, or queued for a retry)."""
    appointment = row.appointment
    channel = Channel(row.channel)
    kind = Kind(row.kind)
    reason = skip_reason(
        kind,
        about_start=row.about_start,
        status=appointment.status,
        start=appointment.start,
        now=now,
    )
    if not reason and not row.address:
        reason = contacts.unreachable_reason(row.recipient, channel)
    if reason:
        # Not a try: nothing went anywhere.
        log_rows.update(
            row,
            status=Status.SKIPPED,
            error=reason,
            attempts=row.attempts - 1,
            sent_at=None,
            address="",
            template="",
            provider_id="",
        )
        return None
    try:
        message = _render(row, kind)
        if channel is Channel.EMAIL:
            mailer.start(
                to=row.address,
                subject=message.subject,
                body=message.body,
                message_id=row.provider_id,
            )
        else:
            provider_id = sms.send(to=row.address, text=message.text, reference=f"nobat-{row.pk}")
            log_rows.update(row, provider_id=provider_id)
    except DeliveryFault as error:
        return _failed(row, error, now, max_attempts)
    except Exception as error:  # a broken template, an adapter's bug: a retry fails the same
        log.exception("notification %s cannot be sent", row.pk)
        log_rows.update(
            row, status=Status.FAILED, error=f"cannot send: {error!r}", sent_at=None, provider_id=""
        )
    return None


def _email_id(row: Notification) -> str:
    """The Message-ID of the row's email: the same on every try."""
    return f"<notification-{row.pk}@nobat>"


def _language(row: Notification) -> str:
    return language_of(row.recipient.language, row.appointment.clinic.language)


def _failed(
    row: Notification, error: DeliveryFault, now: datetime, max_attempts: int
) -> TransientFault | None:
    """Log a failed try: permanent -> failed; transient -> queued for the task queue's retry
    (returned, to be raised), or failed once the attempts are used up."""
    transient = isinstance(error, TransientFault)
    gave_up = not transient or row.attempts >= max_attempts
    log.warning("notification %s, attempt %d: %s", row.pk, row.attempts, error)
    log_rows.update(
        row,
        status=Status.FAILED if gave_up else Status.QUEUED,
        attempts=row.attempts,
        error=f"{error}{' (giving up)' if transient and gave_up else ''}",
        sent_at=None,
        provider_id="",
        enqueued_at=now if not gave_up else row.enqueued_at,  # the retry is on its way
    )
    return error if isinstance(error, TransientFault) and not gave_up else None


def _render(row: Notification, kind: Kind) -> Rendered:
    appointment = row.appointment
    clinic = appointment.clinic
    previous = row.details.get("previous_start")
    return render(
        kind,
        language=_language(row),
        zone=clinic.timezone,
        patient=str(appointment.patient),
        doctor=str(appointment.doctor),
        clinic=clinic.name,
        address=clinic.address,
        start=appointment.start,
        previous_start=datetime.fromisoformat(previous) if previous else None,
        reason=row.details.get("reason", ""),
        visit_url=visit_links.url_for(appointment.pk),
        booking_url=visit_links.booking_url_for(appointment.pk, visit_end=appointment.end),
        # Said, never linked: the room opens from the booking page (a message may be forwarded).
        video=appointment.visit_mode == VisitMode.VIDEO,
        page_url=visit_links.page_url_for(appointment.pk),
    )


def retry_failed(notification_ids: Sequence[int]) -> int:
    """Send these messages again if they failed; how many. The sweep hands them to the task
    queue within NOTIFY_SWEEP_SECONDS."""
    return Notification.objects.filter(
        pk__in=list(notification_ids), status=Notification.Status.FAILED
    ).update(status=Notification.Status.QUEUED, attempts=0, enqueued_at=None)
