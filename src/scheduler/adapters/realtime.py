"""Channel-layer fan-out of slot changes: group names, the messages on the wire, who sees what.

Groups (Channels allows ``[A-Za-z0-9-_.]``, under 100 characters):

- ``slots.<doctor_id>.<yyyy-mm-dd>``: every open grid of that doctor's day, the date on the
  calendar of the appointment's clinic;
- ``desk.<clinic_id>``: the clinic's desk screens (only its staff join): ``desk.changed`` for
  an appointment, ``desk.repaint`` when a doctor's free time changed for another reason;
- ``patient.<patient_id>``: the patient's own pages ("my appointments"; only that patient's
  socket joins, named from who signed in, never from the URL): ``patient.changed``, the same
  record as the desk's.

A ``slots.changed`` message has a public part, ``slot`` (where, free or taken, an opaque key of
the appointment and its version), and a ``booking`` part (appointment id, status, patient) that
consumers forward only to viewers allowed to see that booking (``slot_view``): visitors and
other patients learn free/taken and nothing else, and who holds a slot (a hold, no visit
yet) only its patient learns. ``desk.changed`` carries the whole booking.

Messages cross Redis as msgpack: only str, int, bool, None, lists and dicts.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from channels.layers import BaseChannelLayer, InMemoryChannelLayer, get_channel_layer
from django.conf import settings

from scheduler.adapters.orm import models as rows
from scheduler.domain import access
from scheduler.domain.appointment import HOLD_STATES
from scheduler.domain.intervals import Interval
from scheduler.domain.model import Actor
from scheduler.services.ports import SlotChange

SLOTS_CHANGED = "slots.changed"
DESK_CHANGED = "desk.changed"
SLOTS_REPAINT = "slots.repaint"
DESK_REPAINT = "desk.repaint"
PATIENT_CHANGED = "patient.changed"
PATIENT_WAITLIST = "patient.waitlist"  # an offer to the patient made, answered or ended
# To every socket of a process whose subscriptions came back after Redis went away (see
# adapters.channel_layer): what was published meanwhile never reached it.
RESUBSCRIBED = "layer.resubscribed"
SEND_TIMEOUT_SECONDS = 10

Message = dict[str, Any]


# -- names --------------------------------------------------------------------------------------


def slot_group(doctor_id: int, day: date) -> str:
    return f"slots.{doctor_id}.{day.isoformat()}"


def desk_group(clinic_id: int) -> str:
    return f"desk.{clinic_id}"


def patient_group(patient_id: int) -> str:
    return f"patient.{patient_id}"


def appointment_key(appointment_id: Any) -> str:
    """A stable name for an appointment that does not reveal its id: what a public grid uses
    to drop a message it has seen."""
    secret = settings.SECRET_KEY.encode()[:64]
    digest = hashlib.blake2b(str(appointment_id).encode(), key=secret, digest_size=9)
    return digest.hexdigest()


# -- the wire ----------------------------------------------------------------------------------


def instant(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def interval_record(interval: Interval) -> Message:
    return {"start": instant(interval.start), "end": instant(interval.end)}


def slot_record(change: SlotChange) -> Message:
    """What anyone watching the grid may know."""
    return {
        "key": appointment_key(change.appointment_id),
        "version": change.version,
        "doctor_id": change.doctor_id,
        "clinic_id": change.clinic_id,
        **interval_record(change.slot),
        "state": "taken" if change.taken else "held" if change.held else "free",
        "released": interval_record(change.released) if change.released else None,
    }


def booking_record(change: SlotChange) -> Message:
    """Who holds the slot: for viewers allowed to see the booking only."""
    return {
        "id": str(change.appointment_id),
        "status": change.status,
        "patient_id": change.patient_id,
    }


def desk_record(change: SlotChange) -> Message:
    return {
        "id": str(change.appointment_id),
        "version": change.version,
        "doctor_id": change.doctor_id,
        "clinic_id": change.clinic_id,
        "patient_id": change.patient_id,
        "status": change.status,
        **interval_record(change.slot),
        "previous": interval_record(change.released) if change.released else None,
    }


def fan_out(change: SlotChange, zone: ZoneInfo) -> list[tuple[str, Message]]:
    """Each group that must hear of ``change`` with its message; a move across days reaches
    both days."""
    days = {change.slot.start.astimezone(zone).date()}
    if change.released is not None:
        days.add(change.released.start.astimezone(zone).date())
    record = desk_record(change)
    slot_message = {
        "type": SLOTS_CHANGED,
        "slot": slot_record(change),
        "booking": booking_record(change),
    }
    slot_messages = [(slot_group(change.doctor_id, day), slot_message) for day in sorted(days)]
    if change.is_hold:  # no visit: the desk's day and the patient's list never show one
        return slot_messages
    return [
        *slot_messages,
        (desk_group(change.clinic_id), {"type": DESK_CHANGED, "appointment": record}),
        (patient_group(change.patient_id), {"type": PATIENT_CHANGED, "appointment": record}),
    ]


def repaints(
    doctor_id: int,
    window: Interval,
    clinics: Sequence[tuple[int, ZoneInfo]],
    change_id: uuid.UUID,
) -> list[tuple[str, Message]]:
    """A fresh-snapshot request to the grids of every day ``window`` touches, on the calendar
    of each clinic the doctor works at (a grid in several of those days' groups gets it once a
    group, and repaints once per ``change_id``); and to those clinics' desks, whose pickers of
    the doctor's free slots in ``window`` reload."""
    last_instant = window.end - timedelta(microseconds=1)
    days: set[date] = set()
    for _, zone in clinics:
        day, last = window.start.astimezone(zone).date(), last_instant.astimezone(zone).date()
        while day <= last:
            days.add(day)
            day += timedelta(days=1)
    message = {"type": SLOTS_REPAINT, "change": str(change_id)}
    desk_message = {
        "type": DESK_REPAINT,
        "availability": {"doctor_id": doctor_id, **interval_record(window)},
    }
    return [
        *((slot_group(doctor_id, day), message) for day in sorted(days)),
        *((desk_group(clinic_id), desk_message) for clinic_id in sorted({c for c, _ in clinics})),
    ]


