"""Doctors' connections: the CalendarLinks port on the rows, and connecting and disconnecting,
as the doctor pages do them (choosing calendars: adapters.gcal.choices)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from django.db import models, transaction
from django.db.models import Max, Q
from google.oauth2.credentials import Credentials

from scheduler.adapters import metrics
from scheduler.adapters.gcal import oauth, sealing, watch
from scheduler.adapters.gcal.gateway import GoogleCalendarGateway
from scheduler.adapters.gcal.models import CalendarConnection, CalendarFeed, MirroredEvent
from scheduler.adapters.orm import models as rows
from scheduler.services.calendar_sync import (
    MIRRORED,
    BusyCalendar,
    CalendarAccessRevoked,
    CalendarError,
    CalendarLink,
    EventPlace,
)
from scheduler.services.calendar_values import CalendarInfo, Detail

# A queued pull that never started (its message lost with Redis) stops holding others back.
PULL_QUEUE_STALE = timedelta(minutes=10)

log = logging.getLogger(__name__)


class DjangoCalendarLinks:
    """The services' CalendarLinks on CalendarConnection rows."""

    def get(self, doctor_id: int) -> CalendarLink | None:
        row = CalendarConnection.objects.filter(doctor_id=doctor_id).first()
        if row is None:
            return None
        feeds = row.feeds.order_by("pk").values_list("calendar_id", "free_busy_only", "gone")
        horizon = rows.Schedule.objects.filter(doctor_id=doctor_id).aggregate(
            days=Max("horizon_days")
        )["days"]
        return CalendarLink(
            doctor_id=doctor_id,
            target_calendar=row.target_calendar,
            busy_calendars=tuple(BusyCalendar(*feed) for feed in feeds),
            detail=Detail(row.detail),
            broken=row.state == CalendarConnection.State.BROKEN,
            horizon_days=horizon or CalendarLink.horizon_days,
        )

    def gateway(self, doctor_id: int) -> GoogleCalendarGateway:
        return gateway_for(CalendarConnection.objects.get(doctor_id=doctor_id))

    def succeeded(self, doctor_id: int, at: datetime) -> None:
        CalendarConnection.objects.filter(doctor_id=doctor_id).update(
            last_success_at=at, last_error="", last_error_at=None
        )

    def failed(self, doctor_id: int, at: datetime, error: str, *, broken: bool) -> None:
        metrics.CALENDAR_SYNC_ERRORS.labels(scope="connection").inc()
        changes: dict[str, object] = {"last_error": error[:2000], "last_error_at": at}
        if broken:
            changes["state"] = CalendarConnection.State.BROKEN
            log.warning("doctor %s: Google Calendar access is gone (%s)", doctor_id, error)
        CalendarConnection.objects.filter(doctor_id=doctor_id).update(**changes)

    def calendar_read(self, doctor_id: int, calendar_id: str, at: datetime) -> None:
        _feed(doctor_id, calendar_id).update(last_read_at=at, last_error="", last_error_at=None)

    def calendar_failed(
        self, doctor_id: int, calendar_id: str, at: datetime, error: str, *, gone: bool
    ) -> None:
        metrics.CALENDAR_SYNC_ERRORS.labels(scope="calendar").inc()
        if gone:
            log.warning("doctor %s: calendar %s is gone (%s)", doctor_id, calendar_id, error)
        _feed(doctor_id, calendar_id).update(last_error=error[:2000], last_error_at=at, gone=gone)

    def placed(self, appointment_id: uuid.UUID) -> EventPlace | None:
        found = (
            MirroredEvent.objects.filter(appointment_id=appointment_id)
            .values_list("calendar_id", "generation")
            .first()
        )
        return EventPlace(*found) if found else None

    def place(self, doctor_id: int, appointment_id: uuid.UUID, place: EventPlace) -> None:
        MirroredEvent.objects.update_or_create(
            appointment_id=appointment_id,
            defaults={
                "doctor_id": doctor_id,
                "calendar_id": place.calendar_id,
                "generation": place.generation,
            },
        )


def _feed(doctor_id: int, calendar_id: str) -> models.QuerySet[CalendarFeed]:
    return CalendarFeed.objects.filter(connection__doctor_id=doctor_id, calendar_id=calendar_id)


def gateway_for(row: CalendarConnection, *, http: object = None) -> GoogleCalendarGateway:
    """A gateway with the row's credentials; refreshed tokens are stored back, sealed."""
    try:
        refresh_token = sealing.open_sealed(row.refresh_token)
        access_token = sealing.open_sealed(row.access_token)
    except sealing.InvalidToken:
        raise CalendarAccessRevoked(
            "The stored tokens cannot be opened with the token key."
        ) from None
    credentials = oauth.credentials(
        access_token=access_token,
        refresh_token=refresh_token,
        expiry=row.token_expiry,
        scopes=tuple(row.scopes.split()),
    )

    def store(refreshed: Credentials) -> None:
        expiry = refreshed.expiry.replace(tzinfo=UTC) if refreshed.expiry else None
        changes = {"access_token": sealing.seal(refreshed.token or ""), "token_expiry": expiry}
        if refreshed.refresh_token and refreshed.refresh_token != refresh_token:
            changes["refresh_token"] = sealing.seal(refreshed.refresh_token)
        CalendarConnection.objects.filter(pk=row.pk).update(**changes)

    return GoogleCalendarGateway(credentials, http=http, on_tokens=store)


