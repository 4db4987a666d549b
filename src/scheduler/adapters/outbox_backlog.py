"""How far behind the outbox relay is: what readiness and the metrics both read."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Min, Q
from django.utils import timezone

from scheduler.adapters.orm.models import StoredEvent


@dataclass(frozen=True)
class Backlog:
    pending: int
    oldest_age_seconds: float  # 0 when nothing is pending
    dead: int


def read() -> Backlog:
    """One query (the delivery index serves it); pending counts events waiting out a back-off."""
    Delivery = StoredEvent.Delivery
    found = StoredEvent.objects.filter(delivery__in=[Delivery.PENDING, Delivery.DEAD]).aggregate(
        pending=Count("pk", filter=Q(delivery=Delivery.PENDING)),
        dead=Count("pk", filter=Q(delivery=Delivery.DEAD)),
        oldest=Min("created_at", filter=Q(delivery=Delivery.PENDING)),
    )
    oldest = found["oldest"]
    age = max(0.0, (timezone.now() - oldest).total_seconds()) if oldest else 0.0
    return Backlog(pending=found["pending"], oldest_age_seconds=age, dead=found["dead"])