def slot_view(slot: Message, booking: Message, viewer: Actor | None) -> Message:
    """One slot as ``viewer`` may see it: the booking part only where the API would show it
    (a hold's to its patient only)."""
    return {**slot, "booking": booking if sees_booking(slot, booking, viewer) else None}


def sees_booking(slot: Message, booking: Message, viewer: Actor | None) -> bool:
    """Whether ``slot_view`` shows ``viewer`` the booking: every view of a slot is one of two."""
    if viewer is None:
        return False
    if booking["status"] in HOLD_STATES:
        return access.can_see_holder(viewer, patient_id=booking["patient_id"])
    return access.can_see_booking(
        viewer,
        doctor_id=slot["doctor_id"],
        clinic_id=slot["clinic_id"],
        patient_id=booking["patient_id"],
    )


# -- sending -----------------------------------------------------------------------------------


def clinic_zone(clinic_id: int) -> ZoneInfo:
    name = rows.Clinic.objects.filter(pk=clinic_id).values_list("timezone", flat=True).first()
    return ZoneInfo(name or settings.TIME_ZONE)


class ChannelLayerPublisher:
    """The ``SlotPublisher`` port on a Channels layer; runs in the outbox relay's thread.

    A failed send raises, so the relay keeps the event and tries it again later.
    """

    def __init__(
        self,
        layer: BaseChannelLayer | None = None,
        *,
        zone_of: Callable[[int], ZoneInfo] = clinic_zone,
    ) -> None:
        self._layer = layer
        self._zone_of = zone_of

    def publish(self, change: SlotChange) -> None:
        layer = self._layer or get_channel_layer()
        if layer is None:
            return
        send(layer, fan_out(change, self._zone_of(change.clinic_id)))

    def repaint(self, doctor_id: int, window: Interval, change_id: uuid.UUID) -> None:
        layer = self._layer or get_channel_layer()
        if layer is None:
            return
        clinics = rows.Schedule.objects.filter(doctor_id=doctor_id).values_list(
            "clinic_id", "clinic__timezone"
        )
        zoned = [(clinic_id, ZoneInfo(name)) for clinic_id, name in set(clinics)]
        send(layer, repaints(doctor_id, window, zoned, change_id))


_consumers_loop: asyncio.AbstractEventLoop | None = None
_sending_loop: asyncio.AbstractEventLoop | None = None
_sending_loop_made = threading.Lock()


def consumers_run_here() -> None:
    """Called by each consumer as it connects: the event loop its sockets live on.

    The in-memory layer is a set of asyncio queues that only that loop may touch, so a sync
    caller (the relay thread of ``scheduler serve``) hands its sends to that loop. Redis is
    sent to from a loop of the sender's own (``sending_loop``).
    """
    global _consumers_loop
    _consumers_loop = asyncio.get_running_loop()


def sending_loop() -> asyncio.AbstractEventLoop:
    """This process's loop for sends to Redis, in a thread of its own: the layer keeps one
    connection on it. ``async_to_sync`` from the relay's thread made a thread, a loop and a
    Redis connection for every event, on the way from a commit to the first socket."""
    global _sending_loop
    with _sending_loop_made:
        if _sending_loop is None or _sending_loop.is_closed():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="channel-sends", daemon=True).start()
            _sending_loop = loop
        return _sending_loop


def send(layer: BaseChannelLayer, messages: Sequence[tuple[str, Message]]) -> None:
    async def send_all() -> None:
        for group, message in messages:
            await layer.group_send(group, message)

    if isinstance(layer, InMemoryChannelLayer):
        loop = _consumers_loop
        if loop is None or loop.is_closed() or not loop.is_running():
            return  # no socket ever connected to this process: nobody to tell
    else:
        loop = sending_loop()
    if _running_loop() is loop:
        raise RuntimeError("publish slot changes from sync code, not from the sending loop")
    sent = asyncio.run_coroutine_threadsafe(send_all(), loop)
    try:
        sent.result(timeout=SEND_TIMEOUT_SECONDS)
    except TimeoutError:
        sent.cancel()  # Redis is away: the relay keeps the event and sends it again later
        raise


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
