"""Reads of the notification log for the API."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from scheduler.adapters.notify.models import Notification
from scheduler.domain.model import Actor, Role


def notification_list(
    *,
    viewer: Actor,
    status: str | None = None,
    channel: str | None = None,
    appointment_id: uuid.UUID | None = None,
) -> QuerySet[Notification]:
    """What was sent (or meant) to the viewer; an admin sees every message."""
    query = Notification.objects.order_by("-scheduled_for", "-pk")
    if viewer.role is not Role.ADMIN:
        query = query.filter(recipient_id=viewer.user_id)
    if status:
        query = query.filter(status=status)
    if channel:
        query = query.filter(channel=channel)
    if appointment_id:
        query = query.filter(appointment_id=appointment_id)
    return query
