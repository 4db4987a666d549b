"""The ``WaitlistOffers`` port: freed time offered through the bus (in the outbox relay, so a
failure keeps the event for another try), the offer's end and its message queued on Dramatiq,
and the patient's open pages told on the channel layer. ``sweep`` ends the offers whose delayed
message was lost (a Redis that restarted empty, a worker killed holding it) and tells the
patients a lost message never told."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from channels.layers import BaseChannelLayer, get_channel_layer
from django.conf import settings

from scheduler.adapters import realtime
from scheduler.adapters.orm import models as rows
from scheduler.adapters.waitlist import actors
from scheduler.domain.events import SlotOffered, WaitlistEvent
from scheduler.domain.intervals import Interval
from scheduler.domain.waitlist import OfferStatus
from scheduler.services import commands
from scheduler.services.messagebus import MessageBus

SWEEP_BATCH = 100


class DramatiqWaitlistOffers:
    def __init__(
        self, *, bus: Callable[[], MessageBus], layer: BaseChannelLayer | None = None
    ) -> None:
        self._bus = bus
        self._layer = layer

    def offer_freed(self, doctor_id: int, window: Interval) -> None:
        self._bus().handle(
            commands.OfferFreedSlots(doctor_id=doctor_id, start=window.start, end=window.end)
        )

    def offered(self, event: SlotOffered) -> None:
        now = datetime.now(UTC)
        delay = max(int((event.expires_at - now).total_seconds() * 1000), 0)
        actors.expire_offer.send_with_options(args=(str(event.offer_id),), delay=delay or None)
        actors.tell_offer.send(str(event.offer_id))
        self.answered(event)

    def answered(self, event: WaitlistEvent) -> None:
        layer = self._layer or get_channel_layer()
        if layer is None:
            return
        message = {"type": realtime.PATIENT_WAITLIST, "entry_id": event.entry_id}
        realtime.send(layer, [(realtime.patient_group(event.patient_id), message)])


def sweep(*, now: datetime | None = None, limit: int = SWEEP_BATCH) -> int:
    """End up to ``limit`` overdue offers and hand over the messages of offers nobody was told
    of long after they were made; return how much was done."""
    now = now or datetime.now(UTC)
    bus = actors.bus
    ended = 0
    for offer_id in (
        rows.WaitlistOffer.objects.filter(status=OfferStatus.OPEN.value, expires_at__lte=now)
        .order_by("expires_at")
        .values_list("pk", flat=True)[:limit]
    ):
        ended += bool(bus().handle(commands.ExpireOffer(offer_id=offer_id)))
    lost = now - timedelta(seconds=settings.WAITLIST_TELL_LOST_AFTER_SECONDS)
    untold = rows.WaitlistOffer.objects.filter(
        status=OfferStatus.OPEN.value,
        told_at__isnull=True,
        created_at__lte=lost,
        expires_at__gt=now,
    ).values_list("pk", flat=True)[:limit]
    for offer_id in untold:
        actors.tell_offer.send(str(offer_id))
    return ended