def calendars(doctor_id: int) -> list[CalendarInfo]:
    """The doctor's calendars, as Google lists them now (for the choice on the page)."""
    return gateway_for(CalendarConnection.objects.get(doctor_id=doctor_id)).calendars()


def connection_of(doctor_id: int) -> CalendarConnection | None:
    return CalendarConnection.objects.filter(doctor_id=doctor_id).first()


def connect(doctor_id: int, grant: oauth.Grant) -> CalendarConnection:
    """Store the grant (sealed). A first connection pushes to, and reads busy times from, the
    primary calendar until the doctor chooses otherwise; a reconnection keeps the choices."""
    with transaction.atomic():
        row, created = CalendarConnection.objects.select_for_update().get_or_create(
            doctor_id=doctor_id
        )
        row.refresh_token = sealing.seal(grant.refresh_token)
        row.access_token = sealing.seal(grant.access_token)
        row.token_expiry = grant.expiry
        row.scopes = " ".join(grant.scopes)
        row.state = CalendarConnection.State.CONNECTED
        row.last_error = ""
        row.last_error_at = None
        row.save()
        if created:
            CalendarFeed.objects.create(connection=row, calendar_id="primary")
    try:
        primary = next((c for c in gateway_for(row).calendars() if c.primary), None)
    except CalendarError as error:
        log.info("doctor %s: calendars not listed after connecting: %s", doctor_id, error)
        primary = None
    if primary is not None:
        CalendarConnection.objects.filter(pk=row.pk).update(account=primary.id)
        row.account = primary.id
    return row


def out_of_place(doctor_id: int, target_calendar: str, now: datetime) -> list[uuid.UUID]:
    """Appointments whose event is not where the doctor's choice says: in another calendar,
    or upcoming and missing from the target (booked before connecting, or while it failed)."""
    misplaced = set(
        MirroredEvent.objects.filter(doctor_id=doctor_id)
        .exclude(calendar_id__in=["", target_calendar])
        .values_list("appointment_id", flat=True)
    )
    if target_calendar:
        in_target = MirroredEvent.objects.filter(
            doctor_id=doctor_id, calendar_id=target_calendar
        ).values("appointment_id")
        missing = rows.Appointment.objects.filter(
            doctor_id=doctor_id, end__gt=now, status__in=[status.value for status in MIRRORED]
        ).exclude(id__in=in_target)
        misplaced.update(missing.values_list("id", flat=True))
    return sorted(misplaced)


def claim_pull(doctor_id: int, now: datetime) -> bool:
    """Whether a pull should be queued now: none is queued and not yet started."""
    claimed = (
        CalendarConnection.objects.filter(
            doctor_id=doctor_id, state=CalendarConnection.State.CONNECTED
        )
        .filter(Q(pull_queued_at__isnull=True) | Q(pull_queued_at__lt=now - PULL_QUEUE_STALE))
        .update(pull_queued_at=now)
    )
    return claimed > 0


def pull_started(doctor_id: int) -> None:
    """From here on, a change Google announces needs a pull of its own."""
    CalendarConnection.objects.filter(doctor_id=doctor_id).update(pull_queued_at=None)


def zone_of(doctor_id: int) -> str:
    """The time zone the doctor works in (their first clinic's), for showing times."""
    zone = (
        rows.Clinic.objects.filter(doctors__pk=doctor_id)
        .order_by("pk")
        .values_list("timezone", flat=True)
        .first()
    )
    return zone or "UTC"


def disconnect(doctor_id: int) -> bool:
    """Close the channels, revoke the grant at Google (best effort) and delete the tokens.
    Returns whether Google confirmed the revocation. Busy blocks go at the next pull."""
    row = connection_of(doctor_id)
    if row is None:
        return False
    close_channels(row, watch.channels_of(list(row.feeds.all())))
    try:
        revoked = oauth.revoke(sealing.open_sealed(row.refresh_token))
    except sealing.InvalidToken:
        revoked = False
    row.delete()
    return revoked


def close_channels(row: CalendarConnection, channels: Sequence[tuple[str, str]]) -> None:
    if not channels:
        return
    try:
        watch.close(gateway_for(row), channels)
    except CalendarError as error:
        log.info("doctor %s: channels left to expire: %s", row.doctor_id, error)
