"""The notifier the event handlers use: messages planned -> log rows -> the task queue.

Every message is first a row of the log (status queued, keyed by appointment, kind, due time
and channel), then a Dramatiq message carrying the row's id, delayed until it is due. Rows due
more than NOTIFY_ENQUEUE_AHEAD_HOURS ahead wait in the log: the task queue is no calendar.
The sweep (``sweep``, every few seconds in each worker) hands over what comes within reach and,
again, what is still queued well after it fell due: its message was lost with a Redis that
restarted empty or a worker that died holding it. A second copy of a message costs one no-op
delivery, as the row decides.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from scheduler.adapters.notify import contacts
from scheduler.adapters.notify.actors import deliver_notification, deliver_notifications
from scheduler.adapters.notify.models import Channel, Notification, ReminderOffset
from scheduler.adapters.orm import models as orm
from scheduler.domain.events import AppointmentEvent, VisitNoteEvent
from scheduler.domain.notifications import (
    DEFAULT_REMINDER_OFFSETS,
    Audience,
    PlannedMessage,
)

SWEEP_BATCH = 500
_UPDATE_BATCH = 500
# Messages due now go to the task queue this many to a job: a job costs the broker and the
# worker more than a message costs to send. Small enough that the worker threads share them.
DELIVERY_BATCH = 25


class DjangoNotifier:
    def reminder_offsets(self, clinic_id: int) -> Sequence[timedelta]:
        offsets = list(
            ReminderOffset.objects.filter(clinic_id=clinic_id).values_list("before", flat=True)
        )
        return offsets or DEFAULT_REMINDER_OFFSETS

    def schedule(
        self, event: AppointmentEvent | VisitNoteEvent, messages: Sequence[PlannedMessage]
    ) -> None:
        people = {
            Audience.PATIENT: orm.User.objects.select_related("contact").get(
                patient__pk=event.patient_id
            ),
            Audience.DOCTOR: orm.User.objects.select_related("contact").get(
                doctor__pk=event.doctor_id
            ),
        }
        planned: list[Notification] = []
        for message in messages:
            recipient = people[message.kind.audience]
            reachable = contacts.channels(recipient)
            planned += [_row(event, message, recipient, channel) for channel in reachable]
            if not reachable:  # logged all the same: nobody was told, and why
                why = contacts.unreachable_reason(recipient, Channel.EMAIL)
                planned.append(_row(event, message, recipient, Channel.EMAIL, skipped=why))
        # Planned before (the event relayed twice): the unique key keeps the first rows.
        Notification.objects.bulk_create(planned, ignore_conflicts=True)
        now = timezone.now()
        enqueue(
            Notification.objects.filter(
                appointment_id=event.appointment_id,
                status=Notification.Status.QUEUED,
                enqueued_at__isnull=True,
                scheduled_for__lte=now + _ahead(),
            ),
            now=now,
        )


def _row(
    event: AppointmentEvent | VisitNoteEvent,
    message: PlannedMessage,
    recipient: orm.User,
    channel: Channel,
    *,
    skipped: str = "",
) -> Notification:
    details: dict[str, str] = {}
    if message.previous_start is not None:
        details["previous_start"] = message.previous_start.isoformat()
    if message.reason:
        details["reason"] = message.reason
    return Notification(
        appointment_id=event.appointment_id,
        kind=message.kind.value,
        scheduled_for=message.scheduled_for,
        channel=channel.value,
        about_start=message.about_start,
        recipient=recipient,
        details=details,
        status=Notification.Status.SKIPPED if skipped else Notification.Status.QUEUED,
        error=skipped,
    )


def enqueue(rows: Iterable[Notification], *, now: datetime) -> int:
    """Hand each row's id to the task queue, delayed until it is due (those due now in jobs of
    DELIVERY_BATCH); mark what was handed over (also when the broker fails halfway: those are
    out)."""
    handed: list[int] = []
    due: list[int] = []
    try:
        for row in rows:
            delay = int((row.scheduled_for - now).total_seconds() * 1000)
            if delay > 0:
                deliver_notification.send_with_options(args=(row.pk,), delay=delay)
                handed.append(row.pk)
            else:
                due.append(row.pk)
        for start in range(0, len(due), DELIVERY_BATCH):
            batch = due[start : start + DELIVERY_BATCH]
            deliver_notifications.send(batch)
            handed += batch
    finally:
        for start in range(0, len(handed), _UPDATE_BATCH):
            Notification.objects.filter(pk__in=handed[start : start + _UPDATE_BATCH]).update(
                enqueued_at=now
            )
    return len(handed)


def sweep(*, now: datetime | None = None, limit: int = SWEEP_BATCH) -> int:
    """Hand over up to ``limit`` queued rows that are due within reach and not handed over
    yet, or were handed over and are still queued long after they fell due; return how many.

    Rows a delivery holds locked right now are passed over (SKIP LOCKED), as are those another
    sweep is handing over.
    """
    now = now or timezone.now()
    lost = now - timedelta(seconds=settings.NOTIFY_LOST_AFTER_SECONDS)
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(status=Notification.Status.QUEUED, scheduled_for__lte=now + _ahead())
            .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=lost, scheduled_for__lte=lost))
            .order_by("scheduled_for")
            .only("id", "scheduled_for")[:limit]  # all that enqueue reads
        )
        return enqueue(rows, now=now)


def _ahead() -> timedelta:
    return timedelta(hours=settings.NOTIFY_ENQUEUE_AHEAD_HOURS)
