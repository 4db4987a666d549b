"""Reads for a person's own calendar: one booking as .ics, their private feed, and the booking a
signed link from a message names."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.db.models import QuerySet

from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm.actors import actor_for
from scheduler.domain import access
from scheduler.domain.errors import NotAllowed, NotFound
from scheduler.domain.messages import gettext_noop
from scheduler.domain.model import Actor
from scheduler.services.calendar_feeds import digest_of

# A feed holds the visits from a month ago (cancelled ones too, marked so, for the apps to drop
# them) to a year ahead: what a calendar shows, without the whole history each hour.
FEED_PAST = timedelta(days=30)
FEED_AHEAD = timedelta(days=366)

# Longer is no secret this site made: not worth hashing.
SECRET_CHARS = 64


def _with_places() -> QuerySet[rows.Appointment]:
    return rows.Appointment.objects.select_related(
        "doctor__user", "patient__user", "clinic", "dependant"
    )


def _own(viewer: Actor) -> QuerySet[rows.Appointment]:
    scope = access.own_visits_scope(viewer)
    if not scope.field:
        return rows.Appointment.objects.none()
    return _with_places().filter(**{scope.field: scope.value})


def own_appointment(*, viewer: Actor, appointment_id: uuid.UUID) -> rows.Appointment:
    """The viewer's own visit (as its patient or its doctor), or NotFound: for anyone else it
    might as well not exist."""
    appointment = _own(viewer).filter(pk=appointment_id).first()
    if appointment is None:
        raise NotFound(gettext_noop("Appointment not found."))
    return appointment


def feed_holder(*, secret: str) -> rows.User | None:
    """Whose feed the secret opens: None for an unknown, replaced or revoked one, or a closed
    account."""
    if not secret or len(secret) > SECRET_CHARS:
        return None
    feed = (
        rows.PrivateFeed.objects.select_related("user")
        .filter(digest=digest_of(secret), user__is_active=True)
        .first()
    )
    return feed.user if feed is not None else None


def feed_appointments(*, holder: rows.User, now: datetime) -> QuerySet[rows.Appointment]:
    """The holder's own visits in the feed's window; none once they may keep no feed (e.g. a
    doctor no longer verified)."""
    try:
        viewer = actor_for(holder)
        access.ensure_may_keep_calendar_feed(viewer)
    except NotAllowed:
        return rows.Appointment.objects.none()
    return _own(viewer).filter(start__gte=now - FEED_PAST, start__lte=now + FEED_AHEAD)


def feed_created_at(*, user_id: int) -> datetime | None:
    """When the user's feed was made, or None if they have none."""
    feed = rows.PrivateFeed.objects.filter(user_id=user_id).only("created_at").first()
    return feed.created_at if feed is not None else None


def linked_booking(*, appointment_id: uuid.UUID) -> rows.Appointment:
    """The booking a signed link names (the link is the key), or NotFound."""
    appointment = _with_places().filter(pk=appointment_id).first()
    if appointment is None:
        raise NotFound(gettext_noop("Appointment not found."))
    return appointment
